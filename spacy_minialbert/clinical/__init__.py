"""Clinical text components: the clinical tokenizer (MIMIC placeholders, abbreviations, dosages)."""

from .tokenizer import (
    TOKENIZER_NAME,
    ClinicalTokenizer,
    build_base_tokenizer,
    clinical_nlp,
    create_clinical_tokenizer,
)

__all__ = [
    "TOKENIZER_NAME",
    "ClinicalTokenizer",
    "build_base_tokenizer",
    "clinical_nlp",
    "create_clinical_tokenizer",
]
