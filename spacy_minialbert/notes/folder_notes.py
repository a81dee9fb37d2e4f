"""Notes from a folder of ``.txt`` files, one note per file, found recursively in sorted order (so
a re-run meets them in the same order). A note's id is its path relative to the folder without the
suffix (``2150/note-17``); the suffix is matched in any case (``NOTE.TXT`` is a note). Its text is
the file's content exactly (line ends kept), except a UTF-8 byte-order mark at the start: the mark
is not part of the note, so it is removed and character offsets count from the character after it.

Every entry under the folder is one record, so nothing is passed over unseen:

- a ``.txt`` file: a note, or failed (``unreadable file``: a broken symbolic link, no permission;
  ``not a regular file``: a pipe or device, never opened since reading it could block;
  ``unreadable encoding``, ``empty text``);
- any other file: skipped (``not a .txt file``);
- a folder: its entries; a folder that cannot be listed is failed (``unreadable folder``), and a
  symbolic link back to a folder being read already is skipped (``symlink loop``: its notes are
  read once, under their own path);
- an entry whose kind cannot be told (a link to a missing target, a link to itself): failed
  (``unreadable file``)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from .encoding import DEFAULT_ENCODING, checked_encoding, decode, utf8_bom_length
from .records import (
    NOT_A_NOTE_FILE,
    NOT_A_REGULAR_FILE,
    SYMLINK_LOOP,
    UNREADABLE_FILE,
    UNREADABLE_FOLDER,
    InputItem,
    Rejected,
    check_note,
)

SUFFIX = ".txt"


class FolderNotes:
    """A folder of text files as a :class:`~.records.NoteSource`; progress counts entries."""

    unit = "file"

    def __init__(self, path: Path, *, encoding: str = DEFAULT_ENCODING) -> None:
        self.path = str(path)
        self._root = path
        self.encoding = checked_encoding(encoding)
        # Listing names is cheap next to annotating the notes, and gives the bar its total.
        self.total: int | None = sum(1 for _ in _walk(path))
        self._done = 0

    def position(self) -> int:
        return self._done

    def items(self) -> Iterator[InputItem]:
        for found in _walk(self._root):
            self._done += 1
            yield found if isinstance(found, Rejected) else self._item(found)

    def _item(self, path: Path) -> InputItem:
        source = str(path)
        note_id = _note_id(self._root, path) or source
        try:
            data = path.read_bytes()
        except OSError as error:
            return Rejected(note_id, source, "failed", UNREADABLE_FILE, _os_reason(error))
        text = decode(data[utf8_bom_length(data, self.encoding) :], self.encoding)
        return check_note(note_id, text, source)


def _walk(root: Path) -> Iterator[Path | Rejected]:
    """Every entry under ``root``, depth first, names sorted at every level: a ``.txt`` file to
    read, or the record of an entry that is not a note."""
    info = os.stat(root)
    yield from _walk_folder(root, root, {(info.st_dev, info.st_ino)})


def _walk_folder(
    root: Path, folder: Path, open_folders: set[tuple[int, int]]
) -> Iterator[Path | Rejected]:
    # open_folders: (device, inode) of this folder and the folders above it, to see a loop.
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as error:
        yield Rejected(None, str(folder), "failed", UNREADABLE_FOLDER, _os_reason(error))
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            info = entry.stat()  # follows a symbolic link to what it names
        except OSError as error:
            detail = _os_reason(error)
            if entry.is_symlink():
                detail = f"symbolic link to {os.readlink(path)!r}: {detail}"
            yield Rejected(_note_id(root, path), str(path), "failed", UNREADABLE_FILE, detail)
            continue
        if stat.S_ISDIR(info.st_mode):
            identity = (info.st_dev, info.st_ino)
            if identity in open_folders:
                detail = f"a link back to {os.path.realpath(path)}, which is being read already"
                yield Rejected(None, str(path), "skipped", SYMLINK_LOOP, detail)
                continue
            yield from _walk_folder(root, path, open_folders | {identity})
        elif not entry.name.lower().endswith(SUFFIX):
            yield Rejected(None, str(path), "skipped", NOT_A_NOTE_FILE)
        elif not stat.S_ISREG(info.st_mode):
            detail = "a pipe, socket or device is not read as a note"
            yield Rejected(_note_id(root, path), str(path), "failed", NOT_A_REGULAR_FILE, detail)
        else:
            yield path


def _note_id(root: Path, path: Path) -> str | None:
    """The id of the note ``path`` holds or would hold: its path under ``root`` without ``.txt``
    (None for a file that is not a note)."""
    if not path.name.lower().endswith(SUFFIX):
        return None
    return path.relative_to(root).with_suffix("").as_posix()


def _os_reason(error: OSError) -> str:
    # strerror, not str(error): the message repeats the path the record already names.
    return error.strerror or type(error).__name__
