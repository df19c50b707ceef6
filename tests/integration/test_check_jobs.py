"""`yifa check --jobs N`: many files checked by worker processes give the same bytes, in the order
of the files, and the same exit status as one process (CASE_FORMAT §2)."""
import json
import random
import shutil
from pathlib import Path

import pytest

from engine.cli import main
from engine.cli.check import AUTO_JOBS_FROM, default_jobs
from engine.evaluate.durable import durable_available
from tests.casegen import random_case_document

ROOT = Path(__file__).resolve().parents[2]
ENGINES = ["native"] + (["durable"] if durable_available() is None else [])


@pytest.fixture
def files(tmp_path) -> list[Path]:
    """Generated cases in JSON and YAML, a file with a problem and a missing one among them."""
    out = []
    for i in range(12):
        doc = random_case_document(random.Random(i), i)
        path = tmp_path / (f"c{i:02}.json" if i % 2 else f"c{i:02}.yaml")
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        out.append(path)
    (tmp_path / "bad.json").write_text('{"id": "B", "title": "t", "id": "C"}', encoding="utf-8")
    out[3:3] = [tmp_path / "bad.json", tmp_path / "absent.yaml"]
    out.append(ROOT / "examples" / "yuelong-sewage-2024.yaml")
    return out


def _run(capsys, *argv) -> tuple[int, str, str]:
    status = main(["check", *map(str, argv)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("form", ["json", "text"])
def test_workers_give_the_bytes_and_status_of_one_process(capsys, files, engine, form):
    options = ("--engine", engine, "--format", form, "--as-of", "2027-06-30")
    one = _run(capsys, *options, "--jobs", "1", *files)
    many = _run(capsys, *options, "--jobs", "3", *files)
    assert many == one
    assert one[0] == 2 and "bad.json" in one[2] and "absent.yaml" in one[2]
    if form == "json":
        cases = [json.loads(line)["case"] for line in one[1].splitlines()]
        assert cases == [f"GEN-{i}" for i in range(12)] + ["YL-2024-011"]


@pytest.mark.slow
def test_a_broken_rulebook_stops_the_workers_as_it_stops_one_process(capsys, files, tmp_path, monkeypatch):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    decree = rules / "CN" / "decree-713.yaml"
    decree.write_text(decree.read_text(encoding="utf-8").replace("severity: error", "severity: fatal", 1),
                      encoding="utf-8")
    monkeypatch.setenv("YIFA_RULES", str(rules))
    one = _run(capsys, "--engine", "native", "--jobs", "1", *files)
    many = _run(capsys, "--engine", "native", "--jobs", "2", *files)
    assert many == one and one[0] == 2 and one[1] == "" and "severity" in one[2]


def test_every_cpu_is_used_from_the_threshold_on():
    assert default_jobs(AUTO_JOBS_FROM - 1) == 1
    assert default_jobs(AUTO_JOBS_FROM) >= 1


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_a_bad_number_of_jobs_is_refused(capsys, jobs):
    with pytest.raises(SystemExit) as caught:
        main(["check", "--jobs", jobs, "x.yaml"])
    assert caught.value.code == 2 and "--jobs" in capsys.readouterr().err
