"""The receptive-field picture: every map of a stack as a grid, the cells one chosen cell depends on highlighted.

Two users draw the same picture: the browser view (:class:`convkit.widgets.receptive_field.ReceptiveFieldView`,
which ships :func:`view_geometry` once per stack and computes the highlights itself on hover) and the matplotlib
export here (:func:`draw_receptive_field`, :func:`save_receptive_field`), which reads the highlights of the map
cells from the core's :class:`~convkit.core.receptive_field.ReceptiveField` (``stack.receptive_field(...)``).

Maps are indexed ``0`` (the stack input) then ``entry + 1``. Each map may carry a padding ring: the zeros a layer
reading it pads with (the widest of its readers, per side). Ring coordinates count from the ring's first cell, so
map cell ``(r, c)`` sits at ``(r + ring_top, c + ring_left)``. A layer's per-axis table (:class:`RingAxis`) maps
each output cell to the cells of its source in ring coordinates, padded zeros included; the in-map part is exactly
the core's :class:`~convkit.core.receptive_field_axis.AxisDependency`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..core.axis import ConvAxis
from ..core.receptive_field import AxisDependency, LayerDependency, cached_dependencies
from .style import palette
from .words import format_dims

__all__ = [
    "MAX_VIEW_CELLS",
    "MapInfo",
    "RingAxis",
    "LayerGeometry",
    "ViewGeometry",
    "view_geometry",
    "ring_masks",
    "view_words",
    "draw_receptive_field",
    "receptive_field_figure",
    "save_receptive_field",
    "receptive_field_png_bytes",
]

#: Most map cells (padding rings included, all maps together) a view draws.
MAX_VIEW_CELLS = 4_000_000

Ints = npt.NDArray[np.int32]
Bools = npt.NDArray[np.bool_]


def view_words() -> dict[str, str]:
    """The view's fixed words (the widget and the export say the same; ``{...}`` filled by both).

    >>> view_words()["help"].startswith("Hover or click")
    True
    """
    return {
        "title": "What does one cell see? Every earlier map highlights the cells it depends on.",
        "help": (
            "Hover or click a cell of any map; Tab moves between maps, the arrow keys move the cell. "
            "Blue: cells read; orange, striped: padded zeros read; green: the chosen cell."
        ),
        "input": "input cell {index} of the stack input: nothing comes before it",
        "mixes_note": "{name} mixes every cell: each of its outputs depends on every cell before it",
        "scaled_note": "drawn scaled: a cell is smaller than a pixel",
    }


@dataclass(frozen=True, slots=True)
class MapInfo:
    """One map: ``name``, its full shape without batch, drawn ``rows`` × ``cols`` (1-D maps: one row), the ring
    ``(top, bottom, left, right)``; ``grid`` False for maps without spatial axes (Flatten, Dense), with a note."""

    name: str
    shape: tuple[int | None, ...]
    rows: int
    cols: int
    ring: tuple[int, int, int, int]
    grid: bool
    note: str | None

    @property
    def caption(self) -> str:
        """The map's one line: name and shape, e.g. ``"conv2d · 13×13×32"``."""
        return f"{self.name} · {format_dims(tuple('?' if d is None else d for d in self.shape))}"

    @property
    def ring_shape(self) -> tuple[int, int]:
        return self.rows + self.ring[0] + self.ring[1], self.cols + self.ring[2] + self.ring[3]


@dataclass(frozen=True, slots=True)
class RingAxis:
    """One axis of a layer: output cell ``o`` reads ring cells ``indices[indptr[o]:indptr[o+1]]`` of its source;
    ``pad_reads`` and ``taps`` as in the core's :class:`AxisDependency`."""

    indptr: Ints
    indices: Ints
    pad_reads: Ints
    taps: int

    @property
    def out_size(self) -> int:
        return len(self.indptr) - 1


@dataclass(frozen=True, slots=True)
class LayerGeometry:
    """One entry: its output map, per source map its two axes (rows, cols) or ``None`` (reads all of that source);
    ``mixes``: the core says the layer mixes every cell (the sentence names it)."""

    map: int
    sources: tuple[int, ...]
    axes: tuple[tuple[RingAxis, RingAxis] | None, ...]
    mixes: bool


@dataclass(frozen=True, slots=True)
class ViewGeometry:
    """What the view draws from: ``rank`` (1 or 2), maps, layers; ``message`` when it cannot draw the stack."""

    rank: int
    maps: tuple[MapInfo, ...]
    layers: tuple[LayerGeometry, ...]
    message: str | None = None


def _window_positions(dep: AxisDependency, ax: Any) -> Ints | None:
    """Per output cell the window's taps in padded input coordinates (``o·s + t·d``), when the layer is a
    convolution or pooling window whose in-map taps are exactly the core's table; else ``None``."""
    if not isinstance(ax, ConvAxis) or ax.pad_before is None or ax.output != dep.out_size:
        return None
    pos = np.arange(dep.out_size)[:, None] * ax.strides + np.arange(ax.kernel_size)[None, :] * ax.dilation_rate
    inside = (pos >= ax.pad_before) & (pos < ax.pad_before + dep.in_size)
    same_reads = np.array_equal((pos - ax.pad_before)[inside], dep.indices)  # rows in order, taps ascending
    if not same_reads or not np.array_equal((~inside).sum(axis=1), dep.pad_reads):
        return None
    return pos.astype(np.int32)


def _pads(dep: LayerDependency, layer: Any, in_shape: Any) -> list[tuple[int, int, Ints] | None]:
    """Per axis ``(before, after, window positions)`` of a padding window layer (``None``: no ring)."""
    if dep.kind != "window" or dep.axes is None or len(dep.sources) != 1:
        return [None] * (len(dep.axes or ()))
    try:
        spatial = layer.spatial_axes(in_shape)
    except (ValueError, TypeError, AttributeError):
        return [None] * len(dep.axes)
    out: list[tuple[int, int, Ints] | None] = []
    for a, ax in zip(dep.axes, spatial):
        pos = _window_positions(a, ax)
        before, after = (ax.pad_before or 0, ax.pad_after or 0) if isinstance(ax, ConvAxis) else (0, 0)
        out.append((before, after, pos) if pos is not None and before + after > 0 else None)
    return out


def _ring_axis(dep: AxisDependency, pad: tuple[int, int, Ints] | None, ring_before: int) -> RingAxis:
    if pad is None:
        return RingAxis(dep.indptr, (dep.indices + ring_before).astype(np.int32), dep.pad_reads, dep.taps)
    before, _, pos = pad
    rows = [np.unique(p) for p in pos]
    indptr = np.zeros(len(rows) + 1, dtype=np.int32)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    indices = (np.concatenate(rows) - before + ring_before).astype(np.int32)
    return RingAxis(indptr, indices, dep.pad_reads, dep.taps)


_ONE = RingAxis(np.array([0, 1], np.int32), np.array([0], np.int32), np.array([0], np.int32), 1)


def view_geometry(stack: Any) -> ViewGeometry:
    """The maps, padding rings and per-axis tables of ``stack`` (from the core's ``stack_dependencies``).

    >>> import convkit
    >>> from convkit import layers as L
    >>> g = view_geometry(convkit.LayerStack((None, 5, 5, 1), [L.Conv2D(1, 3, strides=2, padding="same", name="c")]))
    >>> [m.caption for m in g.maps], g.maps[0].ring
    (['input · 5×5×1', 'c · 3×3×1'], (1, 1, 1, 1))
    """
    deps = cached_dependencies(stack)
    entries = stack.trace.entries
    rank = len(deps[0].in_shapes[0]) if deps else len(stack.input_shape) - 2
    if rank not in (1, 2):
        return ViewGeometry(
            rank, (), (), f"The receptive-field view draws 1-D and 2-D maps; this stack's are {rank}-D."
        )
    sizes: list[tuple[int, ...]] = [deps[0].in_shapes[0] if deps else tuple(stack.input_shape[1:-1])]
    names, shapes = ["input"], [tuple(stack.input_shape[1:])]
    for d, e in zip(deps, entries):
        sizes.append(d.out_shape)
        names.append(d.name)
        shapes.append(tuple((e.output_shape or ())[1:]))
    pads = [_pads(d, stack.layers[d.index], e.input_shape) for d, e in zip(deps, entries)]
    ring = [[0, 0, 0, 0] for _ in sizes]
    for d, p in zip(deps, pads):
        src = d.sources[0] + 1
        for a, pa in enumerate(p):
            if pa is not None:
                side = 2 * (a + 2 - rank)  # 1-D: the only axis is the columns
                ring[src][side] = max(ring[src][side], pa[0])
                ring[src][side + 1] = max(ring[src][side + 1], pa[1])
    maps = []
    for k, (size, name, shape) in enumerate(zip(sizes, names, shapes)):
        grid = len(size) == rank
        rows, cols = ((1, size[0]) if rank == 1 else size) if grid else (1, 1)
        note = None if grid else view_words()["mixes_note"].format(name=name)
        maps.append(MapInfo(name, shape, int(rows), int(cols), tuple(ring[k]) if grid else (0, 0, 0, 0), grid, note))  # type: ignore[arg-type]
    total = sum(m.ring_shape[0] * m.ring_shape[1] for m in maps)
    if total > MAX_VIEW_CELLS:
        return ViewGeometry(
            rank,
            tuple(maps),
            (),
            f"These maps hold {total:,} cells; the view draws at most {MAX_VIEW_CELLS:,}: use a smaller input.",
        )
    layers = []
    for d, p in zip(deps, pads):
        per_source: list[tuple[RingAxis, RingAxis] | None] = []
        for s, axes in zip(d.sources, d.source_axes):
            src_map = maps[s + 1]
            if axes is None or not src_map.grid or not maps[d.index + 1].grid or len(axes) != rank:
                per_source.append(None)
                continue
            axis_pads = p if s == d.sources[0] and len(p) == rank else [None] * rank
            made = [
                _ring_axis(a, pa, src_map.ring[2 * (i + 2 - rank)]) for i, (a, pa) in enumerate(zip(axes, axis_pads))
            ]
            per_source.append((_ONE, made[0]) if rank == 1 else (made[0], made[1]))
        layers.append(LayerGeometry(d.index + 1, tuple(s + 1 for s in d.sources), tuple(per_source), d.axes is None))
    return ViewGeometry(rank, tuple(maps), tuple(layers))


def _dense(axis: RingAxis, in_size: int) -> Bools:
    """``(out_size, in_size)`` boolean matrix of one axis table."""
    m = np.zeros((axis.out_size, in_size), dtype=bool)
    m[np.repeat(np.arange(axis.out_size), np.diff(axis.indptr)), axis.indices] = True
    return m


def ring_masks(geometry: ViewGeometry, map_index: int, cell: Sequence[int]) -> list[Bools]:
    """Per map, the ring-coordinate cells (padded zeros included) that ``cell`` of map ``map_index`` depends on.

    >>> import convkit
    >>> from convkit import layers as L
    >>> g = view_geometry(convkit.LayerStack((None, 5, 5, 1), [L.Conv2D(1, 3, strides=2, padding="same")]))
    >>> ring_masks(g, 1, (0, 0))[0].astype(int)[:3, :3].tolist()
    [[1, 1, 1], [1, 1, 1], [1, 1, 1]]
    """
    maps = geometry.maps
    masks = [np.zeros(m.ring_shape, dtype=bool) for m in maps]
    m0 = maps[map_index]
    masks[map_index][cell[0] + m0.ring[0], cell[1] + m0.ring[2]] = True
    for layer in reversed(geometry.layers):
        if layer.map > map_index:
            continue
        out = maps[layer.map]
        inner = masks[layer.map][out.ring[0] : out.ring[0] + out.rows, out.ring[2] : out.ring[2] + out.cols]
        if not inner.any():
            continue
        for src, axes in zip(layer.sources, layer.axes):
            s = maps[src]
            if axes is None:
                masks[src][s.ring[0] : s.ring[0] + s.rows, s.ring[2] : s.ring[2] + s.cols] = True
                continue
            d0, d1 = _dense(axes[0], s.ring_shape[0]), _dense(axes[1], s.ring_shape[1])
            masks[src] |= (d0.T.astype(np.int32) @ inner.astype(np.int32) @ d1.astype(np.int32)) > 0
    return masks


# --- the matplotlib picture -------------------------------------------------------------------------------


def _colours(theme: str) -> dict[str, npt.NDArray[np.float64]]:
    p = palette(theme)
    hexes = {
        "cell": p.input_cell,
        "pad": p.padding_cell,
        "read": p.tap,
        "pad_read": p.unread,
        "chosen": p.output_current,
    }
    return {k: np.array([int(v[i : i + 2], 16) / 255 for i in (1, 3, 5)]) for k, v in hexes.items()}


def _map_image(
    m: MapInfo, ring_mask: Bools, inner_mask: Bools | None, chosen: tuple[int, int] | None, theme: str
) -> npt.NDArray[np.float64]:
    """RGB picture of one map in ring coordinates: cells, padding ring, read cells (the map's own from
    ``inner_mask``, the padded zeros from ``ring_mask``), the chosen cell."""
    col = _colours(theme)
    rows, cols = m.ring_shape
    img = np.empty((rows, cols, 3))
    ring = np.ones((rows, cols), dtype=bool)
    ring[m.ring[0] : m.ring[0] + m.rows, m.ring[2] : m.ring[2] + m.cols] = False
    read = ring_mask & ring
    if inner_mask is not None:
        read[m.ring[0] : m.ring[0] + m.rows, m.ring[2] : m.ring[2] + m.cols] = inner_mask.reshape(m.rows, m.cols)
    img[...] = col["cell"]
    img[ring] = col["pad"]
    img[read & ~ring] = col["read"]
    img[read & ring] = col["pad_read"]
    if chosen is not None:
        img[chosen[0] + m.ring[0], chosen[1] + m.ring[2]] = col["chosen"]
    return img


def _checked_cell(
    stack: Any, geometry: ViewGeometry, map_index: Any, cell: Sequence[Any]
) -> tuple[int, tuple[int, int], Any]:
    n = len(geometry.maps)
    if isinstance(map_index, bool) or not isinstance(map_index, (int, np.integer)) or not 0 <= int(map_index) < n:
        raise ValueError(
            f"`map_index` must be 0 (the stack input) to {n - 1} (the last layer). Received: map_index={map_index!r}"
        )
    k = int(map_index)
    r, c = (int(v) for v in cell)
    m = geometry.maps[k]
    if not m.grid:
        raise ValueError(f"map {k} ({m.name}) has no spatial cells to choose; {m.note}. Received: map_index={k}")
    rf = None
    if k > 0:
        rf = stack.receptive_field((c,) if geometry.rank == 1 else (r, c), k - 1)  # the core's index checks
    elif not (0 <= r < m.rows and 0 <= c < m.cols):
        raise ValueError(f"`cell` must lie in the input's {m.rows}×{m.cols} cells. Received: cell={(r, c)}")
    return k, (r, c), rf


def draw_receptive_field(
    fig: Any, stack: Any, map_index: int, cell: Sequence[int], *, theme: str = "light"
) -> dict[str, Any]:
    """Draw every map of ``stack`` on ``fig``, with what ``cell`` of map ``map_index`` (0: the stack input,
    ``i + 1``: layer ``i``) depends on; returns ``{"images": [AxesImage or None per map], "sentence": Text}``.

    The map cells highlighted are the core's ``stack.receptive_field(...)`` masks; the padded zeros read come
    from the same geometry the browser view uses.

    >>> import convkit
    >>> from matplotlib.figure import Figure
    >>> from convkit import layers as L
    >>> s = convkit.LayerStack((None, 6, 6, 1), [L.Conv2D(1, 3, padding="same"), L.Conv2D(1, 3, strides=2, name="b")])
    >>> out = draw_receptive_field(Figure(), s, 2, (0, 0))
    >>> out["sentence"].get_text()
    'output (0, 0) of b sees 4×4 input pixels (its field is 5×5; the rest lies outside the input); 17 of its reads are padding'
    """
    geometry = view_geometry(stack)
    k, rc, rf = _checked_cell(stack, geometry, map_index, cell)
    pal = palette(theme)
    fig.set_facecolor(pal.background)
    rings = ring_masks(geometry, k, rc)
    n = len(geometry.maps)
    ncols = min(n, 4)
    nrows = -(-n // ncols)
    images: list[Any] = []
    for i, m in enumerate(geometry.maps):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        ax.set_facecolor(pal.background)
        ax.set_title(m.caption, color=pal.text, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        if not m.grid:
            ax.text(
                0.5,
                0.5,
                m.note or "",
                ha="center",
                va="center",
                wrap=True,
                color=pal.text,
                fontsize=8,
                transform=ax.transAxes,
            )
            images.append(None)
            continue
        inner: Bools | None
        if rf is None:
            inner = np.zeros((m.rows, m.cols), dtype=bool)
        elif i == 0:
            inner = np.asarray(rf.mask)
        else:
            inner = np.asarray(rf.masks[i - 1])
        image = _map_image(m, rings[i], inner, rc if i == k else None, theme)
        images.append(ax.imshow(image, interpolation="nearest", aspect="equal"))
        rows, cols = m.ring_shape
        if max(rows, cols) <= 64:
            ax.set_xticks(np.arange(-0.5, cols, 1), minor=True)
            ax.set_yticks(np.arange(-0.5, rows, 1), minor=True)
            ax.grid(which="minor", color=pal.grid_line, linewidth=0.5)
            ax.tick_params(which="minor", length=0)
        if any(m.ring):
            from matplotlib.patches import Rectangle

            top, bottom, left, right = m.ring
            for x, y, w, h in (
                (-0.5, -0.5, cols, top),
                (-0.5, rows - bottom - 0.5, cols, bottom),
                (-0.5, -0.5, left, rows),
                (cols - right - 0.5, -0.5, right, rows),
            ):
                if w > 0 and h > 0:  # padding: hatched, not colour alone
                    ax.add_patch(
                        Rectangle((x, y), w, h, fill=False, hatch="///", edgecolor=pal.text, linewidth=0, alpha=0.35)
                    )
    if rf is not None:
        text = str(rf)
    else:
        text = view_words()["input"].format(index=(rc[1],) if geometry.rank == 1 else rc)
    sentence = fig.suptitle(text, color=pal.text, fontsize=10, wrap=True)
    return {"images": images, "sentence": sentence}


def receptive_field_figure(stack: Any, map_index: int, cell: Sequence[int], *, theme: str = "light") -> Any:
    """A new matplotlib ``Figure`` (no pyplot) with :func:`draw_receptive_field`'s picture.

    >>> import convkit
    >>> from convkit import layers as L
    >>> s = convkit.LayerStack((None, 6, 6, 1), [L.Conv2D(1, 3, padding="same")])
    >>> len(receptive_field_figure(s, 1, (0, 0)).axes)
    2
    """
    from matplotlib.figure import Figure

    n = len(view_geometry(stack).maps)
    ncols = min(n, 4)
    fig = Figure(figsize=(3.0 * ncols, 3.2 * -(-n // ncols) + 0.4), layout="constrained")
    draw_receptive_field(fig, stack, map_index, cell, theme=theme)
    return fig


def save_receptive_field(
    stack: Any, path: Any, map_index: int, cell: Sequence[int], *, theme: str = "light", dpi: float = 150.0
) -> Path:
    """Write the picture to ``path`` (``.png`` or ``.svg``) and return the path.

    >>> import convkit, tempfile, pathlib
    >>> from convkit import layers as L
    >>> s = convkit.LayerStack((None, 6, 6, 1), [L.Conv2D(1, 3, padding="same")])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save_receptive_field(s, pathlib.Path(tmp) / "rf.svg", 1, (2, 2)).read_text().startswith("<?xml")
    True
    """
    out = Path(path)
    if out.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f'The receptive-field picture saves as ".png" or ".svg". Received: path={str(path)!r}')
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = receptive_field_figure(stack, map_index, cell, theme=theme)
    FigureCanvasAgg(fig)
    fig.savefig(out, dpi=dpi, facecolor=fig.get_facecolor())
    return out


def receptive_field_png_bytes(
    stack: Any, map_index: int, cell: Sequence[int], *, theme: str = "light", dpi: float = 100.0
) -> bytes:
    """The picture as PNG bytes (the widget's static fallback).

    >>> import convkit
    >>> from convkit import layers as L
    >>> s = convkit.LayerStack((None, 6, 6, 1), [L.Conv2D(1, 3, padding="same")])
    >>> receptive_field_png_bytes(s, 1, (0, 0))[:4]
    b'\\x89PNG'
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = receptive_field_figure(stack, map_index, cell, theme=theme)
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor=fig.get_facecolor())
    return buf.getvalue()
