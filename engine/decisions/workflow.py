"""The workflow graph of rules/workflow.yaml: stages, edges, gates, and the proofs run at load time.

    workflow.yaml ─ pydantic ─▶ stage specs ─ conditions, gates ─▶ networkx DiGraph
        └─ proofs: one start · every stage reachable · every gate a rule · no forward cycle ·
           legality review dominates collective decision · required expert review / risk
           assessment before legality review · Party report dominates publication

A workflow that fails a proof is refused whole (`WorkflowError`), so no case is ever moved along
a graph that would let a decision skip a statutory step.
"""
from __future__ import annotations

import difflib
import operator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import AbstractSet, Any, Iterable, Literal

import networkx as nx
from pydantic import BaseModel, Field, ValidationError

from engine.core import clock
from engine.core.errors import (
    ConditionError,
    InputError,
    Problem,
    WorkflowError,
    format_path,
    problems_from_errors,
)
from engine.core.yamlio import LoadedYaml, load_document
from engine.decisions.facts import fact_type
from engine.rulebook.conditions import Absent, All, Cmp, CmpFact, Cond, Const, Present
from engine.rulebook.conditions import Any as AnyOf
from engine.rulebook.model import Citation, Strict, Text
from engine.rulebook.parse import ParseContext, parse_condition

SHIPPED = "rules/workflow.yaml"
STATES = ("done", "current", "blocked", "required", "optional", "not_required")
CLOSING_SEVERITIES = {"blocker", "error"}      # a violated (or missing) warning or info never closes a gate
# (a, b, why): every path from the start to b passes a.
DOMINANCE = (("legality_review", "collective_decision", ("第二十五条第二款", "Art. 25(2)")),
             ("party_report", "publication", ("第三十一条", "Art. 31")))
# (a, b, rule): a, when required, comes before b — a is an ancestor of b and b's gate enforces it.
PRECEDENCE = (("expert_review", "legality_review", "MAD-EXP-01"),
              ("risk_assessment", "legality_review", "MAD-RISK-01"))


class Stage(Strict):
    """One stage as rules/workflow.yaml writes it (the file's comment explains each key)."""

    id: str = Field(pattern=r"^[a-z][a-z_]{0,63}$")
    name: Text
    citation: Citation
    reached_by: list[str] = Field(min_length=1)
    start: bool = False
    after: list[str] = []
    reruns: list[str] = []
    required_when: Any
    otherwise: Literal["optional", "not_required"] = "not_required"
    gates: list[str] = []
    entered_on: str | None


class WorkflowFile(Strict):
    stages: list[Stage] = Field(min_length=1)


class Workflow:
    """The proven procedure: `graph` holds every edge (loop-backs with `loop=True`), `forward` the DAG."""

    def __init__(self, stages: dict[str, Stage], conditions: dict[str, Cond], graph: nx.DiGraph,
                 source: str):
        self.stages, self.conditions, self.graph, self.source = stages, conditions, graph, source
        self.forward = _forward(graph)
        self.start = next(s.id for s in stages.values() if s.start)

    def gates(self, stage: str) -> tuple[str, ...]:
        """The rules that must not be violated to enter the stage."""
        return tuple(self.stages[stage].gates)

    def entered_on(self, stage: str) -> str | None:
        """The case-file date that records entering the stage (None: no single date)."""
        return self.stages[stage].entered_on

    def successors(self, stage: str) -> list[str]:
        """The stages that follow the stage on the forward graph, in file order."""
        return [s for s in self.stages if self.forward.has_edge(stage, s)]

    def reruns(self, stage: str) -> list[str]:
        """The stages the stage sends the matter back to (Art. 37 loop-backs)."""
        return list(self.stages[stage].reruns)

    def required(self, stage: str, facts: dict) -> bool:
        """Tell whether the case's facts make the stage a statutory must."""
        return evaluate(self.conditions[stage], facts)

    def done(self, stage: str, facts: dict) -> bool:
        """Tell whether a dated act shows the stage reached (as of the facts' day)."""
        return any(p in facts or facts.get(p + ".count", 0) > 0 for p in self.stages[stage].reached_by)

    def stage_states(self, facts: dict, findings: Iterable[Any] | None = None) -> dict[str, str]:
        """Give each stage its state (STATES); a violated gate shows even on a stage already done."""
        blocked = self._blocked(findings or ())
        done = [s for s in self.stages if self.done(s, facts)]
        current = done[-1] if done else None          # as engine.rulebook.stages.current_stage
        states = {}
        for s, stage in self.stages.items():
            if s in blocked:
                states[s] = "blocked"
            elif s == current or s in done:
                states[s] = "current" if s == current else "done"
            else:
                states[s] = "required" if self.required(s, facts) else stage.otherwise
        return states

    def next_stages(self, facts: dict) -> list[str]:
        """The stages a case may enter next, in file order.

        A stage is next when it is not done, every forward predecessor is done or not required
        (looking through those to theirs), and it is required — or optional and not yet passed
        (no later stage done). A required stage that was skipped stays next: it is still owed.
        """
        passed = self._passed(facts)
        return [s for s in self.stages if not self.done(s, facts)
                and all(passed[p] for p in self.forward.predecessors(s)) and self._wanted(s, facts)]

    def ready(self, stage: str, facts: dict) -> bool:
        """Tell whether every stage before it is done or not required (looking through those to theirs)."""
        passed = self._passed(facts)
        return all(passed[p] for p in self.forward.predecessors(stage))

    def _passed(self, facts: dict) -> dict[str, bool]:
        passed: dict[str, bool] = {}
        for s in nx.topological_sort(self.forward):
            ready = all(passed[p] for p in self.forward.predecessors(s))
            passed[s] = self.done(s, facts) or (ready and not self.required(s, facts))
        return passed

    def _wanted(self, stage: str, facts: dict) -> bool:
        if self.required(stage, facts):
            return True
        later_done = any(self.done(d, facts) for d in nx.descendants(self.forward, stage))
        return self.stages[stage].otherwise == "optional" and not later_done

    def _blocked(self, findings: Iterable[Any]) -> set[str]:
        closed = {f.rule for f in findings     # a missing blocker closes a gate like a violated one (CASE_FORMAT §2)
                  if f.verdict in ("violated", "missing") and f.severity in CLOSING_SEVERITIES}
        return {s for s, stage in self.stages.items() if closed.intersection(stage.gates)}


# ---------------------------------------------------------------- conditions
_OPS = {"eq": operator.eq, "neq": operator.ne, "lt": operator.lt, "le": operator.le,
        "gt": operator.gt, "ge": operator.ge}


def evaluate(cond: Cond, facts: dict) -> bool:
    """Evaluate a condition tree on flat facts; a comparison on an absent fact is false."""
    if isinstance(cond, Const):
        return cond.value
    if isinstance(cond, (Present, Absent)):
        return (facts.get(cond.fact) is not None) == isinstance(cond, Present)
    if isinstance(cond, Cmp):
        value = facts.get(cond.fact)
        return value is not None and _OPS[cond.op](value, cond.value)
    if isinstance(cond, CmpFact):
        left, right = facts.get(cond.fact), facts.get(cond.other)
        return left is not None and right is not None and _OPS[cond.op](left, right)
    if isinstance(cond, All):
        return all(evaluate(c, facts) for c in cond.items)
    if isinstance(cond, AnyOf):
        return any(evaluate(c, facts) for c in cond.items)
    raise TypeError(f"not a condition: {cond!r}")


# ---------------------------------------------------------------- loading
_RULE_IDS: dict[int, tuple[Any, frozenset[str]]] = {}     # id(rulebook) → (the rulebook, its rule ids)


def rule_ids_of(jurisdiction: str = "CN") -> frozenset[str]:
    """Every rule id of a jurisdiction's current rulebook (what gates may name); worked out once per
    rulebook (each case page loads the workflow, and a rulebook's rules do not change once read)."""
    from engine.core.check import checker_for
    book = checker_for(jurisdiction).book
    held = _RULE_IDS.get(id(book))
    if held is None or held[0] is not book:
        if len(_RULE_IDS) >= 64:           # rulebooks edited many times in one process: forget the old ones
            _RULE_IDS.clear()
        held = _RULE_IDS[id(book)] = (book, frozenset(r.id for r in book.rules))
    return held[1]


def load_workflow(rule_ids: AbstractSet[str] | None = None, path: Path | str | None = None) -> Workflow:
    """Load and prove the workflow (default rules/workflow.yaml, gates against CN's rules); cached."""
    from engine.rulebook.loader import once, rules_dir
    file = Path(path) if path is not None else rules_dir() / "workflow.yaml"
    shown = SHIPPED if path is None else str(file)

    def load() -> Workflow:
        ids = frozenset(rule_ids if rule_ids is not None else rule_ids_of("CN"))
        stamp = file.stat().st_mtime_ns if file.is_file() else 0
        return _load(str(file), shown, ids, stamp)
    # within a web request (engine/rulebook/loader.read_once) the shipped workflow is looked up once
    return once(("workflow", str(file)), load) if path is None and rule_ids is None else load()


@lru_cache(maxsize=8)
def _load(file: str, shown: str, rule_ids: frozenset[str], stamp: int) -> Workflow:
    try:
        loaded = load_document(file)
    except InputError as e:
        raise WorkflowError(Problem(shown, p.path, p.message, p.line) for p in e.problems) from None
    spec = _validate(loaded, shown)
    where = _Where(shown, loaded)
    stages = {s.id: s for s in spec.stages}
    conditions, problems = _references(spec, where, rule_ids)
    _refuse(problems)
    graph = _graph(stages)
    _refuse(_shape_problems(stages, _forward(graph), where))
    workflow = Workflow(stages, conditions, graph, shown)
    _refuse(_order_problems(workflow, where))
    return workflow


def _validate(loaded: LoadedYaml, shown: str) -> WorkflowFile:
    try:
        return WorkflowFile.model_validate(loaded.data)
    except ValidationError as e:
        raise WorkflowError(problems_from_errors(e.errors(include_url=False), shown, loaded.line_of)) from None


def _refuse(problems: list[Problem]) -> None:
    """Raise the problems found by one group of proofs, if any."""
    if problems:
        raise WorkflowError(sorted(problems, key=lambda p: p.line or 0))


@dataclass
class _Where:
    file: str
    loaded: LoadedYaml

    def __call__(self, loc: tuple, message: str) -> Problem:
        """A problem at `loc` (line of the key, or of its nearest ancestor)."""
        line = next((n for i in range(len(loc), -1, -1)
                     if (n := self.loaded.line_of(loc[:i])) is not None), None)
        return Problem(self.file, format_path(loc), message, line)


# ---------------------------------------------------------------- references (each stage alone)
def _references(spec: WorkflowFile, where: _Where, rule_ids: frozenset[str]) -> tuple[dict, list]:
    """Check what each stage names (stages, rules, facts) and parse its condition."""
    ids = [s.id for s in spec.stages]
    problems: list[Problem] = []
    conditions: dict[str, Cond] = {}
    for i, s in enumerate(spec.stages):
        if s.id in conditions:
            problems.append(where(("stages", i, "id"), f"阶段 id {s.id!r} 重复 / duplicate stage id"))
        problems += _stage_refs(s, ("stages", i), ids, rule_ids, where)
        conditions[s.id] = _condition(s.required_when, ("stages", i, "required_when"), where, problems)
    return conditions, problems


def _stage_refs(s: Stage, loc: tuple, ids: list[str], rule_ids: frozenset[str], where) -> list[Problem]:
    out = [where(loc + (key, j), f"未知阶段 {x!r}，可用：{', '.join(ids)} / unknown stage")
           for key in ("after", "reruns") for j, x in enumerate(getattr(s, key)) if x not in ids]
    out += [where(loc + ("gates", j), f"准入规则 {g!r} 不在规则库中{_did_you_mean(g, rule_ids)}"
                  f" / gate names no rule of the rulebook: {g}")
            for j, g in enumerate(s.gates) if g not in rule_ids]
    out += [where(loc + ("reached_by", j), f"未知的事实 {p!r} / unknown fact path")
            for j, p in enumerate(s.reached_by) if fact_type(p) is None]
    entered = s.entered_on and fact_type(s.entered_on)
    if s.entered_on is not None and (s.entered_on not in s.reached_by or not entered
                                     or entered.kind != "date"):
        out.append(where(loc + ("entered_on",), "应为 reached_by 中的日期事实"
                         " / must be a date fact listed in reached_by"))
    return out


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), 1)
    return f"（是否应为 {close[0]}？）" if close else ""


_CONSTANTS = {"always": Const(True), "never": Const(False)}
_CONTEXT = ParseContext(fact_type=fact_type, param_type=lambda name: None, periods=set())


def _condition(node: Any, loc: tuple, where: _Where, problems: list[Problem]) -> Cond:
    if isinstance(node, str) and node in _CONSTANTS:
        return _CONSTANTS[node]
    if not isinstance(node, dict):
        problems.append(where(loc, "应为 always、never 或条件映射 / expected always, never or a condition"))
        return Const(False)
    try:
        return parse_condition(node, _CONTEXT)
    except ConditionError as e:
        problems.append(where(loc + tuple(e.path), f"{e} (docs/rule-format.md)"))
        return Const(False)


def _forward(graph: nx.DiGraph) -> nx.DiGraph:
    """The graph without its loop-back edges (what the proofs run on)."""
    forward = nx.DiGraph([(a, b) for a, b, loop in graph.edges(data="loop") if not loop])
    forward.add_nodes_from(graph)
    return forward


def _graph(stages: dict[str, Stage]) -> nx.DiGraph:
    """Every edge; one written both as `after` and as `reruns` stays forward (and so is proven)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(stages)
    graph.add_edges_from(((s.id, b) for s in stages.values() for b in s.reruns), loop=True)
    graph.add_edges_from(((a, s.id) for s in stages.values() for a in s.after), loop=False)
    return graph


# ---------------------------------------------------------------- proofs on the whole graph
def _loc(stages: dict[str, Stage], stage: str, *key: Any) -> tuple:
    return ("stages", list(stages).index(stage)) + key


def _shape_problems(stages: dict[str, Stage], forward: nx.DiGraph, where: _Where) -> list[Problem]:
    """One start; no cycle in the forward graph; every stage reachable from the start."""
    starts = [s for s in stages.values() if s.start]
    if len(starts) != 1:
        names = "、".join(s.id for s in starts) or "无"
        at = _loc(stages, starts[1].id, "start") if starts else ("stages",)
        return [where(at, f"应恰有一个起始阶段（start: true），现有 {len(starts)} 个：{names}"
                          f" / exactly one stage must have start: true, found {len(starts)}")]
    if not nx.is_directed_acyclic_graph(forward):
        edges = nx.find_cycle(forward)
        order = list(stages)        # blame the edge that points back up the file
        a, b = next(((a, b) for a, b in edges if order.index(a) >= order.index(b)), edges[0])
        text = " → ".join([e[0] for e in edges] + [edges[0][0]])
        return [where(_loc(stages, b, "after"), f"前向图有环：{text}（回到前面的阶段请写在 reruns 下）"
                      f" / the forward graph has a cycle: {text} (list loop-backs under reruns)")]
    reached = nx.descendants(forward, starts[0].id) | {starts[0].id}
    return [where(_loc(stages, s, "after"), f"阶段 {s} 从起始阶段 {starts[0].id} 不可达"
                  f" / stage {s} cannot be reached from the start {starts[0].id}")
            for s in stages if s not in reached]


def _order_problems(wf: Workflow, where: _Where) -> list[Problem]:
    """The statutory order: the dominance and precedence proofs."""
    missing = {s for pair in DOMINANCE + PRECEDENCE for s in pair[:2]} - set(wf.stages)
    if missing:
        return [where(("stages",), f"缺少法定阶段 {', '.join(sorted(missing))}"
                                   f" / statutory stages missing: {', '.join(sorted(missing))}")]
    return ([p for a, b, why in DOMINANCE if (p := _dominance(wf, a, b, why, where))]
            + [p for a, b, rule in PRECEDENCE for p in _precedence(wf, a, b, rule, where)])


def dominates(graph: nx.DiGraph, start: str, a: str, b: str) -> bool:
    """Tell whether every path from `start` to `b` passes `a`."""
    idom = nx.immediate_dominators(graph, start)
    node = b
    while node != start and node in idom:
        if node == a:
            return True
        node = idom[node]
    return a == start


def _dominance(wf: Workflow, a: str, b: str, why: tuple[str, str], where: _Where) -> Problem | None:
    if dominates(wf.forward, wf.start, a, b):
        return None
    bypass = wf.forward.subgraph(set(wf.stages) - {a})
    path = " → ".join(nx.shortest_path(bypass, wf.start, b))
    return where(_loc(wf.stages, b, "after"), f"存在不经 {a} 到达 {b} 的路径：{path}（{why[0]}）"
                 f" / a path reaches {b} without passing {a}: {path} ({why[1]})")


def _precedence(wf: Workflow, a: str, b: str, rule: str, where: _Where) -> list[Problem]:
    out = []
    if a not in nx.ancestors(wf.forward, b):
        out.append(where(_loc(wf.stages, b, "after"), f"须履行的 {a} 应在 {b} 之前，但它不是 {b} 的前序阶段"
                         f" / a required {a} must precede {b}, but it is not among {b}'s predecessors"))
    if rule not in wf.gates(b):
        out.append(where(_loc(wf.stages, b, "gates"), f"{b} 的 gates 应包含 {rule}（它保证 {a} 在 {b} 之前）"
                         f" / {b}'s gates must include {rule}, the rule that enforces {a} before it"))
    return out


# ---------------------------------------------------------------- a case's view of the workflow
def stage_states(facts: dict, findings: Iterable[Any] | None = None,
                 workflow: Workflow | None = None) -> dict[str, str]:
    """Give each stage of the shipped workflow its state for a case's facts (and findings)."""
    return (workflow or load_workflow()).stage_states(facts, findings)


def next_stages(facts: dict, workflow: Workflow | None = None) -> list[str]:
    """The stages of the shipped workflow a case may enter next."""
    return (workflow or load_workflow()).next_stages(facts)


def case_stage_states(case: BaseModel, as_of: date | None = None, jurisdiction: str | None = None,
                      engine: str = "durable") -> dict[str, str]:
    """Check a case as of a day (default today) and give each stage its state."""
    from engine.core.check import checker_for
    jurisdiction = jurisdiction or getattr(case, "jurisdiction", "CN")
    checker, as_of = checker_for(jurisdiction), as_of or clock.today()
    workflow = load_workflow(rule_ids_of(jurisdiction))
    return workflow.stage_states(checker.facts(case, as_of), checker.check(case, as_of, engine).findings)
