"""durable-rules (the engine of record) and the native evaluator must give identical findings."""
import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from engine.decisions.record import parse_case
from engine.core.check import checker_for
from engine.evaluate.durable import durable_available
from engine.core.report import to_json
from engine.rulebook.loader import known_jurisdictions
from engine.core.yamlio import LoadedYaml
from tests.casegen import random_as_of, random_case_document

pytestmark = pytest.mark.skipif(durable_available() is not None, reason=f"durable-rules unavailable: {durable_available()}")
JURISDICTIONS = known_jurisdictions()


def _both(seed: int):
    rnd = random.Random(seed)
    doc = random_case_document(rnd, seed)
    doc["jurisdiction"] = rnd.choice(JURISDICTIONS)
    case = parse_case(LoadedYaml(doc), f"generated-{seed}")
    as_of = random_as_of(rnd, doc)
    checker = checker_for(case.jurisdiction)
    return [to_json(checker.check(case, as_of, engine)) for engine in ("durable", "native")], checker, case, as_of


@settings(max_examples=5000, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@pytest.mark.slow
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_both_evaluators_give_identical_findings_on_5000_generated_cases(seed):
    (durable, native), *_ = _both(seed)
    assert durable == native


def test_generated_cases_reach_every_verdict_so_the_comparison_means_something():
    seen = set()
    for seed in range(300):
        (durable, _), *_ = _both(seed)
        seen |= {(f["verdict"], f.get("reason")) for f in durable["findings"]}
    verdicts = {v for v, _ in seen}
    assert verdicts == {"violated", "satisfied", "not_applicable", "pending"}
    reasons = {r for _, r in seen if r}
    assert {"excluded", "not_in_force", "condition_not_met", "stage_not_reached", "special_procedure",
            "not_binding"} <= reasons


def test_exactly_one_durable_rule_fires_per_rulebook_rule():
    (_, _), checker, case, as_of = _both(7)
    facts = checker.facts(case, as_of)
    branches = checker.evaluator("durable").evaluate(facts)
    assert len(branches) == len(checker.compiled) and -1 not in branches
