"""Citizen, caseworker and business surveys: scoring, raking, suppression (+ the instruments' TOML)."""
