"""Reproducible zip files: the same files in → the same zip bytes out.

Everything a zip records besides the file contents is fixed: entries are
sorted, every timestamp is SOURCE_DATE_EPOCH (or 1980-01-01, the earliest a
zip can hold), permissions are rw-r--r--, the "made by" system is Unix, and
there are no extra fields.  Two releases of the same PDFs are therefore
byte-identical, whoever makes them and whenever.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import time
import zipfile
from typing import Mapping

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)       # the zip format cannot store anything earlier
ZIP_LAST = (2107, 12, 31, 23, 59, 58)   # nor anything later
UNIX = 3                                # ZipInfo.create_system
FILE_MODE = stat.S_IFREG | 0o644


def timestamp(environ: Mapping[str, str] | None = None) -> tuple[int, int, int, int, int, int]:
    """The entries' date: SOURCE_DATE_EPOCH in UTC, clamped to what a zip can hold."""
    epoch = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH", "")
    if not epoch.strip().isdigit():
        return ZIP_EPOCH
    when = tuple(time.gmtime(int(epoch))[:6])
    return min(max(when, ZIP_EPOCH), ZIP_LAST)  # type: ignore[return-value]


def sha256sums(files: Mapping[str, bytes]) -> bytes:
    """A SHA256SUMS file in `sha256sum` format, sorted by path, for `sha256sum -c`."""
    lines = [f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n" for name in sorted(files)]
    return "".join(lines).encode("utf-8")


def make_zip(files: Mapping[str, bytes], *, prefix: str = "",
             environ: Mapping[str, str] | None = None) -> bytes:
    """The bytes of a zip holding `files` (posix path → content) under `prefix`."""
    date_time = timestamp(environ)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(prefix + name, date_time=date_time)
            info.create_system = UNIX
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()
