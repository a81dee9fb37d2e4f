"""The clinical tokenizer: spaCy's rules for the pipeline's language (English) plus MIMIC
de-identification placeholders, clinical abbreviations and dosages.

Rules on top of the language's prefixes, suffixes, infixes and exceptions:

- Every MIMIC placeholder ``[** ... **]`` is one token with its exact offsets, inner spaces
  included (``[**First Name (Titles) **]``, ``[** **]``, ``[**2150-3-4**]``), also when glued to
  its neighbours (``Dr.[**Name**]'s`` is ``Dr.`` ``[**Name**]`` ``'s``). BioClinicalBERT, the
  teacher of clinical MiniALBERT, saw each placeholder as one unit. A placeholder does not cross a
  line end, and an unclosed ``[**`` is ordinary text.
- Every MIMIC-IV-Note redaction ``___`` (three or more underscores) is one token too, glued or
  not (``Name: ___``, ``___ y/o``, ``Dr.___'s`` is ``Dr.`` ``___`` ``'s``).
- A run of symbols is one token: one symbol three or more times (``=====``, ``*****``, ``!!!``,
  as spaCy already makes ``-----`` and ``.....``), a pattern of two to four symbols repeated three
  or more times (``-=-=-=``, ``*~*~*~``), and any 32 or more symbols in a row. Symbols are
  characters that are neither letters, digits nor whitespace, and the underscore. Left to spaCy,
  such a run is cut one character at a time, each cut searching the rest of the run again:
  quadratic (a 50,000-character ``=====`` line took minutes); here it is one pass over the text.
  A word between spaces that is one of the tokenizer's exceptions (``^___^``) keeps its
  exception.
- Dotted abbreviations keep their periods: any run of single letters each followed by a period
  (``b.i.d.``, ``t.i.d.``, ``q.d.``, ``p.o.``, ``p.r.n.``, ``q.h.s.``, ``y.o.``, ``e.g.``), and
  dosing intervals ``q4h``, ``q.4h.``, ``q4-6h``, ``q6hrs`` (``q12h.`` is ``q12h`` and a
  period; a dotted abbreviation ending a sentence keeps the period, as spaCy does for ``a.m.``).
- Slash abbreviations stay whole: ``s/p``, ``w/``, ``w/o``, ``c/o``, ``h/o``, ``d/c``, ``r/o``,
  ``n/v``, ``f/u`` (lower, upper and title case).
- A number glued to a unit is split from it, and units stay apart from ``/``: ``500mg`` ->
  ``500`` ``mg``, ``2.5mL`` -> ``2.5`` ``mL``, ``10mg/kg`` -> ``10`` ``mg`` ``/`` ``kg``
  (units: mcg, mg, g, gm, kg, ng, ml, dl, l, cc, unit(s), u, iu, meq, mmol, mmhg, mm, cm, any
  case); a sentence period after such a unit is its own token (``2.5mL.``).
- Mention edges that spaCy would hide inside a token are split, so annotations align: a period
  after a single capital (``hepatitis C.`` -> ``C`` ``.``; an initial ``J.`` loses its period
  too), brackets glued between word characters (``DMD)or``, ``patient(s)``), and a hyphen
  between a letter and a digit (``IL-2``, ``retardation-1``).
- As spaCy has them: ``Dr.``, ``x2`` (one token), ``120/80`` (one token, as in ``BP 120/80``),
  ``98.6F``, ``3yo``, ``2-3`` (``2`` ``-`` ``3``), the English exceptions (``Ia.`` stays one
  token, being a state abbreviation).

The document text always equals the input exactly. The tokenizer saves with the pipeline
(``nlp.to_disk``) and is found again by ``spacy.load`` through the package's entry point."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacy.attrs import ORTH
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex, registry

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.vocab import Vocab

TOKENIZER_NAME = "spacy-minialbert.ClinicalTokenizer.v1"

# No nested "[**" inside, no line end: a stray "[**" cannot swallow the next real placeholder.
PLACEHOLDER = re.compile(r"\[\*\*(?:(?!\[\*\*)[^\n])*?\*\*\]")
# A symbol: not a letter, digit or whitespace character (the underscore, a word character to
# ``re``, counts as a symbol: MIMIC-IV redactions are runs of it).
SYMBOL = r"(?:[^\w\s]|_)"
# Tried at each position in this order: one symbol three or more times; a pattern of two to four
# symbols three or more times; any 32 or more symbols. What is left to spaCy between matches has
# fewer than 32 symbols in a row, so its one-at-a-time affix splitting stays cheap.
SYMBOL_RUN = re.compile(
    rf"({SYMBOL})\1{{2,}}"
    rf"|({SYMBOL}{{2,4}})\2{{2,}}"
    rf"|{SYMBOL}{{32,}}"
)
# Three symbols in a row, where every run begins: a cheap first look (most notes have none),
# and then the whole stretch of symbols, in which SYMBOL_RUN looks for runs.
RUN_START = re.compile(rf"{SYMBOL}{{3}}")
SYMBOLS = re.compile(rf"{SYMBOL}+")
# The word around a run (spaCy's unit for exceptions: text between whitespace) is found from
# the last whitespace before the run and the non-whitespace after it.
TO_LAST_SPACE = re.compile(r".*\s", re.DOTALL)
WORD_TAIL = re.compile(r"\S*")
# "q.4h." owns its final period (it opened with one); "q4h." is q4h and a sentence period.
ABBREVIATION = r"(?:[A-Za-z]\.){2,}|(?i:q\.\d+(?:-\d+)?(?:h|hrs?)\.?|q\d+(?:-\d+)?(?:h|hrs?))"
SLASH_ABBREVIATIONS = ("s/p", "w/", "w/o", "c/o", "h/o", "d/c", "r/o", "n/v", "f/u")
UNITS = "mcg|mg|g|gm|kg|ng|ml|dl|l|cc|units|unit|u|iu|meq|mmol|mmhg|mm|cm"
# Zero-width: the split falls between the digit and a unit that ends the unit word.
UNIT_INFIX = rf"(?<=[0-9])(?=(?i:{UNITS})(?![A-Za-z]))"
# spaCy splits a final period only after a lowercase letter or two capitals; clinical text ends
# sentences on "2.5mL.", "hepatitis C.", "protein S.", whose period is not part of the word.
PERIOD_SUFFIXES = (r"(?<=[a-z][A-Z])\.", r"(?<=[0-9][A-Z])\.", r"(?<=\b[A-Z])\.")
# Brackets glued between word characters ("DMD)or", "patient(s)"), and a hyphen before a digit
# ("retardation-1", "IL-2"), so a mention's edge can fall there.
EXTRA_INFIXES = (r"(?<=[A-Za-z0-9])[()\[\]](?=[A-Za-z0-9])", r"(?<=[A-Za-z])-(?=[0-9])")


class ClinicalTokenizer:
    """Placeholders, redactions and symbol runs as single tokens around a spaCy ``Tokenizer``
    (``base``) that holds every other rule; serialisation is the base tokenizer's. The extra rules
    are code, not saved data, so a pipeline saved before they existed gets them when loaded."""

    def __init__(self, vocab: Vocab, base: Tokenizer) -> None:
        self.vocab = vocab
        self.base = base

    def __call__(self, text: str) -> Doc:
        units = self.single_token_spans(text)
        if not units:
            return self.base(text)
        pieces: list[Doc] = []
        position = 0
        for start, end in units:
            if start > position:
                pieces.append(self.base(text[position:start]))
            # One following space is the unit's own whitespace, as spaCy does for words.
            space = text.startswith(" ", end)
            pieces.append(Doc(self.vocab, words=[text[start:end]], spaces=[space]))
            position = end + int(space)
        if position < len(text):
            pieces.append(self.base(text[position:]))
        return Doc.from_docs(pieces, ensure_whitespace=False)

    def single_token_spans(self, text: str) -> list[tuple[int, int]]:
        """``(start, end)`` of every placeholder, redaction and symbol run of ``text``, in order;
        each becomes one token. Placeholders are found first, so a run never eats into one."""
        spans: list[tuple[int, int]] = []
        position = 0
        if "[**" in text:
            for match in PLACEHOLDER.finditer(text):
                spans.extend(self._symbol_runs(text, position, match.start()))
                spans.append(match.span())
                position = match.end()
        spans.extend(self._symbol_runs(text, position, len(text)))
        return spans

    def _symbol_runs(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        found = RUN_START.search(text, start, end)
        if found is None:
            return []
        exceptions = self.base.rules or {}
        runs: list[tuple[int, int]] = []
        # Each character is scanned a bounded number of times: stretches of symbols once, and
        # the bounds of a word once, from where the previous run ended.
        scanned = word_start = word_end = start
        exception = False
        while found is not None:
            stretch_end = _end_of(SYMBOLS, text, found.start(), end)
            for run in SYMBOL_RUN.finditer(text, found.start(), stretch_end):
                if run.start() >= word_end:  # the first run of a word
                    space = TO_LAST_SPACE.match(text, scanned, run.start())
                    if space is not None:
                        word_start = space.end()
                    word_end = _end_of(WORD_TAIL, text, run.end(), end)
                    exception = text[word_start:word_end] in exceptions
                scanned = run.end()
                if not exception:
                    runs.append(run.span())
            found = RUN_START.search(text, stretch_end, end)
        return runs

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    def add_special_case(self, string: str, substrings: list[dict[int | str, Any]]) -> None:
        """Add a tokenization exception to the base tokenizer (saved with it)."""
        self.base.add_special_case(string, substrings)

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return self.base.to_bytes(exclude=exclude)

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> ClinicalTokenizer:
        self.base.from_bytes(data, exclude=exclude)
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        self.base.to_disk(path, exclude=exclude)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> ClinicalTokenizer:
        self.base.from_disk(path, exclude=exclude)
        return self


def _end_of(pattern: re.Pattern[str], text: str, start: int, end: int) -> int:
    """Where ``pattern`` stops matching ``text`` from ``start`` (``start`` if it does not)."""
    match = pattern.match(text, start, end)
    return match.end() if match is not None else start


def build_base_tokenizer(nlp: Language) -> Tokenizer:
    """The language's spaCy tokenizer with the clinical abbreviation, slash and unit rules."""
    defaults = nlp.Defaults
    rules = dict(defaults.tokenizer_exceptions)
    for abbreviation in SLASH_ABBREVIATIONS:
        for variant in {abbreviation, abbreviation.upper(), abbreviation.capitalize()}:
            rules[variant] = [{ORTH: variant}]
    token_match = ABBREVIATION
    if defaults.token_match is not None:
        # Keep the language's own token_match (regex-backed, so it can be serialised).
        token_match = f"(?:{ABBREVIATION})|(?:{defaults.token_match.__self__.pattern})"  # type: ignore[attr-defined]
    return Tokenizer(
        nlp.vocab,
        rules=rules,
        prefix_search=compile_prefix_regex(defaults.prefixes).search if defaults.prefixes else None,
        suffix_search=compile_suffix_regex([*(defaults.suffixes or ()), *PERIOD_SUFFIXES]).search,
        infix_finditer=compile_infix_regex(
            [*(defaults.infixes or ()), UNIT_INFIX, *EXTRA_INFIXES]
        ).finditer,
        token_match=re.compile(rf"^(?:{token_match})$").match,
        url_match=defaults.url_match,
    )


@registry.tokenizers(TOKENIZER_NAME)
def create_clinical_tokenizer() -> Callable[[Language], ClinicalTokenizer]:
    """``[nlp.tokenizer] @tokenizers = "spacy-minialbert.ClinicalTokenizer.v1"``."""

    def make(nlp: Language) -> ClinicalTokenizer:
        return ClinicalTokenizer(nlp.vocab, build_base_tokenizer(nlp))

    return make


def clinical_nlp(lang: str = "en") -> Language:
    """A blank ``lang`` pipeline whose tokenizer is the clinical one."""
    import spacy

    return spacy.blank(lang, config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER_NAME}}})
