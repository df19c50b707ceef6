"""Every rulebook version that judged a case is kept, text and all, with an event in the rulebook chain."""
from __future__ import annotations

import pytest

from engine.rulebook.loader import rulebook_digest
from engine.rulebook.versions import materialize_rulebook, store_rulebook_version
from engine.trail import verify_all


@pytest.mark.slow
def test_a_stored_rulebook_version_gives_back_files_with_the_same_version(uow, tmp_path):
    with uow() as u:
        version, new = store_rulebook_version(u.session, "CN-12/ninghe/yuelong", "system")
        again, new_again = store_rulebook_version(u.session, "CN-12/ninghe/yuelong", "system")
        u.commit()
    assert (new, new_again, again) == (True, False, version)
    with uow(read_only=True) as u:
        folder = materialize_rulebook(u.session, version, tmp_path / "rules")
        statuses = verify_all(u.session)
    assert rulebook_digest("CN-12/ninghe/yuelong", folder) == version
    assert (folder / "workflow.yaml").is_file()
    assert [(s.case_id, s.verified, s.ok) for s in statuses] == [("rulebook", 1, True)]
