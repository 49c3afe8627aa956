"""A PDF profile of one municipality (fpdf2): the same sections as the web profile.

Uses DejaVu Sans when the system has it (full Unicode: −, –, ≤); otherwise the PDF
core font Helvetica with text reduced to Latin-1, which still covers æ, ø and å.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from benchlearn.report import text as tx
from benchlearn.report.site_data import SiteData, records
from benchlearn.report.formatting import fmt_bool, fmt_num, fmt_pct
from benchlearn.report.profile import profile_context

_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
_LATIN1 = str.maketrans({"−": "-", "–": "-", "—": "-", "≤": "<=", "≥": ">=", "τ": "tau", "²": "2", "\u00a0": " "})
#: the web's colour-blind-safe tier colours (report/text.py TIER_COLOURS), not red/green
TIER_RGB = {k: tuple(int(v[i:i + 2], 16) for i in (1, 3, 5)) for k, v in tx.TIER_COLOURS.items()}


class _Doc(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.unicode = False
        for d in _FONT_DIRS:
            if (d / "DejaVuSans.ttf").exists() and (d / "DejaVuSans-Bold.ttf").exists():
                self.add_font("DejaVu", "", str(d / "DejaVuSans.ttf"))
                self.add_font("DejaVu", "B", str(d / "DejaVuSans-Bold.ttf"))
                self.unicode = True
                break
        self.family = "DejaVu" if self.unicode else "Helvetica"
        self.set_auto_page_break(True, margin=18)
        self.set_margins(16, 16, 16)

    def s(self, text: object) -> str:
        out = "" if text is None else str(text)
        return out if self.unicode else out.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(self.family, "", 7)
        self.set_text_color(90, 90, 90)
        self.cell(0, 4, self.s(tx.say("pdf.sources_statistics_denmark_cc_4") + str(self.page_no())), align="C")

    def h1(self, text: str) -> None:
        self.set_font(self.family, "B", 18)
        self.set_text_color(11, 61, 110)
        self.multi_cell(0, 9, self.s(text), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)

    def h2(self, text: str) -> None:
        if self.get_y() > 250:
            self.add_page()
        self.ln(3)
        self.set_font(self.family, "B", 12.5)
        self.set_text_color(11, 61, 110)
        self.multi_cell(0, 7, self.s(text), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.set_font(self.family, "", 9.5)

    def para(self, text: str, size: float = 9.5) -> None:
        self.set_font(self.family, "", size)
        self.multi_cell(0, 5, self.s(text), new_x="LMARGIN", new_y="NEXT")

    def _widths(self, header: list[str], rows: list[list[object]]) -> tuple[float, ...]:
        """Column widths that fit every column's longest word (so no word is broken:
        "Resultatmå|l") and share the rest by how much text a column holds."""
        cols = list(zip(*([header] + [[self.s(v) for v in r] for r in rows]), strict=False))
        room = self.w - self.l_margin - self.r_margin
        pad = 2 * self.c_margin + 1.0
        self.set_font(self.family, "B", 8.5)
        need = [max(self.get_string_width(w) for cell in col for w in (str(cell).split() or [""])) + pad for col in cols]
        self.set_font(self.family, "", 8.5)
        want = [max(self.get_string_width(str(cell)) for cell in col) + pad for col in cols]
        if sum(need) >= room:  # cannot fit every word: widths by the words themselves
            return tuple(n * room / sum(need) for n in need)
        extra = [max(w - n, 0.0) for w, n in zip(want, need, strict=True)]
        spare = room - sum(need)
        k = min(1.0, spare / sum(extra)) if sum(extra) else 0.0
        out = [n + e * k for n, e in zip(need, extra, strict=True)]
        return tuple(w * room / sum(out) for w in out)

    def grid(self, header: list[str], rows: list[list[object]], widths: tuple | None = None) -> None:
        self.set_font(self.family, "", 8.5)
        self.set_fill_color(255, 255, 255)  # a chart's fill colour must not carry over into the table
        with self.table(col_widths=widths or self._widths(header, rows), line_height=4.6, text_align="LEFT",
                        cell_fill_color=(255, 255, 255), cell_fill_mode="ALL",
                        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 240, 245))) as table:
            r = table.row()
            for h in header:
                r.cell(self.s(h))
            for row in rows:
                r = table.row()
                for v in row:
                    r.cell(self.s(v))


def _interval_chart(pdf: _Doc, rows: list[dict]) -> None:
    """Dot-and-whisker chart of diff_pp with 95 % interval per area, drawn with PDF primitives."""
    rows = [r for r in rows if r.get("diff_pp") is not None]
    if not rows:
        return
    vals = [v for r in rows for v in (r.get("ci_low_pp"), r.get("ci_high_pp"), r.get("diff_pp")) if v is not None]
    lo, hi = min(vals + [0.0]), max(vals + [0.0])
    pad = (hi - lo) * 0.08 or 1.0
    lo, hi = lo - pad, hi + pad
    x0, w = pdf.l_margin + 62, pdf.w - pdf.l_margin - pdf.r_margin - 62
    y = pdf.get_y() + 2

    def sx(v: float) -> float:
        return x0 + (v - lo) / (hi - lo) * w

    pdf.set_draw_color(30, 30, 30)
    pdf.line(sx(0), y - 1, sx(0), y + 7 * len(rows))
    pdf.set_font(pdf.family, "", 8.5)
    for i, r in enumerate(rows):
        yy = y + 7 * i + 3
        pdf.set_xy(pdf.l_margin, yy - 2.5)
        pdf.cell(60, 5, pdf.s(tx.area_label(r.get("area", "")).split(" (")[0][:40]))
        if r.get("ci_low_pp") is not None and r.get("ci_high_pp") is not None:
            pdf.set_draw_color(80, 80, 80)
            pdf.set_line_width(0.5)
            pdf.line(sx(r["ci_low_pp"]), yy, sx(r["ci_high_pp"]), yy)
        tier = str(r.get("tier"))
        pdf.set_fill_color(*TIER_RGB.get(tier, (43, 108, 176)))
        x = sx(r["diff_pp"])
        if tier in ("better", "worse"):  # the shape is the second cue, as on the web: ▲ better, ▼ worse
            d = -1.0 if tier == "better" else 1.0
            pdf.polygon([(x - 1.7, yy - 1.2 * d), (x + 1.7, yy - 1.2 * d), (x, yy + 1.6 * d)], style="F")
        else:
            pdf.ellipse(x - 1.4, yy - 1.4, 2.8, 2.8, style="F")
    pdf.set_line_width(0.2)
    pdf.set_xy(x0, y + 7 * len(rows))
    pdf.set_font(pdf.family, "", 7.5)
    pdf.cell(w / 2, 4, pdf.s(f"{fmt_num(lo, 1)} pp"))
    pdf.cell(w / 2, 4, pdf.s(f"{fmt_num(hi, 1)} pp"), align="R")
    pdf.ln(6)


def _data_time(data: SiteData) -> datetime:
    """The PDF's creation date: ``SOURCE_DATE_EPOCH`` if set, else the time the workspace was last
    written. Why: fpdf2 stamps the clock (and derives the file /ID from it), so two reports of
    the same workspace differed (audit #20.8); the data's time says when the numbers are from.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    stamp = float(epoch) if epoch and epoch.isdigit() else float(getattr(data, "stamp", 0.0) or 0.0)
    return datetime.fromtimestamp(int(stamp), tz=timezone.utc)


def profile_pdf(data: SiteData, kommunekode: int, period: str | None = None) -> bytes:
    """The PDF profile of one municipality as bytes."""
    prof = profile_context(data, int(kommunekode), period)
    pdf = _Doc()
    pdf.set_creation_date(_data_time(data))
    pdf.set_title(pdf.s(f"benchlearn – {prof['navn']}"))
    pdf.add_page()
    pdf.h1(f"{prof['navn']} – {tx.say('pdf.profile')} {prof['period'] or ''}")
    pdf.para(f"{tx.say('pdf.municipality_code')} {prof['kommunekode']} · {prof['region']}")
    if prof["simulated"]:
        pdf.set_fill_color(255, 244, 194)
        pdf.set_font(pdf.family, "B", 9.5)
        what = ", ".join(tx.pick(tx.TABLE_TITLES.get(n), n) for n in prof.get("simulated_tables") or [])
        line = tx.say("pdf.simulated_numbers_this_profile_rests") + (
            " " + tx.say("common.simulated_here", what=what) if what else "")
        pdf.multi_cell(0, 6, pdf.s(line), fill=True, align="L", new_x="LMARGIN", new_y="NEXT")
    h = prof.get("headline")
    if h:
        pdf.h2(f"{tx.say('common.result')}: {tx.area_label(h.get('area') or '')}")
        lines = [f"{tx.say('common.difference_from_expected')}: {fmt_num(h.get('diff_pp'))} pp"]
        if h.get("ci_low_pp") is not None:
            lines.append(f"{tx.say('common.n95_interval')}: [{fmt_num(h.get('ci_low_pp'))}; {fmt_num(h.get('ci_high_pp'))}] pp")
        if h.get("tier"):
            lines.append(f"{tx.say('common.tier')}: {tx.label(tx.TIERS, h.get('tier'))}")
        if h.get("actual_share") is not None:
            lines.append(f"{tx.say('common.actual_expected_share')}: "
                         f"{fmt_pct(h.get('actual_share'), 2)} / {fmt_pct(h.get('expected_share'), 2)}")
        if h.get("rank") is not None:
            lines.append(f"{tx.say('common.rank')}: {fmt_num(h.get('rank'), 0)} "
                         f"({fmt_num(h.get('rank_ci_low'), 0)}–{fmt_num(h.get('rank_ci_high'), 0)})")
        if h.get("published_rank") is not None:
            lines.append(f"{tx.say('kommune.published_rank')}: {fmt_num(h.get('published_rank'), 0)}")
        if h.get("extrapolated"):
            note = tx.say("common.outlying_note") if h.get("outlying") else \
                tx.say("common.extrapolated_note", ratio=fmt_num(h.get("leverage_ratio"), 1))
            lines.append(f"{tx.say('common.extrapolated')}: {note}")
        pdf.para("\n".join(lines), 10.5)
        pdf.para(tx.say("pdf.negative_difference_fewer_public_support"), 8.5)
    by_area = records(prof.get("by_area"))
    if by_area:
        pdf.h2(tx.say("pdf.result_area_95_interval"))
        with pdf.local_context():  # the chart's colours stay in the chart (they filled the tables below)
            _interval_chart(pdf, by_area)
    for r in records(prof.get("integration")):
        pdf.h2(tx.area_label(r.get("area") or ""))
        pdf.para(tx.say("pdf.integration_line", diff=fmt_num(r.get("diff_pp")), low=fmt_num(r.get("ci_low_pp")),
                        high=fmt_num(r.get("ci_high_pp")), tier=tx.label(tx.TIERS, r.get("tier")),
                        rank=fmt_num(r.get("rank"), 0)), 10)
    cls = records(prof.get("classification"))
    if cls:
        pdf.h2(tx.say("common.category_under_every_scheme"))
        pdf.grid([tx.say("common.scheme"), tx.say("common.category"), tx.say("common.position"), tx.say("common.result_goal"),
                  tx.say("common.offers_goal"), tx.say("common.talks_goal")],
                 [[tx.label(tx.SCHEMES, r.get("scheme")), r.get("category_label") or tx.label(tx.CATEGORIES, r.get("category")),
                   fmt_num(r.get("position"), 0), fmt_bool(r.get("resultatmaal")), fmt_bool(r.get("fokusmaal_tilbud")),
                   fmt_bool(r.get("fokusmaal_samtaler"))] for r in cls])
    peers = records(prof.get("peers"))
    if peers:
        pdf.h2(tx.say("common.peers_learning_partners"))
        lp = [r["peer_navn"] for r in peers if r.get("learning_partner")]
        pdf.para(tx.say("pdf.learning_partners") + (", ".join(lp) if lp else tx.say("pdf.none")))
        pdf.grid([tx.say("common.municipality"), tx.say("pdf.distance"), tx.say("common.difference_pp"),
                  tx.say("common.learning_partner")],
                 [[r["peer_navn"], fmt_num(r.get("distance")), fmt_num(r.get("peer_diff_pp")), fmt_bool(r.get("learning_partner"))]
                  for r in peers])
    dea = records(prof.get("dea"))
    if dea:
        pdf.h2(tx.say("common.cost_efficiency_dea"))
        for r in dea:
            rts = str(r.get("rts") or "")
            words = tx.say("kommune.constant_returns_scale") if rts == "crs" else tx.say("kommune.variable_returns_scale")
            head = f"{rts.upper()} ({words}): " if rts else ""
            pot = r.get("potential_persons")
            tail = ""
            if pot is not None and pot == pot:
                tail = tx.say("pdf.dea_potential", persons=fmt_num(pot, 0), low=fmt_num(r.get("potential_persons_low"), 0),
                              high=fmt_num(r.get("potential_persons_high"), 0))
            pdf.para(f"{head}{tx.say('common.efficiency')} {fmt_num(r.get('efficiency'))}, "
                     f"{tx.say('common.bias_corrected')} {fmt_num(r.get('bias_corrected'))} "
                     f"[{fmt_num(r.get('ci_low'))}; {fmt_num(r.get('ci_high'))}]{tail}")
    costs = prof.get("costs")
    if costs is not None and {"period", "category", "dkk"} <= set(costs.columns):
        pdf.h2(tx.say("pdf.costs_dkk_m"))
        piv = costs.pivot_table(index="period", columns="category", values="dkk", aggfunc="sum")
        pdf.grid([tx.say("common.period")] + [tx.label(tx.COST_CATEGORIES, c) for c in piv.columns],
                 [[str(p)] + [fmt_num(v / 1e6, 1) for v in row] for p, row in zip(piv.index, piv.to_numpy())])
    surveys = records(prof.get("surveys"))
    if surveys:
        pdf.h2(tx.say("common.surveys"))
        rows = []
        for r in surveys:
            lab = [tx.label(tx.SURVEYS, r.get("survey")), tx.label(tx.DIMENSIONS, r.get("dimension"))]
            if r.get("suppressed"):
                rows.append(lab + [tx.pick(tx.SUPPRESSED), "", ""])
            else:
                rows.append(lab + [fmt_num(r.get("score")), f"[{fmt_num(r.get('ci_low'))}; {fmt_num(r.get('ci_high'))}]",
                                   fmt_num(r.get("respondents"), 0)])
        pdf.grid([tx.say("common.survey"), tx.say("common.dimension"), tx.say("common.score"),
                  tx.say("common.n95_interval"), tx.say("common.respondents")], rows)
    act = records(prof.get("activity"))
    if act:
        pdf.h2(tx.say("pdf.activity_no_targets"))
        pdf.grid([tx.say("common.target_group"), tx.say("common.measure"), tx.say("common.value")],
                 [[tx.maalgruppe_label(r.get("maalgruppe")), tx.label(tx.MEASURES, r.get("measure")), fmt_num(r.get("value"))]
                  for r in act])
    from benchlearn.report.review_pdf import review_section

    review_section(pdf, data, int(kommunekode))
    from benchlearn.report.benchlearning_pdf import benchlearning_section

    benchlearning_section(pdf, data, int(kommunekode))
    return bytes(pdf.output())


def write_profile_pdf(data: SiteData, kommunekode: int, out: Path, period: str | None = None) -> Path:
    out.write_bytes(profile_pdf(data, kommunekode, period))
    return out


__all__ = ["profile_pdf", "write_profile_pdf"]
