"""Who may do what: roles, and which role records each stage (checked server-side for every caller)."""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy.orm import Session

from engine.accounts.queries import role_names, user_by_name
from engine.core.errors import PermissionDeniedError
from engine.decisions.models import CaseRecord

# the official of the sponsoring unit records the drafting stages and execution; the legality
# reviewer (司法局/司法所) the legality review; the decision body's secretary the decision and after.
RECORDERS = {
    "official": ("initiation", "public_participation", "hearing", "expert_review", "risk_assessment",
                 "fair_competition_review", "execution"),
    "legality_reviewer": ("legality_review",),
    "secretary": ("collective_decision", "party_report", "publication", "archiving", "post_evaluation",
                  "adjustment"),
}


def roles_of(session: Session, username: str) -> set[str]:
    """The roles of an active user; raises when the user is unknown or inactive."""
    user = user_by_name(session, username)
    if user is None or not user.active:
        raise PermissionDeniedError(f"未知或已停用的用户 {username!r}", f"unknown or inactive user {username!r}")
    return role_names(session, username)


def require_role(session: Session, username: str, roles: Iterable[str], unit: str | None = None) -> set[str]:
    """Refuse unless the user holds one of the roles — over `unit`, when the act concerns a record
    of that unit (engine/units/scope.py): an official of one township changes nothing of another's."""
    from engine.units.scope import holds_role_over
    held, wanted = roles_of(session, username), set(roles)
    if not held & wanted:
        raise PermissionDeniedError(f"用户 {username} 无权进行此操作，需要角色：{'、'.join(sorted(wanted))}",
                                    f"user {username} lacks the role: {', '.join(sorted(wanted))}")
    if unit is not None and not holds_role_over(session, username, wanted, unit):
        raise PermissionDeniedError(f"用户 {username} 在该记录所属单位无此角色：{'、'.join(sorted(wanted))}",
                                    f"user {username} holds none of these roles in the record's unit: "
                                    f"{', '.join(sorted(wanted))}")
    return held


def recorder_roles(stage: str) -> tuple[str, ...]:
    """The roles that record a stage's evidence (and move the case into it)."""
    return tuple(role for role, stages in RECORDERS.items() if stage in stages)


def require_recorder(session: Session, username: str, stage: str, case: CaseRecord) -> None:
    """Refuse unless the user records this stage; nobody reviews the legality of their own proposal."""
    from engine.decisions.sections import section_path
    section_path(stage)                      # an unknown stage is an input error first
    require_role(session, username, recorder_roles(stage), case.unit_code)
    conflict = own_proposal_conflict(username, stage, case)
    if conflict is not None:
        raise conflict


def own_proposal_conflict(username: str, stage: str, case: Any) -> PermissionDeniedError | None:
    """The refusal due to a user reviewing the legality of the case they proposed (Decree 713 Art. 25
    gives the review to the body responsible for legality review, not to the sponsor), or None.
    A page asks this before showing a form, so that nobody fills in a review they may not save."""
    if stage == "legality_review" and username == case.created_by:
        return PermissionDeniedError(f"用户 {username} 提出了本案，不得审查其合法性",
                                     f"{username} proposed this case and may not review its legality")
    return None
