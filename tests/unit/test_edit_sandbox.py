"""The rule editor's heavy work runs in a child process under CPU-time and memory limits."""
import time

import pytest

from engine.core.errors import InputError
from engine.rulebook.sandbox import EditLimitError, limits, run_limited


def _spin() -> None:
    while True:
        pass


def _hog() -> int:
    blocks = []
    while True:
        blocks.append(bytearray(64 * 1024 * 1024))


def _double(x: int) -> int:
    return 2 * x


def _refuse() -> None:
    from engine.core.errors import InputError
    raise InputError.single("f.yaml", "坏 / bad")


def test_limits_default_and_refuse_a_bad_value(monkeypatch):
    monkeypatch.delenv("YIFA_EDIT_CPU_SECONDS", raising=False)
    monkeypatch.delenv("YIFA_EDIT_MEMORY_MB", raising=False)
    assert limits() == (10.0, 1024)
    monkeypatch.setenv("YIFA_EDIT_CPU_SECONDS", "zero")
    with pytest.raises(InputError, match="<environment>: YIFA_EDIT_CPU_SECONDS: .*must be a positive number"):
        limits()


@pytest.mark.slow
def test_a_result_and_an_input_error_come_back_from_the_child():
    assert run_limited(_double, 21) == 42
    from engine.core.errors import InputError
    with pytest.raises(InputError, match="bad"):
        run_limited(_refuse)


@pytest.mark.slow
def test_the_cpu_limit_stops_the_child_with_a_bilingual_error_within_10_s(monkeypatch):
    monkeypatch.setenv("YIFA_EDIT_CPU_SECONDS", "1")
    start = time.monotonic()
    with pytest.raises(EditLimitError) as caught:
        run_limited(_spin, file="rules/CN/x.yaml")
    assert time.monotonic() - start < 10
    p = caught.value.problems[0]
    assert p.file == "rules/CN/x.yaml" and "计算时间上限" in p.message and "CPU-time limit" in p.message


@pytest.mark.slow
def test_the_memory_limit_stops_the_child_with_a_bilingual_error(monkeypatch):
    monkeypatch.setenv("YIFA_EDIT_MEMORY_MB", "400")
    start = time.monotonic()
    with pytest.raises(EditLimitError) as caught:
        run_limited(_hog)
    assert time.monotonic() - start < 10
    message = caught.value.problems[0].message
    assert "内存上限" in message and "memory limit" in message
