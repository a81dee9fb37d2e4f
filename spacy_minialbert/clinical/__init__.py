"""Clinical text components: the clinical tokenizer (MIMIC placeholders, abbreviations, dosages)."""

from .tokenizer import TOKENIZER_NAME, ClinicalTokenizer, clinical_nlp

__all__ = ["TOKENIZER_NAME", "ClinicalTokenizer", "clinical_nlp"]
