"""Loading an instance into the workbench: a bundled one, or an upload (YAML, JSON, xlsx or a
zipped CSV folder) written into the session's temporary folder (:class:`Workspace`) and read by
:func:`trustsource.load`, so it is validated exactly as ``trustsource validate`` validates a
file, with the same limits (and a zip's own: members, unpacked bytes, no unsafe paths).
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
import zipfile
from importlib import resources
from pathlib import Path, PurePosixPath

from trustsource import Instance, InstanceError, Issue, load
from trustsource.limits import MAX_CSV_BYTES, MAX_JSON_BYTES, MAX_XLSX_BYTES, MAX_YAML_BYTES

UPLOAD_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx", ".zip")
MAX_ZIP_MEMBERS = 64
"""Files in an uploaded zip (an instance folder holds a document and a few CSV tables)."""
MAX_ZIP_UNPACKED = MAX_YAML_BYTES + 4 * MAX_CSV_BYTES
"""Bytes of an uploaded zip once unpacked: a document and four tables at their own limits."""


def _refuse(name: str, message: str) -> InstanceError:
    return InstanceError([Issue(name, None, message)])


class Workspace:
    """A per-session temporary folder for uploads, removed when the session's object is
    collected (the session ended) or the process exits."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="trustsource-ui-"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.path, ignore_errors=True)
        self._count = 0

    def fresh(self) -> Path:
        """A new empty sub-folder for one upload (earlier uploads are removed)."""
        for old in self.path.iterdir():
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()
        self._count += 1
        folder = self.path / f"upload-{self._count}"
        folder.mkdir()
        return folder

    def close(self) -> None:
        """Remove the folder now."""
        self._finalizer()


def bundled_instances() -> dict[str, Path]:
    """The instances shipped with trustsource: name -> document path."""
    root = Path(str(resources.files("trustsource.instances")))
    return {p.stem: p for p in sorted(root.glob("*.yaml"))}


def load_bundled(name: str) -> Instance:
    """A bundled instance by name (``critical-minerals``)."""
    return load(bundled_instances()[name])


def _safe_name(name: str) -> str:
    base = PurePosixPath(name.replace("\\", "/")).name
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in base) or "upload"


def load_upload(name: str, data: bytes, folder: Path) -> Instance:
    """Validate an uploaded file as the CLI validates a path: YAML, JSON, xlsx, or a zip of an
    instance folder (a document and its CSV tables, as ``trustsource convert`` writes it).

    Raises:
        InstanceError: every located problem, or why the upload was refused (size, type, an
            unsafe zip member).
    """
    safe = _safe_name(name)
    suffix = Path(safe).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise _refuse(safe, f"unknown file type; upload one of {', '.join(UPLOAD_SUFFIXES)}")
    limit = {".json": MAX_JSON_BYTES, ".xlsx": MAX_XLSX_BYTES, ".zip": MAX_ZIP_UNPACKED}
    if len(data) > limit.get(suffix, MAX_YAML_BYTES):
        raise _refuse(safe, f"file too large ({len(data):,} bytes)")
    path = folder / safe
    path.write_bytes(data)
    if suffix != ".zip":
        return load(path)
    target = folder / Path(safe).stem
    _unzip(path, target)
    entries = [p for p in target.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    root = entries[0] if len(entries) == 1 and entries[0].is_dir() else target
    return load(root)


def _unzip(path: Path, target: Path) -> None:
    """Unpack a zip of plain files inside ``target``: no absolute or parent paths, no links,
    at most :data:`MAX_ZIP_MEMBERS` files and :data:`MAX_ZIP_UNPACKED` bytes."""
    try:
        with zipfile.ZipFile(path) as z:
            members = [m for m in z.infolist() if not m.is_dir()]
            if len(members) > MAX_ZIP_MEMBERS:
                raise _refuse(path.name, f"more than {MAX_ZIP_MEMBERS} files in the zip")
            if sum(m.file_size for m in members) > MAX_ZIP_UNPACKED:
                raise _refuse(path.name, "the zip unpacks to more than the input limits allow")
            for m in members:
                parts = PurePosixPath(m.filename).parts
                is_link = (m.external_attr >> 16) & 0o170000 == 0o120000
                if not parts or m.filename.startswith("/") or ".." in parts or is_link:
                    raise _refuse(f"{path.name}: {m.filename}", "unsafe path in the zip")
                out = target.joinpath(*parts)
                out.parent.mkdir(parents=True, exist_ok=True)
                with z.open(m) as src, out.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
    except zipfile.BadZipFile as exc:
        raise _refuse(path.name, f"not a zip file: {exc}") from None
