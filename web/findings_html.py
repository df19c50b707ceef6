"""Findings as the case, document and penalty pages list them (web/templates/_findings.html), written in
Python: a case page lists some fifty findings, and their HTML depends only on the rule, the verdict's
reason, whether it is verified and the language — so each line is written once per rulebook and
language and kept (a dict finding, as the document page gives, is written each time).

    finding_line(f)            the rule, its article and, unless verified, the 未核实 badge
    finding_items(fs, kind)    the <li> of each satisfied ("satisfied") or not applicable ("not_applicable") finding
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Flask
from markupsafe import Markup

from engine.core.report import REASON_ZH
from web.i18n import cite, current_lang

MAX_KEPT = 10_000
_kept: dict[tuple, tuple[tuple, Markup]] = {}


def finding_line(f: Any) -> Markup:
    """A finding's rule, its article and, unless verified, the 未核实 badge."""
    zh = current_lang() != "en"
    rule, citation, verified = _read(f, "rule"), _read(f, "citation"), bool(_read(f, "verified"))
    return _kept_html(("line", rule, id(citation), verified, zh), (citation,), _line, rule, citation, verified, zh)


def finding_items(findings: Iterable[Any], kind: str) -> Markup:
    """The list items of satisfied (✓ rule, article, title) or not applicable (– rule, title, reason)
    findings, one after the other."""
    zh = current_lang() != "en"
    lang = "zh" if zh else "en"
    out = []
    for f in findings:
        rule, title, reason = _read(f, "rule"), _read(f, "title"), _read(f, "reason")
        if kind == "satisfied":
            line = finding_line(f)
            out.append(_kept_html(("satisfied", id(line), id(title), zh), (line, title), _satisfied, line, title[lang]))
        else:
            out.append(_kept_html(("not_applicable", rule, id(title), reason, zh), (title,), _not_applicable, rule,
                                  title[lang], reason, zh))
    return Markup("").join(out)


def _line(rule: str, citation: Any, verified: bool, zh: bool) -> Markup:
    line = Markup('<strong class="rule">{}</strong> <span class="cite">{}</span>\n').format(rule, cite(citation))
    if not verified:
        line += Markup('<span class="badge badge-pending unverified" title="{}">{}</span>').format(
            "规则或参数尚未核实" if zh else "Rule or parameter not verified", "未核实" if zh else "unverified")
    return line


def _satisfied(line: Markup, title: str) -> Markup:
    return Markup("<li>✓ {} {}</li>").format(line, title)


def _not_applicable(rule: str, title: str, reason: str | None, zh: bool) -> Markup:
    item = Markup("<li>– {} {}").format(rule, title)
    if reason:
        said = REASON_ZH.get(reason, reason) if zh else reason.replace("_", " ")
        item += Markup("（{}）").format(said)
    return item + Markup("</li>")


def _read(f: Any, name: str) -> Any:
    """A field of an engine Finding, or of a finding given as a dict (None when the dict lacks it)."""
    return f.get(name) if isinstance(f, Mapping) else getattr(f, name)


def _kept_html(key: tuple, held: tuple, make: Callable[..., Markup], *args: Any) -> Markup:
    """The HTML kept for `key`, or made now. `held` are the objects whose ids the key holds: kept with
    the entry, so that an id is not taken by another object while it lives, and compared on use."""
    known = _kept.get(key)
    if known is not None and all(a is b for a, b in zip(known[0], held)):
        return known[1]
    html = make(*args)
    if len(_kept) < MAX_KEPT:
        _kept[key] = (held, html)
    return html


def init_app(app: Flask) -> None:
    app.add_template_global(finding_line)
    app.add_template_global(finding_items)
