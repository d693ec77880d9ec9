"""Exporters: pandas frames, JSON Schema, JSON Logic, FHIR, SQL."""
