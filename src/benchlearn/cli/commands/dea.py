"""``benchlearn dea``: cost efficiency of the jobcentres (DEA, DOMAIN.md §5)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from benchlearn.cli.common import (
    JsonOption,
    PeriodOption,
    WorkspaceOption,
    emit_json,
    err_console,
    maybe_record,
    open_dataset,
)
from benchlearn.core.contract import Column
from benchlearn.core.errors import ConfigError, DataError, DatasetError
from benchlearn.data.io import RawTable, read_csv, read_parquet, read_xlsx_sheets
from benchlearn.core.i18n import t
from benchlearn.core.progress import progress_bar

# DATASET is optional here because ``--units FILE`` is the alternative input.
OptionalDatasetArg = Annotated[
    Optional[Path],
    typer.Argument(help="Datasætmappe eller arbejdsfil (.duckdb); udelades med --units. / Dataset folder or workspace file; omit with --units."),
]
UnitsOption = Annotated[
    Optional[Path],
    typer.Option(
        "--units",
        help="CSV/XLSX/Parquet med én række pr. enhed: enhedskolonne, input x_*/input_*, output y_*/output_* (generel DEA). "
        "/ One row per unit: unit column, inputs x_*/input_*, outputs y_*/output_* (generic DEA).",
    ),
]

RECORD_COLUMNS = [
    "kommunekode", "navn", "period", "rts", "target", "efficiency", "bias_corrected", "ci_low", "ci_high", "peers",
    "lambdas", "super_efficiency", "efficient", "screened", "reference_count", "reference_share",
    "potential_persons", "potential_persons_bc", "potential_persons_low", "potential_persons_high",
    "potential_dkk", "potential_dkk_bc", "potential_dkk_low", "potential_dkk_high",
    "input_dkk", "actual", "expected", "input_slack_1", "input_slack_2", "output_slack_1",
]

RTS_LABEL = {"crs": ("CRS (konstant skalaafkast)", "CRS (constant returns to scale)"),
             "vrs": ("VRS (variabelt skalaafkast)", "VRS (variable returns to scale)")}
TARGET_LABEL = {"persons": ("færre fuldtidspersoner på offentlig forsørgelse med samme udgifter",
                            "fewer full-time persons on public support with the same expenditure"),
                "expenditure": ("lavere udgifter med samme antal fuldtidspersoner",
                                "lower expenditure with the same number of full-time persons")}


def rts_label(rts: str) -> str:
    """CRS/VRS spelt out in the language in force."""
    return t(*RTS_LABEL[rts])


def register(app: typer.Typer) -> None:
    @app.command("dea")
    def dea(
        dataset: OptionalDatasetArg = None,
        units: UnitsOption = None,
        period: PeriodOption = None,
        rts: Annotated[str, typer.Option("--rts", help="crs eller vrs (standard). / Returns to scale.")] = "vrs",
        bootstrap: Annotated[int, typer.Option("--bootstrap", help="Simar–Wilson-gentagelser (0 = ingen intervaller). / Bootstrap replications.")] = 200,
        target: Annotated[Optional[str], typer.Option("--target", help="persons (færre fuldtidspersoner, standard) eller expenditure (lavere udgifter). / What is reduced.")] = None,
        screen: Annotated[Optional[float], typer.Option("--screen", help="Supereffektivitet over denne grænse tages ud af referencesættet (standard 1,2; 0 = ingen). / Super-efficiency screening limit (0 = none).")] = None,
        cost_per_person: Annotated[Optional[float], typer.Option("--cost-per-person", help="Kr. pr. fuldtidsperson til potentiale i kroner (standard 74000). / Kroner per full-time person (default 74000).")] = None,
        seed: Annotated[int, typer.Option("--seed", help="Frø for bootstrap. / Bootstrap seed.")] = 20181101,
        json_out: JsonOption = False,
        workspace: WorkspaceOption = None,
    ) -> None:
        """DEA-omkostningseffektivitet med bootstrap-intervaller. / DEA cost efficiency with bootstrap intervals.

        Enten DATASET (jobcentrenes DEA) eller --units FIL (generel DEA på egne input og output).
        / Either DATASET (the jobcentre DEA) or --units FILE (generic DEA on your own inputs and outputs).
        """
        if (dataset is None) == (units is None):
            raise ConfigError(
                "Angiv enten et DATASET eller --units FIL (ikke begge).",
                "Give either a DATASET or --units FILE (not both).",
            )
        if units is not None:
            only_dataset = {"--period": period is not None, "--target": target is not None,
                            "--cost-per-person": cost_per_person is not None, "--workspace": workspace is not None}
            used = [k for k, v in only_dataset.items() if v]
            if used:
                raise ConfigError(
                    f"{', '.join(used)} gælder kun jobcentrenes DEA (DATASET), ikke --units.",
                    f"{', '.join(used)} only apply to the jobcentre DEA (DATASET), not to --units.",
                )
            frame = run_units(read_units(units), rts=rts, bootstrap=bootstrap, seed=seed,
                              screen=screen if screen else None)
            if json_out:
                emit_json(frame)
                return
            _print_units(frame, rts)
            return

        from benchlearn.core import reference
        from benchlearn.cli.commands.peers import bench_for, default_period
        from benchlearn.benchlearning.jobcentre_dea import DEA_INPUTS, JobcentreDEAConfig, dea_from_dataset

        cfg = JobcentreDEAConfig(period=period or "", rts=rts, target=target or "persons",  # type: ignore[arg-type]
                                 cost_per_person=74_000.0 if cost_per_person is None else cost_per_person,
                                 screen=1.2 if screen is None else (screen or None), bootstrap=bootstrap, seed=seed)
        cfg.dea_config()  # validate options before reading data
        ds = open_dataset(dataset)
        costs = ds.require("costs", why_da="DEA (input: udgifter til beskæftigelsesindsatsen)",
                           why_en="DEA (input: expenditure on the employment effort)")
        if period is None:
            cfg = replace(cfg, period=default_period(ds, "costs"))
        bench = bench_for(dataset, ds, cfg.period, need_weights=False)
        n = len(set(costs["kommunekode"]))
        names = reference.municipalities().set_index("kommunekode")["navn"].to_dict()
        with progress_bar(bootstrap or None, "Bootstrap (DEA)", "Bootstrap (DEA)") as advance:
            out = dea_from_dataset(costs, bench.records, cfg, progress=advance if bootstrap else None, names=names)
        frame = out.records.copy()  # a copy with the names: the frozen result is not changed after the fact
        frame.insert(1, "navn", frame["kommunekode"].map(names).astype(str))
        out = replace(out, records=frame)
        sim = any(ds.has(x) and ds.is_simulated(x) for x in DEA_INPUTS)
        run_id = maybe_record(workspace, out.to_run(cfg, ds, bench.source, municipalities=n), ds)
        if run_id:
            err_console.print(t(f"Gemt som kørsel {run_id}.", f"Stored as run {run_id}."))
        for da, en in out.warnings:
            err_console.print(t(da, en), style="yellow", highlight=False)
        cols = [c for c in RECORD_COLUMNS if c in frame.columns]
        if json_out:
            emit_json(frame[cols])
            return
        _print(frame, out.summary.iloc[0], cfg, names, sim)


def _n(v, digits: int = 0) -> str:  # type: ignore[no-untyped-def]
    from benchlearn.web.pages import fmt_num  # the one Danish/English number format

    return fmt_num(v, digits)


def _span(lo, hi, digits: int) -> str:  # type: ignore[no-untyped-def]
    return "" if lo != lo else f"{_n(lo, digits)}–{_n(hi, digits)}"


def _print(frame, summary, cfg, names, simulated: bool) -> None:  # type: ignore[no-untyped-def]
    persons = cfg.target == "persons"
    title = t(f"Omkostningseffektivitet (DEA, {rts_label(cfg.rts)}, {cfg.period})",
              f"Cost efficiency (DEA, {rts_label(cfg.rts)}, {cfg.period})")
    table = Table(title=title, caption=t(*TARGET_LABEL[cfg.target]) + (t(" — simulerede tal", " — simulated numbers") if simulated else ""))
    cols = [t("kommune", "municipality"), t("effektivitet", "efficiency"), t("biaskorrigeret", "bias-corrected"),
            t("95 %-interval", "95% interval"), t("forbilleder", "peers")]
    cols += [t("potentiale, personer", "potential, persons"), t("interval", "interval")] if persons else []
    cols += [t("potentiale, mio. kr.", "potential, m kr"), t("interval", "interval")]
    for c in cols:
        table.add_column(c, justify="right" if c not in cols[:1] + cols[4:5] else "left")
    for _, r in frame.sort_values("efficiency", ascending=False).iterrows():
        peers = ", ".join(names.get(p, str(p)) for p in r["peers"] if p != r["kommunekode"])
        if r.get("screened"):
            peers = t("taget ud som referenceenhed (supereffektiv)", "screened out as a reference (super-efficient)")
        row = [str(r["navn"]), _n(r["efficiency"], 3), _n(r["bias_corrected"], 3), _span(r["ci_low"], r["ci_high"], 3), peers]
        if persons:
            row += [_n(r["potential_persons"]), _span(r["potential_persons_low"], r["potential_persons_high"], 0)]
        row += [_n(r["potential_dkk"] / 1e6, 1), _span(r["potential_dkk_low"] / 1e6, r["potential_dkk_high"] / 1e6, 1)]
        table.add_row(*row)
    Console().print(table)
    s = summary
    lines = [t(f"Hele landet ({int(s['municipalities'])} kommuner, {int(s['efficient'])} effektive, "
               f"{int(s['screened'])} taget ud ved screening):",
               f"Denmark ({int(s['municipalities'])} municipalities, {int(s['efficient'])} efficient, "
               f"{int(s['screened'])} screened out):")]
    if persons:
        lines.append(t(
            f"  potentiale {_n(s['potential_persons'])} fuldtidspersoner (biaskorrigeret {_n(s['potential_persons_bc'])}, "
            f"95 %-interval {_span(s['potential_persons_low'], s['potential_persons_high'], 0)})",
            f"  potential {_n(s['potential_persons'])} full-time persons (bias-corrected {_n(s['potential_persons_bc'])}, "
            f"95% interval {_span(s['potential_persons_low'], s['potential_persons_high'], 0)})"))
    lines.append(t(
        f"  potentiale {_n(s['potential_dkk'] / 1e9, 2)} mia. kr. (biaskorrigeret {_n(s['potential_dkk_bc'] / 1e9, 2)}, "
        f"95 %-interval {_span(s['potential_dkk_low'] / 1e9, s['potential_dkk_high'] / 1e9, 2)})"
        + (f", à {_n(cfg.cost_per_person)} kr. pr. fuldtidsperson" if persons else ""),
        f"  potential {_n(s['potential_dkk'] / 1e9, 2)} bn kr (bias-corrected {_n(s['potential_dkk_bc'] / 1e9, 2)}, "
        f"95% interval {_span(s['potential_dkk_low'] / 1e9, s['potential_dkk_high'] / 1e9, 2)})"
        + (f", at {_n(cfg.cost_per_person)} kr per full-time person" if persons else "")))
    Console().print("\n".join(lines), highlight=False)


def _print_units(frame, rts: str) -> None:  # type: ignore[no-untyped-def]
    table = Table(title=t(f"DEA, inputorienteret, {rts_label(rts)}", f"DEA, input-oriented, {rts_label(rts)}"))
    for c in (t("enhed", "unit"), t("effektivitet", "efficiency"), t("biaskorrigeret", "bias-corrected"),
              t("95 %-interval", "95% interval"), t("forbilleder (λ)", "peers (λ)"), t("supereffektivitet", "super-efficiency")):
        table.add_column(c)
    for _, r in frame.sort_values("efficiency", ascending=False).iterrows():
        peers = ", ".join(f"{p} ({_n(w, 3)})" for p, w in zip(r["peers"], r["lambdas"]))
        table.add_row(str(r["unit"]), _n(r["efficiency"], 6), _n(r["bias_corrected"], 3),
                      _span(r["ci_low"], r["ci_high"], 3), peers, _n(r["super_efficiency"], 3))
    Console().print(table)


# ------------------------------------------------------------------ --units FILE
UNITS_TABLE = "dea_units"
_INPUT = re.compile(r"^(x|input)(_.+|\d+)$")
_OUTPUT = re.compile(r"^(y|output)(_.+|\d+)$")


@dataclass(frozen=True)
class UnitsTable:
    """A validated ``--units`` table: labels, inputs (n, m), outputs (n, s) and their column names."""

    units: tuple
    kommunekode: bool
    X: np.ndarray
    Y: np.ndarray
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]


def _raw_units(path: Path) -> RawTable:
    if not path.exists():
        raise DatasetError(f"Filen {path} findes ikke.", f"The file {path} does not exist.")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        raw = read_csv(path, UNITS_TABLE)
    elif suffix in (".xlsx", ".xlsm"):
        sheets = read_xlsx_sheets(path)
        if not sheets:
            raise DatasetError(f"Excel-filen {path.name} har ingen data.", f"The Excel file {path.name} has no data.")
        raw = next(iter(sheets.values()))
    elif suffix in (".parquet", ".pq"):
        raw = read_parquet(path, UNITS_TABLE)
    else:
        raise DatasetError(
            f"Ukendt filtype '{suffix}' for --units: brug .csv, .xlsx eller .parquet.",
            f"Unknown file type '{suffix}' for --units: use .csv, .xlsx or .parquet.",
        )
    return replace(raw, name=UNITS_TABLE)


def _label(v: object) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))  # Excel stores 1 as 1.0
    s = str(v).strip()
    return s or None


def read_units(path: Path) -> UnitsTable:
    """Read and validate a ``--units`` file.

    Every problem is a :class:`~benchlearn.core.errors.DataError` naming table ``dea_units``,
    the row a person sees in the file, the column, the value and what was expected.
    """
    from benchlearn.data.numbers import parse_numbers  # the contract's Danish/international number parser

    raw = _raw_units(path)
    frame = raw.frame
    cols = [str(c) for c in frame.columns]
    ins = [c for c in cols if _INPUT.match(c)]
    outs = [c for c in cols if _OUTPUT.match(c)]
    for names, what_da, what_en, pat in ((ins, "input", "input", "x_*/input_*"), (outs, "output", "output", "y_*/output_*")):
        if not names:
            raise DataError(UNITS_TABLE, None, pat, None, f"mindst én {what_da}kolonne med navnet {pat}",
                            f"at least one {what_en} column named {pat}", source=raw.source)
    if "unit" in cols:
        unit_col: str | None = "unit"
    elif "kommunekode" in cols:
        unit_col = "kommunekode"
    elif cols and cols[0] not in ins and cols[0] not in outs:
        unit_col = cols[0]
    else:
        unit_col = None  # no label column: units are numbered by row
    n = len(frame)
    if n < 2:
        raise DataError(UNITS_TABLE, None, None, n, "mindst to enheder (rækker)", "at least two units (rows)", source=raw.source)

    def fail(pos: int, col: str | None, value: object, da: str, en: str) -> DataError:
        return DataError(UNITS_TABLE, raw.row_of(pos), col, value, da, en, source=raw.source)

    if unit_col is None:
        labels: list = [str(i + 1) for i in range(n)]
    else:
        labels = [_label(v) for v in frame[unit_col].tolist()]
        for pos, lab in enumerate(labels):
            if lab is None:
                raise fail(pos, unit_col, frame[unit_col].iloc[pos], "et navn på enheden (ikke tom)", "a unit label (not blank)")
        if unit_col == "kommunekode":
            for pos, lab in enumerate(labels):
                if not re.fullmatch(r"\d{1,4}", lab):
                    raise fail(pos, unit_col, frame[unit_col].iloc[pos], "en kommunekode (helt tal)", "a municipality code (whole number)")
            labels = [int(x) for x in labels]
        seen: dict = {}
        for pos, lab in enumerate(labels):
            if lab in seen:
                raise fail(pos, unit_col, frame[unit_col].iloc[pos],
                           f"hver enhed én gang (findes også i række {raw.row_of(seen[lab])})",
                           f"each unit once (also in row {raw.row_of(seen[lab])})")
            seen[lab] = pos

    def numbers(names: list[str], positive: bool) -> np.ndarray:
        out = np.empty((n, len(names)))
        for k, c in enumerate(names):
            col = Column(c, "number", "", "")
            arr = parse_numbers(raw, col, frame[c])
            for pos in np.flatnonzero(np.isnan(arr)):
                raise fail(int(pos), c, frame[c].iloc[pos], "et tal (ikke tomt)", "a number (not blank)")
            bad = arr <= 0 if positive else arr < 0
            for pos in np.flatnonzero(bad):
                da, en = ("et positivt tal (input > 0)", "a positive number (input > 0)") if positive else \
                    ("et ikke-negativt tal (output ≥ 0)", "a non-negative number (output ≥ 0)")
                raise fail(int(pos), c, frame[c].iloc[pos], da, en)
            out[:, k] = arr
        return out

    X = numbers(ins, positive=True)
    Y = numbers(outs, positive=False)
    for pos in np.flatnonzero(Y.sum(axis=1) <= 0):
        raise fail(int(pos), ", ".join(outs), 0, "mindst ét positivt output pr. enhed", "at least one positive output per unit")
    return UnitsTable(tuple(labels), unit_col == "kommunekode", X, Y, tuple(ins), tuple(outs))


def run_units(table: UnitsTable, *, rts: str, bootstrap: int, seed: int, screen: float | None = None) -> pd.DataFrame:
    """Generic DEA on a ``--units`` table; one record per unit, in file order."""
    from benchlearn.benchlearning.dea import DEAConfig, dea

    cfg = DEAConfig(rts=rts, bootstrap=bootstrap, seed=seed, screen=screen)  # type: ignore[arg-type]
    with progress_bar(bootstrap or None, "Bootstrap (DEA)", "Bootstrap (DEA)") as advance:
        res = dea(table.X, table.Y, units=table.units, config=cfg, progress=advance if bootstrap else None)
    frame = res.to_frame().drop(columns=["bias"])
    if table.kommunekode:
        from benchlearn.core import reference

        names = reference.municipalities().set_index("kommunekode")["navn"]
        frame.insert(1, "kommunekode", list(table.units))
        frame.insert(2, "navn", [names.get(k) for k in table.units])
    frame.insert(1 + 2 * table.kommunekode, "rts", rts)
    names = [*table.input_names, *table.output_names]
    slacks = np.hstack([res.input_slacks, res.output_slacks])
    frame["slacks"] = [dict(zip(names, row.tolist())) for row in slacks]
    return frame
