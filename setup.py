"""Packaging: a wheel carries the shipped lessons, templates and data inside the package.

The checkout keeps them at the top level (CONTRACT: lessons/, templates/, data/), where
teachers and reviewers find them; a built package copies them into lessonpack/shipped/,
so `pip install lessonpack` needs nothing from the repository.  Editable installs read
the checkout directly.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHIPPED = ("lessons", "templates", "data", "docs")


class BuildWithContent(build_py):
    """build_py that also copies the lesson library into the package."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "lessonpack" / "shipped"
        for name in SHIPPED:
            dest = target / name
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(HERE / name, dest,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))


setup(cmdclass={"build_py": BuildWithContent})
