"""Assessments built on results: classification schemes, tilsyn, costs, surveys."""
