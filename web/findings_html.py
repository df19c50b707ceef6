"""Findings as the case, document and penalty pages list them, written in Python: a case page lists
some fifty findings in a dozen stages, which cost Jinja's macros a third of the page's rendering.
A finding's line depends only on the rule, the verdict's reason, whether it is verified and the
language — so each is written once per rulebook and language and kept (a dict finding, as the
document page gives, is written each time). A finding is an engine Finding or a dict with the same
keys: rule, verdict, severity, citation, message ({zh, en} or none), verified, reason, title ({zh, en}).

    finding_lists(g)           one stage's (or topic's) findings (`g`: a dict of the verdicts' lists):
                               the violated and the missing with their severity and message, those
                               still needed with their reason, the satisfied and not applicable folded
    severity_badge(severity)   a finding's severity as a badge
    finding_line(f)            the rule, its article and, unless verified, the 未核实 badge
    finding_items(fs, kind)    the <li> of each satisfied ("satisfied") or not applicable ("not_applicable") finding
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Flask
from markupsafe import Markup, escape

from engine.core.report import REASON_ZH, SEVERITY_ZH
from web.i18n import cite, current_lang

MAX_KEPT = 10_000
_kept: dict[tuple, tuple[tuple, Markup]] = {}


def finding_lists(g: Mapping[str, Any]) -> Markup:
    """One stage's (or topic's) findings: the violated and the missing with their messages, those still
    needed, the satisfied and the not applicable folded (each part only when it has findings). The
    blank lines between the parts are those the pages always had: a page's bytes did not change."""
    zh = current_lang() != "en"
    still = "未见记录（请补充材料）" if zh else "No record (please add it)"
    parts = ["\n" + _with_messages(g["violated"], "violated", zh) + "\n" if g.get("violated") else "",
             f'\n<p class="still">{still}</p>\n' + _with_messages(g["missing"], "missing", zh) + "\n"
             if g.get("missing") else "",
             _pending(g["pending"], zh) if g.get("pending") else ""]
    for kind, css, said in (("satisfied", "satisfied", ("符合 %d 项", "%d satisfied")),
                            ("not_applicable", "na", ("不适用 %d 项", "%d not applicable"))):
        found = g.get(kind)
        parts.append(f'\n<details><summary>{(said[0] if zh else said[1]) % len(found)}</summary>\n'
                     f'  <ul class="{css}">{_finding_items(found, kind, zh)}</ul>\n</details>\n' if found else "")
    return Markup("\n".join(parts))


def severity_badge(severity: str) -> Markup:
    """A finding's severity (blocker, error, warning, info) as a badge, named in the page's language."""
    return Markup(_badge(severity, current_lang() != "en"))


def _badge(severity: str, zh: bool) -> str:
    return f'<span class="badge badge-blocked severity-{escape(severity)}">' \
        f'{escape(SEVERITY_ZH.get(severity, "") if zh else severity)}</span>'


def _with_messages(findings: Iterable[Any], css: str, zh: bool) -> str:
    """The findings with their severity and message (violated, missing), in a list of that class."""
    lang = "zh" if zh else "en"
    items = []
    for f in findings:
        message = _read(f, "message")
        said = message[lang] if message else _read(f, "title")[lang]
        items.append(f'\n  <li>{_badge(_read(f, "severity"), zh)} {_finding_line(f, zh)}\n'
                     f'    <span class="message">{escape(said)}</span></li>\n  ')
    return f'<ul class="{css}">\n  {"".join(items)}\n</ul>'


def _pending(findings: Iterable[Any], zh: bool) -> str:
    """Those still needed: each rule, its title and the reason it is not yet judged."""
    lang = "zh" if zh else "en"
    items = []
    for f in findings:
        reason = _read(f, "reason")
        why = ""
        if reason:
            why = f"（{escape(REASON_ZH.get(reason, reason) if zh else reason.replace('_', ' '))}）"
        items.append(f'\n  <li>○ {_finding_line(f, zh)} {escape(_read(f, "title")[lang])}{why}</li>\n  ')
    return f'\n<p class="still">{"尚需" if zh else "Still needed"}</p>\n<ul class="pending">\n  ' \
        f'{"".join(items)}\n</ul>\n'


def finding_line(f: Any) -> Markup:
    """A finding's rule, its article and, unless verified, the 未核实 badge."""
    return _finding_line(f, current_lang() != "en")


def _finding_line(f: Any, zh: bool) -> Markup:
    rule, citation, verified = _read(f, "rule"), _read(f, "citation"), bool(_read(f, "verified"))
    return _kept_html(("line", rule, id(citation), verified, zh), (citation,), _line, rule, citation, verified, zh)


def finding_items(findings: Iterable[Any], kind: str) -> Markup:
    """The list items of satisfied (✓ rule, article, title) or not applicable (– rule, title, reason)
    findings, one after the other."""
    return _finding_items(findings, kind, current_lang() != "en")


def _finding_items(findings: Iterable[Any], kind: str, zh: bool) -> Markup:
    lang = "zh" if zh else "en"
    out = []
    for f in findings:
        rule, title, reason = _read(f, "rule"), _read(f, "title"), _read(f, "reason")
        if kind == "satisfied":
            line = _finding_line(f, zh)
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
    return f.get(name) if type(f) is dict or isinstance(f, Mapping) else getattr(f, name)


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
    app.add_template_global(finding_lists)
    app.add_template_global(severity_badge)
    app.add_template_global(finding_line)
    app.add_template_global(finding_items)
