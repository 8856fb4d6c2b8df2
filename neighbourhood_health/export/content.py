"""The board pack's content: one idea per slide, built once and drawn three ways.

The presentation page (views/board_pack.py), the PowerPoint exporter (`export.pptx`) and the HTML
exporter (`export.html`) all draw the `Pack` built here, so what a board sees in the meeting is what
it is sent afterwards. Every figure comes from the modules the pages use (scorecard, prevalence,
inequalities, cohorts, trends), run on a `Database` directly so that the command line can build a
pack without Streamlit. A pack is for a board, so every figure in it is protected, whoever builds
it: the queries run with no exact areas (`disclosure.for_viewer`) and cohort counts for a board user,
before any renderer sees them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go

from neighbourhood_health.privacy import access
from neighbourhood_health.present.charts import scorecard as charts_scorecard, spc as charts_spc
from neighbourhood_health.measures import areas, cohorts, indicators, inequalities, prevalence, scorecard, trends
from neighbourhood_health.present import maps, provenance
from neighbourhood_health.pipeline.catalogue import FAMILIES, load_measures
from neighbourhood_health.present.charts.cohorts import count_bars
from neighbourhood_health.present.charts.place import category_bars, ranked_bars
from neighbourhood_health.present.findings import (gradient_finding, map_finding, prevalence_finding, quintile_gap_sentence, sii_sentence, with_unit)
from neighbourhood_health.privacy import disclosure
from neighbourhood_health.privacy.disclosure import HIDDEN_RANGE, LEGEND, SUPPRESSED
from neighbourhood_health.export import map_image
from neighbourhood_health.export.evaluation_slide import evaluation_slides

#: The measure of the map and inequality slides: the one the Map and Inequalities pages open on.
PACK_MEASURE = "emergency_admissions"
KEY_TRENDS = 3
#: Key trends: special cause concern first, then improvement, then common cause, then not judged.
TREND_PRIORITY = {"concern": 0, "improvement": 1, "common": 2, "neutral": 3}
MAX_HIDDEN = 0.25  # a key trend with more of its months suppressed would show little but its limits
SCORECARD_COLUMNS = ["Measure", "Value (95% interval)", "Benchmark", "Compared", "Recent trend", "Target",
                     "Numerator / denominator"]
LEVEL_LABEL = {"icb": "Integrated care board", "place": "Place", "neighbourhood": "Neighbourhood"}


@dataclass
class Chart:
    """A chart as data, for native PowerPoint charts. Values are floats, None where suppressed or missing."""
    kind: str                                  # "bar" or "line"
    categories: list[str]
    series: dict[str, list[float | None]]
    value_title: str
    number_format: str = "#,##0.0"
    horizontal: bool = False
    point_kinds: list[str | None] | None = None  # first series, per category: SPC special cause or "common"


@dataclass
class Slide:
    key: str
    heading: str                               # what the slide is about, e.g. "Prevalence gaps"
    title: str                                 # the finding, in words
    lines: list[str] = field(default_factory=list)
    chart: Chart | None = None                 # native chart data (PowerPoint)
    figure: go.Figure | None = None            # the interactive figure (page, HTML), from the same data
    table: pd.DataFrame | None = None          # text cells; suppressed figures are "*"
    icons: list[tuple[str | None, str | None]] | None = None  # per table row: variation, assurance icon
    image: bytes | None = None                 # PNG (the map)
    notes: str = ""                            # speaker notes: each measure's definition and source


@dataclass
class Pack:
    area_code: str
    area_name: str
    area_level: str
    parent_name: str
    population: int
    extract_date: str
    source: str
    period: str
    slides: list[Slide]

    @property
    def footer(self) -> str:
        return " · ".join(part for part in (self.area_name, self.period, f"data extracted {self.extract_date}",
                                               self.source) if part)


def board_user(areas, name: str = "the board pack") -> access.User:
    """An aggregate-only (board) user for the areas given: a pack's cohort counts are always protected."""
    return access.User("board-pack", name, "board", tuple(areas))


class _Protected:
    """The database as a pack reads it: every named query protected (no exact areas), whoever asks."""

    def __init__(self, db):
        self._db = db
        self.run = disclosure.for_viewer(db.run, [])

    def __getattr__(self, name):
        return getattr(self._db, name)


def build(db, area_code: str, user: access.User | None = None) -> Pack:
    """Every slide of the pack for one area. `user` decides which areas' cohort counts may be shown
    (default: a board user for this area); its counts are protected whatever its role."""
    db = _Protected(db)
    tree = areas.tree(db.run)
    if area_code not in tree.index:
        raise ValueError(f"There is no ICB, place or neighbourhood with code {area_code!r}")
    area = tree.loc[area_code]
    parent = areas.parent_name(tree, area.parent_code)
    manifest = json.loads((Path(db.marts_dir) / "manifest.json").read_text())
    latest = db.run("app/measure_latest", area_code=area_code)
    series = db.run("app/measure_series", area_code=area_code)
    seasonal_factors = trends.seasonal_factors_for(db.run)   # the rule of the Trends page and the scorecard
    rows = scorecard.scorecard(latest, series, seasonal_factors)
    period = f"12 months to {pd.Timestamp(rows['last_period'].max()):%B %Y}"
    pack = Pack(area_code, area["area_name"], area["area_level"], parent, int(area["population"]),
                str(manifest["extract_date"]), manifest.get("source", ""), period, [])
    measures = db.run("app/place_view_measures").set_index("measure_id", drop=False)
    measure = measures.loc[PACK_MEASURE if PACK_MEASURE in measures.index else measures[measures.person_level].index[0]]
    scope = areas.neighbourhood_scope(area["area_level"], area_code, area["parent_code"])
    catalogue = load_measures(db.extracts_dir)  # recorded prevalence has its own slide, not the scorecard's
    prevalence_ids = set(catalogue.loc[catalogue["query"] == "recorded_prevalence", "measure_id"])
    user = user or board_user([area_code])
    summary = trends.icon_summary(series, seasonal_factors)  # icons from the months a board may see
    pack.slides = [
        _title_slide(pack),
        _headline_slide(pack, rows[~rows["measure_id"].isin(prevalence_ids)]),
        *_scorecard_slides(pack, rows[~rows["measure_id"].isin(prevalence_ids)]),
        _map_slide(db, pack, measure, scope, tree.loc[scope, "area_name"]),
        _prevalence_slide(db, pack, scope, latest),
        _inequality_slide(db, pack, measure),
        _cohort_slide(db, pack, user),
        _spc_summary_slide(pack, summary),
        *_trend_slides(pack, summary, series, latest, trends.events_for(area_code, tree.reset_index(drop=True),
                                                               manifest.get("service_changes", []))),
        *(Slide(**{**kw, "chart": Chart(**{**kw["chart"], "series": {name: _values(values) for name, values
                                                                   in kw["chart"]["series"].items()}})})
          for kw in evaluation_slides(db, pack)),
        _methods_slide(pack),
    ]
    return pack


# --- Helpers -----------------------------------------------------------------------------------

def _values(values) -> list[float | None]:
    return [None if pd.isna(v) else float(v) for v in values]


def _notes(rows: pd.DataFrame) -> str:
    """Speaker notes: each measure's name, definition and source."""
    return "\n".join(f"{r['name']}: {r['definition']} Source: {r['source']}." for _, r in rows.iterrows())


def _names(frame: pd.DataFrame) -> str:
    return ", ".join(frame["name"]) if len(frame) else "none"


# --- Slides ------------------------------------------------------------------------------------

def _title_slide(pack: Pack) -> Slide:
    return Slide("title", "Board pack", f"{pack.area_name}: neighbourhood health", lines=[
        f"{LEVEL_LABEL.get(pack.area_level, pack.area_level)} in {pack.parent_name} · "
        f"{pack.population:,} registered residents",
        f"Figures for the {pack.period}, compared with {pack.parent_name}",
        f"Data extracted {provenance.extracted(pack.extract_date, pack.source)}",
        LEGEND,
    ], notes="Presentation order: headline scorecard, map, prevalence gaps, inequality, cohorts, "
             "SPC summary, key trends, methods.")


def _headline_slide(pack: Pack, rows: pd.DataFrame) -> Slide:
    worse, better = rows[rows["significance"] == "worse"], rows[rows["significance"] == "better"]
    similar = int((rows["significance"] == "similar").sum())
    return Slide("headline", "Headline scorecard",
                 f"{len(better)} measures better and {len(worse)} worse than {pack.parent_name}",
                 lines=[f"Worse: {_names(worse)}", f"Better: {_names(better)}",
                        f"Similar: {similar} · not judged or not compared: {len(rows) - len(worse) - len(better) - similar}"],
                 notes="Better or worse: the 95% interval of the area's value does not include the benchmark's "
                       "value, honouring whether higher or lower is better.\n" + _notes(pd.concat([worse, better])))


def _scorecard_slides(pack: Pack, rows: pd.DataFrame) -> list[Slide]:
    slides = []
    for family in FAMILIES:
        part = rows[rows["family"] == family]
        if part.empty:
            continue
        better, worse = (part["significance"] == "better").sum(), (part["significance"] == "worse").sum()
        table = charts_scorecard.table(part)[SCORECARD_COLUMNS].rename(columns={"Benchmark": pack.parent_name})
        slides.append(Slide(f"scorecard:{FAMILIES.index(family)}", f"Scorecard: {family}",
                            f"{family}: {better} better and {worse} worse than {pack.parent_name}",
                            table=table.reset_index(drop=True), notes=_notes(part)))
    return slides


def _map_slide(db, pack: Pack, measure: pd.Series, scope: str, scope_name: str) -> Slide:
    rows = indicators.against_parent_suppressed(db.run("app/measure_within_area", measure_id=measure["measure_id"],
                                                       scope_code=scope, level="neighbourhood"))
    geo = gpd.read_parquet(Path(db.marts_dir) / "geo_neighbourhood.parquet")
    frame = geo[geo["area_code"].isin(rows["area_code"])].merge(rows.drop(columns=["area_name"]), on="area_code")
    frame["colour"] = maps.significance_colours(frame["significance"])
    places = gpd.read_parquet(Path(db.marts_dir) / "geo_place.parquet")
    png = map_image.render_png(frame[["area_code", "area_name", "colour", "geometry"]],
                               f"{measure['name']}\ncompared with {scope_name}",
                               maps.significance_legend(frame["significance"], scope_name),
                               highlight=pack.area_code if pack.area_level == "neighbourhood" else None,
                               outline=places[places["area_code"].isin(rows["parent_code"].dropna().unique())])
    shown = rows.dropna(subset=["value"]).sort_values("value", ascending=False)
    lines = [f"{kind.capitalize()}: " + (", ".join(f"{r.area_name} ({with_unit(r.value, measure['unit'])})"
                                                   for r in part.itertuples()) or "none")
             for kind in (("worse", "better") if measure["polarity"] != "no_judgement" else ("higher", "lower"))
             for part in [shown[shown["significance"] == kind]]]
    return Slide("map", "Map", map_finding(rows, measure, "neighbourhood", scope_name), lines=lines, image=png,
                 notes=_notes(pd.DataFrame([measure])) + " Figures cover the latest 12 months; neighbourhoods are "
                       f"compared with {scope_name} (95% interval); white areas are not shown (their count could be {HIDDEN_RANGE} events).")


def _prevalence_slide(db, pack: Pack, scope: str, latest: pd.DataFrame) -> Slide:
    strata = db.run("app/prevalence_gap_strata", scope_code=scope)
    own = prevalence.suppressed(prevalence.area_gaps(
        strata, db.run("app/prevalence_recorded", scope_code=scope),
        neighbourhoods=[pack.area_code] if pack.area_level == "neighbourhood" else None))
    own["condition_name"] = own["name"].str.split(":").str[0]
    shown = own.dropna(subset=["gap"]).sort_values("gap")
    title = (prevalence_finding(shown.iloc[-1], pack.area_name) if len(shown)
             else f"No prevalence gaps can be shown for {pack.area_name}")
    figure = ranked_bars(own, "condition_name", "gap", "gap_lower", "gap_upper",
                         title="Estimated people not yet diagnosed, by condition",
                         x_title="Expected − recorded (people), with 95% interval")
    hidden = own.loc[own["suppressed"], "condition_name"]
    lines = ["Recorded prevalence against the prevalence expected for the age, sex and deprivation of the "
             "registered population (indirect standardisation)."]
    if len(hidden):
        lines.append(f"Not shown ({SUPPRESSED}: the recorded count could be {HIDDEN_RANGE}): {', '.join(hidden)}")
    chart = Chart("bar", list(shown["condition_name"]), {"Estimated people not yet diagnosed": _values(shown["gap"])},
                  "People (expected − recorded)", "#,##0", horizontal=True)
    defs = latest[latest["measure_id"].isin(own["measure_id"])]
    return Slide("prevalence", "Prevalence gaps", title, lines=lines, chart=chart, figure=figure,
                 notes="Expected counts apply reference prevalence (by age band, sex and deprivation quintile) to "
                       "the registered population; they never come from the records being judged.\n" + _notes(defs))


def _inequality_slide(db, pack: Pack, measure: pd.Series) -> Slide:
    bd = inequalities.breakdown(db.run("app/inequality_breakdown", measure_id=measure["measure_id"],
                                       scope_code=pack.area_code), measure)
    by = inequalities.by_dimension(bd)  # as on the Inequalities page
    deciles, quintiles = by["imd_decile"], by["imd_quintile"]
    result, warnings = inequalities.slope_index(deciles, measure)
    unit = measure["unit"]
    figure = category_bars(deciles, title=f"{measure['name']} by deprivation decile, {pack.area_name}",
                           x_title="National deprivation decile of residents' small areas (IMD)",
                           y_title=f"{measure['name']} ({unit})")
    chart = Chart("bar", list(deciles["label"]), {measure["name"]: _values(deciles["value"])},
                  f"{measure['name']} ({unit})", "#,##0.0" if unit != "%" else "0.0")
    lines = [quintile_gap_sentence(inequalities.quintile_gap(quintiles), measure, pack.area_name),
             sii_sentence(result, measure), *[f"Note: {w}." for w in warnings]]
    if deciles["suppressed"].any():
        lines.append(f"Deciles whose count could be {HIDDEN_RANGE} events are not shown ({SUPPRESSED}).")
    return Slide("inequality", "Inequality gap", gradient_finding(result, measure, pack.area_name), lines=lines,
                 chart=chart, figure=figure,
                 notes=_notes(pd.DataFrame([measure])) + " Deciles are national IMD 2019 deciles of residents' "
                       "small areas, 1 = most deprived. Slope and relative index of inequality: weighted regression "
                       "on the ridit of each decile, 95% intervals by simulation.")


def _cohort_slide(db, pack: Pack, user: access.User) -> Slide:
    catalogue = cohorts.load_cohorts(db.extracts_dir)
    notes = "\n".join(f"{c.name}: {c.description}" for c in catalogue.values()) + \
        "\nSource: person-level GP extract and linked activity, as at the extract date."
    try:
        counted = {c.cohort_id: cohorts.counts(db, user, c.cohort_id, pack.area_code)
                   for c in catalogue.values()}
    except access.AccessDenied as exc:
        return Slide("cohorts", "High-risk cohorts", f"Cohort counts for {pack.area_name} are not shown here",
                     lines=[f"{exc}.", "Choose an area you cover to see its cohort counts."], notes=notes)
    people = pd.Series({catalogue[c].name: r.total for c, r in counted.items()}, dtype=float)
    per_1000 = pd.Series({catalogue[c].name: cohorts.total_per_thousand(r) for c, r in counted.items()})
    biggest = people.dropna().sort_values(ascending=False)
    title = (f"The largest cohort is {biggest.index[0].lower()}: {biggest.iloc[0]:,.0f} people, "
             f"{per_1000[biggest.index[0]]:.1f} per 1,000 residents" if len(biggest)
             else f"Every cohort in {pack.area_name} has {HIDDEN_RANGE} people, or none")
    table = pd.DataFrame({
        "Cohort": people.index,
        "People": [SUPPRESSED if pd.isna(v) else f"{v:,.0f}" for v in people],
        "Per 1,000 residents": [SUPPRESSED if pd.isna(v) else f"{v:.1f}" for v in per_1000]})
    labels = [f"{n} ({SUPPRESSED})" if pd.isna(v) else n for n, v in people.items()]
    chart = Chart("bar", labels[::-1], {"People": _values(people.iloc[::-1])}, "People", "#,##0", horizontal=True)
    return Slide("cohorts", "High-risk cohorts", title, chart=chart, table=table,
                 figure=count_bars(people, f"People in each cohort, {pack.area_name}", "People"),
                 lines=["Cohorts overlap: one person can be in several, so the counts do not add up.", LEGEND],
                 notes=notes)


def _spc_summary_slide(pack: Pack, summary: pd.DataFrame) -> Slide:
    summary = summary[summary["variation_icon"].notna()].reset_index(drop=True)
    kinds = summary["variation_icon"].str.split("_").str[0]
    concern, improvement = int((kinds == "concern").sum()), int((kinds == "improvement").sum())
    table = pd.DataFrame({
        "Measure": summary["name"], "Latest month": summary["latest_period"].dt.strftime("%b %Y"),
        "Value": [SUPPRESSED if hidden else indicators.format_value(v, u)
                  for hidden, v, u in zip(summary["latest_hidden"], summary["latest_value"], summary["unit"])],
        "Variation": summary["variation_icon"].map(trends.VARIATION_LABEL),
        "Assurance": summary["assurance_icon"].map(trends.ASSURANCE_LABEL).fillna(trends.NO_ASSURANCE)})
    title = (f"In the latest month, {concern} measures show special cause concern and {improvement} improvement"
             if concern or improvement else "No measure shows special cause concern or improvement in its latest month")
    return Slide("spc", "SPC summary", title, table=table,
                 icons=list(zip(summary["variation_icon"], summary["assurance_icon"])),
                 notes="Statistical process control (NHS Making Data Count) on each measure's monthly series: XmR "
                       "chart, mean ± 2.66 × mean moving range; special cause when a point is outside the limits, 7 "
                       "in a row on one side of the mean, 7 rising or falling, or 2 of 3 close to a limit. Assurance "
                       "compares the limits with the target.")


def key_trends(summary: pd.DataFrame, series: pd.DataFrame) -> list[str]:
    """The measures shown as key trends (rows of `trends.icon_summary`): special cause concern first,
    then improvement, then the rest, leaving out series with more than a quarter of months suppressed."""
    hidden = trends.hide_small_months(series).groupby("measure_id")["suppressed"].mean()
    summary = summary[summary["variation_icon"].notna() & summary["measure_id"].map(hidden).le(MAX_HIDDEN)]
    rank = summary["variation_icon"].str.split("_").str[0].map(TREND_PRIORITY)
    return list(summary.assign(rank=rank.to_numpy()).sort_values("rank", kind="stable")["measure_id"][:KEY_TRENDS])


def _trend_slides(pack: Pack, summary: pd.DataFrame, series: pd.DataFrame, latest: pd.DataFrame,
                  events: list[dict]) -> list[Slide]:
    """One SPC slide per key trend, protected as on the Trends page: months of 1–7 are hidden and
    the mean and limits come from the months shown (`trends.spc_for`), so they cannot give one back."""
    monthly, _ = trends.offered_series(series)  # the months the Trends page shows a board user
    info = latest.set_index("measure_id")
    slides = []
    for measure_id in key_trends(summary, series):
        rows = monthly[monthly["measure_id"] == measure_id].reset_index(drop=True)
        name, unit = rows["name"].iloc[0], rows["unit"].iloc[0]
        baseline = trends.baseline_choices(rows, events)[trends.ALL_POINTS]  # the Trends page's default
        result = trends.spc_for(rows, baseline)
        hidden = dict(zip(rows["period"], rows["suppressed"]))
        icon = trends.variation(result)
        why = trends.explain(result, unit) if not rows["suppressed"].iloc[-1] else (
            trends.VARIATION_LABEL[icon].lower() if icon else None)
        title = f"{name}: " + (why if why else "common cause variation, no sign of change beyond the usual "
                               "month-to-month variation")
        months = [f"{p:%b %Y}" for p in rows["period"]]
        lines_series = {name: _values(rows["value"]), "Mean": [result.mean] * len(rows),
                        "Upper process limit": [result.upl] * len(rows), "Lower process limit": [result.lpl] * len(rows)}
        if result.target is not None:
            lines_series["Target"] = [result.target] * len(rows)
        lines = [f"Variation: {trends.VARIATION_LABEL[icon] if icon else trends.NO_VARIATION}",
                 f"Assurance: {trends.ASSURANCE_LABEL.get(result.assurance_icon, trends.NO_ASSURANCE)}"]
        if rows["suppressed"].any():
            lines.append(f"Months with {HIDDEN_RANGE} events are not shown ({int(rows['suppressed'].sum())}), "
                         "and the mean and limits are worked out from the months shown.")
        slides.append(Slide(
            f"trend:{measure_id}", "Key trend", title, lines=lines,
            chart=Chart("line", months, lines_series, unit, "#,##0.0", point_kinds=_point_kinds(result, rows, hidden)),
            figure=charts_spc.spc_figure(result, f"{name}, {pack.area_name}", unit, rows, events, baseline),
            notes=f"{name}: {info.loc[measure_id, 'definition']} Source: {info.loc[measure_id, 'source']}. "
                  "XmR chart: process limits at the mean ± 2.66 × the mean moving range of all months shown."))
    return slides


def _point_kinds(result, rows: pd.DataFrame, hidden: dict) -> list[str | None]:
    """Each month's Making Data Count colour (improvement, concern, neutral, common); None when hidden.
    With zero-width limits no month is special cause, as on the Trends page (`trends.variation`)."""
    kinds = dict(zip(result.points["period"], result.points["special_cause"])) if trends.variation(result) else {}
    return [None if hidden.get(p) else kinds.get(p, "common") for p in rows["period"]]


def _methods_slide(pack: Pack) -> Slide:
    return Slide("methods", "Methods and suppression", "How these figures were made", lines=[
        f"Period: the {pack.period} for activity and monthly standards; the latest survey for annual surveys; "
        f"the extract date ({pack.extract_date}) for prevalence and treat-to-target measures.",
        "Intervals (95%): Wilson score for proportions; Byars, or exact Poisson for small counts, for rates. "
        f"Better or worse: the interval excludes the value for {pack.parent_name}, honouring polarity.",
        "Prevalence gaps: expected counts by indirect standardisation against reference prevalence by age band, "
        "sex and deprivation quintile; gap = expected − recorded, with exact Poisson or Byars limits.",
        "Inequalities: slope and relative index of inequality across national IMD deciles (weighted regression "
        "on the ridit of each decile; log scale for rates, logit for proportions).",
        "Trends: NHS Making Data Count XmR charts; special cause rules: outside the limits, a run of 7 on one side "
        "of the mean, 7 rising or falling, 2 of 3 close to a limit.",
        f"Small numbers: {LEGEND} Each count is protected once, in the smallest area and month it is "
        f"counted in (every count but 0 is rounded up or down to a multiple of {disclosure.ROUND_TO} at "
        "random, so totals stay unbiased), and every larger area, year and breakdown adds up the protected "
        "counts, so subtracting one figure from another can never reveal a hidden one. Rates, intervals and "
        "SPC limits are worked out from the protected counts.",
        "Evaluation: difference-in-differences against matched comparator neighbourhoods (Poisson, area and month "
        "effects, quasi-Poisson errors), synthetic control (placebo-in-space inference, interval by test inversion) "
        "and interrupted time series (segmented Poisson regression with seasonality), on protected figures.",
        f"Source: {pack.source}, extracted {pack.extract_date}." if pack.source else f"Extracted {pack.extract_date}.",
    ], notes="Methods follow OHID Fingertips (PHEindicatormethods) and NHS England Making Data Count.")
