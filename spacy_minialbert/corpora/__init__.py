"""Clinical corpus converters: typed records and one reader per format, conversion to spaCy
``Doc`` objects with a full account of what changed, and a group-aware train/dev splitter.

Formats (command-line names): ``i2b2-2010``, ``i2b2-2012``, ``i2b2-2014``, ``brat``, ``conll``,
``mimic-noteevents``, ``mimic-iv-note``, ``mtsamples``; see each reader's module for its input
layout and quirks."""

from .account import Account, account_path
from .brat import brat_documents
from .conll import conll_documents
from .conversion import StrictModeError, convert_corpus
from .docs import record_to_doc
from .extensions import register_span_extensions, span_assertion, span_attributes
from .i2b2_2010 import i2b2_2010_documents
from .i2b2_2012 import i2b2_2012_documents
from .i2b2_2014 import i2b2_2014_documents
from .labels import LabelMap
from .mimic import NOTE_CATEGORIES, mimic_noteevents_documents
from .mtsamples import mtsamples_documents
from .records import DocumentRecord, GoldEntity, Issue
from .split import assign_dev_groups, split_docbin, split_docs
from .writers import write_docbin

__all__ = [
    "NOTE_CATEGORIES",
    "Account",
    "DocumentRecord",
    "GoldEntity",
    "Issue",
    "LabelMap",
    "StrictModeError",
    "account_path",
    "assign_dev_groups",
    "brat_documents",
    "conll_documents",
    "convert_corpus",
    "i2b2_2010_documents",
    "i2b2_2012_documents",
    "i2b2_2014_documents",
    "mimic_noteevents_documents",
    "mtsamples_documents",
    "record_to_doc",
    "register_span_extensions",
    "span_assertion",
    "span_attributes",
    "split_docbin",
    "split_docs",
    "write_docbin",
]
