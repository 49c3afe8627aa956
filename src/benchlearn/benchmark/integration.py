"""The integration benchmark (#16): a population group's share on its ydelser.

An integration målgruppe (``core/reference/integration.csv``) names population groups
of the by-origin tables (``origin_group``: default ``ikke_vestlig``, non-Western
immigrants and descendants) and the ydelser counted for them (default: the
selvforsørgelses-, hjemrejse- og overgangsydelse plus the other ydelser of the area
``total``). Its benchmark is the ordinary one — the same model, uncertainty, funnel,
shrinkage and ranks — on a *view* of the dataset in which

* ``support`` is ``support_origin`` summed over the målgruppe's origin groups,
* ``population`` is ``population_origin`` summed over the same groups,
* ``framework`` is the municipality's framework variables plus the group's own
  (``framework_origin``: years since arrival, country-of-origin mix, age and education
  of the group), the group's prefixed ``gruppe_`` so that e.g. the group's share aged
  50–66 and the municipality's are two variables.

So the result of municipality k is "non-Western immigrants on support, actual minus
expected given the municipality's and the group's framework conditions" — the
jobcentre's effect on this group, common and origin-specific together.
"""

from __future__ import annotations

import pandas as pd

from benchlearn.benchmark.config import BenchmarkConfig
from benchlearn.core.errors import MissingTableError, ModelError
from benchlearn.data.dataset import Dataset

#: prefix of the group's own framework variables in the view
GROUP_PREFIX = "gruppe_"


def is_integration(config: BenchmarkConfig) -> bool:
    """True when the run is about an integration målgruppe (a population group)."""
    return bool(config.origin_groups)


def _provenance(ds: Dataset) -> pd.DataFrame:
    """The view's provenance: its support/population/framework are simulated when a
    table they are built from is."""
    rows = []
    for view, srcs in (("support", ("support_origin",)), ("population", ("population_origin",)),
                       ("framework", ("framework", "framework_origin"))):
        have = [s for s in srcs if ds.has(s)]
        if have:
            rows.append({"table": view, "source": " + ".join(have), "simulated": any(ds.is_simulated(s) for s in have),
                         "note": f"integration view of {' + '.join(have)}"})
    return pd.DataFrame(rows)


def integration_view(ds: Dataset, config: BenchmarkConfig) -> Dataset:
    """The dataset the ordinary benchmark is fitted on for an integration målgruppe.

    Raises
    ------
    MissingTableError
        ``support_origin`` or ``population_origin`` is missing (name and why).
    ModelError
        The tables hold no row of the målgruppe's origin groups.
    """
    why_da = f"integrationsbenchmarken ({config.target}: herkomstgruppe {', '.join(config.origin_groups)})"
    why_en = f"the integration benchmark ({config.target}: origin group {', '.join(config.origin_groups)})"
    so = ds.require("support_origin", why_da, why_en)
    po = ds.require("population_origin", why_da, why_en)
    groups = set(config.origin_groups)
    so = so[so["origin_group"].isin(groups)]
    po = po[po["origin_group"].isin(groups)]
    if not len(so) or not len(po):
        raise ModelError(
            f"Tabellerne support_origin/population_origin har ingen rækker for herkomstgruppen "
            f"{', '.join(sorted(groups))} (målgruppe {config.target}).",
            f"The tables support_origin/population_origin have no rows for origin group "
            f"{', '.join(sorted(groups))} (target group {config.target}).",
        )
    support = so.groupby(["kommunekode", "period", "ydelse"], as_index=False)["fuldtidspersoner"].sum()
    population = po.groupby(["kommunekode", "period"], as_index=False)["persons"].sum()
    frames = []
    if ds.has("framework"):
        frames.append(ds.table("framework")[["kommunekode", "period", "variable", "value"]])
    if ds.has("framework_origin"):
        fo = ds.table("framework_origin")
        fo = fo[fo["origin_group"].isin(groups)]
        if len(groups) > 1:  # several groups: the group variables are averages weighted by residents
            fo = fo.merge(po[["kommunekode", "period", "origin_group", "persons"]], how="left",
                          on=["kommunekode", "period", "origin_group"])
            fo["wv"] = fo["value"] * fo["persons"]
            fo = fo.groupby(["kommunekode", "period", "variable"], as_index=False)[["wv", "persons"]].sum()
            fo["value"] = fo["wv"] / fo["persons"]
        fo = fo.assign(variable=GROUP_PREFIX + fo["variable"].astype(str))
        frames.append(fo[["kommunekode", "period", "variable", "value"]])
    tables: dict[str, pd.DataFrame] = {"support": support, "population": population}
    if frames:
        tables["framework"] = pd.concat(frames, ignore_index=True)
    tables["provenance"] = _provenance(ds)
    if not ds.has("framework") and not ds.has("framework_origin"):
        raise MissingTableError("framework", why_da, why_en)
    return Dataset.from_tables(tables, source=f"{ds.source or '<memory>'} [{config.target}]")
