"""``minialbert_clinical_sentencizer``: sentence boundaries for clinical notes that save with the
pipeline.

ConText limits a modifier's scope to its sentence, so the boundaries decide what "denies" can
negate. spaCy's ``sentencizer`` splits only at sentence-final punctuation, and notes often have
none: a line "Denies tobacco" followed by a blank line and a medication list would negate the
whole list. PyRuSH, medspaCy's clinical splitter, cannot be saved with a pipeline. This rule-based
splitter starts a sentence:

- after sentence-final punctuation (spaCy's ``sentencizer`` characters), at the next token that is
  neither punctuation nor whitespace, so closing quotes and brackets stay with their sentence;
- after a blank line (a whitespace token holding two or more line breaks);
- at a list item that begins a line: ``1.``, ``2)``, ``-``, ``*``, ``•``; the period of ``1.`` is
  then not sentence-final.

Whitespace tokens never start a sentence (they end the previous one), and a boundary never falls
inside an entity already in ``doc.ents``, so the splitter can run after ``ner`` and cannot cut a
mention in two. It has no state: its config is all it saves.
"""

# No `from __future__ import annotations`: spaCy validates the factory's signature at run time.
import re
from collections.abc import Iterable
from typing import cast

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc, Token
from thinc.types import Ints2d

FACTORY_NAME = "minialbert_clinical_sentencizer"
# A list marker on its own token: "-", "*", "•" or a one- to three-digit number ("1", "12").
_BULLET = frozenset({"-", "*", "•", "·", "o"})
_NUMBER = re.compile(r"\d{1,3}")


class ClinicalSentencizer:
    """Punctuation, blank-line and list-item sentence boundaries (see the module docstring)."""

    def __init__(
        self,
        name: str = FACTORY_NAME,
        *,
        punct_chars: Iterable[str] | None = None,
        blank_lines: bool = True,
        list_items: bool = True,
    ) -> None:
        self.name = name
        chars = Sentencizer.default_punct_chars if punct_chars is None else list(punct_chars)
        if not chars:
            raise ValueError(f"{name}: punct_chars is empty; give None for spaCy's defaults.")
        self.punct_chars = frozenset(chars)
        self.blank_lines = blank_lines
        self.list_items = list_items

    def __call__(self, doc: Doc) -> Doc:
        starts = self.sentence_starts(doc)
        # One array write: setting token.is_sent_start token by token rescans the doc each time
        # (quadratic on a 40,000-token discharge summary).
        values = numpy.full((len(doc), 1), -1, dtype="int64")
        values[sorted(starts), 0] = 1
        # spaCy's arrays are uint64; -1 ("not a start") wraps around as it does in spaCy itself.
        doc.from_array([SENT_START], cast(Ints2d, values.astype("uint64")))
        return doc

    def sentence_starts(self, doc: Doc) -> set[int]:
        """Indices of the tokens that begin a sentence (always 0 in a non-empty doc)."""
        starts = {0} if len(doc) else set()
        after_punct = after_blank = False
        marker_end = -1  # index of the "." or ")" that belongs to a list marker
        for token in doc:
            if token.is_space:
                after_blank = after_blank or (self.blank_lines and token.text.count("\n") >= 2)
                continue
            if self.list_items and self._is_list_marker(token):
                after_punct = after_blank = True
                if _NUMBER.fullmatch(token.text) and token.i + 1 < len(doc):
                    marker_end = token.i + 1
            due = after_blank or (after_punct and not token.is_punct)
            if due and token.i > 0 and token.ent_iob_ != "I":
                starts.add(token.i)
                after_punct = after_blank = False
            elif due:
                # Inside an entity: no boundary here, and none owed to a later token either.
                after_punct = after_blank = False
            if token.text in self.punct_chars and token.i != marker_end:
                after_punct = True
        return starts

    @staticmethod
    def _is_list_marker(token: Token) -> bool:
        if token.i == 0 or "\n" not in token.doc[token.i - 1].text_with_ws:
            return False
        if token.text in _BULLET:
            return True
        following = token.nbor(1).text if token.i + 1 < len(token.doc) else ""
        return bool(_NUMBER.fullmatch(token.text)) and following in (".", ")")


@Language.factory(
    FACTORY_NAME,
    assigns=["token.is_sent_start", "doc.sents"],
    default_config={"punct_chars": None, "blank_lines": True, "list_items": True},
)
def make_clinical_sentencizer(
    nlp: Language,
    name: str,
    punct_chars: list[str] | None,
    blank_lines: bool,
    list_items: bool,
) -> ClinicalSentencizer:
    """punct_chars: sentence-final characters (None: spaCy's ``sentencizer`` defaults).
    blank_lines: start a sentence after a blank line. list_items: start one at a list item that
    begins a line."""
    return ClinicalSentencizer(
        name, punct_chars=punct_chars, blank_lines=blank_lines, list_items=list_items
    )
