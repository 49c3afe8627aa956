"""Municipal accounts (Statistics Denmark REGK31) -> the contract's ``costs`` table.

The employment effort in the municipal chart of accounts (the Ministry of the Interior's
"Budget- og regnskabssystem for kommuner"): function 5.68 *Arbejdsmarkedsforanstaltninger*
(the active measures: 5.68.90 operating costs of the municipal employment effort, 5.68.91
the effort for insured unemployed, 5.68.95-98 wages, service jobs, senior jobs and other
schemes) and function 6.45.51 *Jobcentre* (the jobcentre administration). REGK31 holds the
accounts per municipality, function, dranst (operating, capital, …), art and price unit in
1,000 kr; BUDK32 the budgets in the same shape.

Selection by value *texts and patterns* (resolved with ``tableinfo``, see
:class:`benchlearn.sources.statbank.StatbankClient`), so a changed text fails loudly
instead of fetching the wrong slice. The texts below follow Statistics Denmark's public
table documentation; they were not checked against a live ``tableinfo`` (no network here),
and the recorded answers in ``tests/recorded/statbank/`` are reconstructed in that shape
with invented values.
"""

from __future__ import annotations

import pandas as pd

from benchlearn.core.errors import DataError
from benchlearn.sources.statbank import TIME_COLUMN, Extract

#: function number -> contract cost category [choice]
CATEGORY_OF_FUNCTION: dict[str, str] = {
    "6.45.51": "administration",
    "5.68.90": "aktive_tilbud",
    "5.68.91": "aktive_tilbud",
    "5.68.95": "other",
    "5.68.96": "other",
    "5.68.97": "other",
    "5.68.98": "other",
}

def _extract(table: str, what_da: str) -> Extract:
    """The same slice of REGK31 (accounts) and BUDK32 (budgets)."""
    return Extract(
        f"{table.lower()}_beskaeftigelse", table,
        {"OMRÅDE": ("*",), "FUNKTION": tuple(f"{f}*" for f in CATEGORY_OF_FUNCTION),
         "DRANST": ("1 Drift",), "ART": ("Udgifter i alt",), "PRISENHED": ("Løbende priser",), "Tid": ("*",)},
        lang="da",
        note=f"kommunernes {what_da}, funktion 5.68 og 6.45.51, drift, udgifter, 1.000 kr.",
    )


REGK31 = _extract("REGK31", "regnskaber")
BUDK32 = _extract("BUDK32", "budgetter")
ACCOUNT_EXTRACTS: dict[str, Extract] = {e.name: e for e in (REGK31, BUDK32)}


def to_costs(tidy: pd.DataFrame, *, table: str = "REGK31", source: str | None = None,
             unit_dkk: float = 1000.0) -> pd.DataFrame:
    """Shape REGK31/BUDK32 rows (after :func:`~benchlearn.sources.statbank.to_kommune`) into ``costs``.

    Parameters
    ----------
    tidy : DataFrame
        ``kommunekode``, ``FUNKTION``, ``TID``, ``value`` and single-valued other variables.
    unit_dkk : float
        Kroner per unit of the table (REGK31 is in 1,000 kr).

    Returns
    -------
    DataFrame
        ``kommunekode, period, category, dkk`` summed over the functions of a category.

    Raises
    ------
    DataError
        A function outside :data:`CATEGORY_OF_FUNCTION`, or a variable with more than one
        value (an unselected art or price unit would double the sums), naming the line.
    """
    for col in ("FUNKTION", TIME_COLUMN):
        if col not in tidy.columns:
            raise DataError(table, None, col, None, f"en kolonne '{col}'", f"a column '{col}'", source)
    for c in tidy.columns:
        if c in ("kommunekode", "FUNKTION", TIME_COLUMN, "value"):
            continue
        vals = tidy[c].unique()
        if len(vals) > 1:
            line = int(tidy.index[tidy[c] == vals[1]][0])
            raise DataError(table, line, c, vals[1], f"én værdi i kolonnen '{c}'; fandt også {vals[0]!r}",
                            f"a single value in column '{c}'; also found {vals[0]!r}", source)
    number = tidy["FUNKTION"].astype(str).str.extract(r"^(\d\.\d{2}\.\d{2})")[0]
    cat = number.map(CATEGORY_OF_FUNCTION)
    if cat.isna().any():
        line = int(cat.index[cat.isna()][0])
        raise DataError(table, line, "FUNKTION", tidy.loc[line, "FUNKTION"],
                        "en funktion i " + ", ".join(CATEGORY_OF_FUNCTION),
                        "a function among " + ", ".join(CATEGORY_OF_FUNCTION), source)
    out = pd.DataFrame({"kommunekode": tidy["kommunekode"].astype("int64"), "period": tidy[TIME_COLUMN].astype(str),
                        "category": cat, "dkk": tidy["value"].astype(float) * unit_dkk})
    return (out.groupby(["kommunekode", "period", "category"], as_index=False)["dkk"].sum(min_count=1)
            .sort_values(["period", "kommunekode", "category"]).reset_index(drop=True))
