"""Draw the workflow graph as one standalone SVG: no scripts, no network, no external fonts.

Layers come from the forward DAG (networkx topological generations), top to bottom; stages of one
layer (the parallel branches) sit side by side. An edge that skips layers is routed through
invisible waypoints, one per skipped layer, so that it never crosses a box. The Art. 37 loop-backs
leave adjustment on the right and come back as dashed curves above the stages they re-run.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from statistics import mean
from typing import Any, Sequence
from xml.sax.saxutils import escape, quoteattr

import networkx as nx

from engine.core import clock
from engine.core.errors import InputError
from engine.decisions.workflow import Workflow, case_stage_states, load_workflow, rule_ids_of

BOX_W, BOX_H, GAP, ROW_H, MARGIN, HEADER = 200, 60, 40, 150, 40, 96
FONT = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif'
# state → (fill, stroke, text colour, dashed, 中文, English)
STYLE = {
    "done": ("#e3f4e1", "#2e7d32", "#1b3a1d", False, "已完成", "done"),
    "current": ("#dbe9fb", "#1565c0", "#0d2c57", False, "当前", "current"),
    "blocked": ("#fde2e1", "#c62828", "#5c1010", False, "受阻", "blocked"),
    "required": ("#fff0d9", "#ef6c00", "#5a2e00", False, "须履行", "required"),
    "optional": ("#eeeeee", "#757575", "#333333", False, "可选", "optional"),
    "not_required": ("#fafafa", "#bdbdbd", "#9e9e9e", True, "无须履行", "not required"),
}
NEUTRAL = ("#ffffff", "#455a64", "#263238", False, "", "")
EDGE, LOOP = "#607d8b", "#6a1b9a"


@dataclass
class _Layout:
    x: dict[str, float]             # centre of every node (stages and waypoints)
    row: dict[str, int]
    chains: list[list[str]]         # each forward edge as source, waypoints…, target
    ports: dict[tuple[int, int], float] | None = None   # (chain, 0 source | -1 target) → x offset


def render_svg(workflow: Workflow, states: dict[str, str] | None = None,
               title: str | None = None) -> str:
    """Draw the workflow, each stage coloured by its state when `states` is given."""
    layout = _layout(workflow)
    shift = MARGIN + BOX_W / 2 - min(layout.x.values())
    layout.x = {n: x + shift for n, x in layout.x.items()}
    right = max(layout.x[s] for s in workflow.stages) + BOX_W / 2
    loops = [(a, b) for a, b, loop in workflow.graph.edges(data="loop") if loop]
    width = right + MARGIN + 24 * len(loops) + 40
    height = HEADER + ROW_H * (max(layout.row.values()) + 1)
    parts = [_head(width, height, title or "重大行政决策程序 · Major administrative decision procedure")]
    if states:
        parts.append(_legend())
    parts += [_chain(layout, i) for i in range(len(layout.chains))]
    parts += [_loop(layout, a, b, i, right, loops) for i, (a, b) in enumerate(loops)]
    parts += [_loop_label(layout, a) for a in dict.fromkeys(a for a, _ in loops)]
    parts += [_box(workflow, s, layout, (states or {}).get(s)) for s in workflow.stages]
    return "\n".join(parts + ["</svg>", ""])


def write_svg(path: Path | str, workflow: Workflow, states: dict[str, str] | None = None,
              title: str | None = None) -> None:
    """Write the drawing to `path` (UTF-8), creating its folder."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_svg(workflow, states, title), encoding="utf-8")
    except OSError as e:
        raise InputError.single(str(path), f"无法写入 / cannot write: {e.strerror or e}") from None


def graph_command(out: Path, case: Any = None, *, as_of: date | None = None,
                  jurisdiction: str | None = None, engine: str = "durable") -> None:
    """`yifa rules graph [--case …] --out FILE.svg`: draw the workflow, coloured for a case if given."""
    jurisdiction = jurisdiction or (case.jurisdiction if case is not None else "CN")
    workflow = load_workflow(rule_ids_of(jurisdiction))
    states, title = None, None
    if case is not None:
        as_of = as_of or clock.today()
        states = case_stage_states(case, as_of, jurisdiction, engine)
        title = f"{case.id} {case.title} · {as_of.isoformat()} · {jurisdiction}"
    write_svg(out, workflow, states, title)


# ---------------------------------------------------------------- layout
def _layout(workflow: Workflow) -> _Layout:
    graph, row, chains = _with_waypoints(workflow)
    order = list(workflow.stages)
    x: dict[str, float] = {}
    for r in range(max(row.values()) + 1):
        layer = [n for n in graph if row[n] == r]
        layer.sort(key=lambda n: (_barycentre(graph, n, x), n.startswith("~"), _file_index(n, order)))
        _place(layer, graph, x)
    layout = _Layout(x, row, chains)
    layout.ports = _ports(layout)
    return layout


def _ports(layout: _Layout) -> dict[tuple[int, int], float]:
    """Spread the edges that meet a box along its side, ordered by where their other end lies."""
    ends: dict[tuple[str, int], list[tuple[float, int]]] = {}
    for i, chain in enumerate(layout.chains):
        ends.setdefault((chain[0], 0), []).append((layout.x[chain[1]], i))
        ends.setdefault((chain[-1], -1), []).append((layout.x[chain[-2]], i))
    ports = {}
    for (_, side), items in ends.items():
        step = min(16.0, (BOX_W - 60) / max(len(items) - 1, 1))
        for k, (_, i) in enumerate(sorted(items)):
            ports[(i, side)] = (k - (len(items) - 1) / 2) * step
    return ports


def _with_waypoints(workflow: Workflow) -> tuple[nx.DiGraph, dict[str, int], list[list[str]]]:
    """Split each edge that skips layers into a chain through one waypoint per skipped layer."""
    row = {s: i for i, layer in enumerate(nx.topological_generations(workflow.forward)) for s in layer}
    graph, chains = nx.DiGraph(), []
    graph.add_nodes_from(workflow.stages)
    for a, b in workflow.forward.edges:
        chain = [a] + [f"~{a}~{b}~{r}" for r in range(row[a] + 1, row[b])] + [b]
        row.update({w: int(w.rsplit("~", 1)[1]) for w in chain[1:-1]})
        nx.add_path(graph, chain)
        chains.append(chain)
    return graph, row, chains


def _barycentre(graph: nx.DiGraph, node: str, x: dict[str, float]) -> float:
    return mean([x[p] for p in graph.predecessors(node)] or [0.0])


def _file_index(node: str, order: list[str]) -> int:
    return order.index(node.split("~")[-2] if node.startswith("~") else node)


def _place(layer: list[str], graph: nx.DiGraph, x: dict[str, float]) -> None:
    """Put each node under its predecessors, pushed right just enough not to overlap, then centred."""
    wanted = [_barycentre(graph, n, x) for n in layer]
    placed: list[float] = []
    for i, n in enumerate(layer):
        low = placed[-1] + _gap(layer[i - 1], n) if placed else wanted[i]
        placed.append(max(wanted[i], low))
    shift = mean(w - p for w, p in zip(wanted, placed))
    x.update({n: p + shift for n, p in zip(layer, placed)})


def _gap(a: str, b: str) -> float:
    return sum(0 if n.startswith("~") else BOX_W / 2 for n in (a, b)) + GAP


def _top(layout: _Layout, node: str) -> float:
    return HEADER + ROW_H * layout.row[node]


# ---------------------------------------------------------------- drawing
def _head(width: float, height: float, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}">\n<title>{escape(title)}</title>\n'
            f"<style>text {{ font-family: {FONT}; }}</style>\n"
            f'<defs>{_marker("arrow", EDGE)}{_marker("arrow-loop", LOOP)}</defs>\n'
            f'<rect width="100%" height="100%" fill="#ffffff"/>\n'
            f'<text x="{MARGIN}" y="32" font-size="18" fill="#263238">{escape(title)}</text>')


def _marker(name: str, colour: str) -> str:
    return (f'<marker id="{name}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')


def _legend() -> str:
    items = []
    for i, (state, (fill, stroke, _, dashed, zh, en)) in enumerate(STYLE.items()):
        x = MARGIN + i * 150
        dash = ' stroke-dasharray="4 2"' if dashed else ""
        items.append(f'<rect x="{x}" y="50" width="18" height="14" rx="3" fill="{fill}" stroke="{stroke}"{dash}/>'
                     f'<text x="{x + 24}" y="62" font-size="11" fill="#37474f">{escape(zh)} {escape(en)}</text>')
    return '<g id="legend">' + "".join(items) + "</g>"


def _chain(layout: _Layout, index: int) -> str:
    """A forward edge: bottom of its source, straight down through each waypoint, top of its target."""
    chain, ports = layout.chains[index], layout.ports or {}
    points = [(layout.x[chain[0]] + ports.get((index, 0), 0), _top(layout, chain[0]) + BOX_H)]
    for w in chain[1:-1]:
        points += [(layout.x[w], _top(layout, w)), (layout.x[w], _top(layout, w) + BOX_H)]
    points.append((layout.x[chain[-1]] + ports.get((index, -1), 0), _top(layout, chain[-1])))
    d = f"M{points[0][0]:.1f},{points[0][1]:.1f}"
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        bend = (y1 - y0) / 2
        d += f" C{x0:.1f},{y0 + bend:.1f} {x1:.1f},{y1 - bend:.1f} {x1:.1f},{y1:.1f}"
    return (f'<path class="edge" data-from="{chain[0]}" data-to="{chain[-1]}" d="{d}" fill="none" '
            f'stroke="{EDGE}" stroke-width="1.4" marker-end="url(#arrow)"/>')


def _loop(layout: _Layout, a: str, b: str, i: int, right: float, loops: list) -> str:
    """An Art. 37 loop-back: out to the right, up, along the gap above the target, down into it."""
    start_x, start_y = layout.x[a] + BOX_W / 2, _top(layout, a) + BOX_H / 2 + 8 * (i - len(loops) / 2)
    lane_x = right + 24 * (i + 1)
    lane_y = _top(layout, b) - 14 - 8 * sum(1 for _, t in loops[:i] if layout.row[t] == layout.row[b])
    end_x, end_y = layout.x[b] + BOX_W / 4, _top(layout, b)
    d = (f"M{start_x:.1f},{start_y:.1f} C{lane_x:.1f},{start_y:.1f} {lane_x:.1f},{start_y:.1f} "
         f"{lane_x:.1f},{start_y - 20:.1f} L{lane_x:.1f},{lane_y + 20:.1f} "
         f"C{lane_x:.1f},{lane_y:.1f} {lane_x:.1f},{lane_y:.1f} {lane_x - 20:.1f},{lane_y:.1f} "
         f"L{end_x + 12:.1f},{lane_y:.1f} C{end_x:.1f},{lane_y:.1f} {end_x:.1f},{lane_y:.1f} "
         f"{end_x:.1f},{end_y:.1f}")
    return (f'<path class="loop" data-from="{a}" data-to="{b}" d="{d}" fill="none" stroke="{LOOP}" '
            f'stroke-width="1.3" stroke-dasharray="6 4" marker-end="url(#arrow-loop)">'
            f"<title>第三十七条 重新履行法定程序 / Art. 37: re-run {escape(b)}</title></path>")


def _loop_label(layout: _Layout, stage: str) -> str:
    x, y = layout.x[stage] + BOX_W / 2 + 8, _top(layout, stage) - 6
    return _text(x, y, "第三十七条 重新履行法定程序 / Art. 37: re-run", 10, LOOP, halo=True)


def _box(workflow: Workflow, stage_id: str, layout: _Layout, state: str | None) -> str:
    stage = workflow.stages[stage_id]
    fill, stroke, ink, dashed, zh, en = STYLE.get(state or "", NEUTRAL)
    x, y = layout.x[stage_id] - BOX_W / 2, _top(layout, stage_id)
    dash = ' stroke-dasharray="5 3"' if dashed else ""
    width = "2.6" if state in ("current", "blocked") else "1.5"
    tip = f"{stage.name.zh} {stage.name.en} ({stage_id})" + (f" — {zh} {en}" if state else "")
    parts = [f'<g class="stage" id="stage-{stage_id}" data-state="{state or ""}">',
             f"<title>{escape(tip)}</title>",
             f'<rect x="{x:.1f}" y="{y:.1f}" width="{BOX_W}" height="{BOX_H}" rx="10" '
             f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"{dash}/>',
             _text(x + BOX_W / 2, y + 31, stage.name.zh, 15, ink, anchor="middle", weight="bold"),
             _text(x + BOX_W / 2, y + 48, stage.name.en, 11, ink, anchor="middle"),
             _text(x + BOX_W - 8, y + 13, f"Art. {stage.citation.article}", 9, "#78909c", anchor="end")]
    if state:
        parts.append(_text(x + 8, y + 13, f"{zh} {en}", 9, stroke))
    parts += _gate_lines(stage.gates, x + BOX_W / 2, y + BOX_H + 13)
    return "".join(parts) + "</g>"


def _gate_lines(gates: Sequence[str], cx: float, y: float) -> list[str]:
    """The entry gates, small, two rule ids a line, under the box."""
    lines = [" · ".join(gates[i:i + 2]) for i in range(0, len(gates), 2)]
    return [_text(cx, y + 12 * i, ("准入 gates: " if i == 0 else "") + line, 9, "#546e7a",
                  anchor="middle", halo=True) for i, line in enumerate(lines)]


def _text(x: float, y: float, text: str, size: int, colour: str, anchor: str = "start",
          weight: str = "normal", halo: bool = False) -> str:
    """A text element; a white halo keeps it legible where edges pass under it."""
    ring = ' stroke="#ffffff" stroke-width="3" paint-order="stroke"' if halo else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{colour}"{ring} '
            f'text-anchor={quoteattr(anchor)} font-weight={quoteattr(weight)}>{escape(text)}</text>')
