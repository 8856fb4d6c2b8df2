"""Plain-English findings for the place views: the titles that state what a chart shows.

Every function takes results already computed (values, judgements) and only writes words.
"""
from __future__ import annotations

import pandas as pd

from neighbourhood_health.measures.indicators import format_value


def with_unit(value: float, unit: str) -> str:
    text = format_value(value, unit)
    return text if unit == "%" or text == "–" else f"{text} {unit}"


def count_words(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def map_finding(rows: pd.DataFrame, measure: pd.Series, unit_name: str, benchmark: str) -> str:
    """e.g. 'Emergency admissions: 2 of 5 neighbourhoods significantly worse than Barnet, none better;
    highest in Barnet East (52.1 per 1,000 per year)'."""
    counts = rows["significance"].value_counts()
    first, second = (("higher", "lower") if measure["polarity"] == "no_judgement" else ("worse", "better"))
    n_first, n_second = int(counts.get(first, 0)), int(counts.get(second, 0))
    text = (f"{measure['name']}: {n_first} of {count_words(len(rows), unit_name)} significantly {first} "
            f"than {benchmark}, {n_second or 'none'} {second}")
    shown = rows.dropna(subset=["value"])
    if len(shown) >= 2 and shown["value"].max() > shown["value"].min():
        top = shown.loc[shown["value"].idxmax()]
        text += f"; highest in {top['area_name']} ({with_unit(top['value'], measure['unit'])})"
    hidden = int(rows["suppressed"].sum()) if "suppressed" in rows else 0
    if hidden:
        text += f"; {hidden} not shown (could be 1–7 events)"
    return text


def prevalence_finding(row: pd.Series, area: str) -> str:
    """e.g. 'Diabetes: an estimated 1,056 people in Barnet are not yet diagnosed (95% interval 944 to
    1,166): 7.5% recorded against 10.0% expected'."""
    condition = row["name"].split(":")[0]
    if pd.isna(row["gap"]):
        return f"{condition}: too few people on the register in {area} to estimate the gap"
    gap, lo, hi = row["gap"], row["gap_lower"], row["gap_upper"]
    if row["judgement"] == "fewer recorded than expected":
        lead = f"an estimated {gap:,.0f} people in {area} are not yet diagnosed (95% interval {lo:,.0f} to {hi:,.0f})"
    elif row["judgement"] == "more recorded than expected":
        lead = (f"{-gap:,.0f} more people are recorded in {area} than expected "
                f"(95% interval {-hi:,.0f} to {-lo:,.0f})")
    else:
        lead = (f"recorded prevalence in {area} is similar to what is expected "
                f"(gap {gap:,.0f}, 95% interval {lo:,.0f} to {hi:,.0f})")
    return (f"{condition}: {lead}; {row['recorded_prevalence']:.1f}% recorded against "
            f"{row['expected_prevalence']:.1f}% expected")


def quintile_gap_sentence(gap: dict | None, measure: pd.Series, area: str) -> str:
    """'In Camden, emergency admissions are 2.1 times as frequent in the most deprived fifth of areas
    as in the least deprived (…)'. Quintiles missing here, or suppressed, are skipped and named."""
    if gap is None:
        return (f"In {area}, fewer than two deprivation quintiles have figures for {_subject(measure)}, "
                "so the most and least deprived cannot be compared.")
    most, least = gap["most"], gap["least"]
    first = ("the most deprived fifth of areas" if most["category"] == "1"
             else f"the most deprived fifth with figures here (quintile {most['category']})")
    second = ("the least deprived" if least["category"] == "5"
              else f"the least deprived with figures here (quintile {least['category']})")
    figures = (f"{format_value(most['value'], measure['unit'])} against "
               f"{with_unit(least['value'], measure['unit'])}")
    if pd.isna(gap["ratio"]):
        return (f"In {area}, {_subject(measure)}: {figures} in {first} and {second}; "
                "a ratio cannot be given because the least deprived figure is zero.")
    if measure["method"] == "rate":
        return f"In {area}, {_subject(measure)} are {gap['ratio']:.1f} times as frequent in {first} as in {second}: {figures}."
    return f"In {area}, {_subject(measure)} is {gap['ratio']:.2f} times as high in {first} as in {second}: {figures}."


def _subject(measure: pd.Series) -> str:
    name = measure["name"]
    if measure["method"] == "rate":
        # rate names are plural nouns ("Emergency admissions"); keep acronyms such as A&E
        return name if name[:2].isupper() else name[0].lower() + name[1:]
    return f"“{name}”"


def sii_sentence(result: pd.Series, measure: pd.Series) -> str:
    """The SII and RII in words, most against least deprived."""
    if pd.isna(result["sii"]):
        return "The slope index of inequality cannot be calculated here: fewer than two deprivation deciles have values."
    unit = measure["unit"]
    sii = with_unit(result["sii"], "percentage points" if unit == "%" else unit)
    return (f"Slope index of inequality: {sii} (95% interval {result['sii_lower']:,.1f} to {result['sii_upper']:,.1f}) — "
            f"the modelled difference between the most and least deprived ends of the population. "
            f"Relative index: {result['rii']:.2f} (95% interval {result['rii_lower']:.2f} to {result['rii_upper']:.2f}) — "
            f"how many times as {'frequent' if measure['method'] == 'rate' else 'high'} at the most deprived end.")


def gradient_finding(result: pd.Series, measure: pd.Series, area: str) -> str:
    """The deprivation gradient in one line, from the SII and its interval."""
    if pd.isna(result["sii"]):
        return f"{measure['name']} by deprivation decile in {area}"
    unit = "percentage points" if measure["unit"] == "%" else measure["unit"]
    plural = measure["method"] == "rate"
    subject = _subject(measure)
    if result["sii_lower"] > 0 or result["sii_upper"] < 0:
        rises = result["sii_lower"] > 0
        verb = ("rise" if plural else "rises") if rises else ("fall" if plural else "falls")
        return (f"In {area}, {subject} {verb} with deprivation: {abs(result['sii']):,.1f} {unit} "
                f"{'higher' if rises else 'lower'} at the most deprived end than the least (slope index of inequality)")
    return (f"In {area}, {subject} {'show' if plural else 'shows'} no clear gradient with deprivation "
            "(the slope index's interval includes zero)")
