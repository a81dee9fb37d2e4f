"""The package builds on spacy-transformers and thinc through their public APIs only: no private
name (``_name``) or private module is imported from them, and the spaCy layer reads or writes no
private attribute of anything, so a release of either that keeps its public API cannot break it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import spacy_minialbert

PACKAGE = Path(spacy_minialbert.__file__).parent
LIBRARIES = ("spacy_transformers", "thinc")
# Public names in private-looking places: thinc's pytorchwrapper module is public, but its
# forward is not part of the documented API (PyTorchWrapper_v2 is).
FORBIDDEN = {("thinc.layers.pytorchwrapper", "forward")}


def imports(tree: ast.AST) -> list[tuple[str, str, int]]:
    """``(module, name, line)`` for every name imported (``name`` empty for ``import x``)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "", node.lineno) for alias in node.names]
    return found


def private(module: str, name: str) -> bool:
    parts = [*module.split("."), *([name] if name else [])]
    return any(part.startswith("_") and not part.startswith("__") for part in parts)


def test_no_private_name_of_spacy_transformers_or_thinc_is_imported() -> None:
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for module, name, line in imports(ast.parse(path.read_text(), str(path))):
            if module.split(".")[0] not in LIBRARIES:
                continue
            if private(module, name) or (module, name) in FORBIDDEN:
                offences.append(f"{path.relative_to(PACKAGE)}:{line}: {module} {name}")
    assert not offences, "\n".join(offences)


def test_the_spacy_layer_touches_no_private_attribute() -> None:
    offences = []
    for path in sorted((PACKAGE / "pipeline").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            # ``doc._`` is spaCy's public namespace for extensions.
            if isinstance(node, ast.Attribute) and node.attr != "_" and private("", node.attr):
                offences.append(f"pipeline/{path.name}:{node.lineno}: .{node.attr}")
    assert not offences, "\n".join(offences)


def test_the_checks_see_a_private_import() -> None:
    source = "from spacy_transformers.layers.transformer_model import _convert_transformer_inputs"
    (module, name, _), *_ = imports(ast.parse(source))
    assert private(module, name)
    assert private("thinc.layers._util", "")
    assert not private("thinc.api", "PyTorchWrapper_v2")
