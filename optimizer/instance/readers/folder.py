"""Where an instance's files are: the one document in a folder, the base folder of CSV paths.

``trustsource solve DIR`` takes the CSV folder that ``trustsource convert X.yaml DIR/`` writes
(``instance.yaml`` beside its tables), or any folder holding exactly one instance document; a
folder with none or several is a located error naming them, never a guess. ``base_dir`` (the
``--base-dir`` option) names the folder relative CSV paths resolve against: needed for a document
read from stdin, which has no folder of its own (the working directory is the default).
"""

from __future__ import annotations

from pathlib import Path

from ...errors import InstanceError, Issue
from ...safe_files import shown_path

# What a folder may hold as its instance document (the CSV folder of ``convert`` holds
# ``instance.yaml``); CSV tables are data, not documents.
DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")


def document_in_folder(folder: Path) -> Path:
    """The one instance document in ``folder`` (hidden files ignored).

    Raises:
        InstanceError: the folder holds no document, or several (named, so the user can pick
            one), or cannot be listed.
    """
    try:
        names = sorted(
            entry.name
            for entry in folder.iterdir()
            if entry.suffix.lower() in DOCUMENT_SUFFIXES
            and not entry.name.startswith(".")
            and entry.is_file()  # regular files (links to them too): not a FIFO or folder
        )
    except OSError as exc:
        raise InstanceError(
            [Issue(str(folder), None, f"cannot list the folder: {exc.strerror}")]
        ) from None
    if len(names) == 1:
        return folder / names[0]
    kinds = ", ".join(DOCUMENT_SUFFIXES)
    if not names:
        message = (
            f"is a folder holding no instance document ({kinds}); name the document, or "
            "give a folder that holds exactly one (a CSV folder written by `trustsource "
            "convert` holds instance.yaml)"
        )
    else:
        shown = ", ".join(shown_path(n) for n in names[:10])
        more = f" and {len(names) - 10} more" if len(names) > 10 else ""
        message = (
            f"is a folder holding {len(names)} instance documents ({shown}{more}); "
            "name the one to load, e.g. "
            f"{shown_path(str(folder / names[0]))}"
        )
    raise InstanceError([Issue(str(folder), None, message)])


def base_folder(base_dir: str | Path) -> Path:
    """``base_dir`` checked to be an existing folder (a located error otherwise)."""
    path = Path(base_dir)
    if not path.is_dir():
        what = "does not exist" if not path.exists() else "is not a folder"
        raise InstanceError(
            [
                Issue(
                    shown_path(str(path)),
                    "base_dir",
                    f"{what}; the base folder for relative CSV paths must be an existing folder",
                )
            ]
        )
    return path
