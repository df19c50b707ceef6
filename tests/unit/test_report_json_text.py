"""The JSON report written in one pass is, byte for byte, `json.dumps` of the report's dict
(CASE_FORMAT §2): what `yifa check --format json` prints did not change when it got faster."""
import json
import random

import pytest

from engine.core.check import checker_for
from engine.core.findings import json_object, json_value
from engine.core.report import to_json, to_json_text
from engine.core.yamlio import LoadedYaml
from engine.decisions.record import parse_case
from tests.casegen import random_as_of, random_case_document

JURISDICTIONS = ["CN", "CN-12", "CN-12/ninghe", "CN-12/ninghe/yuelong"]


@pytest.mark.slow
@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
def test_the_one_pass_report_is_the_bytes_of_json_dumps(jurisdiction):
    rnd = random.Random(jurisdiction)
    checker = checker_for(jurisdiction)
    kinds = set()
    for i in range(150):
        doc = random_case_document(rnd, i)
        doc["jurisdiction"] = jurisdiction
        result = checker.check(parse_case(LoadedYaml(doc), f"gen-{i}"), random_as_of(rnd, doc), "native")
        for lang in ("zh", "en"):
            expected = json.dumps(to_json(result, lang), ensure_ascii=False)
            assert to_json_text(result, lang) == expected
        kinds |= {k for f in result.findings for k in f.to_json()}
    assert {"message", "reason", "due_on"} <= kinds       # the optional members were written too


@pytest.mark.parametrize("value", ["是\n\"引号\"\\", "", 0, -12, 10**30, 1.5, float("inf"), True, False, None,
                                   ["a", 1], {"k": [None]}])
def test_a_value_is_written_as_json_dumps_writes_it(value):
    assert json_value(value) == json.dumps(value, ensure_ascii=False)
    assert json_object({"键": value, "b": value}) == json.dumps({"键": value, "b": value}, ensure_ascii=False)


def test_an_object_with_keys_that_are_not_text_is_written_as_json_dumps_writes_it():
    assert json_object({1: "a", "b": 2}) == json.dumps({1: "a", "b": 2}, ensure_ascii=False)
    assert json_object({}) == "{}"
