"""The tests legal advisors write beside the rules, collected by pytest (both evaluators)."""
import pytest

from engine.evaluate.durable import durable_available
from engine.rulebook.loader import known_jurisdictions
from engine.rulebook.testing import collect_rule_tests, run_rule_test

ENGINES = ("native",) if durable_available() else ("durable", "native")
CASES = collect_rule_tests(known_jurisdictions())


@pytest.mark.parametrize("test", CASES, ids=[t.label for t in CASES])
def test_rule_file_case(test):
    result = run_rule_test(test, ENGINES)
    assert result.ok, result.describe()


def test_the_rulebooks_have_tests_at_all():
    assert len(CASES) >= 50
