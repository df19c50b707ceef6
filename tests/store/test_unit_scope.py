"""What a user's roles cover (engine/units/scope.py), on SQLite and PostgreSQL: a role in a unit, over
its subtree, over the top of one tree among two, none at all; and a session limited to it."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.accounts.models import UnitRole, User
from engine.core.errors import InputError, PermissionDeniedError
from engine.decisions.models import CaseRecord
from engine.units.models import Unit
from engine.units.scope import EVERYTHING, NOTHING, Scope, acting_unit, limit_to, scope_of, unscoped

TREE = (("a", "root"), ("a1", "a"), ("b", "root"))        # root (from the migration) → a → a1; root → b


@pytest.fixture
def tree(uow):
    with uow() as u:
        s = u.session
        paths = {"root": "/root/"}
        for code, parent in TREE:
            paths[code] = paths[parent] + code + "/"
            s.add(Unit(code=code, name=code, level="township", jurisdiction="CN", parent_code=parent, path=paths[code]))
        s.add(Unit(code="x", name="another tree", level="county", jurisdiction="CN", parent_code=None, path="/x/"))
        grants = {"ua": [("a", "official", False)], "usub": [("a", "legality_reviewer", True)],
                  "uroot": [("root", "auditor", True)], "both": [("a1", "official", False), ("b", "auditor", True)],
                  "nobody": []}
        for username, held in grants.items():
            s.add(User(username=username, display_name=username, active=True))
            s.flush()
            s.add_all(UnitRole(username=username, unit_code=c, role=r, subtree=t) for c, r, t in held)
        for i, unit in enumerate(("root", "a", "a1", "b", "x")):
            s.add(CaseRecord(id=f"C-{unit}", title="t", jurisdiction="CN", stage=None, document={}, created_by="ua",
                             workflow={}, unit_code=unit))
        u.commit()
    return uow


def test_each_grant_covers_its_unit_and_with_subtree_everything_below(tree):
    with tree() as u:
        s = u.session
        assert scope_of(s, "ua") == Scope(frozenset({"a"}))
        assert scope_of(s, "usub") == Scope(frozenset({"a", "a1"}))
        assert scope_of(s, "uroot") == Scope(frozenset({"root", "a", "a1", "b"}))     # not the other tree
        assert scope_of(s, "both") == Scope(frozenset({"a1", "b"}))
        assert scope_of(s, "both", ["official"]) == Scope(frozenset({"a1"}))
        assert scope_of(s, "nobody") == NOTHING and scope_of(s, "no-such-user") == NOTHING


def test_a_limited_session_sees_only_the_covered_units_records_and_unscoped_sees_all(tree):
    with tree() as u:
        s = u.session
        limit_to(s, scope_of(s, "usub"))
        assert sorted(s.scalars(select(CaseRecord.id))) == ["C-a", "C-a1"]
        assert s.scalar(select(func.count()).select_from(CaseRecord)) == 2
        assert s.get(CaseRecord, "C-b") is None
        with unscoped(s):
            assert s.scalar(select(func.count()).select_from(CaseRecord)) == 5
        limit_to(s, EVERYTHING)
        assert s.scalar(select(func.count()).select_from(CaseRecord)) == 5
        limit_to(s, NOTHING)
        assert list(s.scalars(select(CaseRecord.id))) == []


def test_a_new_record_goes_to_a_unit_the_actors_role_reaches_and_no_other(tree):
    with tree() as u:
        s = u.session
        assert acting_unit(s, "both", ["official"]) == "a1"
        assert acting_unit(s, "usub", ["legality_reviewer"], "a1") == "a1"
        with pytest.raises(PermissionDeniedError):
            acting_unit(s, "ua", ["official"], "b")
        with pytest.raises(InputError, match="未知单位"):
            acting_unit(s, "ua", ["official"], "nowhere")


def test_the_account_and_the_tree_are_read_whatever_the_scope_and_no_record_of_a_unit_is_read_so(tree):
    from engine.accounts.use_cases import account
    from engine.documents.models import NormativeDocumentRecord
    from engine.units.queries import units_by_code
    from engine.units.scope import rows_outside_units
    with tree() as u:
        s = u.session
        limit_to(s, NOTHING)            # as a request before its user is known
        assert account(s, "both").placements == (("a1", "official", False), ("b", "auditor", True))
        assert set(units_by_code(s)) == {"root", "a", "a1", "b", "x"}
        # a statement naming a table of a unit's records is refused before it runs, however it names it
        for statement in (select(CaseRecord.id),
                          select(User.username).join(CaseRecord, CaseRecord.created_by == User.username),
                          select(Unit.code).where(Unit.code.in_(select(NormativeDocumentRecord.unit_code)))):
            with pytest.raises(ValueError, match="reads records of units"):
                rows_outside_units(s, statement)
        assert rows_outside_units(s, select(User.username).where(User.username == "ua")) == [("ua",)]


def test_the_case_pages_read_finds_only_a_covered_units_case_whoever_read_it_before(tree):
    from engine.core.errors import UnknownCaseError
    from engine.decisions.queries import case_and_attachments
    with tree() as u:
        s = u.session
        for username, seen in (("uroot", {"C-root", "C-a", "C-a1", "C-b"}), ("ua", {"C-a"}), ("usub", {"C-a", "C-a1"})):
            limit_to(s, scope_of(s, username))
            for case_id in ("C-root", "C-a", "C-a1", "C-b", "C-x"):
                if case_id in seen:
                    assert case_and_attachments(s, case_id)[0].id == case_id
                else:
                    with pytest.raises(UnknownCaseError):
                        case_and_attachments(s, case_id)
