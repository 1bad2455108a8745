"""Vega-Lite specifications of the three charts, written with Altair.

- indicator: one bar per figure, grouped by subject; every figure of a subject is its own bar (conflicting
  figures side by side, never merged), coloured by source and labelled with the figure and the source;
- country: one dot per rank entry, one row per ranking series (and per edition within it), the grey rule
  behind it running to the number ranked, labelled "#33 of 38 (2023)";
- ranking: the table of every reported position, edition by edition (year, rank, subject, of, source).

Every text a chart shows exists in English and Korean; ``lang`` picks one. Data are inlined (no URL), so a
spec renders offline. The same data and language give the same spec (rows sorted, keys sorted on output).
"""
from __future__ import annotations

from typing import Any

import altair as alt

from .data import ChartData

FONT = '"Noto Sans CJK KR", "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", "DejaVu Sans", sans-serif'
WIDTH = 560

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "indicator_title": "{name}: every figure, with its source",
        "country_title": "{name}: positions in rankings",
        "ranking_title": "{name}: every reported position",
        "value": "value ({unit})", "values": "value", "subject": "subject", "source": "source",
        "rank": "rank (1 = top)", "position": "rank", "ranking": "ranking", "year": "edition", "figure": "figure",
        "article": "article", "period": "period", "out_of": "of", "no_year": "year not given",
        "subtitle_conflicts": "{n} figures for {s} subjects; a subject with several figures shows each one",
        "subtitle_ranks": "{n} positions in {s} rankings; the grey line runs to the number ranked",
        "subtitle_table": "{n} positions in {s} editions",
    },
    "ko": {
        "indicator_title": "{name}: 출처별 모든 수치",
        "country_title": "{name}: 순위 지표별 순위",
        "ranking_title": "{name}: 보도된 모든 순위",
        "value": "값 ({unit})", "values": "값", "subject": "대상", "source": "출처",
        "rank": "순위 (1 = 최상위)", "position": "순위", "ranking": "순위 지표", "year": "연도",
        "figure": "수치",
        "article": "기사", "period": "기간", "out_of": "대상 수", "no_year": "연도 미상",
        "subtitle_conflicts": "대상 {s}곳, 수치 {n}건: 수치가 여럿인 대상은 모두 따로 표시",
        "subtitle_ranks": "순위 지표 {s}개, 순위 {n}건: 회색 선은 평가 대상 수까지",
        "subtitle_table": "{s}개 연도, 순위 {n}건",
    },
}

# Axis numbers with scale words: 2.4B / 24억 (the marks' labels carry the exact figure in words).
AXIS_LABELS = {
    "en": ("abs(datum.value) >= 1e12 ? format(datum.value / 1e12, '~g') + ' tn' : "
           "abs(datum.value) >= 1e9 ? format(datum.value / 1e9, '~g') + ' bn' : "
           "abs(datum.value) >= 1e6 ? format(datum.value / 1e6, '~g') + ' m' : format(datum.value, ',~g')"),
    "ko": ("abs(datum.value) >= 1e12 ? format(datum.value / 1e12, '~g') + '조' : "
           "abs(datum.value) >= 1e8 ? format(datum.value / 1e8, '~g') + '억' : "
           "abs(datum.value) >= 1e4 ? format(datum.value / 1e4, '~g') + '만' : format(datum.value, ',~g')"),
}


def _config(chart: Any) -> Any:
    return (chart.configure(font=FONT)
            .configure_view(stroke=None)
            .configure_axis(labelFontSize=12, titleFontSize=12, labelLimit=260)
            .configure_legend(labelFontSize=12, titleFontSize=12, labelLimit=260)
            .configure_title(fontSize=16, subtitleFontSize=12, anchor="start"))


def _title(data: ChartData, lang: str, key: str, subtitle: str) -> alt.TitleParams:
    return alt.TitleParams(TEXTS[lang][key].format(name=data.labels[lang]), subtitle=subtitle)


def _slots(rows: list[dict[str, Any]], key: str = "subject_id") -> list[int]:
    """Each row's place among the rows of the same ``key`` (0, 1, ...): a band holds as many slots as the
    subject with most figures, so a subject's figures sit side by side and no slot is left empty elsewhere."""
    seen: dict[object, int] = {}
    out = []
    for r in rows:
        out.append(seen.get(r[key], 0))
        seen[r[key]] = out[-1] + 1
    return out


def indicator_chart(data: ChartData, lang: str) -> Any:
    t = TEXTS[lang]
    rows = [dict(r, label=f"{r[f'figure_{lang}']} · {r[f'source_{lang}']}", slot=_slots(data.rows)[i])
            for i, r in enumerate(data.rows)]
    subjects = sorted({str(r[f"subject_{lang}"]) for r in rows})
    units = sorted({str(r[f"unit_{lang}"]) for r in rows})
    x_title = t["value"].format(unit=units[0]) if len(units) == 1 and units[0] else t["values"]
    base = alt.Chart(alt.Data(values=rows))  # type: ignore[no-untyped-call]  # altair's Data is untyped
    y = alt.Y(f"subject_{lang}:N", title=None, sort=subjects, axis=alt.Axis(labelFontWeight="bold"))
    y_offset = alt.YOffset("slot:O", title=None)
    bars = base.mark_bar(height={"band": 0.85}).encode(
        y=y, yOffset=y_offset,
        x=alt.X("value:Q", title=x_title, axis=alt.Axis(labelExpr=AXIS_LABELS[lang], tickCount=5)),
        color=alt.Color(f"source_{lang}:N", title=t["source"], legend=alt.Legend(orient="bottom", columns=2)),
        tooltip=[alt.Tooltip(f"subject_{lang}:N", title=t["subject"]),
                 alt.Tooltip(f"figure_{lang}:N", title=t["figure"]),
                 alt.Tooltip(f"source_{lang}:N", title=t["source"]),
                 alt.Tooltip("period:N", title=t["period"]),
                 alt.Tooltip("article:N", title=t["article"])])
    text = base.mark_text(align="left", baseline="middle", dx=4, fontSize=11).encode(
        y=y, yOffset=y_offset, x="value:Q", text="label:N")
    layered = alt.layer(bars, text)
    subtitle = t["subtitle_conflicts"].format(n=len(rows), s=len(subjects))
    if len(units) > 1:  # figures in different units never share an axis
        chart = layered.properties(width=WIDTH, height=alt.Step(18)).facet(
            row=alt.Row(f"unit_{lang}:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
        ).resolve_scale(x="independent", y="independent")
    else:
        chart = layered.properties(width=WIDTH, height=alt.Step(18))
    return _config(chart.properties(title=_title(data, lang, "indicator_title", subtitle)))


def country_chart(data: ChartData, lang: str) -> Any:
    t = TEXTS[lang]
    rows = [dict(r, year_shown=r["year"] or t["no_year"], out_of_shown=r["out_of"] or r["rank"],
                 row=f"{r[f'series_{lang}']} · {r['year']}" if r["year"] else str(r[f"series_{lang}"]))
            for r in data.rows]
    series = sorted({str(r[f"series_{lang}"]) for r in rows})
    # one row per ranking edition, editions of a series together (oldest first)
    order = sorted({(str(r[f"series_{lang}"]), str(r["year"]), str(r["row"])) for r in rows})
    base = alt.Chart(alt.Data(values=rows))  # type: ignore[no-untyped-call]  # altair's Data is untyped
    y = alt.Y("row:N", title=None, sort=[o[2] for o in order], axis=alt.Axis(labelLimit=380))
    x = alt.X("rank:Q", title=t["rank"], scale=alt.Scale(domainMin=1, nice=False), axis=alt.Axis(format="d"))
    field_rule = base.mark_rule(color="#c8c8c8", strokeWidth=2).encode(y=y, x=x,
                                                                        x2="out_of_shown:Q")
    dots = base.mark_point(filled=True, size=110, opacity=1).encode(
        y=y, x=x,
        color=alt.Color("year_shown:N", title=t["year"], legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip(f"series_{lang}:N", title=t["ranking"]),
                 alt.Tooltip(f"figure_{lang}:N", title=t["figure"]),
                 alt.Tooltip(f"source_{lang}:N", title=t["source"]),
                 alt.Tooltip("article:N", title=t["article"])])
    text = base.mark_text(align="left", baseline="middle", dx=8, fontSize=11).encode(
        y=y, x="out_of_shown:Q", text=f"figure_{lang}:N")
    subtitle = t["subtitle_ranks"].format(n=len(rows), s=len(series))
    chart = alt.layer(field_rule, dots, text).properties(width=WIDTH - 160, height=alt.Step(26))
    return _config(chart.properties(title=_title(data, lang, "country_title", subtitle)))


TABLE_COLUMNS = (("year_shown", "year", 90), ("rank_shown", "position", 50), ("subject", "subject", 200),
                 ("out_of_shown", "out_of", 60), ("source", "source", 220))


def ranking_chart(data: ChartData, lang: str) -> Any:
    t = TEXTS[lang]
    ordered = sorted(data.rows, key=lambda r: (str(r["year"]) or "0000", int(str(r["rank"])), str(r["subject_id"]),
                                               str(r["fact"])))
    rows = []
    for number, r in enumerate(ordered, start=1):
        rows.append({"row": number, "fact": r["fact"], "year_shown": r["year"] or t["no_year"],
                     "rank_shown": f"{r['rank']}", "subject": r[f"subject_{lang}"],
                     "out_of_shown": "" if r["out_of"] is None else f"{r['out_of']}",
                     "source": r[f"source_{lang}"], "article": r["article"]})
    base = alt.Chart(alt.Data(values=rows))  # type: ignore[no-untyped-call]  # altair's Data is untyped
    y = alt.Y("row:O", axis=None)
    columns = []
    for field, heading, width in TABLE_COLUMNS:
        columns.append(base.mark_text(align="left", baseline="middle", fontSize=12).encode(
            y=y, x=alt.value(0), text=f"{field}:N",
            tooltip=[alt.Tooltip("article:N", title=t["article"])],
        ).properties(width=width, height=alt.Step(20),
                     title=alt.TitleParams(t[heading], anchor="start", fontSize=12)))
    editions = len({r["year_shown"] for r in rows})
    subtitle = t["subtitle_table"].format(n=len(rows), s=editions)
    chart = alt.hconcat(*columns, spacing=4).properties(title=_title(data, lang, "ranking_title", subtitle))
    return _config(chart)


BUILDERS = {"indicator": indicator_chart, "country": country_chart, "ranking": ranking_chart}


def spec(data: ChartData, lang: str) -> dict[str, Any]:
    """The Vega-Lite specification (a JSON-ready dict) of ``data`` in ``lang``."""
    chart = BUILDERS[data.kind](data, lang)
    result: dict[str, Any] = chart.to_dict(validate=True)
    return result
