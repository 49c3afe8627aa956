"""Definitions one click away (issue 18, build 2): the one text of each measure the pages show."""

from __future__ import annotations

from benchlearn.report import text as tx

#: Definition of every measure a chart or table of the municipality and benchmark pages shows:
#: measure -> its entry of ui_text.toml. The one text of each, shown in a "?" disclosure next to
#: the measure, listed on /metode#definitioner and written out in docs/DEFINITIONS.md
#: (tests/test_comparator.py holds the docs to the catalogue, word for word).
DEFINITIONS = {
    "diff_pp": "definition.diff_pp", "interval": "definition.interval", "tier": "definition.tier",
    "rank": "definition.rank", "published_rank": "definition.published_rank", "shares": "definition.shares",
    "full_time_persons": "definition.full_time_persons", "potential": "definition.potential",
    "comparator": "definition.comparator", "funnel": "definition.funnel", "stability": "definition.stability",
    "distance": "definition.distance", "learning_partner": "definition.learning_partner",
    "shrunk": "definition.shrunk", "p_top10": "definition.p_top10",
}
#: result column -> the measure whose definition its table header opens
COLUMN_DEFINITIONS = {
    "diff_pp": "diff_pp", "ci_low_pp": "interval", "ci_high_pp": "interval", "rank": "rank", "rank_ci_low": "rank",
    "rank_ci_high": "rank", "published_rank": "published_rank", "tier": "tier", "actual": "full_time_persons",
    "expected": "full_time_persons", "shrunk_diff_pp": "shrunk", "p_top10": "p_top10", "potentiale_persons": "potential",
    "actual_share": "shares", "expected_share": "shares",
}


def definition(measure: str) -> str:
    """The definition of ``measure`` in the language in force."""
    return tx.say(DEFINITIONS[measure])
