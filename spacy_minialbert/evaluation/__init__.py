"""Evaluation people would rather look at than read: scores as JSON, charts, a displaCy page."""
