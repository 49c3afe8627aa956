"""Downloads a person reads: the table on screen, with labelled headers and values.

CSV and XLSX are read by people (an analyst opening them in Excel), so they hold what the
page shows: the rows of the selection (``period``, ``area`` …), columns with a heading in
:data:`benchlearn.report.text.COLUMNS` under that heading in the language in force, and
codes (areas, målgrupper, ydelser, tiers, schemes, categories, measures …) as their labels.
Columns without a heading (hashes, variance parts, internal flags) are left out of these two;
Parquet, read by programs, keeps every stored column and code (``readable=False``).

The workbook carries number formats and column widths per column and a second sheet
(*Om tabellen* / *About*) saying source, real or simulated, method, the periods and the date
the numbers were computed — the stored run's date, never the clock of the download, so the
same table gives the same bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pandas as pd

from benchlearn.core import reference
from benchlearn.report import text as tx
from benchlearn.report.formatting import fmt_num
from benchlearn.report.wording import PROVENANCE_KINDS, part_text, stored_card_value, stored_text

#: query parameters a download may be narrowed by (the page's selection)
FILTERS: tuple[str, ...] = ("period", "area", "kommunekode", "scheme", "survey", "dimension")


def select(df: pd.DataFrame, **filters: object) -> pd.DataFrame:
    """The rows of one selection: every given filter on a column the table has."""
    out = df
    for col, val in filters.items():
        if val is None or val == "" or col not in out.columns:
            continue
        if col == "kommunekode":
            try:
                out = out[pd.to_numeric(out[col], errors="coerce") == int(str(val))]
            except ValueError:
                out = out.iloc[0:0]
        else:
            out = out[out[col].astype(str) == str(val)]
    return out


def _ydelse_label(code: str) -> str:
    y = reference.ydelser()
    hit = y[y["ydelse"] == code]
    if hit.empty:
        return tx.area_label(code) if code in set(reference.area_codes()) else str(code)
    return tx.pick((str(hit["navn_da"].iloc[0]), str(hit["navn_en"].iloc[0])))


def _group_label(code: str) -> str:
    g = reference.groups()
    hit = g[g["group"].astype(str) == str(code)]
    if hit.empty or "navn_da" not in hit.columns:
        return str(code)
    return tx.pick((str(hit["navn_da"].iloc[0]), str(hit["navn_en"].iloc[0])))


def _names(codes) -> str:
    names = reference.names()
    out = []
    for c in codes:
        try:
            out.append(names.get(int(c), str(c)))
        except (TypeError, ValueError):
            out.append(str(c))
    return ", ".join(out)


def _codes_list(v) -> list:
    """A stored list (a list, a numpy array or its text form ``[219 306]``) as a list."""
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return []
    if hasattr(v, "tolist"):
        return list(v.tolist())
    if isinstance(v, (list, tuple)):
        return list(v)
    s = str(v).strip("[]").replace("'", " ").replace(",", " ")
    return [x for x in s.split() if x]


def _labeller(mapping: dict[str, tuple[str, str]]) -> Callable[[object], str]:
    return lambda v: tx.label(mapping, v)


#: the kinds of a benchlearning row (benchlearning_learn, *_associations)
BENCHLEARNING_KINDS = {"method": ("Metode", "Method"), "enabler": ("Forudsætning", "Enabler")}


def _maalgrupper(v: object) -> str:
    """One målgruppe or a stored list of them ("forsikrede_ledige, oevrige_ledige") by label."""
    return ", ".join(tx.maalgruppe_label(x.strip()) for x in str(v).split(",") if x.strip())


#: column -> how a stored code becomes what the reader sees
VALUES: dict[str, Callable[[object], object]] = {
    "area": lambda v: tx.area_label(str(v)),
    "origin_group": lambda v: tx.label(tx.ORIGINS, v),
    "target": lambda v: tx.label(tx.DEA_TARGETS, v),
    "maalgruppe": lambda v: _maalgrupper(v),
    "ydelse": lambda v: _ydelse_label(str(v)),
    "tier": _labeller(tx.TIERS),
    "scheme": _labeller(tx.SCHEMES),
    "category": _labeller(tx.CATEGORIES),
    "survey": _labeller(tx.SURVEYS),
    "dimension": _labeller(tx.DIMENSIONS),
    "measure": _labeller(tx.MEASURES),
    "kind": _labeller({**tx.MEASURE_KINDS, **PROVENANCE_KINDS, **BENCHLEARNING_KINDS}),
    "ledige_source": _labeller(tx.LEDIGE_SOURCES),
    "funnel_flag": _labeller(tx.FUNNEL_FLAGS),
    "weighting": _labeller(tx.WEIGHTINGS),
    "suppressed_reason": _labeller(tx.SUPPRESSION_REASONS),
    "split_status": _labeller(tx.SPLIT_STATUS),
    "allocation": _labeller(tx.ALLOCATIONS),
    "rts": lambda v: str(v).upper(),
    "term": lambda v: tx.term_label(str(v)),
    "table": lambda v: tx.input_table_label(str(v)),
    "part": part_text,
    "note": stored_text,
    "text": stored_text,
    "description": stored_text,
    "peers": lambda v: _names(_codes_list(v)),
    "shared_groups": lambda v: ", ".join(_group_label(x) for x in _codes_list(v)),
    "lambdas": lambda v: "; ".join(fmt_num(float(x), 3) for x in _codes_list(v)),
    "nyborg_like_names": lambda v: "" if v is None else str(v),
}

#: number formats in the workbook by column (others: general with two decimals for floats)
_PP = "0.00"
XLSX_FORMATS: dict[str, str] = {
    **dict.fromkeys(("diff_pp", "ci_low_pp", "ci_high_pp", "se_pp", "shrunk_diff_pp", "prev_diff_pp", "own_diff_pp",
                     "peer_diff_pp", "peer_ci_low_pp", "peer_ci_high_pp", "diff_vs_peer_pp", "funnel_lo95",
                     "funnel_hi95", "funnel_lo998", "funnel_hi998"), _PP),
    **dict.fromkeys(("actual_share", "expected_share", "p_top10", "response_rate", "change_pct",
                     "reference_share"), "0.0%"),
    **dict.fromkeys(("actual", "expected", "diff_persons", "persons", "potentiale_persons", "potentiale_persons_low",
                     "potentiale_persons_high", "potential_persons", "potential_persons_low", "potential_persons_high",
                     "respondents", "invited", "ledige", "municipalities"), "#,##0"),
    **dict.fromkeys(("potentiale_dkk", "potentiale_dkk_low", "potentiale_dkk_high", "dkk", "unit_cost",
                     "unit_cost_ledig", "unit_cost_from", "unit_cost_to", "potential_dkk", "potential_dkk_low",
                     "potential_dkk_high", "input_dkk", "composition", "within", "change", "residual"), "#,##0"),
    **dict.fromkeys(("rank", "rank_ci_low", "rank_ci_high", "rank_ci_simul_low", "rank_ci_simul_high", "position",
                     "results_rank", "worse_placed_above", "peer_rank", "kommunekode", "n", "rank_reversals"), "0"),
    **dict.fromkeys(("score", "ci_low", "ci_high", "efficiency", "distance", "alpha", "estimate", "se", "z",
                     "ratio_oe", "stability", "kendall_tau_vs_results", "own_value", "peer_value", "difference"),
                    "0.000"),
    "p_value": "0.0000",
}


def _localize_pairs(df: pd.DataFrame) -> pd.DataFrame:
    """``x_da``/``x_en`` pairs become one column ``x`` in the language in force."""
    from benchlearn.core.i18n import lang

    out = df.copy()
    for c in [c for c in df.columns if c.endswith("_da") and f"{c[:-3]}_en" in df.columns]:
        base = c[:-3]
        out[base] = out[f"{base}_{lang()}"].where(out[f"{base}_{lang()}"].notna(), out.get(base))
        out = out.drop(columns=[c, f"{base}_en"])
    return out


def _with_names(df: pd.DataFrame) -> pd.DataFrame:
    """Municipality names next to every municipality code (costs, DEA … store codes only)."""
    names = reference.names()
    out = df.copy()
    for code, name in (("kommunekode", "navn"), ("peer_kommunekode", "peer_navn")):
        if code in out.columns and name not in out.columns:
            at = list(out.columns).index(code) + 1
            out.insert(at, name, [names.get(int(k), "") if pd.notna(k) else "" for k in out[code]])
    return out


def _model_card_rows(df: pd.DataFrame) -> pd.DataFrame:
    out = df[~df["key"].isin(tx.MODEL_CARD_HIDDEN)].copy() if "key" in df.columns else df.copy()
    if "value_json" in out.columns:
        out["value"] = [stored_card_value(v) for v in out["value_json"]]
        out = out.drop(columns="value_json")
    if "key" in out.columns:
        out["key"] = [tx.label(tx.MODEL_CARD, k) for k in out["key"]]
    return out


def readable(name: str, df: pd.DataFrame, specs: pd.DataFrame | None = None) -> pd.DataFrame:
    """The table as a person reads it: labelled headings and values, codes as labels,
    only the columns that have a heading (in their stored order).

    ``specs``: the stored ``review_specs`` table, whose descriptions name the specifications
    in the review's tables (``review_*``)."""
    values = VALUES
    if name.startswith("review_"):
        from benchlearn.report.review_values import review_values, spec_labels

        values = {**VALUES, **review_values(spec_labels(specs if specs is not None or name != "review_specs" else df))}
    out = _localize_pairs(df)
    if name == "review_specs" and "label" in out.columns:
        out = out.drop(columns="label")  # the specification is named by this description already
    if name == "model_card":
        out = _model_card_rows(out)
    if "category" in out.columns and "category_label" in out.columns:
        # the scheme file's own wording, stored beside the code (or read from the file)
        out["category_label"] = [lab if isinstance(lab, str) and lab else tx.label(tx.CATEGORIES, code)
                                 for lab, code in zip(out["category_label"], out["category"], strict=True)]
        out = out.drop(columns="category")
    if "scheme" in out.columns and "scheme_label" in out.columns:
        out = out.drop(columns="scheme_label")  # the scheme's name from its file, once
    if "peer_navn" in out.columns and "peer_kommunekode" in out.columns:
        out = out.drop(columns="peer_kommunekode")
    out = _with_names(out)
    for c in out.columns:
        if "maalgruppe" == c and out[c].isna().all():
            continue
        fn = values.get(c)
        if fn is not None:
            out[c] = [fn(v) if v is not None and not (isinstance(v, float) and pd.isna(v)) else None
                      for v in out[c].tolist()]
        elif pd.api.types.is_bool_dtype(out[c]) or str(out[c].dtype) == "boolean":
            out[c] = [None if v is None or v is pd.NA else (tx.say("common.yes") if v else tx.say("common.no")).capitalize()
                      for v in out[c].astype(object).tolist()]
    if name.startswith("review_"):  # the review's own headings; its columns are kept whole (review/labels.py)
        return out
    keep = [c for c in out.columns if c in tx.COLUMNS and not (c == "maalgruppe" and out[c].isna().all())]
    return out[keep]


def _review_columns() -> dict[str, tuple[str, str]]:
    from benchlearn.review.labels import COLUMNS

    return COLUMNS


#: a heading that differs by table (``persons`` is the residents in the benchmark, full-time persons elsewhere)
TABLE_HEADINGS = {("benchmark", "persons"): ("Indbyggere 16–66 år (nævner)", "Residents aged 16–66 (denominator)"),
                  ("by_origin", "persons"): ("Borgere 16–66 år i gruppen", "Residents aged 16–66 in the group")}


def headers(df: pd.DataFrame, name: str = "") -> list[str]:
    """The headings in the language in force; a heading two columns share gets its column's code
    appended, so every heading is unique (a spreadsheet column is found by its heading)."""
    own = _review_columns() if name.startswith("review_") else {}
    out = [tx.pick(TABLE_HEADINGS[(name, c)]) if (name, c) in TABLE_HEADINGS
           else tx.pick(own[c]) if c in own else tx.column(c) for c in df.columns]
    return [h if out.count(h) == 1 else f"{h} ({c})" for h, c in zip(out, df.columns, strict=True)]


def about_rows(name: str, data, shown: pd.DataFrame, filters: dict[str, object]) -> list[tuple[str, str]]:
    """The *Om tabellen* sheet: what the table is, where it comes from, real or simulated,
    method and date (the stored runs' date, not the download's)."""
    from benchlearn.report.site_data import RESULT_TABLES

    kind = RESULT_TABLES.get(name, (name, ()))[0]
    metas = data.runs.get(kind, []) if data is not None else []
    dates = sorted({m.get("created", "")[:10] for m in metas if m.get("created")})
    simulated = data.is_simulated(name) if data is not None else False
    periods = sorted(shown["period"].dropna().astype(str).unique()) if "period" in shown.columns else []
    sel = [f"{tx.column(k)}: {VALUES[k](v) if k in VALUES else v}" for k, v in filters.items() if v not in (None, "")]
    return [
        (tx.say("downloads.table"), tx.pick(tx.TABLE_TITLES.get(name), name)),
        (tx.say("downloads.selection"), "; ".join(sel) if sel else tx.say("downloads.everything")),
        (tx.say("downloads.rows"), str(len(shown))),
        (tx.say("downloads.source"), tx.say("downloads.source_text")),
        (tx.say("downloads.real_or_simulated"),
         tx.say("downloads.simulated_yes") if simulated else tx.say("downloads.simulated_no")),
        (tx.say("downloads.method"), tx.say(METHODS.get(kind, "downloads.method_other"))),
        (tx.say("downloads.periods"), ", ".join(periods) if periods else "–"),
        (tx.say("downloads.computed"), ", ".join(dates) if dates else "–"),
        (tx.say("downloads.licence"), tx.say("downloads.licence_text")),
    ]


#: the method sentence of the about sheet per result kind
METHODS = {
    "benchmark": "downloads.method_benchmark", "classification": "downloads.method_classification",
    "scheme_comparison": "downloads.method_classification", "peers": "downloads.method_peers",
    "dea": "downloads.method_dea", "costs": "downloads.method_costs", "surveys": "downloads.method_surveys",
    "activity": "downloads.method_activity", "review": "downloads.method_review",
    "by_origin": "downloads.method_by_origin", "integration_peers": "downloads.method_peers",
}


def _width(values: list[str], header: str) -> float:
    longest = max([len(header)] + [len(v) for v in values[:500]])
    return float(min(max(longest + 2, 8), 60))


def to_xlsx_readable(df: pd.DataFrame, sheet: str, about: list[tuple[str, str]], name: str = "") -> bytes:
    """The readable table in a workbook: headings in bold, header row frozen, a number format
    and a width per column, and the *about* sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from benchlearn.report import tables as rtables

    shown = rtables.defused_frame(df)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    heads = headers(df, name)
    ws.append([rtables.defuse_text(h) for h in heads])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in shown.itertuples(index=False):
        ws.append([None if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) else
                   (v.item() if hasattr(v, "item") else v) for v in row])
    for j, col in enumerate(df.columns, start=1):
        letter = get_column_letter(j)
        fmt = XLSX_FORMATS.get(col)
        if fmt is None and pd.api.types.is_float_dtype(df[col]):
            fmt = "0.00"
        if fmt:
            for cell in ws[letter][1:]:
                if isinstance(cell.value, (int, float)):
                    cell.number_format = fmt
        sample = [str(v) for v in shown[col].tolist()[:500] if v is not None]
        if pd.api.types.is_float_dtype(df[col]):
            sample = [s[:10] for s in sample]
        ws.column_dimensions[letter].width = _width(sample, heads[j - 1])
    ws.freeze_panes = "A2"
    info = wb.create_sheet(tx.say("downloads.about_sheet")[:31])
    for k, v in about:
        info.append([k, rtables.defuse_text(v)])
    for cell in info["A"]:
        cell.font = Font(bold=True)
    info.column_dimensions["A"].width = _width([k for k, _ in about], "")
    info.column_dimensions["B"].width = 90
    buf = io.BytesIO()
    wb.save(buf)
    return rtables.stable_zip(buf.getvalue())


def encode_download(name: str, df: pd.DataFrame, fmt: str, data=None, **filters: object) -> bytes:
    """A download of table ``name``: the selection's rows; CSV and XLSX readable, Parquet raw."""
    from benchlearn.report import tables as rtables

    rows = select(df, **filters)
    if fmt == "parquet":
        return rtables.to_parquet(rows)
    # suppressed figures get their word before the flags become "Ja"/"Nej"
    specs = data.table("review_specs") if data is not None and name.startswith("review_") else None
    shown = readable(name, rtables.mark_suppressed(rows, decimal_comma=fmt == "csv"), specs)
    if fmt == "csv":
        return rtables.to_csv_dk(shown.set_axis(headers(shown, name), axis=1))
    if fmt == "xlsx":
        title = re.sub(r"[\[\]:*?/\\]", " ", tx.pick(tx.TABLE_TITLES.get(name), name))  # Excel forbids these
        return to_xlsx_readable(shown, re.sub(r"\s+", " ", title).strip()[:31],
                                about_rows(name, data, rows, {k: v for k, v in filters.items() if k in FILTERS}), name)
    return rtables.encode(rows, fmt)  # refuses an unknown format with its message
