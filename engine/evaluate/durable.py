"""The durable-rules evaluator: the engine of record, embedded as shared/design/DURABLE_RULES.md prescribes.

- no background threads (`_run` does nothing), one process-wide lock around every evaluation and
  every (un)registration, a Host created lazily per process id (safe after fork);
- one fresh random sid per evaluation; a sentinel rule matches every case fact, so an action has
  always run on the sid before its state is deleted (deleting otherwise reads uninitialised memory);
- each verdict branch given as its own guard, as the native evaluator's `if … elif …` reads it:
  several branches of a rule may fire, and the first in the rule's order decides (a branch made
  exclusive of the earlier ones would carry their negations: about twice the engine rules for the
  same answer); a branch whose guard is always true (a rule's last, `else` branch) is not given to
  the engine — it would match every case fact, as the sentinel does — but is the rule's answer
  when no earlier branch fired (a third of the fired actions, each a copy of the fact, saved);
- one flattened fact per case (no cross-fact joins), normalised (no None, dates as day ordinals,
  validated types), with a unique `id` and a type tag `t`, so that the engine's own state fact
  (which carries only `sid`/`id`) can never match a rule about absent fields and loop forever;
- rulesets registered under a content-hash name (their engine JSON written once, kept on disk with
  the translation) and freed when superseded;
- the engine's limits respected: at most 32 expressions per rule (conditions are split) and a
  64-node walk stack per fact (rules are spread over several rulesets);
- the fired rules are collected through the engine's C API directly: our actions run no Python
  code, so nothing can be swallowed into the state's `exception`, and no state is written back;
- each sid's state is one large zeroed allocation, freed at the end of its evaluation: with glibc's
  adaptive thresholds that memory went back to the system and came again (brk or mmap) at every
  fact asserted, depending on what else the process had allocated — about 900 page faults and
  2 ms per case instead of 0.35 in such a process. The process's heap therefore keeps up to
  ENGINE_HEAP bytes freed and serves blocks below it from itself (`_keep_freed_memory`, glibc only).
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from typing import Any, NoReturn

from engine.core.errors import DurableEngineError, DurableUnavailableError
from engine.rulebook import cache
from engine.rulebook.compile import CompiledRule, facts_read
from engine.rulebook.conditions import Absent, All, Cmp, CmpFact, Cond, Const, Present, all_of
from engine.rulebook.conditions import Any as AnyC

_LOCK = threading.RLock()
_HOST: dict[int, Any] = {}
_USERS: dict[str, int] = {}       # ruleset name → evaluators using it (rulebooks share chunks)
SENTINEL_RULE = "yifa_sentinel"
# durable-rules keeps at most 32 expressions per rule (MAX_SEQUENCE_EXPRESSIONS in rete.h): every
# $and/$or costs two, every $m one. Our outer `$and` with the type tag takes two of them.
EXPRESSION_BUDGET = 29
# handleAlpha (events.c) walks the alpha network with a fixed stack of 64 nodes: too many rules
# matching one fact at once make `assert_fact` fail with error 303. So the rules are spread over
# several rulesets of at most this many engine rules each; the fact is asserted into each.
RULES_PER_RULESET = 40
DURABLE_OP = {"neq": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}


def durable_available() -> str | None:
    """Return None when durable-rules imports, else the reason it does not."""
    try:
        import durable.engine  # noqa: F401
    except Exception as e:  # ImportError, or a C extension that fails to load
        return f"{type(e).__name__}: {e}"
    return None


ENGINE_HEAP = 32 * 1024 * 1024
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3        # glibc's malloc.h


def _keep_freed_memory() -> None:
    """Fix glibc's malloc thresholds: blocks under 4 MB from the heap, and up to ENGINE_HEAP freed
    at its top kept (not given back at every evaluation and faulted in again). Elsewhere nothing."""
    import ctypes
    try:
        if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc "):
            return
        mallopt = ctypes.CDLL(None).mallopt
    except (ValueError, OSError, AttributeError):      # no such name (not Linux), no C library
        return
    mallopt(_M_MMAP_THRESHOLD, 4 * 1024 * 1024)
    mallopt(_M_TRIM_THRESHOLD, ENGINE_HEAP)


def _host():
    """The process's Host: created lazily, per process id, without its timer threads."""
    pid = os.getpid()
    if pid not in _HOST:
        from durable import engine
        if not _HOST:
            _keep_freed_memory()

        class QuietHost(engine.Host):
            def _run(self):  # no background threads: they crash the interpreter
                pass

        _HOST.clear()
        _USERS.clear()
        _HOST[pid] = QuietHost()
    return _HOST[pid]


class DurableEvaluator:
    """Evaluate flattened facts with durable-rules; same answers as the native evaluator."""

    name = "durable"

    def __init__(self, compiled: list[CompiledRule], cache_key: tuple[str, ...] | None = None,
                 first: frozenset[int] = frozenset()):
        """Translate the compiled rules into engine rulesets — or take the translation kept on disk
        under `cache_key` (the checker's rulebook version, engine/rulebook/cache.py) — and register them.
        The rules `first` (indices: those asked on their own, for a consultation's rounds) are put
        in the first rulesets, so that asking them asks as few rulesets as they fill."""
        reason = durable_available()
        if reason is not None:
            raise DurableUnavailableError(reason)
        self.compiled = compiled
        kept = cache.load(("durable", *cache_key)) if cache_key is not None else None
        if kept is not None and kept["rules"] == len(compiled) and kept.get("first") == sorted(first):
            self.keys, self.branch_of, self.rulesets = kept["keys"], kept["branch_of"], kept["rulesets"]
            self.fields, self.texts, self.otherwise = kept["fields"], kept["texts"], kept["otherwise"]
        else:
            self.keys = _fact_keys(compiled)
            rules, self.branch_of, self.otherwise = _ruleset(compiled, self.keys, first)
            named = [_named(chunk) for chunk in _chunks(rules, RULES_PER_RULESET)]
            self.fields = [_fields_read(definition) for _, definition in named]
            self.texts = [_engine_text(definition) for _, definition in named]
            # past this point a ruleset is its name and its rules' names (the engine has the rest)
            self.rulesets = [(name, tuple(definition)) for name, definition in named]
            if cache_key is not None:
                cache.store(("durable", *cache_key), {"keys": self.keys, "branch_of": self.branch_of,
                                                      "rulesets": self.rulesets, "fields": self.fields,
                                                      "texts": self.texts, "otherwise": self.otherwise,
                                                      "first": sorted(first), "rules": len(compiled)})
        # the compiled rules (indices) each ruleset holds a part of
        self.held = [frozenset(self.branch_of[rule][0] for rule in rules if rule != SENTINEL_RULE)
                     for _, rules in self.rulesets]
        # each fact a rule reads: its field name in the engine's fact and the rulesets reading it
        self.routes = {fact: (key, tuple(i for i, read in enumerate(self.fields) if key in read))
                       for fact, key in self.keys.items()}
        self._registered: int | None = None      # the process id the rulesets are registered in
        self._register()

    def _register(self) -> None:
        """Register this evaluator's rulesets; a ruleset shared with another evaluator is counted, not copied."""
        with _LOCK:
            host = _host()
            for (name, _), text in zip(self.rulesets, self.texts):
                if name not in host._ruleset_directory:
                    _add_ruleset(host, name, text)
                _USERS[name] = _USERS.get(name, 0) + 1
            self._registered = os.getpid()

    def release(self) -> None:
        """Free the engine's copy of these rulesets (a superseded rulebook version) once nobody uses them."""
        from durable import engine
        with _LOCK:
            if getattr(self, "_registered", None) != os.getpid():     # never, or in the parent of a fork
                return
            self._registered = None
            host = _host()
            for name, _ in self.rulesets:
                _USERS[name] = _USERS.get(name, 1) - 1
                if _USERS[name] > 0:
                    continue
                del _USERS[name]
                ruleset = host._ruleset_directory.pop(name, None)
                if ruleset is not None:
                    host._ruleset_list.remove(ruleset)
                    engine.durable_rules_engine.delete_ruleset(ruleset._handle)

    def evaluate(self, facts: dict, rules: frozenset[int] | None = None) -> list[int]:
        """Return, per compiled rule, the index of the first branch that fired (its always-true
        branch when none before it did, else -1); with `rules` (indices), only the rulesets holding
        one of them are asked (the others' rules give their always-true branch or -1)."""
        asked = [i for i, held in enumerate(self.held) if rules is None or not held.isdisjoint(rules)]
        # each ruleset is given the fields its rules read (a field no rule of it names cannot change
        # what fires): less JSON for the engine to parse and to copy into every fired action; in
        # the order of the facts, then the type tag, the sid and the fact's own id
        given: list[dict] = [{} for _ in self.rulesets]
        routes = self.routes
        for k, v in facts.items():
            route = routes.get(k)
            if route is not None:
                key, readers = route
                for i in readers:
                    given[i][key] = v
        sid, own_id = uuid.uuid4().hex, uuid.uuid4().hex
        texts = []
        for i in asked:
            fact = given[i]
            fact.update(t="c", sid=sid, id=own_id)
            texts.append(_encode(fact))
        out = list(self.otherwise)
        branch_of = self.branch_of
        with _LOCK:
            if self._registered != os.getpid():     # released while a caller still held it, or a
                self._register()                     # forked worker (its Host is its own): register again
            directory = _host()._ruleset_directory
            for i, text in zip(asked, texts):
                for name in _fire(directory[self.rulesets[i][0]]._handle, text, sid):
                    if name == SENTINEL_RULE:
                        continue
                    rule_index, branch_index = branch_of[name]
                    if out[rule_index] == -1 or branch_index < out[rule_index]:
                        out[rule_index] = branch_index
        return out


_encode = json.JSONEncoder(ensure_ascii=False).encode       # json.dumps(…, ensure_ascii=False), set up once


def _engine_text(definition: dict) -> str:
    """The JSON the engine is given for a ruleset: its rules without their `run` keys, as
    `durable.engine.Ruleset.__init__` writes it (kept on disk with the translation)."""
    return json.dumps({rule: {k: v for k, v in body.items() if k != "run"} for rule, body in definition.items()},
                      ensure_ascii=False)


def _add_ruleset(host, name: str, text: str) -> None:
    """Register a plain ruleset in the Host as `Host.register_rulesets` does, from its engine JSON:
    what that adds besides the engine's ruleset is the Python action of each rule, which we never
    run (the fired rules are collected by name, `_fire`), and callbacks our Host does not set."""
    from durable import engine
    ruleset = engine.Ruleset.__new__(engine.Ruleset)
    ruleset._name, ruleset._host, ruleset._actions, ruleset._definition = name, host, {}, None
    ruleset._handle = engine.durable_rules_engine.create_ruleset(name, text)
    host._ruleset_directory[name] = ruleset
    host._ruleset_list.append(ruleset)


def _fire(handle: int, fact_json: str, sid: str) -> list[str]:
    """Assert one fact into one ruleset, collect the names of the rules that fired, free the sid.

    This drives the engine's C API the way `durable.engine.Ruleset` does, minus what we do not
    use: our actions run no code (we only need their names), so no state update is written back
    and nothing can be swallowed into `state["exception"]`. The sentinel rule matches every case
    fact, so an action always ran on the sid before `delete_state` (which otherwise reads
    uninitialised memory).
    """
    from durable.engine import durable_rules_engine as eng
    code, state_handle = eng.assert_fact(handle, fact_json)
    if code == 1:        # not handled: no rule matched (cannot happen with the sentinel)
        raise DurableEngineError("the case fact reached no rule, not even the sentinel")
    if code not in (0, 3):
        raise DurableEngineError(f"durable-rules refused the fact (code {code})")
    fired = []
    result = eng.start_action_for_state(handle, state_handle)
    message = result[1] if result else None
    complete = eng.complete_and_start_action
    while message:
        start = message.index('"') + 1          # the rule's name: the first key of the message {"r3_4_0": {…}}
        fired.append(message[start:message.index('"', start)])
        message = complete(handle, state_handle)
    eng.delete_state(handle, sid)
    return fired


def _fact_keys(compiled: list[CompiledRule]) -> dict[str, str]:
    """Short field names for the engine's fact: f0, f1, … (shorter JSON, no dots in names)."""
    return {fact: f"f{i}" for i, fact in enumerate(facts_read(compiled))}


def _chunks(rules: dict[str, dict], size: int) -> list[dict[str, dict]]:
    """Spread the engine rules over rulesets of at most `size`, each with its sentinel rule."""
    names = list(rules)
    sentinel = {"all": [{"m": {"t": "c"}}], "run": SENTINEL_RULE}
    return [{SENTINEL_RULE: sentinel, **{n: rules[n] for n in names[i:i + size]}}
            for i in range(0, len(names), size)] or [{SENTINEL_RULE: sentinel}]


def _fields_read(definition: dict) -> frozenset[str]:
    """The fact fields a ruleset's rules name (compared, tested for presence, or `$m` operands),
    with the fact's `sid` and `id`."""
    fields = {"sid", "id"}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$m":
                    fields.add(value)
                elif not key.startswith("$") and key not in ("all", "any", "m", "run"):
                    fields.add(key)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    for rule in definition.values():
        walk(rule["all"])
    return frozenset(fields)


def _named(definition: dict) -> tuple[str, dict]:
    """Name a ruleset by its content, so a changed rulebook never reuses a registered name."""
    digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()[:24]
    return f"yifa_{digest}", definition


def _ruleset(compiled: list[CompiledRule], keys: dict[str, str],
             first: frozenset[int] = frozenset()) -> tuple[dict, dict, list[int]]:
    """The engine rules of the compiled rules (those of the rules `first` first, then the others in
    their order), the (rule, branch) each engine rule stands for, and each rule's first always-true
    branch (-1 when it has none), which the engine is not given."""
    per_rule: list[dict[str, dict]] = []
    branch_of: dict[str, tuple[int, int]] = {}
    otherwise = [-1] * len(compiled)
    from engine.rulebook.budget import MAX_BRANCHES, rule_cost
    for ri, cr in enumerate(compiled):
        if not rule_cost(cr)[1]:     # lint refuses such a rule; a file that bypassed lint is refused here
            _over_budget(cr)
        rules: dict[str, dict] = {}
        per_rule.append(rules)
        left = MAX_BRANCHES
        for bi, branch in enumerate(cr.branches):
            parts = split_for_budget(branch.guard, left)
            if parts is None:
                _over_budget(cr)
            left -= len(parts)
            for pi, part in enumerate(parts):
                if part == Const(True):
                    if otherwise[ri] == -1:
                        otherwise[ri] = bi
                    continue
                name = f"r{ri}_{bi}_{pi}"
                rules[name] = {"all": [{"m": {"$and": [{"t": "c"}, _json(part, keys)]}}], "run": name}
                branch_of[name] = (ri, bi)
    ordered = sorted(range(len(compiled)), key=lambda ri: ri not in first)       # stable: rule order within
    return {name: rule for ri in ordered for name, rule in per_rule[ri].items()}, branch_of, otherwise


def expression_cost(cond: Cond) -> int:
    """How many of durable-rules' per-rule expression slots a condition takes."""
    if isinstance(cond, (All, AnyC)):
        return 2 + sum(expression_cost(c) for c in cond.items)
    if isinstance(cond, CmpFact):
        return 3
    return 0


def split_for_budget(cond: Cond, limit: int | None = None) -> list[Cond] | None:
    """Split a condition into a disjunction of parts that each fit durable-rules' expression limit;
    None as soon as there would be more than `limit` parts (the split can grow exponentially).

    The parts may overlap (both match one fact): the adapter counts a branch once however many of
    its parts fired.
    """
    out: list[Cond] = []

    def split(c: Cond) -> bool:
        if c == Const(False):
            return True
        if expression_cost(c) <= EXPRESSION_BUDGET:
            out.append(c)
            return limit is None or len(out) <= limit
        if isinstance(c, AnyC):
            return all(split(item) for item in c.items)
        if isinstance(c, All):
            pivot = max((i for i in c.items if isinstance(i, AnyC)), key=expression_cost, default=None)
            if pivot is not None:
                rest = [i for i in c.items if i is not pivot]
                return all(split(all_of(alt, *rest)) for alt in pivot.items)
        raise ValueError(f"condition too large for durable-rules even after splitting: {c!r}")

    return out if split(cond) else None


def _over_budget(cr: CompiledRule) -> NoReturn:
    from engine.core.errors import Problem, RulebookError
    from engine.rulebook.budget import MAX_BRANCHES
    rd = cr.rule
    raise RulebookError([Problem(rd.file, f"{rd.id}.requires",
                                 f"{rd.file} 的规则 {rd.id} 编译后分支超过 {MAX_BRANCHES} 个，超出编译预算，"
                                 f"不予检查；请用 yifa rules lint 查看 / rule {rd.id} of {rd.file} compiles to "
                                 f"more than {MAX_BRANCHES} branches, over the compile budget, and is not "
                                 f"checked; run yifa rules lint", rd.line)])


def _json(cond: Cond, keys: dict[str, str]) -> dict:
    """Write a condition as a durable-rules JSON expression."""
    if isinstance(cond, Present):
        return {"$ex": {keys[cond.fact]: 1}}
    if isinstance(cond, Absent):
        return {"$nex": {keys[cond.fact]: 1}}
    if isinstance(cond, Cmp):
        return _cmp(keys[cond.fact], cond.op, cond.value)
    if isinstance(cond, CmpFact):
        a, b = keys[cond.fact], keys[cond.other]
        return {"$and": [{"$ex": {a: 1}}, {"$ex": {b: 1}}, _cmp(a, cond.op, {"$m": b})]}
    if isinstance(cond, (All, AnyC)):
        return {"$and" if isinstance(cond, All) else "$or": [_json(c, keys) for c in cond.items]}
    raise TypeError(f"constant inside a condition: {cond!r}")


def _cmp(key: str, op: str, value: Any) -> dict:
    if op == "eq":
        return {key: value}
    return {DURABLE_OP[op]: {key: value}}
