"""The pages' Jinja environment: Flask's, with two shortcuts that give the same pages.

- **A dict's `x.name` read at once.** Jinja reads `x.name` as the attribute `name` of `x` and,
  failing that, as its item `x["name"]`; for a dict it gets there only after an AttributeError, some
  two hundred times a case page (the findings' groups, the top bar's links), at about 1.2 µs each.
  `PageEnvironment.getattr` gives the same value without the detour: a key that is also an attribute
  of dicts (`items`, `get`…) still gives the attribute, as Jinja does.
- **A page's fixed texts chosen when it is compiled.** A template says each of its texts in both
  languages, `t("中文", "English")`, and `t` gives the one of the request's language (web/i18n.py):
  some ninety calls a case page, at about 2 µs each. Where both are plain string literals, the
  template is compiled once per language with the call replaced by the chosen literal (Jinja then
  writes it, escaped, into the compiled page's text). The compiled templates are kept per language.
  A call with anything else in it (a `%` format, a variable) is left to `t`.
"""
from __future__ import annotations

import re
import weakref
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

from flask.templating import Environment
from jinja2 import Template

from web.i18n import current_lang

_LITERAL = r"\"[^\"\\\n]*\"|'[^'\\\n]*'"        # a string literal without escapes or line ends
_T_CALL = re.compile(rf"(?<![\w.])t\(\s*({_LITERAL})\s*,\s*({_LITERAL})\s*\)")
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)   # where an expression may stand
_COMPILING_FOR: ContextVar[str | None] = ContextVar("yifa_compiling_for", default=None)


def fixed_texts_chosen(source: str, lang: str) -> str:
    """The template source with each `t("…", "…")` of two plain literals inside an expression or a
    tag replaced by the literal of `lang` ("en": the second; else the first)."""
    pick = 2 if lang == "en" else 1

    def in_tag(tag: re.Match[str]) -> str:
        return _T_CALL.sub(lambda call: call.group(pick), tag.group(0))

    return _TAG.sub(in_tag, source)


class PageEnvironment(Environment):
    """Flask's Jinja environment (blueprint templates, Flask's globals) with the faster dict read
    and the texts of a page's language chosen at compile time."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute in obj and not hasattr(dict, attribute):
            return obj[attribute]
        return super().getattr(obj, attribute)

    def preprocess(self, source: str, name: str | None = None, filename: str | None = None) -> str:
        source = super().preprocess(source, name, filename)
        lang = _COMPILING_FOR.get()
        return source if lang is None else fixed_texts_chosen(source, lang)

    def _load_template(self, name: str, globals: MutableMapping[str, Any] | None) -> Template:
        """Jinja's, with the compiled template kept per language (`preprocess` chose its texts)."""
        if self.loader is None:
            raise TypeError("no loader for this environment specified")
        lang = "en" if current_lang() == "en" else "zh"
        cache_key = (weakref.ref(self.loader), name, lang)
        cache: MutableMapping[Any, Template] | None = self.cache     # Jinja's keys have no language
        if cache is not None:
            template = cache.get(cache_key)
            if template is not None and (not self.auto_reload or template.is_up_to_date):
                if globals:
                    template.globals.update(globals)
                return template
        token = _COMPILING_FOR.set(lang)
        try:
            template = self.loader.load(self, name, self.make_globals(globals))
        finally:
            _COMPILING_FOR.reset(token)
        if cache is not None:
            cache[cache_key] = template
        return template
