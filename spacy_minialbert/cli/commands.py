"""Imports every command module so each registers itself on the app."""

from . import (  # noqa: F401
    annotate,
    backbone,
    convert,
    distill,
    evaluate,
    medical,
    omop,
    quantize,
    serve,
    show,
    spark,
)
