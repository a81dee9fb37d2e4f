"""Imports every command module so each registers itself on the app."""

from . import (  # noqa: F401
    backbone,
    checkpoint,
    convert,
    distill,
    evaluate,
    show,
)
