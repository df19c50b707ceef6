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
THIS_YEAR, LAST_YEAR = "#1f5fa8", "#9db8d9"


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
    png, svg = _draw(labels, [f["count"] for f in shown], [f.get("previous_year") or 0 for f in shown],
                     year, family, caption)
    return Chart(caption, png, svg, chinese)


def _draw(labels: list[str], now: list[int], before: list[int], year: int, family: str | None,
          caption: str) -> tuple[bytes, str]:
    import matplotlib
    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator
    params: dict[str, Any] = {"font.size": 10, "svg.hashsalt": "yifa-report", "svg.fonttype": "none"}
    if family:
        params["font.family"] = [family, "DejaVu Sans"]
    with matplotlib.rc_context(cast(Any, params)):   # a plain dict: the stubs want literal keys
        figure = Figure(figsize=(6.3, 0.42 * len(labels) + 1.1), dpi=150)
        axes = figure.add_subplot()
        rows = list(range(len(labels)))
        height = 0.38
        axes.barh([r - height / 2 for r in rows], now, height, color=THIS_YEAR, label=f"{year}")
        axes.barh([r + height / 2 for r in rows], before, height, color=LAST_YEAR, label=f"{year - 1}")
        for r, (a, b) in enumerate(zip(now, before, strict=True)):
            axes.text(a, r - height / 2, f" {a}", va="center", fontsize=8)
            axes.text(b, r + height / 2, f" {b}", va="center", fontsize=8)
        axes.set_yticks(rows, labels)
        axes.invert_yaxis()
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
        figure.tight_layout()
        png, svg = io.BytesIO(), io.StringIO()
        figure.savefig(png, format="png", metadata={"Software": None})
        figure.savefig(svg, format="svg", metadata={"Date": None, "Title": caption})
    text = svg.getvalue()
    return png.getvalue(), text[text.index("<svg"):]
