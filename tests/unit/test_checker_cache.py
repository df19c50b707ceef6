"""A changed rulebook gets a new compiled checker; the superseded version's engine rulesets are freed."""
import shutil
from datetime import date
from pathlib import Path

import pytest

from engine.core.check import checker_for
from engine.decisions.record import load_case
from engine.evaluate.durable import _USERS, _host, durable_available

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(durable_available() is not None, reason="durable-rules unavailable")


@pytest.mark.slow
def test_a_superseded_rulebook_frees_its_rulesets_and_checks_still_work(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    case = load_case(ROOT / "examples" / "yuelong-sewage-2024.yaml")
    old = checker_for("CN", rules)
    old.check(case, date(2024, 12, 31), "durable")
    old_names = {name for name, _ in old.evaluator("durable").rulesets}
    decree = rules / "CN" / "decree-713.yaml"
    decree.write_text(decree.read_text(encoding="utf-8").replace("value: 30}", "value: 31}", 1), encoding="utf-8")
    new = checker_for("CN", rules)
    assert new is not old
    assert old.evaluator("durable")._registered is None       # the superseded version let go of its rulesets
    new.check(case, date(2024, 12, 31), "durable")
    new_names = {name for name, _ in new.evaluator("durable").rulesets}
    registered = set(_host()._ruleset_directory)
    assert new_names <= registered
    # what only the old version used is gone, unless another live rulebook (the shipped one) shares it
    assert all(_USERS.get(name, 0) > 0 for name in (old_names - new_names) & registered)
    assert old_names - new_names
    # a caller still holding the old checker is served, not crashed
    assert old.check(case, date(2024, 12, 31), "durable").findings


def test_within_rules_read_once_a_checker_is_looked_up_once_and_the_block_ends_it(tmp_path, monkeypatch):
    """A web request looks its rulebook up once (the rule files listed and stat'ed once); outside the
    block, and in the next one, a file changed on disk is seen again."""
    import engine.core.check as check
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    digests: list[str] = []
    real = check.rulebook_digest
    monkeypatch.setattr(check, "rulebook_digest", lambda *a: digests.append(a[0]) or real(*a))
    with check.rules_read_once():
        first = checker_for("CN", rules)
        assert checker_for("CN", rules) is first and checker_for("CN", rules) is first
        assert digests == ["CN"]
        other = checker_for("CN-12", rules)                     # another rulebook: its own lookup
        assert other is not first and digests == ["CN", "CN-12"]
    decree = rules / "CN" / "decree-713.yaml"
    decree.write_text(decree.read_text(encoding="utf-8").replace("value: 30}", "value: 31}", 1), encoding="utf-8")
    assert checker_for("CN", rules) is not first                 # after the block: read again
    with check.rules_read_once():
        assert checker_for("CN", rules).book.version != first.book.version
