"""The annual report's year-on-year charts and its 整改清单 of decision problems: drawn for each section
beside the table of the same numbers (PNG in the DOCX, SVG in the HTML), labelled in Chinese with a
CJK font and in English without one; the DOCX converted by LibreOffice, its PDF read back."""
from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from engine.core.check import checker_for
from engine.core.report import to_json
from engine.decisions.record import case_to_document, load_case
from engine.report import charts, figures, render
from tests.yifa_cli import run_yifa

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "yuelong-sewage-2024.yaml"


def checked(path: Path, as_of: date) -> tuple[str, dict, dict]:
    case = load_case(path, as_of)
    return case.id, case_to_document(case), to_json(checker_for(case.jurisdiction).check(case, as_of, "native"))


def test_each_violated_rule_of_the_years_decisions_is_a_row_to_correct_with_its_article_and_unit():
    case_id, document, report = checked(EXAMPLE, date(2025, 6, 30))
    data = figures.report(2024, None, date(2025, 6, 30), "sha256:test", [], [], cases=[(case_id, document, report)])
    violated = [f for f in report["findings"] if f["verdict"] == "violated"]
    rows = [c for c in data["corrections"] if c["record"] == case_id]
    assert violated and [r["rule"] for r in rows] == [f["rule"] for f in violated]
    for row, finding in zip(rows, violated, strict=True):
        assert row["unit"] == document["sponsor_unit"]
        assert finding["message"] in row["problem"] and f"第{finding['citation']['article']}条" in row["problem"]
        assert row["due"].startswith("【由单位填写")
    assert figures.report(2025, None, date(2025, 6, 30), "sha256:test", [], [],
                          cases=[(case_id, document, report)])["corrections"] == []     # not a decision of 2025


def sections(counts: dict[str, tuple[int, int | None]]) -> list[dict]:
    return [{"key": k, "zh": f"项目{k}", "en": f"item {k}", "count": now, "records": [], "previous_year": before}
            for k, (now, before) in counts.items()]


def test_a_chart_compares_this_year_with_last_and_says_when_it_cannot_write_chinese(monkeypatch):
    figs = sections({"a": (3, 1), "b": (0, 2), "c": (0, None)})
    chart = charts.year_on_year("行政规范性文件", "Normative documents", 2025, figs)
    assert chart is not None and chart.png.startswith(b"\x89PNG") and "<title>" in chart.svg
    if chart.chinese:
        assert "项目a" in chart.svg and "项目c" not in chart.svg        # nothing to compare for c: left out
    monkeypatch.setattr(charts, "cjk_family", lambda: None)
    plain = charts.year_on_year("行政规范性文件", "Normative documents", 2025, figs)
    assert not plain.chinese and "item a" in plain.svg and "项目a" not in plain.svg
    assert "本机无中文字体" in plain.caption and "2025 against 2024" in plain.caption
    assert charts.year_on_year("x", "x", 2025, sections({"a": (0, None)})) is None


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    instance = tmp_path_factory.mktemp("report-demo")
    for argv in (("db", "upgrade"), ("web", "seed-demo")):
        done = run_yifa(instance, *argv)
        assert done.returncode == 0, done.stderr
    return instance


def report_file(instance: Path, fmt: str) -> Path:
    out = instance / f"report.{fmt}"
    done = run_yifa(instance, "report", "annual", "--year", "2025", "--as-of", "2026-01-15", "--format", fmt, "-o", out)
    assert done.returncode == 0, done.stderr
    return out


def test_the_html_shows_each_sections_chart_after_its_table(demo):
    html = report_file(demo, "html").read_text(encoding="utf-8")
    for name in ("decisions", "documents", "penalties"):
        table = html.index(render.SECTION_TITLES[name])
        chart = html.index(f'data-chart="{name}"')
        assert table < chart and "<svg" in html[chart:chart + 400]
    assert html.count("<figcaption>") == 4 and 'role="img"' in html          # and the comparison by unit
    assert html.index("各单位对比") < html.index('data-chart="by-unit"')


def test_the_docx_holds_a_picture_and_caption_per_section_and_opens_in_libreoffice(demo, tmp_path):
    import docx
    path = report_file(demo, "docx")
    document = docx.Document(str(path))
    captions = [p.text for p in document.paragraphs if p.text.startswith("图")]
    assert len(document.inline_shapes) == 4 and [c[:2] for c in captions] == ["图1", "图2", "图3", "图4"]
    first_cells = {row.cells[0].text for table in document.tables for row in table.rows}
    assert "NH-2025-003" in first_cells                   # the decision whose latest check violates a rule
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not on PATH: the conversion is not checked here")
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=180)
    from pypdf import PdfReader
    pdf = PdfReader(io.BytesIO((tmp_path / "report.pdf").read_bytes()))
    text = "".join(page.extract_text() for page in pdf.pages)
    for wanted in ("总体情况", "重大行政决策", "行政规范性文件", "各单位对比", "整改清单", "图1", "图4"):
        assert wanted in text, wanted
    assert len({image.name for page in pdf.pages for image in page.images}) == 4     # shared by the pages


def test_the_units_compared_add_up_to_the_whole_report(demo):
    import json
    for year in ("2024", "2025"):
        done = run_yifa(demo, "report", "annual", "--year", year, "--as-of", "2026-01-15")
        report = json.loads(done.stdout)
        whole = {f["key"]: f["count"] for section in report["sections"].values() for f in section}
        rows = report["by_unit"]
        assert [r["code"] for r in rows] == ["root", "fengtai", "ninghe-sfj", "yuelong"]
        for key in ("decisions.total", "documents.issued", "documents.evaluated", "penalties.decided"):
            assert sum(f["count"] for r in rows for f in r["figures"] if f["key"] == key) == whole[key], (year, key)
        assert any(f["count"] for r in rows for f in r["figures"]), year
