"""With YIFA_TRAIL_KEY set, the app signs a checkpoint after a write, at most once per YIFA_CHECKPOINT_MINUTES."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.core import checkpoint as cp
from engine.core.errors import InputError
from web import create_app
from web.checkpoints import EXTENSION
from web.config import settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def signing_app(app, tmp_path):
    """The test app with a signing key, its register holding two documents."""
    from engine.documents.use_cases import import_documents
    from engine.store.uow import UnitOfWork
    from web.db import get_engine
    key = tmp_path / "keys" / "trail.key"
    key.parent.mkdir()
    cp.generate_key(key)
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "TRAIL_KEY": str(key),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'yifa.sqlite3'}", "CHECKPOINT_MINUTES": 60})
    lines = (ROOT / "web" / "demo_documents.csv").read_text(encoding="utf-8-sig").splitlines()[:3]
    (tmp_path / "docs.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with app.app_context():
        from engine.accounts.use_cases import create_user
        with UnitOfWork(get_engine()) as u:
            create_user(u.session, "li", "李", ["official"], "test-password-0123", True)
            import_documents(u, tmp_path / "docs.csv", "li")
            u.commit()
    yield app
    with app.app_context():
        get_engine().dispose()


def _sign_in(client) -> None:
    from tests.web.conftest import read_csrf_token
    token = read_csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "li", "password": "test-password-0123", "csrf_token": token})
    assert response.status_code == 302


def test_a_write_signs_a_checkpoint_once_per_period(signing_app, tmp_path):
    scheduler = signing_app.extensions[EXTENSION]
    client = signing_app.test_client()
    client.get("/login")
    assert scheduler.thread is None                     # reading writes nothing
    _sign_in(client)
    first = scheduler.thread
    assert first is not None
    first.join(timeout=30)
    written = list((tmp_path / "checkpoints").glob("checkpoint-*.json"))
    assert len(written) == 1
    data = cp.read(written[0], cp.load_public_key(tmp_path / "keys" / "trail.key.pub"))
    assert set(data["records"]) == {"doc:宁河政规〔2015〕4号", "doc:宁河政规〔2016〕7号"}
    _sign_in(signing_app.test_client())                 # another write within the hour: no new checkpoint
    assert scheduler.thread is first
    assert len(list((tmp_path / "checkpoints").glob("checkpoint-*.json"))) == 1


def test_without_a_key_the_app_writes_no_checkpoint(app):
    assert EXTENSION not in app.extensions


def test_a_bad_period_is_refused_by_name(monkeypatch, tmp_path):
    monkeypatch.setenv("YIFA_CHECKPOINT_MINUTES", "soon")
    with pytest.raises(InputError, match="<environment>: YIFA_CHECKPOINT_MINUTES: .* must be a positive number"):
        settings({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})


@pytest.mark.parametrize("name", ["YIFA_EDIT_CPU_SECONDS", "YIFA_EDIT_MEMORY_MB"])
def test_a_bad_rule_editor_limit_stops_the_start_by_name(monkeypatch, tmp_path, name):
    monkeypatch.setenv(name, "-3")
    with pytest.raises(InputError, match=f"<environment>: {name}: .* must be a positive number"):
        settings({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
