"""The report as a DOCX in the layout government offices use (GB/T 9704 in spirit): A4, 仿宋 body,
黑体 headings, page numbers in the footer; every figure refers to the appendix listing its records;
the narrative the records cannot supply is left as 【由单位填写：…】."""
from __future__ import annotations

from io import BytesIO
from typing import Any

from engine.report.render import SECTION_TITLES, section_chart

BODY_FONT, HEADING_FONT = "仿宋", "黑体"


def _font(run: Any, name: str, size_pt: float) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt
    run.font.name = name
    run.font.size = Pt(size_pt)
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attr), name)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):   # a theme font wins over a named one
        fonts.attrib.pop(qn(attr), None)


def _styles(document: Any) -> None:
    for style, name, size in (("Normal", BODY_FONT, 16), ("Heading 1", HEADING_FONT, 22),
                              ("Heading 2", HEADING_FONT, 16), ("Title", HEADING_FONT, 22)):
        _font(document.styles[style], name, size)
        if style != "Normal":
            document.styles[style].font.color.rgb = None


def _a4(document: Any) -> None:
    from docx.shared import Mm
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)


def _page_number_footer(document: Any) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _table(document: Any, headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """A bordered table: a header row, then the rows."""
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for values in (headers, *rows):
        cells = table.rows[0].cells if values is headers else table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = text


def _figure_table(document: Any, figures: list[dict[str, Any]], appendix: dict[str, int]) -> None:
    _table(document, ("项目", "本年", "上年", "所计记录"),
           [(f["zh"], str(f["count"]), "—" if f.get("previous_year") is None else str(f["previous_year"]),
             f"见附录 {appendix[f['key']]}" if f["records"] else "—") for f in figures])


def _problem_table(document: Any, problems: list[dict[str, Any]]) -> None:
    document.add_heading("决策中发现的问题", level=2)
    if not problems:
        document.add_paragraph("记录中的最近一次检查未发现违反规则的情形。")
        return
    _table(document, ("规则", "依据", "案件"),
           [(p["rule"], str(p["citation"] or ""), "、".join(p["records"])) for p in problems])


def _picture(document: Any, chart: Any, number: int) -> None:
    """The chart across the text width, its caption (图N) under it, centred."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm
    document.add_picture(BytesIO(chart.png), width=Cm(15))
    document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption = document.add_paragraph(f"图{number}　{chart.caption}")
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _by_unit(document: Any, report: dict[str, Any], charts: int) -> int:
    """The comparison by unit (a table, then its chart) when the report covers several units; gives
    the number of charts so far."""
    from engine.report.charts import by_unit
    rows = report.get("by_unit") or []
    chart = by_unit(report["year"], rows)
    if chart is None:
        return charts
    document.add_heading("各单位对比", level=2)
    _table(document, ("单位", *(f["zh"] for f in rows[0]["figures"])),
           [(r["unit"], *(str(f["count"]) for f in r["figures"])) for r in rows])
    _picture(document, chart, charts + 1)
    return charts + 1


def as_docx(report: dict[str, Any]) -> bytes:
    """The report's bytes as a .docx."""
    from docx import Document
    document = Document()
    _styles(document)
    _a4(document)
    _page_number_footer(document)
    unit = report["unit"] or "本单位"
    document.add_heading(f"{unit}{report['year']}年度法治政府建设情况报告", level=0)
    document.add_paragraph(f"规则库版本：{report['rulebook_version']}；数据计算日：{report['as_of']}。")
    document.add_heading("一、总体情况", level=1)
    document.add_paragraph(report["narrative"]["overview"])
    numbered = [f for figures in report["sections"].values() for f in figures if f["records"]]
    appendix = {f["key"]: i for i, f in enumerate(numbered, start=1)}
    charts = 0
    for n, (name, figures) in enumerate(report["sections"].items(), start=2):
        document.add_heading(f"{'一二三四五六七八九'[n - 1]}、{SECTION_TITLES[name].split(' / ')[0]}", level=1)
        _figure_table(document, figures, appendix)
        chart = section_chart(name, report)
        if chart is not None:
            charts += 1
            _picture(document, chart, charts)
    charts = _by_unit(document, report, charts)
    _problem_table(document, report.get("decision_problems", []))
    document.add_heading("整改清单", level=1)
    _table(document, ("记录", "问题", "责任单位", "整改期限"),
           [(c["record"], c["problem"], c["unit"], c["due"]) for c in report["corrections"]])
    document.add_heading("下一年度工作计划", level=1)
    document.add_paragraph(report["narrative"]["plans"])
    document.add_heading("附录：各项数字所计记录", level=1)
    for f in numbered:
        document.add_paragraph(f"{appendix[f['key']]}. {f['zh']}（{f['count']}）：{'、'.join(f['records'])}")
    out = BytesIO()
    document.save(out)
    return out.getvalue()
