"""Making medspaCy's components (and ours) known to spaCy before a saved pipeline is built.

medspaCy registers its factories (``medspacy_context``, ``medspacy_sectionizer``, ...) only as a
side effect of ``import medspacy``, so ``spacy.load`` of a pipeline holding them fails with E002
unless something imports it first. A composed pipeline therefore names, in its own config,

    [nlp.before_creation]
    @callbacks = "spacy-minialbert.MedicalComponents.v1"

spaCy resolves that callback before it creates any component; catalogue finds the name through
this package's ``spacy_callbacks`` entry point, and resolving it imports medspaCy and our medical
factories. Only pipelines that need medspaCy pay for importing it (about 1.5 s).

Why not ``spacy_factories`` entry points named like medspaCy's factories: spaCy 3.7 loads every
``spacy_factories`` entry point whenever any ``Language`` is created (``Language.__init__`` calls
``registry._entry_point_factories.get_all()``), not when a name is looked up. Every
``spacy.blank`` in every process (corpus converters, tokenizer tests, training) would then import
medspaCy with nltk, QuickUMLS and PyRuSH, about 1.2 s, whether or not the pipeline has medspaCy
components, and a broken medspaCy install would break every spaCy pipeline.

No ``from __future__ import annotations``: confection validates the callback's signature.
"""

import warnings
from collections.abc import Callable
from typing import Any

from spacy.util import registry

CALLBACK_NAME = "spacy-minialbert.MedicalComponents.v1"
INSTALL_HINT = "pip install 'spacy-minialbert[medspacy]'"


def register_medical_factories() -> None:
    """Import medspaCy (its factories register on import) and our medical components, and silence
    PyRuSH's per-document DEBUG logging (loguru). Idempotent."""
    try:
        import medspacy  # noqa: F401
    except ImportError as error:
        raise ImportError(
            f"This pipeline uses medspaCy components (ConText, sectionizer); install them with "
            f"{INSTALL_HINT}. ({error})"
        ) from error
    try:
        from loguru import logger
    except ImportError:  # PyRuSH brings loguru; without PyRuSH there is nothing to silence
        pass
    else:
        logger.disable("PyRuSH")
    # medspaCy runs spaCy matchers that hold only phrase patterns, and spaCy warns (W036) that
    # the empty token matcher has no patterns: noise from medspaCy's design, not a problem.
    warnings.filterwarnings("ignore", message=r"\[W036\]", module=r"medspacy\.")
    from . import sentences, target_rules  # noqa: F401  (their factories register on import)


@registry.callbacks(CALLBACK_NAME)
def medical_components_v1(
    then: Callable[[Any], Any] | None = None,
) -> Callable[[Any], Any]:
    """``[nlp.before_creation]`` callback: registers the medical factories, then hands the
    language class to ``then`` (a ``before_creation`` callback the pipeline already had)."""
    register_medical_factories()

    def before_creation(language_class: Any) -> Any:
        return then(language_class) if then is not None else language_class

    return before_creation


def callback_config(existing: dict[str, Any] | None) -> dict[str, Any]:
    """The ``[nlp.before_creation]`` block that registers the medical factories, wrapping the
    pipeline's ``existing`` block (or None); unchanged if it already is ours."""
    if existing and existing.get("@callbacks") == CALLBACK_NAME:
        return dict(existing)
    block: dict[str, Any] = {"@callbacks": CALLBACK_NAME}
    if existing:
        block["then"] = existing
    return block
