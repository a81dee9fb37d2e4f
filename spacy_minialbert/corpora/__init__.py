"""Clinical corpus converters: typed records and one reader per format, conversion to spaCy
``Doc`` objects with a full account of what changed, and a group-aware train/dev splitter.

Formats (command-line names): ``i2b2-2010``, ``i2b2-2012``, ``i2b2-2014``, ``brat``, ``conll``,
``mimic-noteevents``, ``mtsamples``; see each reader's module for its input layout and quirks."""

from .account import Account, AccountEntry, account_path
from .brat import DISCONTINUOUS_POLICIES, brat_documents
from .conll import SCHEMES, conll_documents
from .conversion import StrictModeError, convert_corpus
from .docs import ALL_SPANS, MISALIGNED_POLICIES, align, record_to_doc
from .extensions import (
    doc_group,
    register_span_extensions,
    span_assertion,
    span_attributes,
)
from .formats import CORPUS_FORMATS, CorpusFormat, corpus_format, read_documents
from .i2b2_2010 import i2b2_2010_documents
from .i2b2_2012 import EVENT_TYPES, TIMEX3_TYPES, i2b2_2012_documents
from .i2b2_2014 import PHI_CATEGORIES, i2b2_2014_documents
from .labels import LabelMap
from .mimic import NOTE_CATEGORIES, mimic_noteevents_documents
from .mtsamples import mtsamples_documents
from .records import DocumentRecord, GoldEntity, Issue, RelationRecord
from .split import SplitReport, assign_dev_groups, split_docbin, split_docs
from .writers import write_docbin, write_texts

__all__ = [
    "ALL_SPANS",
    "CORPUS_FORMATS",
    "DISCONTINUOUS_POLICIES",
    "EVENT_TYPES",
    "MISALIGNED_POLICIES",
    "NOTE_CATEGORIES",
    "PHI_CATEGORIES",
    "SCHEMES",
    "TIMEX3_TYPES",
    "Account",
    "AccountEntry",
    "CorpusFormat",
    "DocumentRecord",
    "GoldEntity",
    "Issue",
    "LabelMap",
    "RelationRecord",
    "SplitReport",
    "StrictModeError",
    "account_path",
    "align",
    "assign_dev_groups",
    "brat_documents",
    "conll_documents",
    "convert_corpus",
    "corpus_format",
    "doc_group",
    "i2b2_2010_documents",
    "i2b2_2012_documents",
    "i2b2_2014_documents",
    "mimic_noteevents_documents",
    "mtsamples_documents",
    "read_documents",
    "record_to_doc",
    "register_span_extensions",
    "span_assertion",
    "span_attributes",
    "split_docbin",
    "split_docs",
    "write_docbin",
    "write_texts",
]
