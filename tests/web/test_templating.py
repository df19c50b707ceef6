"""The pages' Jinja environment (web/templating.py) reads `x.name` as Jinja does, whatever `x` is."""
from __future__ import annotations

from collections import OrderedDict

import flask
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


# ---------------------------------------------------------------- texts chosen at compile time
SOURCE = """{# t("注释", "comment") #}<p title="{{ t('标题', 'Title') }}">{{ t("你好", "Hello") }}</p>
text t("正文", "body") outside any tag
{% set label = t("标签", "Label") %}{{ label }}|{{ t("第 %d 项" % n, "item %d" % n) }}|{{ t(word, "word") }}
{{ cut("a", "b") }}|{{ x.t("x", "y") }}|{{ t("含<&>", "with <&>") }}|{{ t( "空格" ,  'spaced' ) }}
{% if t("真", "true") == "true" %}en{% else %}zh{% endif %}"""


def test_only_calls_of_two_plain_literals_inside_tags_are_chosen():
    from web.templating import fixed_texts_chosen
    zh, en = fixed_texts_chosen(SOURCE, "zh"), fixed_texts_chosen(SOURCE, "en")
    assert '{{ "你好" }}' in zh and '{{ "Hello" }}' in en
    assert "{{ '标题' }}" in zh and "{{ 'Title' }}" in en
    assert '{% set label = "标签" %}' in zh and '{% set label = "Label" %}' in en
    assert "{{ \"空格\" }}" in zh and "{{ 'spaced' }}" in en
    for kept in ('{# t("注释", "comment") #}', 'text t("正文", "body") outside', 't("第 %d 项" % n, "item %d" % n)',
                 't(word, "word")', 'cut("a", "b")', 'x.t("x", "y")'):
        assert kept in zh and kept in en, kept


def _page_in(lang: str, tmp_path, source: str, **context) -> str:
    """The source rendered as a page of the app in `lang` (its own loader: each language compiled anew)."""
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k", "DATABASE_URL": f"sqlite:///{tmp_path}/y.db"})
    app.jinja_env.loader = jinja2.DictLoader({"page.html": source})
    with app.test_request_context(f"/?lang={lang}"):
        app.preprocess_request()
        return flask.render_template("page.html", **context)


def test_a_page_says_what_t_would_say_in_each_language(tmp_path):
    context = {"n": 3, "word": "词", "x": {"t": lambda a, b: a + b}, "cut": lambda a, b: a + b}
    for lang in ("zh", "en"):
        called = jinja2.Environment(autoescape=True).from_string(SOURCE).render(t=_t_of(lang), **context)
        assert _page_in(lang, tmp_path, SOURCE, **context) == called
    zh_page = _page_in("zh", tmp_path, SOURCE, **context)
    assert "你好" in zh_page and "含&lt;&amp;&gt;" in zh_page and zh_page.endswith("zh")
    assert _page_in("en", tmp_path, SOURCE, **context).endswith("en")


def _t_of(lang: str):
    return (lambda zh, en: en) if lang == "en" else (lambda zh, en: zh)


def test_each_language_keeps_its_own_compiled_page(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k", "DATABASE_URL": f"sqlite:///{tmp_path}/y.db"})
    app.jinja_env.loader = jinja2.DictLoader({"page.html": '{{ t("你好", "Hello") }}'})
    said = []
    for lang in ("zh", "en", "zh", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            app.preprocess_request()
            said.append(flask.render_template("page.html"))
    assert said == ["你好", "Hello", "你好", "Hello"]
