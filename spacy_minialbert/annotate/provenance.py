"""Which input an output was written from, and which outputs would harm the input.

An output is resumed by skipping the ids already in it, which is only right when the input is
the one it was written from: a different input would be appended silently. So the first run
records the input's identity in ``<output stem>.input.json`` (before writing any record, so a
killed run has it too), and a later run on a non-empty output refuses another input unless told
it is meant (``new_input``), which then adds it to the list.

A file input is identified by its resolved path, its size and the SHA-256 of its first MiB
(cheap on a multi-GB file, and enough to tell apart two exports of the same name); a folder by
its resolved path only, since adding notes to a folder and resuming is ordinary use.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..notes.database import DatabaseNotes
from .output import companion

HEAD_BYTES = 1 << 20
INPUTS_SUFFIX = ".input.json"


@dataclass(frozen=True)
class InputIdentity:
    path: str
    kind: str  # "file", "folder" or "database"
    size: int | None = None
    head_sha256: str | None = None

    def differences(self, other: InputIdentity) -> list[str]:
        """What differs from ``other``, in words (no content, only path, size and digest)."""
        found = []
        for name in ("path", "kind", "size", "head_sha256"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if mine != theirs:
                label = "first MiB (SHA-256)" if name == "head_sha256" else name
                found.append(f"{label} {theirs} -> {mine}")
        return found

    @classmethod
    def from_json(cls, data: Any, where: Path) -> InputIdentity:
        try:
            return cls(**data)
        except TypeError as error:
            raise ValueError(f"{where}: not an input record of annotate ({error}).") from None


def identify_source(source: Any) -> InputIdentity:
    """The identity of a note source: a database table or query (no file) by the database (no
    password) and the table or query, else the file or folder at its ``path``."""
    if isinstance(source, DatabaseNotes):
        return InputIdentity(source.path, "database")
    resolved = Path(source.path).resolve()
    if resolved.is_dir():
        return InputIdentity(str(resolved), "folder")
    with resolved.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    return InputIdentity(
        str(resolved), "file", resolved.stat().st_size, hashlib.sha256(head).hexdigest()
    )


def check_written_paths(input_path: Path, written: Sequence[Path]) -> None:
    """Refuse to write any of ``written`` (the output and its companions) where it would harm
    the input: the input itself (also through a link), or anywhere inside an input folder,
    whose files annotate reads as notes."""
    source = input_path.resolve()
    for path in written:
        target = path.resolve()
        # A database source has no file to compare with.
        same = path.exists() and input_path.exists() and os.path.samefile(path, input_path)
        if target == source or same:
            raise ValueError(
                f"{path} is the input {input_path}: annotate would overwrite the notes it reads. "
                "Give another OUTPUT."
            )
        if source.is_dir() and target.is_relative_to(source):
            raise ValueError(
                f"{path} is inside the input folder {input_path}: annotate reads that folder as "
                "notes and must not write into it. Give an OUTPUT outside it."
            )


def check_resume_input(
    output: Path, errors: Path, identity: InputIdentity, *, new_input: bool
) -> None:
    """Refuse to add to ``output`` (or its ``errors``) written from another input, unless
    ``new_input``; then record ``identity`` as an input of the output."""
    record = companion(output, INPUTS_SUFFIX)
    output_has_data = any(path.exists() and path.stat().st_size > 0 for path in (output, errors))
    previous = _read(record)
    if output_has_data and not new_input:
        if not previous:
            raise ValueError(
                f"{output} holds records, but {record} is missing: which input they came from "
                "is unknown. To add this input's notes to them anyway, give --new-input; else "
                "give another OUTPUT."
            )
        if previous[-1] != identity:
            changes = "; ".join(identity.differences(previous[-1]))
            raise ValueError(
                f"{output} was written from another input ({changes}). Resuming would append "
                "this input's notes to it. To do that, give --new-input; else give another "
                "OUTPUT."
            )
    inputs = previous if output_has_data else []
    if not inputs or inputs[-1] != identity:
        inputs.append(identity)
        _write(record, inputs)


def _read(record: Path) -> list[InputIdentity]:
    if not record.exists():
        return []
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        items = data["inputs"]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{record}: not an input record written by annotate ({error}).") from None
    return [InputIdentity.from_json(item, record) for item in items]


def _write(record: Path, inputs: list[InputIdentity]) -> None:
    """Replace the file in one step, so a kill leaves the old or the new list, never half."""
    record.parent.mkdir(parents=True, exist_ok=True)
    partial = record.with_name(record.name + ".partial")
    text = json.dumps({"inputs": [asdict(item) for item in inputs]}, indent=2) + "\n"
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, record)
