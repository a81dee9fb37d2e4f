"""Evaluation people would rather look at than read: scores as JSON, charts, a displaCy page."""

from .scores import LabelScore, PipelineScores, score_pipeline

__all__ = ["LabelScore", "PipelineScores", "score_pipeline"]
