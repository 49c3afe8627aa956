"""The data contract (DATA.md) declared once, as data.

Every table of a dataset folder is described here: its key, its columns, their kinds
and limits. The reader (:mod:`benchlearn.data.dataset`) validates against these specs, the
docs table in the README is generated from them, and a test checks that every table
and column is documented.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from benchlearn.core import reference

ColumnKind = Literal[
    "kommunekode",  # one of the 98 DST municipality codes (0450 and 450 both accepted)
    "period",  # a period label, see benchlearn.core.periods
    "ydelse",  # one of the 14 ydelse codes
    "area",  # a benchmark area or a målgruppe code
    "maalgruppe",  # one of the five målgrupper
    "text",  # free text, not empty
    "number",  # a real number
    "integer",  # a whole number
    "item5",  # survey item on a 1..5 scale, blank = not answered
    "progression",  # caseworker progression, whole number -2..+2
    "sex",  # M or K
    "choice",  # one of ``choices``
    "bool",  # true/false, ja/nej, 1/0
    "date",  # a calendar date, ISO 2024-03-01 (also 01-03-2024 and Excel dates), stored as ISO text
    "method",  # a method code of the catalogue core/reference/methods.toml
    "enabler",  # a performance-enabler code of core/reference/enablers.toml
]


@dataclass(frozen=True)
class Column:
    """One column of a contract table."""

    name: str
    kind: ColumnKind
    doc_da: str
    doc_en: str
    required: bool = True
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    #: name of another numeric column of the same row that this one may not exceed
    at_most: str | None = None
    #: name of another date column of the same row that this one may not come before
    not_before: str | None = None


@dataclass(frozen=True)
class TableSpec:
    """One table of the data contract."""

    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    doc_da: str
    doc_en: str
    person_level: bool = False
    extra_columns_allowed: bool = True
    #: monitoring series may use their own kind of period (months) beside a QMAT benchmark
    own_period_kind: bool = False

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _c(name: str, kind: ColumnKind, da: str, en: str, **kw: object) -> Column:
    return Column(name, kind, da, en, **kw)  # type: ignore[arg-type]


#: residents aged 16–66 of one municipality, at most: København, the largest, has about 470,000
#: (Statbank FOLK1A, 2024); twice that leaves room for growth and still refuses the audit's 1e300
MAX_RESIDENTS = 1_000_000

KOMMUNE = _c("kommunekode", "kommunekode", "DST-kommunekode (101 København … 860 Hjørring)", "DST municipality code")
#: origin groups of the by-origin tables: the three origins partition the residents;
#: flygtning and familiesammenfoert (residence basis) are subsets of the immigrants
ORIGIN_GROUPS = ("dansk", "vestlig", "ikke_vestlig", "flygtning", "familiesammenfoert")
ORIGIN_GROUP_DOC_DA = ("herkomst (dansk, vestlig, ikke_vestlig: summer til totalen) eller opholdsgrundlag "
                       "(flygtning, familiesammenfoert: delmængder af indvandrerne, lægges ikke til)")
ORIGIN_GROUP_DOC_EN = ("origin (dansk, vestlig, ikke_vestlig: add up to the total) or residence basis "
                       "(flygtning, familiesammenfoert: subsets of the immigrants, not to be added)")
#: the counts behind the two focus goals (table focus, and focus_origin by origin)
FOCUS_COUNTS = (
    _c("persons_12m", "number", "personer med mindst 12 måneders anciennitet", "persons with at least 12 months on support", minimum=0),
    _c("without_offer", "number", "heraf uden tilbud eller 100 løntimer", "of whom without an offer or 100 hours of work", minimum=0, at_most="persons_12m"),
    _c("without_talks", "number", "heraf uden 4 samtaler", "of whom without 4 talks", minimum=0, at_most="persons_12m"),
)
PERIOD = _c("period", "period", "periode: 2023, 2023H1, 2023Q4, 2023M03 eller 2023QMAT04", "period label")

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec(
            "municipalities",
            ("kommunekode",),
            (
                KOMMUNE,
                _c("navn", "text", "kommunens navn", "municipality name"),
                _c("region", "text", "region", "region", required=False, nullable=True),
            ),
            "Kommuner (standard: den indbyggede liste over de 98)",
            "Municipalities (default: the built-in list of the 98)",
        ),
        TableSpec(
            "population",
            ("kommunekode", "period"),
            (KOMMUNE, PERIOD, _c("persons", "number", "borgere 16–66 år", "residents aged 16–66", minimum=0,
                                 maximum=MAX_RESIDENTS)),
            "Nævner: borgere i alderen 16–66 år",
            "Denominator: residents aged 16–66",
        ),
        TableSpec(
            "support",
            ("kommunekode", "period", "ydelse"),
            (
                KOMMUNE,
                PERIOD,
                _c("ydelse", "ydelse", "en af de 14 ydelsesgrupper", "one of the 14 benefit groups"),
                _c("fuldtidspersoner", "number", "fuldtidspersoner på offentlig forsørgelse", "full-time persons on public support", minimum=0),
            ),
            "Fuldtidspersoner på offentlig forsørgelse pr. ydelsesgruppe",
            "Full-time persons on public support by benefit group",
        ),
        TableSpec(
            "framework",
            ("kommunekode", "period", "variable"),
            (
                KOMMUNE,
                PERIOD,
                _c("variable", "text", "rammevilkårets navn (frit)", "framework variable name (free)"),
                _c("value", "number", "værdi", "value"),
            ),
            "Rammevilkår i lang form",
            "Framework conditions, long form",
        ),
        TableSpec(
            "benchmark",
            ("kommunekode", "period", "area"),
            (
                KOMMUNE,
                PERIOD,
                _c("area", "area", "benchmarkområde eller målgruppe", "benchmark area or target group"),
                _c("actual", "number", "faktisk antal fuldtidspersoner", "actual full-time persons", minimum=0, at_most="persons"),
                _c("expected", "number", "forventet antal fuldtidspersoner", "expected full-time persons", minimum=0, at_most="persons"),
                _c("persons", "number", "nævner (borgere)", "denominator (residents)", required=False, nullable=True, minimum=0),
                _c("se_expected", "number", "modellens standardfejl på forventet (valgfri; skrives af persons aggregate)",
                   "the model's standard error of expected (optional; written by persons aggregate)",
                   required=False, nullable=True, minimum=0),
                _c("published_rank", "integer", "den offentliggjorte placering på ranglisten (valgfri; y30r21)",
                   "the published rank on the list (optional; y30r21)", required=False, nullable=True, minimum=1, maximum=98),
                _c("published_diff_pp", "number", "den offentliggjorte forskel faktisk − forventet andel, procentpoint (valgfri)",
                   "the published difference actual − expected share, percentage points (optional)",
                   required=False, nullable=True),
            ),
            "Et allerede beregnet benchmark (fx Jobindsats y30r21)",
            "An already computed benchmark (e.g. Jobindsats y30r21)",
        ),
        TableSpec(
            "focus",
            ("kommunekode", "period"),
            (
                KOMMUNE,
                PERIOD,
                *FOCUS_COUNTS,
            ),
            "Tællinger bag de to fokusmål",
            "Counts behind the two focus goals",
        ),
        TableSpec(
            "activity",
            ("kommunekode", "period", "maalgruppe", "measure"),
            (
                KOMMUNE,
                PERIOD,
                _c("maalgruppe", "text", "målgruppe (eller 'alle')", "target group (or 'alle')"),
                _c("measure", "text", "indsatsmål", "activity measure"),
                _c("value", "number", "værdi", "value"),
            ),
            "Indsatsmål til monitorering uden mål (perioden må være af sin egen slags, fx måneder)",
            "Activity measures for monitoring without targets (the period may be of its own kind, e.g. months)",
            own_period_kind=True,
        ),
        TableSpec(
            "activity_national",
            ("period", "maalgruppe", "measure"),
            (
                PERIOD,
                _c("maalgruppe", "text", "målgruppe (eller 'alle')", "target group (or 'alle')"),
                _c("measure", "text", "indsatsmål", "activity measure"),
                _c("value", "number", "værdi for hele landet", "value for the whole country"),
            ),
            "Indsatsmålene for hele landet (sammenligning i monitoreringen)",
            "The activity measures for the whole country (comparison in monitoring)",
            own_period_kind=True,
        ),
        TableSpec(
            "costs",
            ("kommunekode", "period", "category", "maalgruppe"),
            (
                KOMMUNE,
                PERIOD,
                _c("category", "choice", "udgiftskategori", "cost category", choices=("administration", "aktive_tilbud", "other")),
                _c("dkk", "number", "udgift i kroner (kan være negativ ved refusioner)", "expenditure in kroner (may be negative after refunds)"),
                _c("maalgruppe", "text", "målgruppe (valgfri opdeling)", "target group (optional split)", required=False, nullable=True),
            ),
            "Udgifter til beskæftigelsesindsatsen",
            "Expenditure on the employment effort",
        ),
        TableSpec(
            "citizen_survey",
            ("respondent_id",),
            (
                _c("respondent_id", "text", "respondent-id", "respondent id"),
                KOMMUNE,
                PERIOD,
                _c("maalgruppe", "text", "målgruppe", "target group", required=False, nullable=True),
                *(
                    _c(d, "item5", f"spørgsmål om {d} (1–5, tom = ikke besvaret)", f"item on {d} (1–5, blank = not answered)", nullable=True, required=False)
                    for d in ("udbytte", "mening", "sammenhaeng", "involvering", "fremdrift")
                ),
                _c("age_group", "text", "aldersgruppe (til vejning)", "age group (for weighting)", required=False, nullable=True),
                _c("sex", "sex", "køn M/K (til vejning)", "sex M/K (for weighting)", required=False, nullable=True),
                _c("weight", "number", "designvægt (valgfri)", "design weight (optional)", required=False, nullable=True, minimum=0),
            ),
            "Borgerundersøgelse, én række pr. respondent",
            "Citizen survey, one row per respondent",
        ),
        TableSpec(
            "business_survey",
            ("firm_id",),
            (
                _c("firm_id", "text", "virksomheds-id", "firm id"),
                KOMMUNE,
                PERIOD,
                _c("satisfaction", "item5", "tilfredshed 1–5", "satisfaction 1–5", nullable=True),
            ),
            "Virksomhedsundersøgelse",
            "Business survey",
        ),
        TableSpec(
            "invitations",
            ("kommunekode", "period", "survey", "maalgruppe"),
            (
                KOMMUNE,
                PERIOD,
                _c("survey", "choice", "undersøgelse", "survey", choices=("citizen", "business", "caseworker")),
                _c("invited", "number", "antal inviterede", "number invited", minimum=0),
                _c("maalgruppe", "text", "målgruppe (valgfri opdeling)", "target group (optional split)", required=False, nullable=True),
            ),
            "Inviterede til undersøgelserne (til svarprocenter)",
            "Survey invitations (for response rates)",
        ),
        TableSpec(
            "survey_margins",
            ("kommunekode", "period", "variable", "category"),
            (
                KOMMUNE,
                PERIOD,
                _c("variable", "choice", "vægtningsvariabel", "weighting variable", choices=("maalgruppe", "age_group", "sex")),
                _c("category", "text", "kategori", "category"),
                _c("share", "number", "andel i registret (0–1)", "register share (0–1)", minimum=0, maximum=1),
            ),
            "Registermargener til rakingvægte (udvidelse af kontrakten)",
            "Register margins for raking weights (contract extension)",
        ),
        TableSpec(
            "caseworker_assessments",
            ("case_id",),
            (
                _c("case_id", "text", "sags-id", "case id"),
                KOMMUNE,
                PERIOD,
                _c("progression", "progression", "progression −2 … +2", "progression −2 … +2"),
            ),
            "Sagsbehandlervurderinger af progression",
            "Caseworker assessments of progression",
        ),
        TableSpec(
            "commuting_areas",
            ("kommunekode",),
            (
                KOMMUNE,
                _c("pendlingsomraade", "text", "kode for pendlings- eller arbejdsmarkedsområdet", "code of the commuting or labour-market area"),
                _c("navn", "text", "områdets navn", "the area's name", required=False, nullable=True),
            ),
            "Pendlingsområder til modelgennemgangen (standard: Danmarks Statistiks 11 landsdele)",
            "Commuting areas for the model review (default: Statistics Denmark's 11 landsdele)",
        ),
        TableSpec(
            "efforts",
            ("kommunekode", "method", "target_group", "start_date"),
            (
                KOMMUNE,
                _c("method", "method", "metodekode fra metodekataloget (core/reference/methods.toml)",
                   "method code from the method catalogue (core/reference/methods.toml)"),
                _c("target_group", "choice", "målgruppe (de fem, integration eller alle)",
                   "target group (the five, integration or alle)", choices=reference.effort_target_groups()),
                _c("persons", "number", "omfang: personer i indsatsen pr. år", "scale: persons in the effort per year",
                   required=False, nullable=True, minimum=0, maximum=MAX_RESIDENTS),
                _c("start_date", "date", "startdato (2023-01-01)", "start date (2023-01-01)"),
                _c("end_date", "date", "slutdato (tom = løber stadig)", "end date (blank = still running)",
                   required=False, nullable=True, not_before="start_date"),
                _c("source", "text", "kilde (fx kommunens beskæftigelsesplan)", "source (e.g. the municipality's employment plan)"),
                _c("note", "text", "fritekst", "free text", required=False, nullable=True),
            ),
            "Indsatser og metoder: hvad kommunen gør (benchlearning)",
            "Efforts and methods: what the municipality does (benchlearning)",
        ),
        TableSpec(
            "self_assessment",
            ("kommunekode", "period", "enabler", "assessor"),
            (
                KOMMUNE,
                PERIOD,
                _c("enabler", "enabler", "forudsætning for resultater (core/reference/enablers.toml)",
                   "performance enabler (core/reference/enablers.toml)"),
                _c("assessor", "choice", "hvem vurderer: jobcentret selv eller eksterne fagfæller",
                   "who assesses: the jobcentre itself or external peers", choices=("self", "peer")),
                _c("score", "item5", "score 1–5 (tom = ikke vurderet)", "score 1–5 (blank = not assessed)", nullable=True),
                _c("note", "text", "begrundelse", "reason", required=False, nullable=True),
            ),
            "Selvevaluering og fagfællevurdering af forudsætninger for resultater (benchlearning)",
            "Self- and peer assessment of performance enablers (benchlearning)",
        ),
        TableSpec(
            "learning_cycles",
            ("cycle_id", "kommunekode"),
            (
                _c("cycle_id", "text", "læringsforløbets id", "the learning cycle's id"),
                KOMMUNE,
                _c("role", "choice", "rolle i forløbet", "role in the cycle", choices=("learner", "partner")),
                _c("group_name", "text", "læringsgruppens navn", "the learning group's name", required=False, nullable=True),
                _c("visit_start", "date", "besøgets første dag", "first day of the visit"),
                _c("visit_end", "date", "besøgets sidste dag", "last day of the visit", required=False, nullable=True,
                   not_before="visit_start"),
                _c("before_period", "period", "periode før forløbet (opfølgningens udgangspunkt)",
                   "period before the cycle (the follow-up's baseline)"),
                _c("after_period", "period", "periode efter forløbet (opfølgningen)", "period after the cycle (the follow-up)"),
            ),
            "Læringsforløb: gruppe, besøg og opfølgningsperioder (benchlearning)",
            "Learning cycles: group, visits and follow-up periods (benchlearning)",
        ),
        TableSpec(
            "learning_actions",
            ("cycle_id", "kommunekode", "item_id"),
            (
                _c("cycle_id", "text", "læringsforløbets id", "the learning cycle's id"),
                KOMMUNE,
                _c("item_id", "text", "handlingspunktets nummer eller navn", "the action item's number or name"),
                _c("method", "method", "metode punktet indfører (valgfri)", "method the item introduces (optional)",
                   required=False, nullable=True),
                _c("enabler", "enabler", "forudsætning punktet styrker (valgfri)", "enabler the item strengthens (optional)",
                   required=False, nullable=True),
                _c("description", "text", "hvad der skal gøres", "what is to be done"),
                _c("due_date", "date", "frist (valgfri)", "deadline (optional)", required=False, nullable=True),
            ),
            "Handlingsplanens punkter i et læringsforløb (benchlearning)",
            "Action plan items of a learning cycle (benchlearning)",
        ),
        TableSpec(
            "provenance",
            ("table", "part"),
            (
                _c("table", "text", "tabel i datasættet", "table in the dataset"),
                _c("part", "text", "del af tabellen, fx 'ydelse=kontanthjaelp' (tom = hele tabellen)", "part of the table, e.g. 'ydelse=kontanthjaelp' (blank = the whole table)", required=False, nullable=True),
                _c("source", "text", "kilde", "source"),
                _c("simulated", "bool", "simulerede tal (ja/nej)", "simulated numbers (true/false)"),
                _c("note", "text", "bemærkning", "note", required=False, nullable=True),
                _c("kind", "choice", "rigtig, afledt eller simuleret (valgfri; tom = efter 'simulated')",
                   "real, derived or simulated (optional; blank = from 'simulated')", required=False, nullable=True,
                   choices=("real", "derived", "simulated")),
            ),
            "Hvor tallene kommer fra, og om de er simulerede (udvidelse af kontrakten)",
            "Where the numbers come from and whether they are simulated (contract extension)",
        ),
        TableSpec(
            "cells",
            ("kommunekode", "period", "age_group", "sex", "education", "origin", "area"),
            (
                KOMMUNE,
                PERIOD,
                _c("age_group", "text", "aldersgruppe, fx 16-24 (valgfri)", "age group, e.g. 16-24 (optional)", required=False),
                _c("sex", "sex", "køn M/K (valgfri)", "sex M/K (optional)", required=False),
                _c("education", "choice", "uddannelse (valgfri)", "education (optional)", required=False,
                   choices=("grundskole", "gymnasial", "erhvervsfaglig", "kort", "mellemlang", "lang", "ukendt")),
                _c("origin", "choice", "herkomst (valgfri)", "origin (optional)", required=False,
                   choices=("dansk", "vestlig", "ikke_vestlig")),
                _c("area", "area", "benchmarkområde", "benchmark area"),
                _c("exposure_weeks", "integer", "personuger bosat i cellen", "person-weeks resident in the cell", minimum=0),
                _c("outcome_weeks", "integer", "personuger på områdets ydelser", "person-weeks on the area's benefits",
                   minimum=0, at_most="exposure_weeks"),
                _c("n_persons", "integer", "personer i cellen", "persons in the cell", required=False, minimum=0),
                _c("n_outcome_persons", "integer", "heraf personer på områdets ydelser", "of whom on the area's benefits",
                   required=False, minimum=0, at_most="n_persons"),
                _c("exposure", "number", "helårspersoner bosat (uger / uger i perioden)", "full-year residents (weeks / weeks in the period)",
                   required=False, minimum=0),
                _c("outcome", "number", "fuldtidspersoner på områdets ydelser", "full-time persons on the area's benefits",
                   required=False, minimum=0, at_most="exposure"),
            ),
            "Celler til cellemodellen, fra `benchlearn persons aggregate` (udvidelse af kontrakten)",
            "Cells for the cell-level model, from `benchlearn persons aggregate` (contract extension)",
        ),
        TableSpec(
            "support_origin",
            ("kommunekode", "period", "origin_group", "ydelse"),
            (
                KOMMUNE,
                PERIOD,
                _c("origin_group", "choice", ORIGIN_GROUP_DOC_DA, ORIGIN_GROUP_DOC_EN, choices=ORIGIN_GROUPS),
                _c("ydelse", "ydelse", "ydelseskode", "benefit code"),
                _c("fuldtidspersoner", "number", "fuldtidspersoner (personuger / uger i perioden)",
                   "full-time persons (person-weeks / weeks in the period)", minimum=0),
                _c("n_persons", "integer", "personer bag tallet", "persons behind the number", required=False, minimum=0),
            ),
            "Offentlig forsørgelse efter herkomst og opholdsgrundlag, fra `benchlearn persons aggregate` (udvidelse af kontrakten)",
            "Public support by origin and residence basis, from `benchlearn persons aggregate` (contract extension)",
        ),
        TableSpec(
            "population_origin",
            ("kommunekode", "period", "origin_group"),
            (
                KOMMUNE,
                PERIOD,
                _c("origin_group", "choice", ORIGIN_GROUP_DOC_DA, ORIGIN_GROUP_DOC_EN, choices=ORIGIN_GROUPS),
                _c("persons", "number", "helårspersoner 16-66 år", "full-year residents aged 16-66", minimum=0),
                _c("n_persons", "integer", "personer bag tallet", "persons behind the number", required=False, minimum=0),
            ),
            "Befolkning efter herkomst og opholdsgrundlag, fra `benchlearn persons aggregate` (udvidelse af kontrakten)",
            "Population by origin and residence basis, from `benchlearn persons aggregate` (contract extension)",
        ),
        TableSpec(
            "focus_origin",
            ("kommunekode", "period", "origin_group"),
            (
                KOMMUNE,
                PERIOD,
                _c("origin_group", "choice", ORIGIN_GROUP_DOC_DA, ORIGIN_GROUP_DOC_EN, choices=ORIGIN_GROUPS),
                *FOCUS_COUNTS,
            ),
            "Fokusmålenes tællinger efter herkomst og opholdsgrundlag, fra `benchlearn persons aggregate` (udvidelse af kontrakten)",
            "The focus goals' counts by origin and residence basis, from `benchlearn persons aggregate` (contract extension)",
        ),
        TableSpec(
            "framework_origin",
            ("kommunekode", "period", "origin_group", "variable"),
            (
                KOMMUNE,
                PERIOD,
                _c("origin_group", "choice", ORIGIN_GROUP_DOC_DA, ORIGIN_GROUP_DOC_EN, choices=ORIGIN_GROUPS),
                _c("variable", "text", "gruppens rammevilkår (frit), fx aar_i_danmark", "the group's framework variable (free), e.g. aar_i_danmark"),
                _c("value", "number", "værdi", "value"),
            ),
            "Rammevilkår for en herkomstgruppe i lang form, fx år i Danmark, oprindelseslande, alder og uddannelse (integrationsbenchmarken; udvidelse af kontrakten)",
            "Framework conditions of an origin group, long form, e.g. years in Denmark, countries of origin, age and education (the integration benchmark; contract extension)",
        ),
        TableSpec(
            "suppression",
            ("table", "kommunekode", "period", "key"),
            (
                _c("table", "text", "tabel hvor en række er udeladt", "table a row was left out of"),
                KOMMUNE,
                PERIOD,
                _c("key", "text", "rækkens øvrige nøgle, fx ydelse=kontanthjaelp (tom = kommunens række)",
                   "the row's further key, e.g. ydelse=kontanthjaelp (blank = the municipality's row)",
                   required=False, nullable=True),
                _c("reason", "text", "hvorfor (aldrig tallet)", "why (never the number)"),
            ),
            "Rækker udeladt efter færre-end-5-personer-reglen, fra `benchlearn persons aggregate` (udvidelse af kontrakten)",
            "Rows left out under the fewer-than-5-persons rule, from `benchlearn persons aggregate` (contract extension)",
        ),
        TableSpec(
            "persons",
            ("person_id",),
            (
                _c("person_id", "text", "person-id (pseudonymiseres)", "person id (pseudonymised)"),
                _c("birth_year", "integer", "fødselsår", "birth year"),
                _c("sex", "sex", "køn (M/K)", "sex (M/K)"),
                _c("education", "choice", "uddannelse", "education", choices=("grundskole", "gymnasial", "erhvervsfaglig", "kort", "mellemlang", "lang", "ukendt")),
                _c("origin", "choice", "herkomst", "origin", choices=("dansk", "vestlig", "ikke_vestlig")),
                _c("residence_basis", "choice", "opholdsgrundlag (valgfri; tom = intet registreret, fx dansk herkomst)",
                   "residence basis (optional; blank = none recorded, e.g. Danish origin)", required=False,
                   nullable=True, choices=("flygtning", "familiesammenfoert", "oevrige")),
            ),
            "Personer (personniveau, Parquet)",
            "Persons (person level, Parquet)",
            person_level=True,
        ),
        TableSpec(
            "person_weeks",
            ("person_id", "week"),
            (
                _c("person_id", "text", "person-id", "person id"),
                _c("week", "text", "ISO-uge (2023-W07)", "ISO week (2023-W07)"),
                KOMMUNE,
                _c("ydelse", "text", "ydelse eller 'ingen'", "benefit or 'ingen'"),
            ),
            "Personuger (personniveau, Parquet)",
            "Person-weeks (person level, Parquet)",
            person_level=True,
        ),
        TableSpec(
            "events",
            ("person_id", "week", "kind"),
            (
                _c("person_id", "text", "person-id", "person id"),
                _c("week", "text", "ISO-uge", "ISO week"),
                _c("kind", "choice", "hændelse", "event kind", choices=("samtale", "tilbud", "loentimer")),
                _c("amount", "number", "antal (timer for løntimer)", "amount (hours for loentimer)", required=False, nullable=True),
            ),
            "Hændelser (personniveau, Parquet)",
            "Events (person level, Parquet)",
            person_level=True,
        ),
    )
}

#: Tables the dataset reader loads (person-level tables go through ``benchlearn persons``).
DATASET_TABLES: tuple[str, ...] = tuple(n for n, t in TABLES.items() if not t.person_level)

#: Tables whose ``period`` column must all use one kind of period label.
PERIOD_TABLES: tuple[str, ...] = tuple(
    n for n, t in TABLES.items() if not t.person_level and not t.own_period_kind and "period" in t.column_names
)



@dataclass(frozen=True)
class Plausibility:
    """A count of persons that cannot exceed ``at_most`` times another table's count on the same key.

    Notes
    -----
    The rule is ``column <= at_most * of_column`` row by row, joined on ``on``; rows with no
    partner (a period without population) are not judged. ``at_most = 1`` is "a share of at
    most 1": full-time persons on support are residents aged 16–66, so in one municipality
    and period their number cannot pass the register population (audit #20.6: 9,999,999
    full-time persons against 403,784 residents).
    """

    table: str
    column: str
    of_table: str
    of_column: str
    on: tuple[str, ...]
    at_most: float
    doc_da: str
    doc_en: str


#: Plausibility rules across tables, checked on every dataset after each table's own checks.
PLAUSIBILITY: tuple[Plausibility, ...] = (
    Plausibility(
        "support", "fuldtidspersoner", "population", "persons", ("kommunekode", "period"), 1.0,
        "fuldtidspersoner på én ydelse højst kommunens borgere 16–66 år (andel ≤ 1)",
        "full-time persons on one benefit at most the municipality's residents aged 16–66 (share ≤ 1)",
    ),
    Plausibility(
        "focus", "persons_12m", "population", "persons", ("kommunekode", "period"), 1.0,
        "personer med 12 måneders anciennitet højst kommunens borgere 16–66 år (andel ≤ 1)",
        "persons with 12 months on support at most the municipality's residents aged 16–66 (share ≤ 1)",
    ),
    Plausibility(
        "benchmark", "actual", "population", "persons", ("kommunekode", "period"), 1.0,
        "faktisk antal fuldtidspersoner højst kommunens borgere 16–66 år (andel ≤ 1)",
        "actual full-time persons at most the municipality's residents aged 16–66 (share ≤ 1)",
    ),
)
