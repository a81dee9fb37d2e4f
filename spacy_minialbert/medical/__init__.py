"""medspaCy around a trained pipeline: sentence boundaries that save, the sectionizer, ConText and
target rules, composed without touching the tokenizer, loadable by ``spacy.load`` without a
manual ``import medspacy``. See ``docs/annotate.md``.

Importing this package does not import medspaCy; :func:`add_clinical_context` and the
``spacy-minialbert.MedicalComponents.v1`` callback do.
"""

from .compose import add_clinical_context
from .registration import CALLBACK_NAME

__all__ = ["CALLBACK_NAME", "add_clinical_context"]
