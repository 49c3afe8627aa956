"""``benchlearn fetch``: fill the source cache where the network allows, say clearly when it does not.

Exit codes: 0 when every requested source was fetched or has a usable fallback (the
cache, the bundled raw data, or — for Jobindsats — benchlearn's own benchmark); 1 when
a source is out of reach and nothing can replace it; 2 on real errors (an API refused
the request or the key, or sent data that fails the checks).
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Optional

import httpx
import typer

from benchlearn.core.errors import BenchlearnError, SourceError
from benchlearn.core.i18n import t

SOURCES = ("statbank", "jobindsats", "dawa")


class _Unavailable(SourceError):
    """Out of reach with nothing to fall back on: exit code 1, not the 2 of a real error."""

    exit_code = 1


@dataclass
class Outcome:
    source: str
    item: str
    status: str  # fetched | cached | bundled | fallback | skipped | unavailable | error
    detail: str


def _fallback_statbank(cache, name: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    from benchlearn.sources import raw_data_dir
    from benchlearn.sources.realdata import RAW_SUBDIR, RAW_EXTRACTS

    e = cache.entry("statbank", f"{name}.csv")
    if e is not None:
        return "cached", t(f"bruger cachen fra {e.fetched[:10]}", f"using the cache from {e.fetched[:10]}")
    from benchlearn.sources.public_framework import PUBLIC_EXTRACTS

    if name in PUBLIC_EXTRACTS:  # the review's extended variables: the bundled 2014 ages stand in
        return "fallback", t("ingen kopi; modelgennemgangen bruger aldersfordelingen fra 2014",
                             "no copy; the model review uses the 2014 age structure")
    from benchlearn.sources.statbank_origin import ORIGIN_EXTRACTS

    if name in ORIGIN_EXTRACTS:  # FOLK1E by ancestry: no bundled copy
        return "fallback", t("ingen kopi; befolkningen efter herkomst forbliver simuleret",
                             "no copy; the population by origin stays simulated")
    if name not in RAW_EXTRACTS:  # the municipal accounts have no bundled copy
        return "fallback", t("ingen kopi; udgifterne forbliver simulerede", "no copy; costs stay simulated")
    rd = raw_data_dir()
    if rd is not None and all((rd / RAW_SUBDIR / f).is_file() for f in RAW_EXTRACTS[name][1]):
        return "bundled", t(f"bruger de medfølgende data i {rd}", f"using the bundled data in {rd}")
    return "unavailable", t("ingen kopi; demoen bruger simulerede data", "no copy; the demo uses simulated data")


def _fallback_dawa(cache) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    from benchlearn.sources import raw_data_dir
    from benchlearn.sources.dawa import CACHE_NAME, CACHE_SOURCE, OFFLINE_BOUNDARIES

    e = cache.entry(CACHE_SOURCE, CACHE_NAME)
    if e is not None:
        return "cached", t(f"bruger cachen fra {e.fetched[:10]}", f"using the cache from {e.fetched[:10]}")
    rd = raw_data_dir()
    if rd is not None and (rd / OFFLINE_BOUNDARIES).is_file():
        return "bundled", t(f"bruger offline-kopien i {rd}", f"using the offline copy in {rd}")
    return "unavailable", t("ingen kommunegrænser; kort vises ikke", "no boundaries; maps are not shown")


def _statbank_extracts() -> dict:
    """The real-data extracts, the municipal accounts (REGK31/BUDK32, function 5.68) and the
    extended public variables of the model review (FOLK1A ages, FOLK1E origin) and FOLK1E
    by ancestry and age for the tables by origin (#16.3)."""
    from benchlearn.sources.accounts import ACCOUNT_EXTRACTS
    from benchlearn.sources.public_framework import PUBLIC_EXTRACTS
    from benchlearn.sources.statbank import STATBANK_EXTRACTS
    from benchlearn.sources.statbank_origin import ORIGIN_EXTRACTS

    return {**STATBANK_EXTRACTS, **ACCOUNT_EXTRACTS, **PUBLIC_EXTRACTS, **ORIGIN_EXTRACTS}


def _say(console, source: str, message: str, style: str = "yellow") -> None:  # type: ignore[no-untyped-def]
    console.print(f"[{style}]{source}:[/] {message}", highlight=False, soft_wrap=True)


def fetch_all(
    what: list[str],
    cache_dir: Path | None,
    timeout: float,
    *,
    transport: httpx.BaseTransport | None = None,
    console=None,  # type: ignore[no-untyped-def]
) -> list[Outcome]:
    """Run the fetches; never raises for an unreachable source (that is an outcome)."""
    from benchlearn.core.progress import progress_bar, stderr
    from benchlearn.sources.cache import Cache
    console = console or stderr
    cache = Cache(cache_dir)
    to = httpx.Timeout(max(timeout, 1.0) * 6, connect=timeout)
    out: list[Outcome] = []
    total = (len(_statbank_extracts()) if "statbank" in what else 0) + ("jobindsats" in what) + ("dawa" in what)
    with progress_bar(total, "Henter kilder", "Fetching sources") as advance:

        def add(o: Outcome) -> None:
            out.append(o)
            advance(1)

        _fetch_into(what, cache, to, transport, console, add)
    return out


def _fetch_into(what, cache, to, transport, console, add) -> None:  # type: ignore[no-untyped-def]
    """One source after the other; ``add`` records each outcome (and moves the progress bar)."""
    from benchlearn.sources.cache import SourceUnreachable

    if "statbank" in what:
        from benchlearn.sources.statbank import StatbankClient

        offline = False
        with StatbankClient(transport=transport, timeout=to) as client:
            for name, extract in _statbank_extracts().items():
                if offline:
                    st, det = _fallback_statbank(cache, name)
                    add(Outcome("statbank", name, st, det))
                    continue
                try:
                    e = client.fetch_extract(extract, cache)
                    add(Outcome("statbank", name, "fetched", f"{e.bytes} bytes -> {e.path}"))
                except SourceUnreachable as exc:
                    offline = True  # one failed connect is enough; don't wait for each extract
                    _say(console, "statbank", str(exc))
                    st, det = _fallback_statbank(cache, name)
                    add(Outcome("statbank", name, st, det))
                except BenchlearnError as exc:
                    add(Outcome("statbank", name, "error", str(exc)))

    if "jobindsats" in what:
        from benchlearn.sources.jobindsats import BENCHMARK_TABLE, TOKEN_ENV, JobindsatsClient

        try:
            with JobindsatsClient(transport=transport, timeout=to) as jc:
                e = jc.fetch_benchmark(cache)
                add(Outcome("jobindsats", BENCHMARK_TABLE, "fetched", f"{e.bytes} bytes -> {e.path}"))
        except SourceUnreachable as exc:
            _say(console, "jobindsats", str(exc))
            prev = cache.entry("jobindsats", f"{BENCHMARK_TABLE}.json")
            if prev is not None:
                add(Outcome("jobindsats", BENCHMARK_TABLE, "cached", t(f"bruger cachen fra {prev.fetched[:10]}", f"using the cache from {prev.fetched[:10]}")))
            else:
                add(Outcome("jobindsats", BENCHMARK_TABLE, "fallback",
                                   t("benchlearn estimerer selv benchmarket", "benchlearn estimates the benchmark itself")))
        except SourceError as exc:
            import os

            if not os.environ.get(TOKEN_ENV, "").strip():
                _say(console, "jobindsats", str(exc), style="dim")
                add(Outcome("jobindsats", BENCHMARK_TABLE, "skipped",
                                   t(f"{TOKEN_ENV} er ikke sat; benchlearn estimerer selv benchmarket",
                                     f"{TOKEN_ENV} is not set; benchlearn estimates the benchmark itself")))
            else:
                add(Outcome("jobindsats", BENCHMARK_TABLE, "error", str(exc)))
        except BenchlearnError as exc:
            add(Outcome("jobindsats", BENCHMARK_TABLE, "error", str(exc)))

    if "dawa" in what:
        from benchlearn.sources.dawa import fetch_boundaries

        try:
            e = fetch_boundaries(cache, transport=transport, timeout=to)
            add(Outcome("dawa", "kommuner", "fetched", f"{e.bytes} bytes -> {e.path}"))
        except SourceUnreachable as exc:
            _say(console, "dawa", str(exc))
            st, det = _fallback_dawa(cache)
            add(Outcome("dawa", "kommuner", st, det))
        except BenchlearnError as exc:
            add(Outcome("dawa", "kommuner", "error", str(exc)))


_STATUS = {
    "fetched": ("hentet", "fetched", "green"),
    "cached": ("cache", "cache", "cyan"),
    "bundled": ("medfølgende data", "bundled data", "cyan"),
    "fallback": ("erstatning", "fallback", "cyan"),
    "skipped": ("sprunget over", "skipped", "dim"),
    "unavailable": ("mangler", "unavailable", "yellow"),
    "error": ("fejl", "error", "red"),
}


def register(app: typer.Typer) -> None:
    @app.command("fetch")
    def fetch(
        what: Annotated[str, typer.Option("--what", help="Kilder, kommasepareret: statbank,jobindsats,dawa. / Sources, comma-separated.")] = ",".join(SOURCES),
        cache: Annotated[Optional[Path], typer.Option("--cache", help="Cachemappe (standard ~/.cache/benchlearn eller $BENCHLEARN_CACHE). / Cache folder.")] = None,
        timeout: Annotated[float, typer.Option("--timeout", help="Sekunder til at oprette forbindelse. / Seconds to connect.")] = 5.0,
        json_out: Annotated[bool, typer.Option("--json", help="Skriv JSON-poster på stdout. / Print JSON records on stdout.")] = False,
    ) -> None:
        """Hent kildedata til cachen, hvor netværket tillader det. / Fill the source cache where the network allows."""
        from rich.table import Table

        from benchlearn.cli.common import emit_json
        from benchlearn.core.progress import stderr
        from benchlearn.sources.cache import Cache

        chosen = [w.strip().lower() for w in what.split(",") if w.strip()]
        bad = [w for w in chosen if w not in SOURCES]
        if bad or not chosen:
            raise BenchlearnError(
                f"Ukendt kilde {bad[0] if bad else repr(what)!s}: vælg blandt {', '.join(SOURCES)}.",
                f"Unknown source {bad[0] if bad else repr(what)!s}: choose from {', '.join(SOURCES)}.",
            )
        root = Cache(cache).root
        stderr.print(t(f"Cache: {root}", f"Cache: {root}"), highlight=False)
        outcomes = fetch_all(chosen, cache, timeout)
        table = Table(title=t("Kilder", "Sources"))
        for col in (t("kilde", "source"), t("udtræk", "item"), t("status", "status"), t("detaljer", "details")):
            table.add_column(col)
        for o in outcomes:
            da, en, style = _STATUS[o.status]
            table.add_row(o.source, o.item, f"[{style}]{t(da, en)}[/]", o.detail)
        stderr.print(table)
        if json_out:
            emit_json([asdict(o) for o in outcomes])
        errors = [o for o in outcomes if o.status == "error"]
        if errors:
            first = errors[0]
            raise SourceError(
                f"{len(errors)} kilde(r) fejlede; første: {first.source}/{first.item}: {first.detail}",
                f"{len(errors)} source item(s) failed; first: {first.source}/{first.item}: {first.detail}",
            )
        if any(o.status == "unavailable" for o in outcomes):
            missing = sorted({o.source for o in outcomes if o.status == "unavailable"})
            raise _Unavailable(
                f"{', '.join(missing)}: kunne hverken hentes eller erstattes af en lokal kopi (cache eller "
                "../shared/data/raw). Prøv igen med netværk, eller sæt BENCHLEARN_RAW_DATA.",
                f"{', '.join(missing)}: could neither be fetched nor replaced by a local copy (cache or "
                "../shared/data/raw). Try again with network access, or set BENCHLEARN_RAW_DATA.",
            )
        if any(o.status in ("cached", "bundled", "fallback") for o in outcomes):
            stderr.print(t(
                "Ingen netværksforbindelse til alle kilder — benchlearn bruger cachen/de medfølgende data som vist.",
                "No network connection to every source — benchlearn uses the cache/bundled data as shown."), style="yellow")
        sys.stdout.flush()
