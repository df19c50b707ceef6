"""The law register (rules/laws.yaml)."""
from __future__ import annotations

from datetime import date

import pytest

from engine.core.errors import InputError
from engine.documents.laws import default_laws, load_laws

PENALTY = "中华人民共和国行政处罚法"


def test_the_shipped_law_register_loads_and_knows_the_laws_documents_rely_on():
    laws = default_laws()
    for title in (PENALTY, "中华人民共和国行政许可法", "中华人民共和国行政强制法", "中华人民共和国立法法",
                  "中华人民共和国地方各级人民代表大会和地方各级人民政府组织法", "中华人民共和国政府信息公开条例",
                  "中华人民共和国行政诉讼法", "中华人民共和国行政复议法"):
        assert laws.known(title), title
    assert not laws.known("行政处罚法")  # the full official title only


def test_the_2021_penalty_law_revision_counts_as_an_amendment_once_in_force():
    laws = default_laws()
    assert laws.amended_after(PENALTY, date(2017, 9, 1), date(2021, 7, 14)) is None
    newer = laws.amended_after(PENALTY, date(2017, 9, 1), date(2021, 7, 15))
    assert newer is not None and newer.adopted_on == date(2021, 1, 22)
    assert laws.amended_after(PENALTY, date(2021, 1, 22), date(2030, 1, 1)) is None
    assert laws.amended_after("岳龙镇村规民约", date(2000, 1, 1), date(2030, 1, 1)) is None


def test_an_amendment_without_a_stated_commencement_counts_from_its_adoption():
    laws = default_laws()
    newer = laws.amended_after("中华人民共和国行政许可法", date(2003, 8, 27), date(2019, 4, 23))
    assert newer is not None and newer.adopted_on == date(2019, 4, 23)


def test_a_repealed_law_says_since_when():
    laws = default_laws()
    assert laws.repealed_by("法规规章备案条例", date(2024, 11, 1)) == date(2024, 11, 1)
    assert laws.repealed_by("法规规章备案条例", date(2024, 10, 31)) is None


def test_a_bad_law_register_is_refused_with_file_and_line(tmp_path):
    path = tmp_path / "laws.yaml"
    path.write_text("laws:\n  - title: 某法\n    versions:\n      - {adopted_on: 2020-02-30}\n"
                    "    source: x\n    verified: V3\n", encoding="utf-8")
    with pytest.raises(InputError) as refused:
        load_laws(path)
    text = str(refused.value)
    assert f"{path}:4" in text and f"{path}:6" in text
