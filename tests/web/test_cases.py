"""The officials' pages: list, new proposal, case page, stage evidence, advancing, attachments, graph."""
from __future__ import annotations

import hashlib
import re
import uuid
from datetime import date

import pytest

from engine.core.yamlio import LoadedYaml
from engine.decisions import use_cases as services
from engine.decisions.models import Attachment, CaseRecord
from engine.decisions.record import parse_case
from engine.store.models import TrailEvent
from web import demo_data

CASE = "YL-T-01"
ROLES = ("official", "legality_reviewer", "legal_advisor", "secretary", "auditor", "admin")
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def version_in(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found, "no version field in the page"
    return found.group(1)


def save_stage(client, post_form, stage: str, fields: dict):
    """The answer to saving the case's `stage` form with `fields`, from the version its page shows."""
    page = f"/cases/{CASE}/stages/{stage}"
    return post_form(page, {"version": version_in(client.get(page).get_data(as_text=True)), **fields})


@pytest.fixture
def road_case(make_user, uow):
    """A drafted township road decision (through risk assessment), proposed by `official`;
    the legality review submitted (no opinion yet) and the meeting's record prepared."""
    make_user("official", ["official"])
    make_user("reviewer", ["legality_reviewer"])
    make_user("secretary", ["secretary"])
    document = demo_data.drafted_road_case(CASE, "测试村道改造工程")
    with uow() as u:
        services.create_case(u, parse_case(LoadedYaml(document), "test"), "official", as_of=date(2025, 4, 20))
        u.commit()
    with uow() as u:
        services.record_evidence(u, CASE, "legality_review", demo_data.LEGALITY_SUBMITTED, "reviewer",
                                 as_of=date(2025, 4, 22))
        u.commit()
    with uow() as u:
        services.record_evidence(u, CASE, "collective_decision", demo_data.MEETING, "secretary",
                                 as_of=date(2025, 4, 25))
        u.commit()
    return CASE


def stored(uow, case_id: str = CASE) -> CaseRecord:
    with uow(read_only=True) as u:
        record = u.session.get(CaseRecord, case_id)
        u.session.expunge(record)
        return record


# ---------------------------------------------------------------- pages for each role
@pytest.mark.parametrize("role", ROLES)
def test_every_signed_in_role_reads_the_list_the_case_its_stages_and_its_graph(role, client, login_as, road_case):
    login_as(role, username=f"{role}-reader")
    listing = client.get("/cases")
    assert listing.status_code == 200
    assert CASE in listing.get_data(as_text=True) and "合法性审查" in listing.get_data(as_text=True)
    page = client.get(f"/cases/{CASE}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "测试村道改造工程" in html and "MAD-LEG-01" in html and f"/cases/{CASE}/graph.svg" in html
    assert "<script>" not in html and "style=" not in html
    for stage in ("initiation", "hearing", "expert_review", "legality_review", "archiving"):
        assert client.get(f"/cases/{CASE}/stages/{stage}").status_code == 200
    graph = client.get(f"/cases/{CASE}/graph.svg")
    assert graph.status_code == 200 and graph.mimetype == "image/svg+xml"
    assert graph.get_data(as_text=True).lstrip().startswith(("<svg", "<?xml"))


@pytest.mark.slow
def test_only_officials_and_admins_see_the_new_proposal_button_and_form(client, login_as):
    for role in ROLES:
        login_as(role, username=f"{role}-x")
        button = "新建决策事项" in client.get("/cases").get_data(as_text=True)
        form = client.get("/cases/new").status_code
        assert (button, form) == ((True, 200) if role in ("official", "admin") else (False, 403)), role


def test_the_list_and_the_case_page_speak_english_on_request(client, login_as, road_case):
    login_as("official", username="official")
    html = client.get(f"/cases/{CASE}?lang=en").get_data(as_text=True)
    assert "Findings by stage" in html and "Art. 25" in html


def test_an_unknown_case_or_stage_is_404(client, login_as, road_case):
    login_as("auditor")
    assert client.get("/cases/NOPE").status_code == 404
    assert client.get(f"/cases/{CASE}/stages/nonsense").status_code == 404
    assert client.get(f"/cases/{CASE}/stages/adjustment").status_code == 404


# ---------------------------------------------------------------- a new proposal
def test_the_proposal_form_labels_each_field_with_its_article(client, login_as):
    login_as("official")
    html = client.get("/cases/new").get_data(as_text=True)
    assert "决策事项类别（第三条第一款）" in html
    assert "专业性、技术性较强（第十九条）" in html
    assert "CN-12/ninghe/yuelong" in html and "未记录" in html


def test_an_official_creates_a_proposal_and_unanswered_flags_stay_unrecorded(client, login_as, post_form, uow):
    login_as("official")
    response = post_form("/cases/new", {
        "id": "NEW-1", "title": "新建村级公园", "jurisdiction": "CN-12/ninghe/yuelong",
        "decision_body.name": "天津市宁河区岳龙镇人民政府", "decision_body.level": "township",
        "sponsor_unit": "岳龙镇村镇建设办公室", "category": "public_construction", "exclusion": "__none__",
        "flags.technical": "true", "flags.stability_risk": "false", "flags.direct_interest": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith("/cases/NEW-1")
    page = client.get("/cases/NEW-1").get_data(as_text=True)
    assert "已创建决策事项 NEW-1" in page and "新建村级公园" in page
    document = stored(uow, "NEW-1").document
    assert document["flags"] == {"technical": True, "stability_risk": False}   # absent ≠ false
    assert document["exclusion"] is None and document["category"] == "public_construction"


def test_a_bad_proposal_is_shown_again_with_each_problem_next_to_its_field(client, login_as, post_form, uow):
    login_as("official")
    response = post_form("/cases/new", {"id": "bad id!", "title": "  ", "jurisdiction": "CN",
                                        "decision_body.level": "galaxy", "category": "public_construction"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="f-id-error"[^>]*>[^<]*标识无效', html)
    assert re.search(r'id="f-title-error"[^>]*>[^<]*(缺少|必填|不能为空)', html)
    assert 'id="f-decision_body-level-error"' in html
    assert 'value="bad id!"' in html                               # what was typed is kept
    assert "Traceback" not in html
    with uow(read_only=True) as u:
        assert u.session.query(CaseRecord).count() == 0


def test_a_proposal_with_an_id_in_use_is_refused_on_the_id(client, login_as, post_form, road_case):
    login_as("official", username="official")
    response = post_form("/cases/new", {"id": CASE, "title": "重复", "jurisdiction": "CN"})
    assert response.status_code == 400 and "已存在" in response.get_data(as_text=True)


# ---------------------------------------------------------------- recording evidence
def test_an_official_records_a_stages_evidence_and_the_form_shows_it_back(client, login_as, post_form, uow, road_case):
    login_as("official", username="official")
    response = save_stage(client, post_form, "expert_review", {
        "expert_review.held_on": "2025-04-11", "expert_review.opinion_handling_report": "true",
        "expert_review.experts#rows": "4",
        "expert_review.experts[0].name": "王某", "expert_review.experts[0].institution": "天津大学",
        "expert_review.experts[0].direct_interest": "false",
        "expert_review.experts[1].name": "李某", "expert_review.experts[1].opinion_signed": "true"})
    assert response.status_code == 302
    section = stored(uow).document["expert_review"]
    assert section["held_on"] == "2025-04-11" and len(section["experts"]) == 2
    assert section["experts"][0] == {"name": "王某", "institution": "天津大学", "direct_interest": False}
    html = client.get(f"/cases/{CASE}/stages/expert_review").get_data(as_text=True)
    assert 'value="2025-04-11"' in html and 'value="王某"' in html


def test_saving_participation_keeps_the_hearing_recorded_on_its_own_page(client, login_as, post_form, uow, road_case):
    login_as("official", username="official")
    response = save_stage(client, post_form, "public_participation", {
        "public_participation.forms": ["open_consultation", "hearing"],
        "public_participation.consultation#rows": "3",
        "public_participation.consultation[0].opened_on": "2025-03-03",
        "public_participation.consultation[0].closes_on": "2025-04-07",
        "public_participation.comments_received": "23"})
    assert response.status_code == 302
    section = stored(uow).document["public_participation"]
    assert section["hearing"]["held_on"] == "2025-03-28" and section["comments_received"] == 23
    assert section["forms"] == ["open_consultation", "hearing"]
    # one round is kept in the v2 shape, a single object
    assert section["consultation"] == {"opened_on": "2025-03-03", "closes_on": "2025-04-07"}


def test_two_consultation_rounds_are_recorded_as_rows_and_shown_again(client, login_as, post_form, uow, road_case):
    login_as("official", username="official")
    response = save_stage(client, post_form, "public_participation", {
        "public_participation.forms": ["open_consultation"],
        "public_participation.consultation#rows": "3",
        "public_participation.consultation[0].opened_on": "2025-01-06",
        "public_participation.consultation[0].closes_on": "2025-02-10",
        "public_participation.consultation[1].opened_on": "2025-03-03",
        "public_participation.consultation[1].closes_on": "2025-03-18",
        "public_participation.consultation[1].channels": ["government_website"]})
    assert response.status_code == 302
    rounds = stored(uow).document["public_participation"]["consultation"]
    assert rounds == [{"opened_on": "2025-01-06", "closes_on": "2025-02-10"},
                      {"opened_on": "2025-03-03", "closes_on": "2025-03-18", "channels": ["government_website"]}]
    html = client.get(f"/cases/{CASE}/stages/public_participation").get_data(as_text=True)
    assert 'name="public_participation.consultation[1].closes_on" value="2025-03-18"' in html


@pytest.mark.parametrize("typed", ["²", "١٢", "9" * 31, "-3"])
def test_a_count_that_is_no_ascii_number_is_shown_again_at_its_field_not_a_500(client, login_as, post_form,
                                                                                 road_case, typed):
    login_as("official", username="official")
    response = save_stage(client, post_form, "public_participation", {
        "public_participation.forms": ["open_consultation"],
        "public_participation.comments_received": typed,
        "public_participation.forms#rows": "x"})
    assert response.status_code == 400
    assert re.search(r'id="f-public_participation-comments_received-error"', response.get_data(as_text=True))


def test_invalid_evidence_is_shown_again_with_the_problem_at_its_field(client, login_as, post_form, road_case):
    login_as("official", username="official")
    response = save_stage(client, post_form, "risk_assessment", {"risk_assessment.completed_on": "2025-02-30"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="f-risk_assessment-completed_on-error"[^>]*>[^<]*没有这一天', html)
    assert 'value="2025-02-30"' in html


def test_a_consultation_closing_before_it_opens_is_refused_at_its_field_and_nothing_is_stored(client, login_as, post_form, uow, road_case):
    login_as("official", username="official")
    before = stored(uow)
    response = save_stage(client, post_form, "public_participation", {
        "public_participation.forms": ["open_consultation"],
        "public_participation.consultation#rows": "3",
        "public_participation.consultation[0].opened_on": "2025-03-03",
        "public_participation.consultation[0].closes_on": "2025-02-01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="f-public_participation-consultation-0-closes_on-error"[^>]*>[^<]*早于开始日期', html)
    after = stored(uow)
    assert (after.version, after.document) == (before.version, before.document)


def test_evidence_dated_more_than_a_year_ahead_is_refused_at_its_field(client, login_as, post_form, uow, road_case, monkeypatch):
    import web.cases
    monkeypatch.setattr(web.cases, "_today", lambda: date(2025, 4, 28))
    login_as("official", username="official")
    before = stored(uow)
    response = save_stage(client, post_form, "expert_review", {"expert_review.held_on": "2099-04-11"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="f-expert_review-held_on-error"[^>]*>[^<]*2026-04-28', html)
    assert stored(uow).version == before.version and stored(uow).document == before.document


def test_two_saves_from_the_same_version_the_second_is_refused_naming_the_change(client, login_as, post_form, road_case):
    login_as("official", username="official")
    page = f"/cases/{CASE}/stages/initiation"
    version = version_in(client.get(page).get_data(as_text=True))
    first = post_form(page, {"version": version, "initiation.proposed_on": "2025-02-17",
                             "initiation.legal_basis": "中华人民共和国公路法"})
    assert first.status_code == 302
    second = post_form(page, {"version": version, "initiation.proposed_on": "2025-02-18",
                              "initiation.legal_basis": "天津市公路管理条例\n农村公路建设管理办法"})
    html = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "已被他人修改" in html and "official" in html and "evidence.amended" in html and "initiation" in html
    assert 'value="2025-02-18"' in html and "农村公路建设管理办法" in html      # nothing typed is lost
    assert version_in(html) != version                                          # resubmitting is possible


# ---------------------------------------------------------------- advancing
def test_the_secretarys_advance_is_refused_without_the_legality_opinion_with_the_article(client, login_as, post_form, uow, road_case):
    login_as("secretary", username="secretary")
    page = f"/cases/{CASE}"
    version = version_in(client.get(page).get_data(as_text=True))
    response = post_form(f"/cases/{CASE}/advance", {"stage": "collective_decision", "on": "2025-04-30",
                                                     "version": version}, page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "MAD-LEG-01" in html and "第二十五条" in html and 'class="card blockers"' in html
    with uow(read_only=True) as u:
        actions = [e.action for e in u.session.query(TrailEvent).filter_by(case_id=CASE)]
    assert actions[-1] == "stage.advance_refused"


@pytest.mark.slow
def test_after_the_reviewer_records_the_opinion_the_secretary_enters_the_collective_decision(client, login_as, post_form, uow, road_case):
    login_as("legality_reviewer", username="reviewer")
    page = f"/cases/{CASE}/stages/legality_review"
    html = client.get(page).get_data(as_text=True)
    assert 'value="2025-04-22"' in html                                  # the submission, read back
    opinion = {"version": version_in(html), "legality_review.submitted_on": "2025-04-22",
               "legality_review.reviewer": demo_data.REVIEWER,
               "legality_review.package": ["draft", "legal_basis", "procedure_explanation"],
               "legality_review.opinion_on": "2025-05-09", "legality_review.conclusion": "legal",
               "legality_review.scope": ["authority", "procedure", "content"],
               "legality_review.legal_adviser_opinion": "true", "legality_review.replaced_by_consultation": "false"}
    assert post_form(page, opinion).status_code == 302
    login_as("secretary", username="secretary")
    case_page = client.get(f"/cases/{CASE}").get_data(as_text=True)
    assert 'name="stage" value="collective_decision"' in case_page
    response = post_form(f"/cases/{CASE}/advance", {"stage": "collective_decision", "on": "2025-05-15",
                                                     "version": version_in(case_page)}, page=f"/cases/{CASE}")
    assert response.status_code == 302
    assert "已进入下一阶段" in client.get(f"/cases/{CASE}").get_data(as_text=True)
    record = stored(uow)
    assert record.stage == "collective_decision"
    assert record.document["collective_decision"]["held_on"] == "2025-05-15"


def test_a_stage_behind_a_closed_gate_offers_no_button_and_says_why(client, login_as, road_case):
    login_as("secretary", username="secretary")
    html = client.get(f"/cases/{CASE}").get_data(as_text=True)
    assert 'name="stage" value="collective_decision"' not in html
    assert 'data-stage="collective_decision"' in html and "MAD-LEG-01" in html
    stage_page = client.get(f"/cases/{CASE}/stages/collective_decision").get_data(as_text=True)
    assert "gate-closed" in stage_page and 'type="submit" class="primary"' not in stage_page


def test_dated_meeting_evidence_behind_a_closed_gate_is_refused_and_the_stage_does_not_move(client, login_as, post_form, uow, road_case):
    login_as("secretary", username="secretary")
    before = stored(uow)
    page = f"/cases/{CASE}"
    form = {"version": version_in(client.get(page).get_data(as_text=True)),
            "collective_decision.meeting_type": "office", "collective_decision.held_on": "2025-04-30",
            "collective_decision.majority_view": "approve", "collective_decision.decision": "approve"}
    response = post_form(f"/cases/{CASE}/stages/collective_decision", form, page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "MAD-LEG-01" in html and "第二十五条" in html
    after = stored(uow)
    assert after.stage == before.stage and after.version == before.version
    assert after.document["collective_decision"].get("held_on") is None
    with uow(read_only=True) as u:
        last = u.session.query(TrailEvent).filter_by(case_id=CASE).order_by(TrailEvent.seq.desc()).first()
    assert last.action == "stage.advance_refused" and '"evidence_for":"collective_decision"' in last.payload


def test_the_enter_button_is_shown_only_to_the_role_that_records_the_stage(client, login_as, road_case):
    login_as("official", username="official")
    html = client.get(f"/cases/{CASE}").get_data(as_text=True)
    assert 'name="stage" value="collective_decision"' not in html and 'data-stage="collective_decision"' in html


def test_a_stage_out_of_order_is_refused_with_the_reason(client, login_as, post_form, road_case):
    login_as("secretary", username="secretary")
    page = f"/cases/{CASE}"
    version = version_in(client.get(page).get_data(as_text=True))
    response = post_form(f"/cases/{CASE}/advance", {"stage": "archiving", "on": "2025-05-15", "version": version},
                         page=page)
    assert response.status_code == 409
    assert "不能进入" in response.get_data(as_text=True)


# ---------------------------------------------------------------- roles
def test_a_wrong_role_may_not_record_or_advance(client, login_as, post_form, uow, road_case):
    login_as("secretary", username="secretary")
    page = f"/cases/{CASE}/stages/initiation"
    version = version_in(client.get(page).get_data(as_text=True))
    assert post_form(page, {"version": version, "initiation.proposed_on": "2025-02-17"}).status_code == 403
    login_as("official", username="official")
    response = post_form(f"/cases/{CASE}/advance", {"stage": "collective_decision", "on": "2025-05-15",
                                                     "version": version}, page=f"/cases/{CASE}")
    assert response.status_code == 403
    login_as("legal_advisor")
    assert post_form(page, {"version": version}).status_code == 403
    assert stored(uow).version == int(version)


def test_the_auditor_cannot_post_anything(client, login_as, post_form, uow, road_case):
    login_as("auditor")
    page = f"/cases/{CASE}/stages/initiation"
    version = version_in(client.get(page).get_data(as_text=True))
    assert post_form("/cases/new", {"id": "AUD-1", "title": "x", "jurisdiction": "CN"}, page=page).status_code == 403
    assert post_form(page, {"version": version, "initiation.proposed_on": "2025-02-17"}).status_code == 403
    assert post_form(f"/cases/{CASE}/advance", {"stage": "collective_decision", "on": "2025-05-15",
                                                 "version": version}, page=page).status_code == 403
    assert post_form(f"{page}/attachments", {"file": (__import__("io").BytesIO(PDF), "a.pdf")}, page=page,
                     content_type="multipart/form-data").status_code == 403
    assert stored(uow).version == int(version)


def test_the_reviewer_of_their_own_proposal_is_refused_with_the_services_reason(client, login_as, post_form, uow):
    login_as("official", username="both", roles=["official", "legality_reviewer"])
    post_form("/cases/new", {"id": "OWN-1", "title": "自审测试", "jurisdiction": "CN"})
    page = "/cases/OWN-1/stages/legality_review"
    version = version_in(client.get(page).get_data(as_text=True))
    response = post_form(page, {"version": version, "legality_review.opinion_on": "2025-05-09"})
    assert response.status_code == 403
    assert "不得审查其合法性" in response.get_data(as_text=True)


def test_the_proposer_is_told_before_filling_in_the_review_form(client, login_as, post_form):
    """A user who proposed the case sees, on opening the review page, that they may not review it: the
    form is shown read-only, with no save button, instead of being refused after it is filled in."""
    login_as("official", username="both", roles=["official", "legality_reviewer"])
    post_form("/cases/new", {"id": "OWN-2", "title": "自审测试", "jurisdiction": "CN"})
    html = client.get("/cases/OWN-2/stages/legality_review").get_data(as_text=True)
    notice = html[html.index('id="own-proposal"'):]
    assert "不得审查其合法性" in notice[:400] and "第二十五条" in notice[:600]
    form = html[html.index('class="stacked stage-form"'):html.index("</form>", html.index('class="stacked stage-form"'))]
    assert 'type="submit"' not in form and "disabled" in form


def test_another_reviewer_gets_the_review_form_to_fill_in(client, login_as, post_form, make_user, app):
    login_as("official", username="zhang", roles=["official"])
    post_form("/cases/new", {"id": "OWN-3", "title": "他审测试", "jurisdiction": "CN"})
    login_as("legality_reviewer", username="li")
    html = client.get("/cases/OWN-3/stages/legality_review").get_data(as_text=True)
    assert 'id="own-proposal"' not in html and "不得审查其合法性" not in html
    form = html[html.index('class="stacked stage-form"'):html.index("</form>", html.index('class="stacked stage-form"'))]
    assert "disabled" not in form          # the fields are open (the gate may still hold the save back)


# ---------------------------------------------------------------- attachments
def upload(post_form, name: str, data: bytes, stage: str = "expert_review"):
    import io
    page = f"/cases/{CASE}/stages/{stage}"
    return post_form(f"{page}/attachments", {"file": (io.BytesIO(data), name)}, page=page,
                     content_type="multipart/form-data")


def test_an_upload_is_stored_by_its_sha256_shown_and_downloaded_as_an_attachment(client, login_as, post_form, uow, app, road_case):
    login_as("official", username="official")
    digest = hashlib.sha256(PDF).hexdigest()
    response = upload(post_form, "专家论证意见.pdf", PDF)
    assert response.status_code == 302
    page = client.get(f"/cases/{CASE}/stages/expert_review").get_data(as_text=True)
    assert digest in page and "专家论证意见.pdf" in page
    assert digest in client.get(f"/cases/{CASE}").get_data(as_text=True)
    with uow(read_only=True) as u:
        att = u.session.query(Attachment).one()
        event = u.session.query(TrailEvent).filter_by(case_id=CASE, action="attachment.uploaded").one()
        assert (att.sha256, att.size, att.stage, att.uploaded_by) == (digest, len(PDF), "expert_review", "official")
        assert att.stored_path == f"attachments/{CASE}/{digest}"
        assert digest in event.payload and "专家论证意见.pdf" in event.payload
        att_id = att.id
    from pathlib import Path
    assert (Path(app.config["INSTANCE_PATH"]) / "attachments" / CASE / digest).read_bytes() == PDF
    login_as("auditor")
    download = client.get(f"/cases/{CASE}/attachments/{att_id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()
    assert client.get(f"/cases/OTHER/attachments/{att_id}").status_code == 404


@pytest.mark.parametrize("name, data, why", [
    ("setup.exe", b"MZ\x90\x00", "不接受此类型"),
    ("report.pdf", b"MZ\x90\x00 not a pdf", "不符"),
    ("photo.png", b"\xff\xd8\xff\xe0 a jpeg", "不符"),
    ("plan.docx", b"%PDF-1.4", "不符"),
    ("empty.txt", b"", "为空"),
])
def test_a_forbidden_type_or_a_wrong_signature_is_refused(name, data, why, client, login_as, post_form, uow, road_case):
    login_as("official", username="official")
    response = upload(post_form, name, data)
    assert response.status_code == 400
    assert why in response.get_data(as_text=True)
    with uow(read_only=True) as u:
        assert u.session.query(Attachment).count() == 0


def test_only_the_recorder_of_a_stage_attaches_to_it(client, login_as, post_form, road_case):
    login_as("secretary", username="secretary")
    assert upload(post_form, "a.pdf", PDF, stage="expert_review").status_code == 403
    assert upload(post_form, "a.pdf", PDF, stage="publication").status_code == 302


@pytest.mark.slow
def test_every_demo_case_renders_its_page_its_stages_and_its_graph_in_both_languages(app, client, login_as):
    from engine.decisions.forms import EDITABLE_STAGES
    from web.db import get_engine
    from web.demo import seed_demo
    with app.app_context():
        seed_demo(get_engine())
    login_as("auditor", username="auditor-demo")
    listing = client.get("/cases").get_data(as_text=True)
    ids = sorted(set(re.findall(r'href="/cases/([A-Za-z0-9._-]+)"', listing)) - {"new"})
    assert "YL-DEMO-03" in ids and len(ids) >= 6
    assert "MAD-LEG-01" in listing                                     # the blocked one says why
    for case_id in ids:
        for lang in ("zh", "en"):
            assert client.get(f"/cases/{case_id}?lang={lang}").status_code == 200, (case_id, lang)
        assert client.get(f"/cases/{case_id}/graph.svg").status_code == 200
        for stage in EDITABLE_STAGES:
            assert client.get(f"/cases/{case_id}/stages/{stage}").status_code == 200, (case_id, stage)


def test_the_secretary_adjusts_a_decided_case_and_the_procedures_to_rerun_are_listed(app, client, login_as, post_form, uow):
    from datetime import date
    from pathlib import Path

    from engine.accounts.models import UnitRole, User
    from engine.decisions.record import load_case
    from engine.decisions.use_cases import create_case
    root = Path(__file__).resolve().parents[2]
    with uow() as u:
        u.session.add(User(username="zz_official", display_name="经办人", active=True))
        u.session.flush()
        u.session.add(UnitRole(username="zz_official", unit_code="root", role="official", subtree=True))
        create_case(u, load_case(root / "examples" / "ninghe-county-road-2025.yaml"), "zz_official", as_of=date(2026, 1, 31))
        u.commit()
    login_as("secretary")
    page = client.get("/cases/NH-2025-003").get_data(as_text=True)
    assert "第三十七条" in page
    response = post_form("/cases/NH-2025-003/adjust", {"kind": "change", "reason": "线路调整", "on": "2026-03-01",
                                                      "version": "1"}, page="/cases/NH-2025-003")
    assert response.status_code == 302
    shown = client.get("/cases/NH-2025-003").get_data(as_text=True)
    assert "合法性审查" in shown and "需重新履行" in shown
    login_as("official", username="zz_other")
    assert post_form("/cases/NH-2025-003/adjust", {"kind": "stop", "reason": "x", "on": "2026-03-02", "version": "2"},
                     page="/cases/NH-2025-003").status_code == 403


def test_the_case_page_says_whether_the_normative_document_it_became_is_in_the_register(
        client, login_as, uow, make_user):
    from pathlib import Path

    from sqlalchemy import select

    from engine.decisions.models import FindingRecord
    from engine.documents.use_cases import import_documents
    make_user("official", ["official"])
    make_user("keeper", ["legality_reviewer"])
    with uow() as u:
        import_documents(u, Path(demo_data.__file__).with_name("demo_documents.csv"), "keeper")
        u.commit()
    for case_id, number in (("ND-IN", "宁河政规〔2016〕7号"), ("ND-OUT", "宁河政规〔2099〕1号")):
        document = demo_data.drafted_road_case(case_id, "测试规范性文件")
        document["normative_document"] = {"number": number}
        with uow() as u:
            services.create_case(u, parse_case(LoadedYaml(document), "test"), "official", as_of=date(2025, 4, 20))
            u.commit()
    login_as("official", username="official")
    inside = client.get("/cases/ND-IN").get_data(as_text=True)
    assert "宁河政规〔2016〕7号 在规范性文件登记表中" in inside and "宁河区集贸市场管理暂行规定" in inside
    outside = client.get("/cases/ND-OUT").get_data(as_text=True)
    assert "规范性文件登记表中没有文号 宁河政规〔2099〕1号" in outside
    with uow(read_only=True) as u:                   # the stored check carries the note too
        report = u.session.scalars(select(FindingRecord).where(FindingRecord.case_id == "ND-OUT")).first().report
    assert any("宁河政规〔2099〕1号" in n for n in report["notes"])


def test_the_publication_page_records_the_approval_and_the_normative_document_with_it(
        client, login_as, post_form, uow, road_case):
    login_as("secretary", username="secretary")
    page = f"/cases/{CASE}/stages/publication"
    html = client.get(page).get_data(as_text=True)
    assert 'name="approval.body.name"' in html and 'name="normative_document.number"' in html
    version = version_in(html)
    response = post_form(page, {"version": version,
                                "approval.body.name": "宁河区人民政府", "approval.body.level": "county",
                                "approval.requested_on": "2025-05-06",
                                "normative_document.number": "宁河政规〔2025〕3号"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    document = stored(uow).document
    assert document["approval"] == {"body": {"name": "宁河区人民政府", "level": "county"}, "requested_on": "2025-05-06"}
    assert document["normative_document"] == {"number": "宁河政规〔2025〕3号"}
    html = client.get(page).get_data(as_text=True)
    assert 'value="宁河政规〔2025〕3号"' in html
    # cleared on the page: removed from the case
    response = post_form(page, {"version": version_in(html), "approval.body.name": "宁河区人民政府"})
    assert response.status_code == 302
    document = stored(uow).document
    assert document["approval"] == {"body": {"name": "宁河区人民政府"}} and "normative_document" not in document


def test_the_home_page_shows_times_in_beijing_time_like_the_audit_pages(client, login_as, post_form, uow):
    """Every page shows a moment in Beijing time (the audit pages did, the home page showed UTC)."""
    from datetime import UTC, timedelta

    from engine.decisions.models import CaseRecord
    login_as("official", username="zhang")
    post_form("/cases/new", {"id": "TZ-1", "title": "时区测试", "jurisdiction": "CN"})
    with uow(read_only=True) as u:
        stored = u.session.get(CaseRecord, "TZ-1").updated_at
    moment = stored if stored.tzinfo else stored.replace(tzinfo=UTC)
    beijing = (moment.astimezone(UTC) + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    html = client.get("/").get_data(as_text=True)
    row = html[html.index("TZ-1"):]
    assert beijing in row[:2000]


def test_a_case_page_names_its_jurisdiction_not_only_its_code(client, login_as, post_form):
    """CN-12/ninghe/yuelong is 天津市宁河区岳龙镇 to an official: the name, the code beside it."""
    login_as("official", username="zhang")
    post_form("/cases/new", {"id": "JN-1", "title": "法域名称", "jurisdiction": "CN-12/ninghe/yuelong"})
    html = client.get("/cases/JN-1").get_data(as_text=True)
    assert "天津市宁河区岳龙镇" in html and "CN-12/ninghe/yuelong" in html
    english = client.get("/cases/JN-1?lang=en").get_data(as_text=True)
    from engine.rulebook.loader import read_rulebook
    name_en = next(c for c in read_rulebook("CN-12/ninghe/yuelong").chain if c.folder == "CN-12/ninghe/yuelong").meta.name.en
    assert name_en in english


def test_with_an_object_store_an_upload_is_an_object_and_downloads_from_it(client, login_as, post_form, app,
                                                                           road_case, monkeypatch):
    """YIFA_STORAGE_URL on an S3-compatible store (moto's server, on this machine): the upload is an
    object there, nothing in the instance folder, and any server with the same settings serves it."""
    server, endpoint = s3_server()
    try:
        bucket = f"yifa-{uuid.uuid4().hex[:12]}"
        for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"),
                            ("AWS_DEFAULT_REGION", "us-east-1"), ("YIFA_S3_ENDPOINT", endpoint),
                            ("YIFA_STORAGE_URL", f"s3://{bucket}/yifa")):
            monkeypatch.setenv(name, value)
        from engine.store.blobs import blob_store
        blob_store().fs.mkdir(bucket)
        login_as("official", username="official")
        assert upload(post_form, "专家论证意见.pdf", PDF).status_code == 302
        digest = hashlib.sha256(PDF).hexdigest()
        assert blob_store().get(f"attachments/{CASE}/{digest}") == PDF
        from pathlib import Path
        assert not (Path(app.config["INSTANCE_PATH"]) / "attachments").exists()
        with app.app_context():
            from web.db import get_uow
            att_id = get_uow().session.query(Attachment).one().id
        login_as("auditor")
        download = client.get(f"/cases/{CASE}/attachments/{att_id}")
        assert download.status_code == 200 and download.data == PDF
    finally:
        server.stop()


def test_an_object_store_lists_its_keys_below_a_prefix(monkeypatch):
    """BlobStore.keys on an S3-compatible store (moto's server): what the skipped rows' tidying reads."""
    server, endpoint = s3_server()
    try:
        for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"),
                            ("AWS_DEFAULT_REGION", "us-east-1")):
            monkeypatch.setenv(name, value)
        from engine.store.blobs import BlobStore
        bucket = f"yifa-{uuid.uuid4().hex[:12]}"
        store = BlobStore(f"s3://{bucket}/yifa", client_kwargs={"endpoint_url": endpoint})
        store.fs.mkdir(bucket)
        assert store.keys("imports/rejected") == []
        for key in ("imports/rejected/a/1-x.csv", "imports/rejected/b/2-y.csv", "imports/job/upload"):
            store.put(key, b"-")
        assert sorted(store.keys("imports/rejected")) == ["imports/rejected/a/1-x.csv", "imports/rejected/b/2-y.csv"]
        store.remove("imports/rejected/a/1-x.csv")
        store.fs.invalidate_cache()
        assert store.keys("imports/rejected") == ["imports/rejected/b/2-y.csv"]
    finally:
        server.stop()


def s3_server():
    """moto's S3 server on a free port of this machine (skips when moto is not installed)."""
    moto_server = pytest.importorskip("moto.server")
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server, f"http://127.0.0.1:{port}"
