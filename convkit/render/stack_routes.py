"""Routes of the branch connectors of the layer-stack diagram (skip connections and other branches).

A *branch* is a connection from a tensor into a layer that is not the one right after it: a skip connection
into a merge layer (``Add``, ``Concatenate``...) or a layer that reads an earlier tensor. Each gets its own route:

* it leaves the top of its source box at its own x (several branches from one box leave side by side),
* runs along a *lane* above the source row; lanes are shared only by branches whose stretches do not overlap,
* when the target is in another row, goes down a *channel* beside the rows (left or right, whichever is shorter;
  nested: a branch spanning fewer rows runs inside one spanning more) and along a lane above the target row,
* and comes down into the start of the target's arrow at its own x (the arrow is inset to make room).

So no two routes share a vertical stretch. Each route carries a label, ``skip: conv2d_1 (32×32×32)``, placed on a
lane where it is long enough and clear of lines crossing it. All sizes are inches; no drawing here.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from .stack_labels import branch_label, measure

__all__ = [
    "LANE_GAP",
    "LANE_PITCH",
    "SKIP_FONT_SIZE",
    "Branch",
    "Routing",
    "Route",
    "branches",
    "incoming_counts",
    "inset",
    "is_encoder_decoder",
    "plan_routes",
    "routes",
]

LANE_GAP = 0.12  # from the top of a row's boxes and labels to its first lane
LANE_PITCH = 0.26  # between lanes (room for a label above each)
INSET_STEP = 0.2  # room at the start of a target's arrow per branch coming in
CHANNEL_PITCH = 0.2  # between channels beside the rows
CHANNEL_CLEAR = 0.4  # from the rows' edges (and the row-to-row links) to the nearest channel
SKIP_FONT_SIZE = 8.0


@dataclass(frozen=True, slots=True)
class Branch:
    """A connector from tensor ``source`` into the arrow of layer ``target - 1`` (node ``target``)."""

    source: int
    target: int
    slot_in: int  # position among the branches into the same target (0: nearest the arrow's start)
    slot_out: float  # offset (in steps) among the branches leaving the same source
    into_merge: bool
    label: str


def branches(nodes: Sequence[Any], sources: Sequence[tuple[int, ...]], merge_kinds: Sequence[bool]) -> list[Branch]:
    """Every connection that is not "the previous tensor", labelled with its source's name and size."""
    pairs = [(s, t) for t, srcs in enumerate(sources, start=1) for s in srcs if s != t - 1]
    out: dict[int, list[int]] = {}
    into: dict[int, list[int]] = {}
    for k, (s, t) in enumerate(pairs):
        out.setdefault(s, []).append(k)
        into.setdefault(t, []).append(k)
    result = []
    for k, (s, t) in enumerate(pairs):
        siblings = out[s]
        slot_out = siblings.index(k) - (len(siblings) - 1) / 2
        nearest_first = sorted(into[t], key=lambda j: -pairs[j][0])
        label = branch_label(nodes[s].name, nodes[s].volume, merge_kinds[t - 1])
        result.append(Branch(s, t, nearest_first.index(k), slot_out, merge_kinds[t - 1], label))
    return result


def incoming_counts(found: Sequence[Branch], n_nodes: int) -> list[int]:
    counts = [0] * n_nodes
    for b in found:
        counts[b.target] += 1
    return counts


def inset(count: int) -> float:
    """Room kept free at the start of an arrow that ``count`` branches come into."""
    return INSET_STEP * count + 0.1 if count else 0.0


def is_encoder_decoder(found: Sequence[Branch], depth: Sequence[int]) -> bool:
    """True when a branch leaves a resolution level and joins again at that level after going deeper (a U-Net)."""
    return any(
        depth[b.source] == depth[b.target] and max(depth[b.source : b.target + 1]) > depth[b.source] for b in found
    )


# ------------------------------------------------------------------------------------------------ planning


@dataclass(frozen=True, slots=True)
class Routing:
    """Lanes and channels of every branch (channel x relative to the rows' origin), and the margins they need.

    ``branches`` are the planned branches, in the same order, with their final ``slot_in``.
    """

    branches: list[Branch]
    lanes: dict[int, tuple[int, int]]  # branch -> (lane above the source row, lane above the target row)
    lane_counts: list[int]  # per row
    channels: dict[int, float]  # branch -> channel x (only branches between rows)
    label_on_target: dict[int, bool]  # branch -> label on the lane above the target row (else the source row)
    leftmost: float | None  # the leftmost left channel's x, ``None`` without left channels
    rightmost: float | None


def _x_src(b: Branch, nodes: Sequence[Any], lay: Any) -> float:
    node = nodes[b.source]
    cx, cw = lay.cols[b.source]
    step = min(0.16, max(node.width, 0.1))
    x: float = cx + (cw - node.width - node.dx) / 2 + node.dx + node.width / 2 + b.slot_out * step
    return x


def _x_in(b: Branch, lay: Any) -> float:
    x: float = lay.gaps[b.target][0] + 0.05 + INSET_STEP * (b.slot_in + 0.5)
    return x


def _label_width(b: Branch) -> float:
    return measure(b.label, SKIP_FONT_SIZE)[0]


def plan_routes(found: Sequence[Branch], nodes: Sequence[Any], rel: Any) -> Routing:
    """Choose channels, then the order of branches into each arrow, then lanes, from a layout placed at x
    origin 0 without lanes (``rel``)."""
    channels, sides = _channels(found, nodes, rel)
    found = _order_slots(found, nodes, rel, channels, sides)
    lanes, counts, on_target = _lanes(found, nodes, rel, channels)
    lefts = [x for k, x in channels.items() if sides[k] == "left"]
    rights = [x for k, x in channels.items() if sides[k] == "right"]
    return Routing(list(found), lanes, counts, channels, on_target, min(lefts, default=None), max(rights, default=None))


def _channels(found: Sequence[Branch], nodes: Sequence[Any], rel: Any) -> tuple[dict[int, float], dict[int, str]]:
    """A channel for every branch between rows, on the side where its way is shorter; channels that span the
    same rows keep :data:`CHANNEL_PITCH` apart, those spanning fewer rows nearer the rows."""
    row_of = rel.row_of
    crossing = [k for k, b in enumerate(found) if row_of[b.source] != row_of[b.target]]
    sides: dict[int, str] = {}
    bases: dict[int, float] = {}
    for k in crossing:
        b = found[k]
        span = range(row_of[b.source], row_of[b.target] + 1)
        left = min(rel.row_start[r] for r in span) - CHANNEL_CLEAR
        right = max(rel.row_end[r] for r in span) + CHANNEL_CLEAR
        xs, xi = _x_src(b, nodes, rel), _x_in(b, rel)
        sides[k] = "left" if (xs - left) + (xi - left) <= (right - xs) + (right - xi) else "right"
        bases[k] = left if sides[k] == "left" else right
    channels: dict[int, float] = {}
    for k in sorted(crossing, key=lambda k: (row_of[found[k].target] - row_of[found[k].source], k)):
        rows = (row_of[found[k].source], row_of[found[k].target])
        x = bases[k]
        while any(
            sides[j] == sides[k]
            and abs(other - x) < CHANNEL_PITCH * 0.9
            and _overlap(rows, (row_of[found[j].source], row_of[found[j].target]))
            for j, other in channels.items()
        ):
            x += -CHANNEL_PITCH if sides[k] == "left" else CHANNEL_PITCH
        channels[k] = x
    return channels, sides


def _order_slots(
    found: Sequence[Branch], nodes: Sequence[Any], rel: Any, channels: dict[int, float], sides: dict[int, str]
) -> list[Branch]:
    """Order the branches into each arrow so their last stretches do not cross: those arriving from the left
    first, the nearest nearest the arrow's start; then those from a right channel, the farthest first. Order
    the branches leaving one box the same way: those heading left on its left, the farthest of a side innermost."""

    def key(k: int) -> tuple[int, float]:
        b = found[k]
        xi = _x_in(b, rel)
        if sides.get(k) == "right":
            return (1, -(channels[k] - xi))
        return (0, xi - channels.get(k, _x_src(b, nodes, rel)))

    def heading(k: int) -> tuple[int, float]:
        b = found[k]
        dest = channels.get(k, _x_in(b, rel))
        return (0 if dest < _x_src(replace(b, slot_out=0.0), nodes, rel) else 1, -dest)

    result = list(found)
    for t in {b.target for b in found}:
        into = sorted((k for k, b in enumerate(found) if b.target == t), key=key)
        for slot, k in enumerate(into):
            result[k] = replace(result[k], slot_in=slot)
    for s in {b.source for b in found}:
        out = sorted((k for k, b in enumerate(found) if b.source == s), key=heading)
        for m, k in enumerate(out):
            result[k] = replace(result[k], slot_out=m - (len(out) - 1) / 2)
    return result


def _overlap(a: tuple[float, float], b: tuple[float, float], margin: float = 0.0) -> bool:
    return min(a) - margin <= max(b) and min(b) - margin <= max(a)


def _lanes(
    found: Sequence[Branch], nodes: Sequence[Any], rel: Any, channels: dict[int, float]
) -> tuple[dict[int, tuple[int, int]], list[int], dict[int, bool]]:
    """Lanes per row: the lowest lane whose stretches do not overlap this one (shortest stretches first)."""
    row_of = rel.row_of
    uses: list[tuple[float, int, int, str, tuple[float, float]]] = []  # (length, branch, row, "src"/"tgt", span)
    on_target: dict[int, bool] = {}
    for k, b in enumerate(found):
        xs, xi = _x_src(b, nodes, rel), _x_in(b, rel)
        width = _label_width(b) + 0.3
        if k not in channels:
            spans = {"src": _widen((xs, xi), width)}
            on_target[k] = False
        else:
            xc = channels[k]
            src, tgt = (xs, xc), (xc, xi)
            on_target[k] = abs(tgt[1] - tgt[0]) >= width or abs(tgt[1] - tgt[0]) >= abs(src[1] - src[0])
            spans = {"src": _widen(src, 0 if on_target[k] else width), "tgt": _widen(tgt, width if on_target[k] else 0)}
        for part, span in spans.items():
            row = row_of[b.source] if part == "src" else row_of[b.target]
            uses.append((span[1] - span[0], k, row, part, span))
    taken: dict[tuple[int, int], list[tuple[float, float]]] = {}
    lane_of: dict[tuple[int, str], int] = {}
    counts = [0] * len(rel.rows)
    for _, k, row, part, span in sorted(uses, key=lambda u: (u[0], u[1])):
        lane = 0
        while any(_overlap(span, other, 0.15) for other in taken.get((row, lane), [])):
            lane += 1
        taken.setdefault((row, lane), []).append(span)
        lane_of[(k, part)] = lane
        counts[row] = max(counts[row], lane + 1)
    lanes = {k: (lane_of[(k, "src")], lane_of.get((k, "tgt"), lane_of[(k, "src")])) for k in range(len(found))}
    return lanes, counts, on_target


def _widen(span: tuple[float, float], width: float) -> tuple[float, float]:
    a, b = min(span), max(span)
    grow = max(0.0, width - (b - a)) / 2
    return a - grow, b + grow


# ------------------------------------------------------------------------------------------------ routes


@dataclass(frozen=True, slots=True)
class Route:
    """A branch's polyline (inches) and where its label goes (bottom centre)."""

    branch: Branch
    points: list[tuple[float, float]]
    label_xy: tuple[float, float]


def _lane_y(lay: Any, row: int, lane: int) -> float:
    y: float = lay.row_top[row] + LANE_GAP + lane * LANE_PITCH
    return y


def routes(found: Sequence[Branch], nodes: Sequence[Any], lay: Any, routing: Routing, shift: float) -> list[Route]:
    """Every branch's polyline in the final layout ``lay`` (placed ``shift`` right of the planning one) and a
    clear spot for its label."""
    lines: list[list[tuple[float, float]]] = []
    for k, b in enumerate(found):
        rs, rt = lay.row_of[b.source], lay.row_of[b.target]
        node = nodes[b.source]
        xs, xi = _x_src(b, nodes, lay), _x_in(b, lay)
        ys = lay.row_y[rs] + node.height / 2 + node.dy
        lane_s, lane_t = (_lane_y(lay, rs, routing.lanes[k][0]), _lane_y(lay, rt, routing.lanes[k][1]))
        points = [(xs, ys), (xs, lane_s)]
        if k in routing.channels:
            xc = routing.channels[k] + shift
            points += [(xc, lane_s), (xc, lane_t), (xi, lane_t)]
        else:
            points += [(xi, lane_s)]
        points.append((xi, lay.row_y[rt]))
        lines.append(points)
    verticals = [
        (x0, min(y0, y1), max(y0, y1), k)
        for k, pts in enumerate(lines)
        for (x0, y0), (x1, y1) in itertools.pairwise(pts)
        if x0 == x1
    ]
    verticals += [(lay.row_start[r] - 0.2, lay.row_y[r], lay.row_bottom[r - 1], -1) for r in range(1, len(lay.rows))]
    result = []
    for k, (b, pts) in enumerate(zip(found, lines)):
        on_target = routing.label_on_target[k] and k in routing.channels
        a, c = (pts[3], pts[4]) if on_target else (pts[1], pts[2])
        result.append(Route(b, pts, _label_spot(b, a, c, verticals, k, prefer_end=on_target)))
    return result


def _label_spot(
    b: Branch,
    a: tuple[float, float],
    c: tuple[float, float],
    verticals: list[tuple[float, float, float, int]],
    own: int,
    *,
    prefer_end: bool,
) -> tuple[float, float]:
    """Bottom centre of the label on the lane segment ``a``–``c``, as clear as possible of crossing lines."""
    width, height = measure(b.label, SKIP_FONT_SIZE)
    y = a[1] + 0.03
    lo, hi = sorted((a[0], c[0]))
    first, last = lo + width / 2 + 0.06, hi - width / 2 - 0.06
    if first > last:
        return ((lo + hi) / 2, y)
    xs = [x for x in (v[0] for v in verticals if v[3] != own and v[1] < y + height and v[2] > y)]
    best, best_key = first, None
    n = max(1, int((last - first) / 0.04))
    for i in range(n + 1):
        cx = first + (last - first) * i / n
        clear = min((abs(x - cx) - width / 2 for x in xs), default=1.0)
        end = c[0] if prefer_end else a[0]
        key = (min(clear, 0.3), -abs(cx - end))
        if best_key is None or key > best_key:
            best, best_key = cx, key
    return (best, y)
