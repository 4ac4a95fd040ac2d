# lessonpack: `make packs` builds every PDF into output/; `make test` runs the tests.
# Both set up everything first: Debian packages (when root), .venv, Python packages.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEBS   := libharfbuzz-subset0 poppler-utils fonts-sil-andika fonts-opendyslexic fonts-open-sans zbar-tools chromium
JOBS   ?=

.PHONY: packs test setup debs check clean release bench mutations

packs: setup
	$(PY) build.py build $(if $(JOBS),--jobs $(JOBS))

test: setup
	$(PY) -m pytest -n auto   # one test process per CPU (5½ min on 2 CPUs)

check: setup
	$(PY) build.py check

release: setup
	$(PY) build.py release

bench: setup
	$(VENV)/bin/pip install --quiet -e '.[bench]'
	$(PY) benchmarks/bench.py

mutations: setup
	$(PY) benchmarks/mutations.py

setup: debs $(STAMP)

# Debian packages WeasyPrint needs for speed and byte-identical PDFs, the fonts we
# print with, poppler/zbar for the tests and Chromium for the browser tests of `serve`.
# Installed only when root and missing.
debs:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "warning: missing Debian packages:$$missing (run 'sudo make setup' or install them)"; \
	  fi; \
	fi

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf output dist .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
