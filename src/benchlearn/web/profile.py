"""Municipality profile, method, surveys and downloads pages."""

from __future__ import annotations

import pandas as pd

from benchlearn.core import reference
from benchlearn.report import comparator as cmp
from benchlearn.report import figures, monitoring
from benchlearn.report import text as tx
from benchlearn.report.downloads import headers, readable
from benchlearn.report.wording import stored_card_json, stored_card_value
from benchlearn.report.profile import profile_context
from benchlearn.report.spine import peers_chart, spine_chart, spine_rows
from benchlearn.report.site_data import SiteData, records
from benchlearn.web.pages import Linker, base_context, fig_json, paradox_rows, render


def _rows(df: pd.DataFrame | None, linker: Linker | None = None, **keep) -> list[dict]:
    rs = records(df)
    if linker is not None:
        for r in rs:
            if r.get("peer_kommunekode") is not None:
                r["href"] = linker.kommune(int(r["peer_kommunekode"]), **keep)
    return rs


def _area_comparison(data: SiteData, comp: cmp.Comparator, period, rows: pd.DataFrame) -> tuple[list, str]:
    """The comparator's mean per row of an area/målgruppe chart, in the rows' order, and its name."""
    got = cmp.by_area(data, comp, period, rows["area"]).set_index("area")
    return [float(got["mean"].get(str(a), float("nan"))) for a in rows["area"]], comp.legend(int(got["n"].max()))


def kommune_page(data: SiteData, linker: Linker, k: int, period=None, url="/", sammenlign=None) -> str:
    prof = profile_context(data, k, period)
    ctx = base_context(data, linker, "kommune", url, prof.get("simulated_tables") or prof["simulated"], prof["navn"])
    # the comparator is the page's state in its URL (?sammenlign=): rendered here, so it works
    # without JavaScript, and every link of the page to a period or a municipality keeps it
    comp = cmp.comparator(data, k, prof["period"], sammenlign)
    keep = {"sammenlign": comp.key if comp.key != cmp.DEFAULT else None}
    chosen_period = period if period in data.periods else None
    figs = {}
    if prof.get("by_area") is not None and not prof["by_area"].empty:
        figs["areas"] = fig_json(figures.profile_intervals(prof["by_area"], "area", tx.area_label,
                                                           _area_comparison(data, comp, prof["period"], prof["by_area"])))
    if prof.get("by_maalgruppe") is not None and not prof["by_maalgruppe"].empty:
        col = "maalgruppe" if "maalgruppe" in prof["by_maalgruppe"].columns else "area"
        figs["maalgrupper"] = fig_json(figures.profile_intervals(
            prof["by_maalgruppe"].assign(**{col: prof["by_maalgruppe"][col].fillna(prof["by_maalgruppe"].get("area"))})
            if col == "maalgruppe" else prof["by_maalgruppe"], col, tx.maalgruppe_label,
            _area_comparison(data, comp, prof["period"], prof["by_maalgruppe"])))
    if prof.get("trend") is not None:
        over = cmp.by_period(data, comp, data.default_area())
        figs["trend"] = fig_json(figures.trend(prof["trend"], (over, comp.legend(int(over["n"].max())))))
        ranks = figures.rank_history(prof["trend"])  # no comparator: the mean of ranks is no rank
        if ranks is not None:
            figs["rank_history"] = fig_json(ranks)
    spine = spine_rows(data, k, prof["period"], comp)
    if len(spine) > 1:  # one row is the headline already
        figs["spine"] = fig_json(spine_chart(spine, comp.legend(int(spine["comparator_n"].max()))))
    head_mean, head_n = cmp.mean_of(data.benchmark(prof["period"], data.default_area()), comp)
    peers_fig = peers_chart(prof.get("headline"), prof["navn"], prof.get("peers"), (head_mean, comp.legend(head_n)))
    if peers_fig is not None:
        figs["peers"] = fig_json(peers_fig)
    if prof.get("costs") is not None:
        figs["costs"] = fig_json(figures.costs_bars(prof["costs"], lambda c: tx.label(tx.COST_CATEGORIES, c))
                                 or figures.unit_cost_trend(prof["costs"]))
    split = prof.get("cost_split")
    if split is not None and len(split):
        figs["split"] = fig_json(figures.cost_split_waterfall(split.iloc[-1].to_dict()))
    if prof.get("surveys") is not None:
        means, n_s = cmp.survey_means(data, comp, prof["surveys"])
        figs["surveys"] = fig_json(figures.survey_dots(
            prof["surveys"], lambda r: f"{tx.label(tx.SURVEYS, r.get('survey'))}: {tx.label(tx.DIMENSIONS, r.get('dimension'))}",
            (means, comp.legend(n_s)) if means else None))
    act_all = data.inputs.get("activity")
    activity_rows = prof.get("activity")
    if monitoring.is_monthly(act_all):
        peer_df = prof.get("peers")
        peer_ids = ([int(x) for x in peer_df["peer_kommunekode"]] if peer_df is not None and "peer_kommunekode" in peer_df.columns
                    else [])
        figs["monitoring"] = [fig_json(f) for g, m in monitoring.MONITOR_MEASURES
                              if (f := monitoring.series_figure(act_all, data.inputs.get("activity_national"), k, g, m,
                                                                peer_ids, prof["navn"])) is not None]
        activity_rows = monitoring.latest_rows(act_all, k)
    costs = prof.get("costs")
    dea = _rows(prof.get("dea"))
    for r in dea:
        peers = r.get("peers")
        if isinstance(peers, (list, tuple)):
            r["peer_names"] = ", ".join(data.names.get(int(x), str(x)) for x in peers if int(x) != int(k))
    ctx.update(
        prof=prof, figs=figs, headline=prof.get("headline"), spine=records(spine) if len(spine) > 1 else [],
        by_area=_rows(prof.get("by_area")), classification=_rows(prof.get("classification")),
        peers=_rows(prof.get("peers"), linker, **keep), learning_partners=_rows(prof.get("learning_partners"), linker, **keep),
        comparator=comp, comparator_mean=head_mean, comparator_n=head_n,
        comparator_missing=cmp.choice(sammenlign) == "peers" and comp.key != "peers",
        comparator_options=cmp.options(comp.key, lambda c: linker.page(
            f"kommune/{k}", period=chosen_period, sammenlign=c if c != cmp.DEFAULT else None)),
        dea=dea, partner_differences=_rows(prof.get("partner_differences")), cost_split=_rows(prof.get("cost_split")),
        costs=_rows(costs.sort_values(["period"]) if costs is not None and "period" in costs.columns else costs),
        surveys=_rows(prof.get("surveys")), activity=_rows(activity_rows),
        period_options=[{"value": linker.kommune(k) if linker.static else linker.page(f"kommune/{k}", period=x, **keep),
                         "label": x, "selected": x == prof["period"]} for x in data.periods],
        pdf_href=None if linker.static else f"/kommune/{k}.pdf",
        paradox=paradox_rows(data, prof["period"], kommune=k), paradox_why=tx.pick(tx.NYBORG_PARADOX),
    )
    if data.has("benchlearning_learn") or data.has("benchlearning_partners"):
        from benchlearn.web.benchlearning_page import kommune_benchlearning_href

        ctx["benchlearning_href"] = kommune_benchlearning_href(linker, k)
    return render("kommune.html", ctx)


def _default_run(data: SiteData, df: pd.DataFrame | None) -> pd.DataFrame | None:
    """Rows of the run behind the front page (latest period, default area); every run's
    card and coefficients are in the downloads."""
    if df is None:
        return None
    for col, val in (("period", data.default_period()), ("area", data.default_area())):
        if col in df.columns and val is not None and (df[col].astype(str) == str(val)).any():
            df = df[df[col].astype(str) == str(val)]
    return df


def _model_card(card: pd.DataFrame | None) -> pd.DataFrame | None:
    """Model card rows as key/value text (values may be stored as JSON)."""
    if card is None:
        return None
    card = card.drop(columns=[c for c in ("simulated",) if c in card.columns])
    if "value_json" in card.columns:
        # the candidates have their own table below the card (_candidates); the card keeps the rest
        vals = [_without_candidates(v) if k == "cross_validation" else v
                for k, v in zip(card.get("key", pd.Series([None] * len(card))), card["value_json"], strict=True)]
        card = card.assign(value=[stored_card_value(v) for v in vals]).drop(columns="value_json")
        if "key" in card.columns:
            card = card.drop_duplicates("key", keep="last")
            card = card[~card["key"].isin(tx.MODEL_CARD_HIDDEN)]
            card = card.assign(key=[tx.label(tx.MODEL_CARD, k) for k in card["key"]])
    card = card[[c for c in ("key", "value") if c in card.columns]] if "key" in card.columns else card
    return card


def _without_candidates(v):
    x = stored_card_json(v)
    if not isinstance(x, dict):
        return v
    labels = {"chosen": tx.FAMILY_LABELS, "transform": tx.TRANSFORM_LABELS}  # the names the table below uses
    return {k: (tx.pick(labels[k][val]) if k in labels and val in labels[k] else val)
            for k, val in x.items() if k != "candidates"}


def _candidates(card: pd.DataFrame | None) -> dict:
    """The cross-validated candidates of the card (family × transform), best first, as table rows."""
    if card is None or "key" not in card.columns or "value_json" not in card.columns:
        return {}
    cv = card.loc[card["key"] == "cross_validation", "value_json"]
    if cv.empty:
        return {}
    x = stored_card_json(cv.iloc[-1])
    if not isinstance(x, dict):
        return {}
    chosen = (x.get("chosen"), x.get("transform"))
    rows = [{"family": tx.pick(tx.FAMILY_LABELS.get(c.get("family")), str(c.get("family"))),
             "transform": tx.pick(tx.TRANSFORM_LABELS.get(c.get("transform", "none")), str(c.get("transform"))),
             "rmse_pp": c.get("rmse_pp"), "mae_pp": c.get("mae_pp"), "r2_oos": c.get("r2_oos"), "weight": c.get("weight"),
             "chosen": (c.get("family"), c.get("transform", "none")) == chosen}
            for c in x.get("candidates") or []]
    return {"folds": x.get("folds"), "rows": sorted(rows, key=lambda r: (r["rmse_pp"] is None, r["rmse_pp"] or 0.0))} \
        if rows else {}


def method_page(data: SiteData, linker: Linker, url="/metode") -> str:
    ctx = base_context(data, linker, "metode", url, data.simulated_tables,
                       tx.say("common.method_data"))
    card_raw = _default_run(data, data.table("model_card"))
    card = _model_card(card_raw)
    coef = _default_run(data, data.table("coefficients"))
    if coef is not None:  # labelled headings and terms, as the download shows them
        coef = readable("coefficients", coef.drop(columns=[c for c in ("simulated", "period", "area", "maalgruppe",
                                                                       "fit_periods") if c in coef.columns]))
    prov = data.inputs.get("provenance")
    runs = []
    for kind, metas in data.runs.items():
        for m in metas[-5:]:  # the configuration of each run is in /api/method (machine-readable)
            runs.append({"kind": tx.label(tx.RUN_KINDS, kind), "run_id": m["run_id"], "created": m["created"][:19].replace("T", " "),
                         "version": m["version"]})
    ctx.update(card=records(card), card_cols=list(card.columns) if card is not None else [],
               candidates=_candidates(card_raw),
               coefficients=records(coef), coef_cols=list(coef.columns) if coef is not None else [],
               coef_heads=headers(coef) if coef is not None else [],
               api_method=linker.api("method"),
               card_scope=f"{data.default_period() or ''} · {tx.area_label(data.default_area() or '')}",
               simulated_tables=[tx.pick(tx.TABLE_TITLES.get(n), n) for n in data.simulated_tables],
               simulated_inputs=[tx.input_table_label(n) for n in sorted(data.simulated_inputs)], runs=runs,
               provenance=records(readable("provenance", prov)) if prov is not None else [],
               provenance_heads=headers(readable("provenance", prov)) if prov is not None else [])
    return render("method.html", ctx)


def survey_choice(data: SiteData, period=None, survey=None, dimension=None) -> tuple[str | None, str | None, str | None]:
    """The period, survey and dimension the surveys page shows (defaults: latest, citizen, overall)."""
    s = data.table("surveys")
    if s is None:
        return None, None, None
    periods = sorted(s["period"].astype(str).unique())
    p = period if period in periods else periods[-1]
    sp = s[s["period"].astype(str) == p]
    surveys = [x for x in tx.SURVEYS if x in set(sp["survey"])] or sorted(sp["survey"].unique())
    v = survey if survey in surveys else surveys[0]
    dims = list(dict.fromkeys(sp.loc[sp["survey"] == v, "dimension"].astype(str)))
    dflt = "samlet" if "samlet" in dims else dims[0]
    return p, v, dimension if dimension in dims else dflt


def surveys_page(data: SiteData, linker: Linker, period=None, survey=None, dimension=None,
                 url="/undersoegelser") -> str:
    """One period, survey and dimension at a time: a chart of all municipalities against the
    national figure, the table of the same numbers, and a link to each municipality's detail."""
    s = data.table("surveys")
    ctx = base_context(data, linker, "undersoegelser", url, data.simulated_of("surveys"), tx.say("common.surveys"))
    p, v, dim = survey_choice(data, period, survey, dimension)
    if s is None or p is None:
        ctx.update(rows=[], fig=None)
        return render("surveys.html", ctx)
    sp = s[s["period"].astype(str) == p]
    if "maalgruppe" in sp.columns:
        sp = sp[sp["maalgruppe"].isna() | (sp["maalgruppe"].astype(str).isin(("", "None")))]
    cur = sp[(sp["survey"] == v) & (sp["dimension"].astype(str) == dim)].copy()
    cur["navn"] = [n if isinstance(n, str) and n else reference.navn(int(k)) for k, n in
                   zip(cur["kommunekode"], cur.get("navn", pd.Series([None] * len(cur), index=cur.index)), strict=True)]
    nat = data.table("surveys_national")
    national = None
    if nat is not None:
        m = nat[(nat["period"].astype(str) == p) & (nat["survey"] == v) & (nat["dimension"].astype(str) == dim)]
        if len(m) and pd.notna(m["score"].iloc[0]):
            national = records(m.head(1))[0]
    rows = records(cur.sort_values("navn"))
    for r in rows:
        r["href"] = linker.kommune(int(r["kommunekode"])) + "#undersoegelser"
    periods = sorted(s["period"].astype(str).unique())
    surveys = [x for x in tx.SURVEYS if x in set(sp["survey"])]
    dims = list(dict.fromkeys(sp.loc[sp["survey"] == v, "dimension"].astype(str)))
    scale = (cur["scale_min"].dropna().iloc[0], cur["scale_max"].dropna().iloc[0]) \
        if {"scale_min", "scale_max"} <= set(cur.columns) and cur["scale_min"].notna().any() else None
    ctx.update(
        period=p, survey=v, dimension=dim, rows=rows, national=national, scale=scale,
        n_suppressed=int(cur["suppressed"].fillna(False).astype(bool).sum()) if "suppressed" in cur.columns else 0,
        fig=fig_json(figures.survey_ranking(cur, national["score"] if national else None)),
        period_options=[{"value": linker.page("undersoegelser", period=x, survey=v, dimension=dim), "label": x,
                         "selected": x == p} for x in periods],
        survey_options=[{"value": linker.page("undersoegelser", period=p, survey=x), "label": tx.label(tx.SURVEYS, x),
                         "selected": x == v} for x in surveys],
        dimension_options=[{"value": linker.page("undersoegelser", period=p, survey=v, dimension=x),
                            "label": tx.label(tx.DIMENSIONS, x), "selected": x == dim} for x in dims],
    )
    return render("surveys.html", ctx)


def data_page(data: SiteData, linker: Linker, url="/data") -> str:
    ctx = base_context(data, linker, "data", url, data.simulated_tables, tx.say("common.download_data"))
    tables = []
    for n in data.available_tables():
        df = data.download_table(n)
        tables.append({"name": n, "title": tx.pick(tx.TABLE_TITLES.get(n), n), "rows": len(df),
                       "links": [(f, linker.download(n, f)) for f in ("csv", "xlsx", "parquet")],
                       "simulated": data.is_simulated(n)})
    ctx.update(tables=tables)
    return render("data.html", ctx)
