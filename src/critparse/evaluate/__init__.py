"""Evaluation against annotated corpora (chia: entities; lct: thresholds)."""
