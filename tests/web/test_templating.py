"""The pages' Jinja environment (web/templating.py) reads `x.name` as Jinja does, whatever `x` is."""
from __future__ import annotations

from collections import OrderedDict

import jinja2
from jinja2.runtime import Undefined

from web import create_app
from web.templating import PageEnvironment


class Thing:
    stage = "attribute"

    def __getitem__(self, key: str) -> str:
        return "item"


def test_every_read_gives_what_jinja_gives(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k", "DATABASE_URL": f"sqlite:///{tmp_path}/y.db"})
    assert isinstance(app.jinja_env, PageEnvironment)
    plain = jinja2.Environment()
    values = [{"stage": "s", "items": "a key named like a dict method", "get": 1, "": 0},
              OrderedDict(stage="s"), Thing(), [1, 2], "text", None, 3]
    for obj in values:
        for name in ("stage", "items", "get", "keys", "missing", "", "__class__", "upper"):
            mine, theirs = app.jinja_env.getattr(obj, name), plain.getattr(obj, name)
            if isinstance(theirs, Undefined):
                assert isinstance(mine, Undefined), (obj, name)
            else:
                assert mine == theirs, (obj, name)


def test_a_page_reads_a_dicts_keys_and_its_methods(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k", "DATABASE_URL": f"sqlite:///{tmp_path}/y.db"})
    template = app.jinja_env.from_string(
        "{{ g.stage }}|{% for k, v in g.items() %}{{ k }}={{ v }};{% endfor %}|{{ g.get('items') }}|{{ g.nothing }}")
    assert template.render(g={"stage": "expert_review", "items": 2}) == "expert_review|stage=expert_review;items=2;|2|"
