"""The report's year-on-year charts (matplotlib, drawn off-screen): for each section, each figure of
this year beside last year's, as PNG for the DOCX and as SVG for the HTML. The same numbers stand in
the table before each chart, so nothing is said by the picture alone.

Chinese labels need a CJK font; the one the system has is used (WenQuanYi Micro Hei, Noto Sans CJK,
Source Han Sans…). Without one the labels are the figures' English names and the caption says so,
rather than a row of empty boxes.
"""
from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from typing import Any, cast

CJK_FAMILIES = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC",
                "Source Han Sans SC", "Source Han Sans CN", "SimHei", "Microsoft YaHei", "PingFang SC")
COLOURS = ("#1f5fa8", "#9db8d9", "#d08a2e", "#5a9e6f", "#8e6bb0")     # this year, last year; then by unit


@dataclass(frozen=True)
class Chart:
    """One section's chart: its caption, the picture twice, and whether its labels are Chinese."""
    caption: str
    png: bytes
    svg: str
    chinese: bool


@functools.lru_cache(maxsize=1)
def cjk_family() -> str | None:
    """The first CJK font family installed, or None."""
    from matplotlib import font_manager
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in installed), None)


def year_on_year(title_zh: str, title_en: str, year: int, figures: list[dict[str, Any]]) -> Chart | None:
    """The chart of one section's figures, this year and last; None when there is nothing to compare."""
    shown = [f for f in figures if f.get("previous_year") is not None or f["count"]]
    if not shown:
        return None
    family = cjk_family()
    chinese = family is not None
    labels = [f["zh"] if chinese else f["en"] for f in shown]
    caption = (f"{title_zh}：{year}年与{year - 1}年对比（数字见上表）" if chinese else
               f"{title_zh}：{year}年与{year - 1}年对比（图中标签为英文：本机无中文字体）/ {title_en}, {year} "
               f"against {year - 1}")
    png, svg = _draw(labels, [(f"{year}", [f["count"] for f in shown]),
                              (f"{year - 1}", [f.get("previous_year") or 0 for f in shown])], family, caption)
    return Chart(caption, png, svg, chinese)


def by_unit(year: int, rows: list[dict[str, Any]]) -> Chart | None:
    """The headline figures of the year side by side for each unit (engine/report/queries.units_compared)."""
    if len(rows) < 2:
        return None
    family = cjk_family()
    chinese = family is not None
    keys = rows[0]["figures"]
    caption = (f"{year}年各单位主要数字对比（数字见上表）" if chinese else
               f"{year}年各单位主要数字对比（图中标签为英文：本机无中文字体）/ the units' main figures, {year}")
    series = [(f["zh"] if chinese else f["en"], [next(g["count"] for g in r["figures"] if g["key"] == f["key"])
                                                   for r in rows]) for f in keys]
    labels = [r["unit"] if chinese else r["code"] for r in rows]
    png, svg = _draw(labels, series, family, caption)
    return Chart(caption, png, svg, chinese)


def _draw(labels: list[str], series: list[tuple[str, list[int]]], family: str | None,
          caption: str) -> tuple[bytes, str]:
    import matplotlib
    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator
    params: dict[str, Any] = {"font.size": 10, "svg.hashsalt": "yifa-report", "svg.fonttype": "none"}
    if family:
        params["font.family"] = [family, "DejaVu Sans"]
    with matplotlib.rc_context(cast(Any, params)):   # a plain dict: the stubs want literal keys
        figure = Figure(figsize=(6.3, 0.21 * len(labels) * len(series) + 1.3), dpi=150)
        axes = figure.add_subplot()
        rows = list(range(len(labels)))
        height = 0.76 / len(series)
        for n, (name, values) in enumerate(series):
            offset = (n - (len(series) - 1) / 2) * height
            axes.barh([r + offset for r in rows], values, height, color=COLOURS[n % len(COLOURS)], label=name)
            for r, value in enumerate(values):
                axes.text(value, r + offset, f" {value}", va="center", fontsize=8)
        axes.set_yticks(rows, labels)
        axes.invert_yaxis()
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(len(series), 2), frameon=False)
        figure.tight_layout()
        png, svg = io.BytesIO(), io.StringIO()
        figure.savefig(png, format="png", metadata={"Software": None}, bbox_inches="tight")
        figure.savefig(svg, format="svg", metadata={"Date": None, "Title": caption}, bbox_inches="tight")
    text = svg.getvalue()
    return png.getvalue(), text[text.index("<svg"):]
