"""Imports every command module so each registers itself on the app."""

from . import backbone  # noqa: F401
from . import checkpoint  # noqa: F401
from . import evaluate  # noqa: F401
from . import show  # noqa: F401
