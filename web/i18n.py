"""Chinese first, English on request: `?lang=en` (remembered in a cookie) or the cookie alone.

No gettext: a text is written where it is used, in both languages, and `t(zh, en)` picks one.
In templates: `{{ t("案件", "Cases") }}`, `{{ role_name("auditor") }}`, `{{ stage_name(case.stage) }}`,
`{{ cite(finding.citation) }}`, `{{ lang_url("en") }}` (this page in English), `{{ lang }}` ("zh" | "en").
"""
from __future__ import annotations

import functools
from urllib.parse import urlencode

from flask import Flask, Response, g, request

from engine.accounts.models import ROLE_NAMES

LANGS = ("zh", "en")
COOKIE = "yifa_lang"
COOKIE_DAYS = 365




def init_app(app: Flask) -> None:
    """Pick the language before each request, remember a switch, and give templates the helpers."""
    app.before_request(choose_language)
    app.after_request(remember_language)
    app.add_template_global(t)
    app.add_template_global(role_name)
    app.add_template_global(stage_name)
    app.add_template_global(jurisdiction_name)
    app.add_template_global(choice_name)
    app.add_template_global(lang_url)
    app.add_template_global(cite)
    app.context_processor(language_of_the_page)


def _asked() -> str | None:
    asked = request.args.get("lang")
    return asked if asked in LANGS else None


def choose_language() -> None:
    """The language of this request: `?lang=`, else the cookie, else Chinese."""
    cookie = request.cookies.get(COOKIE)
    g.lang = _asked() or (cookie if cookie in LANGS else "zh")


def remember_language(response: Response) -> Response:
    """Keep a `?lang=` switch in a cookie."""
    asked = _asked()
    if asked and asked != request.cookies.get(COOKIE):
        response.set_cookie(COOKIE, asked, max_age=COOKIE_DAYS * 86400, samesite="Lax",
                            httponly=True, secure=request.is_secure)
    return response


def current_lang() -> str:
    """"zh" or "en" (Chinese outside a request)."""
    try:
        return g.get("lang", "zh")
    except RuntimeError:            # outside an application context
        return "zh"


def t(zh: str, en: str) -> str:
    """The text in the language of the request."""
    return en if current_lang() == "en" else zh


def _zh(zh: str, en: str) -> str:
    return zh


def _en(zh: str, en: str) -> str:
    return en


def language_of_the_page() -> dict:
    """What a template rendered in this request reads: `lang`, and `t` bound to it (a page calls
    `t` some two hundred times; the global `t` looks the language up at each call)."""
    lang = current_lang()
    return {"lang": lang, "t": _en if lang == "en" else _zh}


def both(zh: str, en: str) -> str:
    """Both languages, Chinese first — for messages that must be understood whatever the setting."""
    return f"{zh} / {en}"


def role_name(role: str) -> str:
    """A role's name in the language of the request."""
    zh, en = ROLE_NAMES.get(role, (role, role))
    return t(zh, en)


@functools.lru_cache(maxsize=1)
def stage_names() -> dict[str, tuple[str, str]]:
    """Each stage's name (rules/workflow.yaml), Chinese and English; read once per process."""
    from engine.decisions.workflow import load_workflow
    return {s.id: (s.name.zh, s.name.en) for s in load_workflow().stages.values()}


def jurisdiction_name(code: str | None) -> str:
    """A jurisdiction's name (its rules/<code>/jurisdiction.yaml) in the language of the request, e.g.
    CN-12/ninghe/yuelong → 天津市宁河区岳龙镇; the code itself when the rulebook does not know it."""
    if not code:
        return ""
    from engine.rulebook.loader import jurisdiction_meta
    meta = jurisdiction_meta(code)
    return t(meta.name.zh, meta.name.en) if meta is not None else code


def choice_name(word: str) -> str:
    """An enumeration word of the case format (engine/decisions/enums.CHOICES_ZH) as people read it."""
    from engine.decisions.enums import CHOICES_ZH
    return t(CHOICES_ZH.get(word, word), str(word).replace("_", " "))


def stage_name(stage: str | None) -> str:
    """A stage's name in the language of the request; "(not started)" when none."""
    if not stage:
        return t("（未开始）", "(not started)")
    zh, en = stage_names().get(stage, (stage, stage))
    return t(zh, en)


_CITED: dict[tuple[int, bool], tuple[dict, str]] = {}


def cite(citation: dict) -> str:
    """A rule's citation (《…》第二十五条第一款 / … Art. 25(1)); empty when there is none."""
    if not citation:
        return ""
    zh = current_lang() != "en"
    key = (id(citation), zh)
    known = _CITED.get(key)
    if known is not None and known[0] is citation:     # the rulebook's citations live as long as it does
        return known[1]
    text = _render_citation(citation, zh)
    if len(_CITED) < 10_000:
        _CITED[key] = (citation, text)
    return text


def _render_citation(citation: dict, zh: bool) -> str:
    from engine.core.report import cite as render
    try:
        return render(citation, zh=zh)
    except KeyError:  # a citation without instrument or article: show what there is
        return " ".join(str(v) for v in citation.values())


def lang_url(lang: str) -> str:
    """This page's address with `lang` switched (other query arguments kept)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return request.path + "?" + urlencode(args, doseq=True)
