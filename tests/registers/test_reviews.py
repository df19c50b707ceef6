"""Clean-up reviews of normative documents: status and review date set, reason kept in the trail."""
from datetime import date
from pathlib import Path

import pytest

from engine.accounts.models import UnitRole, User
from engine.core.errors import InputError, PermissionDeniedError, UnknownDocumentError
from engine.documents.models import NormativeDocumentRecord
from engine.documents.reviews import mark_reviewed
from engine.documents.use_cases import import_documents
from engine.trail import verify_all

FIXTURE = Path(__file__).parent / "fixtures" / "yuelong-register.csv"


@pytest.fixture
def register(uow):
    with uow() as u:
        for name, role in (("zhang", "official"), ("liu", "legal_advisor")):
            u.session.add(User(username=name, display_name=name, active=True))
            u.session.flush()
            u.session.add(UnitRole(username=name, unit_code="root", role=role, subtree=True))
        import_documents(u, FIXTURE, "zhang")
        u.commit()
    with uow() as u:
        return [r.number for r in u.session.query(NormativeDocumentRecord).order_by(NormativeDocumentRecord.id)]


@pytest.mark.slow
def test_a_repealed_document_gets_its_status_and_review_date_and_the_reason_is_in_its_trail(uow, register):
    number = register[0]
    with uow() as u:
        mark_reviewed(u, number, "repealed", "上位法已修改", "liu", date(2025, 6, 1))
        u.commit()
    with uow() as u:
        record = u.session.query(NormativeDocumentRecord).filter_by(number=number).one()
        assert (record.status, record.last_reviewed_on) == ("repealed", date(2025, 6, 1))
        statuses = {s.case_id: s for s in verify_all(u.session, f"doc:{number}")}
        assert statuses[f"doc:{number}"].ok
        from engine.store.models import TrailEvent
        last = u.session.query(TrailEvent).filter_by(case_id=f"doc:{number}").order_by(TrailEvent.seq.desc()).first()
        assert last.action == "document.reviewed" and "上位法已修改" in last.payload


@pytest.mark.slow
def test_only_reviewers_may_mark_a_document_and_bad_input_is_named(uow, register):
    with uow() as u, pytest.raises(PermissionDeniedError):
        mark_reviewed(u, register[0], "kept", "仍适用", "zhang", date(2025, 6, 1))
    with uow() as u, pytest.raises(InputError, match="outcome"):
        mark_reviewed(u, register[0], "burned", "x", "liu", date(2025, 6, 1))
    with uow() as u, pytest.raises(InputError, match="reason"):
        mark_reviewed(u, register[0], "kept", "  ", "liu", date(2025, 6, 1))
    with uow() as u, pytest.raises(UnknownDocumentError):
        mark_reviewed(u, "不存在〔2020〕1号", "kept", "x", "liu", date(2025, 6, 1))
    with uow() as u, pytest.raises(InputError, match="on"):
        mark_reviewed(u, register[0], "kept", "x", "liu", date(1990, 1, 1))
