"""The annual report's DOCX: A4, 仿宋 body, 黑体 headings, a page number field, every section, and
(where LibreOffice is installed) a PDF with pages."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

docx = pytest.importorskip("docx", reason="python-docx is not installed")

from engine.cli import main  # noqa: E402

DEMO = Path(__file__).resolve().parents[2] / "web"


@pytest.fixture
def report_docx(tmp_path: Path) -> Path:
    out = tmp_path / "report.docx"
    code = main(["report", "annual", "--year", "2024", "--as-of", "2026-01-15", "--format", "docx", "-o", str(out),
                 "--documents", str(DEMO / "demo_documents.csv"), "--penalties", str(DEMO / "demo_penalties.csv")])
    assert code == 0
    return out


def _east_asian_font(style) -> str:
    from docx.oxml.ns import qn
    return style.element.rPr.rFonts.get(qn("w:eastAsia"))


def test_docx_layout_and_sections(report_docx: Path) -> None:
    document = docx.Document(str(report_docx))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert _east_asian_font(document.styles["Normal"]) == "仿宋"
    assert _east_asian_font(document.styles["Heading 1"]) == "黑体"
    for style in ("Normal", "Heading 1", "Heading 2", "Title"):      # a theme font would win over the named one
        xml = document.styles[style].element.xml
        assert not any(f"w:{a}=" in xml for a in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")), style
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for wanted in ("行政规范性文件", "行政处罚与信用修复", "整改清单", "附录"):
        assert any(wanted in h for h in headings), (wanted, headings)
    assert "PAGE" in section.footer.paragraphs[0]._p.xml
    text = "\n".join(p.text for p in document.paragraphs)
    assert "2026-01-15" in text and "【由单位填写：" in text and "岳龙政规〔2024〕2号" in text


def test_docx_converts_to_pdf_with_pages(report_docx: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not on PATH")
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(report_docx)],
                   check=True, timeout=120, capture_output=True)
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") + pdf.count(b"/Type/Page") >= 1


def test_the_pdf_is_the_html_printed_by_chromium(tmp_path: Path) -> None:
    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed")
    out = tmp_path / "report.pdf"
    assert main(["report", "annual", "--year", "2024", "--as-of", "2026-01-15", "--format", "pdf", "-o", str(out),
                 "--documents", str(DEMO / "demo_documents.csv"), "--penalties", str(DEMO / "demo_penalties.csv")]) == 0
    assert out.read_bytes().startswith(b"%PDF")
