"""The annual report page: for the secretary, auditors and admins; the figures the CLI gives from the
demo register files, every figure's records linked; JSON and DOCX downloads."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from engine.cli import main

DEMO = Path(__file__).resolve().parents[2] / "web"


def _counts(report: dict) -> dict[str, int]:
    return {f["key"]: f["count"] for section in report["sections"].values() for f in section}


def test_the_page_shows_the_figures_of_the_stored_demo_registers(client, login_as, seeded, capsys) -> None:
    login_as("auditor", username="t-auditor")
    page = client.get("/report/annual?year=2024")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/documents/岳龙政规〔2024〕2号"' in html and "整改清单" in html
    stored = json.loads(client.get("/report/annual?year=2024&as_of=2026-01-15&format=json").get_data(as_text=True))
    assert stored["as_of"] == "2026-01-15"
    assert main(["report", "annual", "--year", "2024", "--as-of", stored["as_of"], "--documents",
                 str(DEMO / "demo_documents.csv"), "--penalties", str(DEMO / "demo_penalties.csv")]) == 0
    from_files = json.loads(capsys.readouterr().out)
    registers = {k: v for k, v in _counts(stored).items() if not k.startswith("decisions.")}
    assert registers == {k: v for k, v in _counts(from_files).items() if not k.startswith("decisions.")}
    assert sum(registers.values()) > 0


def test_the_docx_download_opens(client, login_as, seeded) -> None:
    docx = pytest.importorskip("docx", reason="python-docx is not installed")
    login_as("secretary", username="t-secretary")
    answer = client.get("/report/annual?year=2024&format=docx")
    assert answer.status_code == 200
    assert any("整改清单" in p.text for p in docx.Document(io.BytesIO(answer.data)).paragraphs)


def test_a_bad_year_is_refused_and_officials_are_kept_out(client, login_as) -> None:
    login_as("official", username="t-official")
    assert client.get("/report/annual?year=2024").status_code == 403
    login_as("auditor", username="t-auditor2")
    assert client.get("/report/annual?year=abc").status_code == 400
    assert client.get("/report/annual?year=2024&as_of=2024-13-01").status_code == 400


def test_the_pdf_is_printed_by_chromium(client, login_as, seeded) -> None:
    from engine.decisions.pdf import chromium_path
    if chromium_path() is None:
        pytest.skip("chromium is not installed")
    login_as("auditor", username="t-auditor3")
    answer = client.get("/report/annual?year=2024&format=pdf")
    assert answer.status_code == 200 and answer.data.startswith(b"%PDF")


def test_the_demo_decisions_are_counted_in_the_year_they_were_proposed(client, login_as, seeded) -> None:
    """web/demo_data.py: YL-DEMO-03 and -04 proposed 2025-02-17 with participation (a hearing), expert
    review and risk assessment; YL-DEMO-01 and -02 proposed 21 and 100 days before the seeding day;
    the demo also seeds the Ninghe county example NH-2025-003 (another jurisdiction)."""
    login_as("auditor", username="t-auditor4")
    every = json.loads(client.get("/report/annual?year=2025&format=json").get_data(as_text=True))
    assert every["sections"]["decisions"][0]["records"] == ["NH-2025-003", "YL-DEMO-03", "YL-DEMO-04"]
    url = "/report/annual?year={}&unit=CN-12/ninghe/yuelong&format=json"
    counts = _counts(json.loads(client.get(url.format(2025)).get_data(as_text=True)))
    assert counts["decisions.total"] == 2 and counts["decisions.category.public_construction"] == 2
    for step in ("public_participation", "hearing", "expert_review", "risk_assessment"):
        assert counts[f"decisions.{step}"] == 2, step
    assert counts["decisions.post_evaluation"] == 0
    later = _counts(json.loads(client.get(url.format(2026)).get_data(as_text=True)))
    assert later["decisions.total"] == 2 and later["decisions.hearing"] == 0
