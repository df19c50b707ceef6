"""The report's renderings: JSON (the same figures for other systems) and HTML (each figure linked
to the records it counts)."""
from __future__ import annotations

import json
from html import escape
from typing import Any

SECTION_TITLES = {"decisions": "重大行政决策 / Major decisions",
                  "documents": "行政规范性文件 / Normative documents",
                  "penalties": "行政处罚与信用修复 / Penalties and credit repair"}
RECORD_LINKS = {"decisions": "/audit/cases/{}", "documents": "/documents/{}", "penalties": "/credit/{}"}


def section_chart(name: str, report: dict[str, Any]) -> Any:
    """The year-on-year chart of one section (engine/report/charts.py), or None."""
    from engine.report.charts import year_on_year
    zh, en = SECTION_TITLES[name].split(" / ")
    return year_on_year(zh, en, report["year"], report["sections"][name])


def _by_unit_html(report: dict[str, Any]) -> list[str]:
    """The comparison by unit: a table of the headline figures, then its chart."""
    from engine.report.charts import by_unit
    rows = report.get("by_unit") or []
    chart = by_unit(report["year"], rows)
    if chart is None:
        return []
    heads = "".join(f"<th>{escape(f['zh'])}</th>" for f in rows[0]["figures"])
    out = [f"<h2>各单位对比 / By unit</h2><table class=\"by-unit\"><tr><th>单位</th>{heads}</tr>"]
    for row in rows:
        out.append(f"<tr><th>{escape(row['unit'])}</th>" + "".join(f"<td>{f['count']}</td>" for f in row["figures"])
                   + "</tr>")
    out.append(f'</table><figure class="chart" data-chart="by-unit"><div role="img" aria-label="{escape(chart.caption)}">'
               f"{chart.svg}</div><figcaption>{escape(chart.caption)}</figcaption></figure>")
    return out


def as_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


def as_html(report: dict[str, Any]) -> str:
    """A standalone page (the PDF is printed from it)."""
    return "<!doctype html><html lang=\"zh\"><meta charset=\"utf-8\"><body>" + html_body(report) + "</body></html>"


def html_body(report: dict[str, Any]) -> str:
    """The report's body: the figures, each linked to its records; the 整改清单; the places to write."""
    out = [f"<h1>{report['year']}年度法治政府建设情况报告</h1>",
           f"<p>规则库版本 / rulebook: {escape(report['rulebook_version'])}；计算日 / computed on: {report['as_of']}"
           f"；单位 / unit: {escape(report['unit'] or '全部 / all')}</p>",
           f"<p>{escape(report['narrative']['overview'])}</p>"]
    for name, figures in report["sections"].items():
        out.append(f"<h2>{SECTION_TITLES[name]}</h2><table><tr><th></th><th>本年</th><th>上年</th><th>所计记录</th></tr>")
        for f in figures:
            links = "、".join(f'<a href="{escape(RECORD_LINKS[name].format(r))}">{escape(r)}</a>' for r in f["records"])
            before = "—" if f.get("previous_year") is None else f["previous_year"]
            out.append(f"<tr><th>{escape(f['zh'])}</th><td data-figure=\"{f['key']}\">{f['count']}</td>"
                       f"<td>{before}</td><td>{links}</td></tr>")
        out.append("</table>")
        chart = section_chart(name, report)
        if chart is not None:
            out.append(f'<figure class="chart" data-chart="{name}"><div role="img" aria-label="{escape(chart.caption)}">'
                       f"{chart.svg}</div><figcaption>{escape(chart.caption)}</figcaption></figure>")
    out += _by_unit_html(report)
    out.append("<h3>决策中发现的问题 / Problems found</h3><table><tr><th>规则</th><th>依据</th><th>案件</th></tr>")
    for p in report.get("decision_problems", []):
        out.append(f"<tr><td>{escape(p['rule'])}</td><td>{escape(str(p['citation'] or ''))}</td><td>"
                   + "、".join(f'<a href="/audit/cases/{escape(r)}">{escape(r)}</a>' for r in p["records"]) + "</td></tr>")
    out.append("</table>")
    out.append("<h2>整改清单 / Corrections</h2><table><tr><th>记录</th><th>问题</th><th>责任单位</th><th>整改期限</th></tr>")
    for c in report["corrections"]:
        out.append("<tr>" + "".join(f"<td>{escape(c[k])}</td>" for k in ("record", "problem", "unit", "due")) + "</tr>")
    out.append(f"</table><p>{escape(report['narrative']['plans'])}</p>")
    return "\n".join(out)


def as_pdf(report: dict[str, Any]) -> bytes | None:
    """The HTML printed by headless chromium (engine/decisions/pdf.py); None without chromium or on failure."""
    from engine.decisions.pdf import chromium_path, print_pdf
    return print_pdf(as_html(report)) if chromium_path() else None
