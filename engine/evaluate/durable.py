"""The durable-rules evaluator: the engine of record, embedded as shared/design/DURABLE_RULES.md prescribes.

- no background threads (`_run` does nothing), one process-wide lock around every evaluation and
  every (un)registration, a Host created lazily per process id (safe after fork);
- one fresh random sid per evaluation, ended by a sentinel fact so the state can be deleted safely;
- one flattened fact per case (no cross-fact joins), normalised (no None, dates as day ordinals,
  validated types), with a unique `id` and a type tag `t` so that the engine's own state fact
  (which carries only `sid`/`id`) can never match a rule;
- rulesets registered under a content-hash name and freed when superseded;
- an exception swallowed by the engine is read back from the state and raised.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import threading
import uuid
from typing import Any, Optional

from engine.rulebook.compile import CompiledRule
from engine.rulebook.conditions import All, Any as AnyC, Absent, Cmp, CmpFact, Cond, Const, Present

_LOCK = threading.RLock()
_HOST: dict[int, Any] = {}
SENTINEL_RULE = "yifa_sentinel"
DURABLE_OP = {"neq": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}


class DurableUnavailableError(RuntimeError):
    """durable-rules cannot be imported on this interpreter."""


class DurableEngineError(RuntimeError):
    """The engine reported an error while evaluating (never silently ignored)."""


def durable_available() -> Optional[str]:
    """Return None when durable-rules imports, else the reason it does not."""
    try:
        import durable.engine  # noqa: F401
    except Exception as e:  # ImportError, or a C extension that fails to load
        return f"{type(e).__name__}: {e}"
    return None


def _host():
    """The process's Host: created lazily, per process id, without its timer threads."""
    pid = os.getpid()
    if pid not in _HOST:
        from durable import engine

        class QuietHost(engine.Host):
            def __init__(self):
                self.fired: list[str] = []
                super().__init__()

            def _run(self):  # no background threads: they crash the interpreter
                pass

            def get_action(self, action_name):
                fired = self.fired

                def action(c):
                    fired.append(action_name)
                return action

        _HOST.clear()
        _HOST[pid] = QuietHost()
    return _HOST[pid]


class DurableEvaluator:
    """Evaluate flattened facts with durable-rules; same answers as the native evaluator."""

    name = "durable"

    def __init__(self, compiled: list[CompiledRule]):
        reason = durable_available()
        if reason is not None:
            raise DurableUnavailableError(reason)
        self.compiled = compiled
        self.keys = _fact_keys(compiled)
        self.definition, self.branch_of = _ruleset(compiled, self.keys)
        digest = hashlib.sha256(json.dumps(self.definition, sort_keys=True).encode()).hexdigest()[:24]
        self.ruleset_name = f"yifa_{digest}"
        self._register()

    def _register(self) -> None:
        with _LOCK:
            host = _host()
            if self.ruleset_name not in host._ruleset_directory:
                host.register_rulesets({self.ruleset_name: copy.deepcopy(self.definition)})

    def release(self) -> None:
        """Free the engine's copy of this ruleset (a superseded rulebook version)."""
        from durable import engine
        with _LOCK:
            host = _host()
            ruleset = host._ruleset_directory.pop(self.ruleset_name, None)
            if ruleset is not None:
                host._ruleset_list.remove(ruleset)
                engine.durable_rules_engine.delete_ruleset(ruleset._handle)

    def evaluate(self, facts: dict) -> list[int]:
        """Return, per compiled rule, the index of the branch that fired (-1 if none did)."""
        fact = {self.keys[k]: v for k, v in facts.items() if k in self.keys}
        with _LOCK:
            fired = self._run_once(fact)
        out = [-1] * len(self.compiled)
        for name in fired:
            rule_index, branch_index = self.branch_of[name]
            if out[rule_index] != -1:
                raise DurableEngineError(f"two verdicts fired for {self.compiled[rule_index].rule.id}")
            out[rule_index] = branch_index
        return out

    def _run_once(self, fact: dict) -> list[str]:
        from durable import engine
        host = _host()
        host.fired.clear()
        sid = uuid.uuid4().hex
        fact.update(t="c", sid=sid, id=uuid.uuid4().hex)
        try:
            host.assert_fact(self.ruleset_name, fact)
        except engine.MessageNotHandledException:
            pass
        host.assert_fact(self.ruleset_name, {"t": "s", "sid": sid, "id": uuid.uuid4().hex})
        state = host.get_state(self.ruleset_name, sid)
        host.delete_state(self.ruleset_name, sid)
        if "exception" in state:
            raise DurableEngineError(str(state["exception"]))
        return [name for name in host.fired if name != SENTINEL_RULE]


def _fact_keys(compiled: list[CompiledRule]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for cr in compiled:
        for branch in cr.branches:
            _gather(branch.guard, keys)
    return keys


def _gather(cond: Cond, keys: dict[str, str]) -> None:
    if isinstance(cond, (All, AnyC)):
        for c in cond.items:
            _gather(c, keys)
    elif isinstance(cond, CmpFact):
        keys.setdefault(cond.fact, f"f{len(keys)}")
        keys.setdefault(cond.other, f"f{len(keys)}")
    elif not isinstance(cond, Const):
        keys.setdefault(cond.fact, f"f{len(keys)}")


def _ruleset(compiled: list[CompiledRule], keys: dict[str, str]) -> tuple[dict, dict]:
    rules: dict[str, dict] = {SENTINEL_RULE: {"all": [{"m": {"t": "s"}}], "run": SENTINEL_RULE}}
    branch_of: dict[str, tuple[int, int]] = {}
    for ri, cr in enumerate(compiled):
        for bi in range(len(cr.branches)):
            cond = cr.exclusive(bi)
            if cond == Const(False):
                continue
            name = f"r{ri}_{bi}"
            body = {"t": "c"} if cond == Const(True) else {"$and": [{"t": "c"}, _json(cond, keys)]}
            rules[name] = {"all": [{"m": body}], "run": name}
            branch_of[name] = (ri, bi)
    return rules, branch_of


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
