"""``ReceptiveFieldView``: hover or click any cell of any map of a stack; every earlier map shows what it reads.

The view is one anywidget. Python sends the stack's geometry ONCE (:func:`build_payload`: a JSON header and one
little-endian int32 buffer built from the core's ``stack_dependencies`` through
:func:`convkit.render.receptive_field.view_geometry`); ``receptive_field.js`` computes every highlight in the
browser (per axis CSR tables, ``M_in = D0ᵀ·M_out·D1`` in the boolean semiring, the union over a merge's sources),
so a hover sends nothing to the kernel. A click stores the chosen cell in :attr:`ReceptiveFieldView.selected`
(one message), which :meth:`~ReceptiveFieldView.save` and the static picture draw.

Buffer layout (``header["layers"][i]["axes"][source]`` is ``None`` for a source it mixes, else two axis
references, rows then columns; a 1-D stack's rows axis is a single cell): for an axis reference
``{"off", "n", "nnz", "taps"}`` the buffer holds ``indptr`` (``n + 1`` values from ``off``), then ``indices``
(``nnz`` ring coordinates of the source map), then ``pad`` (``n`` values: each output cell's taps in padding).
"""

from __future__ import annotations

import pathlib
from typing import Any

import anywidget
import numpy as np
import traitlets

from ..core.receptive_field import ReceptiveField
from ..core.stack import LayerStack
from ..core.words import short_repr
from ..render.receptive_field import RingAxis, ViewGeometry, view_geometry, view_words
from ..render.style import DARK, LIGHT
from ._static import display_with_fallback, fallback_bundle

__all__ = ["ReceptiveFieldView", "build_payload", "decode_axis"]

_HERE = pathlib.Path(__file__).parent


def _axis_ref(axis: RingAxis, parts: list[np.ndarray], offset: int) -> tuple[dict[str, int], int]:
    parts += [axis.indptr, axis.indices, axis.pad_reads]
    ref = {"off": offset, "n": axis.out_size, "nnz": len(axis.indices), "taps": int(axis.taps)}
    return ref, offset + axis.out_size + 1 + len(axis.indices) + axis.out_size


def build_payload(geometry: ViewGeometry, words: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """The header and the int32 buffer the browser draws from (see the module docstring).

    >>> import convkit
    >>> from convkit import layers as L
    >>> from convkit.render.receptive_field import view_geometry
    >>> s = convkit.LayerStack((None, 5, 5, 1), [L.Conv2D(1, 3, strides=2, padding="same")])
    >>> header, data = build_payload(view_geometry(s), {})
    >>> header["layers"][0]["axes"][0][0], len(data) // 4
    ({'off': 0, 'n': 3, 'nnz': 9, 'taps': 3}, 32)
    """
    parts: list[np.ndarray] = []
    offset = 0
    layers = []
    for layer in geometry.layers:
        refs: list[list[dict[str, int]] | None] = []
        for axes in layer.axes:
            if axes is None:
                refs.append(None)
                continue
            pair = []
            for axis in axes:
                ref, offset = _axis_ref(axis, parts, offset)
                pair.append(ref)
            refs.append(pair)
        layers.append({"map": layer.map, "sources": list(layer.sources), "mixes": layer.mixes, "axes": refs})
    maps = [
        {
            "name": m.name,
            "caption": m.caption,
            "rows": m.rows,
            "cols": m.cols,
            "ring": list(m.ring),
            "grid": m.grid,
            "note": m.note,
        }
        for m in geometry.maps
    ]
    data = np.concatenate(parts).astype("<i4").tobytes() if parts else b""
    header = {
        "rank": geometry.rank,
        "maps": maps,
        "layers": layers,
        "message": geometry.message,
        "words": words,
        "palette": {"light": LIGHT.as_dict(), "dark": DARK.as_dict()},
    }
    return header, data


def decode_axis(data: bytes, ref: dict[str, int]) -> RingAxis:
    """One axis table read back from the buffer, as the browser reads it.

    >>> import convkit
    >>> from convkit import layers as L
    >>> from convkit.render.receptive_field import view_geometry
    >>> s = convkit.LayerStack((None, 5, 5, 1), [L.Conv2D(1, 3, strides=2, padding="same")])
    >>> header, data = build_payload(view_geometry(s), {})
    >>> rows = decode_axis(data, header["layers"][0]["axes"][0][0])
    >>> rows.indptr.tolist(), rows.indices.tolist(), rows.pad_reads.tolist()
    ([0, 3, 6, 9], [0, 1, 2, 2, 3, 4, 4, 5, 6], [1, 0, 1])
    """
    values = np.frombuffer(data, dtype="<i4")
    o, n, nnz = ref["off"], ref["n"], ref["nnz"]
    return RingAxis(
        values[o : o + n + 1],
        values[o + n + 1 : o + n + 1 + nnz],
        values[o + n + 1 + nnz : o + 2 * n + 1 + nnz],
        ref["taps"],
    )


def _as_stack(obj: Any) -> LayerStack:
    if isinstance(obj, LayerStack):
        return obj
    module = type(obj).__module__ or ""
    if module.startswith("keras") and hasattr(obj, "layers") and hasattr(obj, "get_config"):
        # widgets never touch Keras (only convkit.adapters reads it): the front door converts the model
        raise TypeError(
            "This ReceptiveFieldView class draws a convkit.LayerStack: use convkit.ReceptiveFieldView(model), "
            "which reads the Keras model first (or convkit.LayerStack.from_keras(model).receptive_field_view()). "
            f"Received: stack_or_keras_model={short_repr(obj)} (of type {type(obj).__name__})"
        )
    raise TypeError(
        "ReceptiveFieldView takes a convkit.LayerStack, e.g. "
        f"ReceptiveFieldView(convkit.LayerStack((None, 28, 28, 1), [...])). Received: stack_or_keras_model="
        f"{short_repr(obj)} (of type {type(obj).__name__})"
    )


def _field_words() -> dict[str, str]:
    """The words around the field's size in the core's sentence (``" (its field is "``, ``"; the rest …)"``),
    read from :func:`convkit.core.words.receptive_field_sentence` itself so the browser says exactly the same."""
    from ..core.words import receptive_field_sentence

    args: dict[str, Any] = {"pixels": 1, "extent": (1, 1), "padding_reads": 0}
    plain = receptive_field_sentence((0, 0), "x", field=None, **args)
    full = receptive_field_sentence((0, 0), "x", field=(7, 7), **args)
    p = next((i for i, (a, b) in enumerate(zip(plain, full)) if a != b), len(plain))
    q = next((i for i, (a, b) in enumerate(zip(reversed(plain), reversed(full))) if a != b), len(plain) - p)
    inserted = full[p : len(full) - q]
    open_, _, close = inserted.partition("7×7")
    return {"field_open": open_, "field_close": close}


class ReceptiveFieldView(anywidget.AnyWidget):
    """Every map of a stack as a grid: hover or click a cell, every earlier map highlights what it depends on.

    Parameters
    ----------
    stack_or_keras_model
        A :class:`convkit.LayerStack`; a built Keras model goes through ``convkit.LayerStack.from_keras(model)``
        first (the widgets never read Keras themselves: a Keras model here is refused with that fix).
    layer
        The layer whose cell is chosen first (entry index; ``-1``: the last layer with a spatial map).
    output_index
        The cell chosen first (default: the middle of that layer's map).

    The padding ring of each map (the zeros the next layer pads it with) is drawn striped; the padded zeros a
    cell reads are highlighted too. Hovering sends nothing to the kernel (the geometry is sent once); a click
    stores the cell in :attr:`selected`, which :meth:`save` and the static picture draw.

    Examples
    --------
    >>> import convkit
    >>> from convkit import layers as L
    >>> s = convkit.LayerStack((None, 13, 13, 1), [L.Conv2D(1, 3, strides=4, name="conv_a"), L.Conv2D(1, 3, name="conv_b")])
    >>> v = ReceptiveFieldView(s)
    >>> v.selected, v.sentence
    ([2, 0, 0], 'output (0, 0) of conv_b sees 81 input pixels within 11×11; none of its reads are padding')
    """

    _esm = _HERE / "receptive_field.js"
    _css = _HERE / "receptive_field.css"
    header = traitlets.Dict().tag(sync=True)
    geometry = traitlets.Bytes(b"").tag(sync=True)
    #: ``[map, row, column]`` of the chosen cell; map 0 is the stack input, map ``i + 1`` layer ``i``'s output
    #: (a 1-D map has one row).
    selected = traitlets.List(traitlets.Int(), [0, 0, 0]).tag(sync=True)

    def __init__(self, stack_or_keras_model: Any, *, layer: int = -1, output_index: Any = None, **kwargs: Any) -> None:
        stack = _as_stack(stack_or_keras_model)
        geometry = view_geometry(stack)
        if geometry.message is not None and not geometry.layers:
            raise ValueError(f"{geometry.message} Received: stack_or_keras_model={short_repr(stack)}")
        self._stack, self._geometry = stack, geometry
        first = self._first_map(layer)
        m = geometry.maps[first]
        if output_index is None:
            cell = (m.rows // 2, m.cols // 2)
        else:
            checked = stack.receptive_field(output_index, first - 1).output_index  # the core's checks and message
            cell = (0, checked[0]) if geometry.rank == 1 else (checked[0], checked[1])
        words = {**view_words(), **_field_words()}
        fields = self._fields()
        header, data = build_payload(geometry, words)
        for info, field in zip(header["maps"], fields):
            info["field"] = field
        super().__init__(header=header, geometry=data, selected=[first, *cell], **kwargs)

    @traitlets.validate("selected")
    def _check_selected(self, proposal: Any) -> list[int]:
        """A cell assigned from Python must exist (the browser only ever sends cells it draws)."""
        value = list(proposal["value"])
        maps = getattr(self, "_geometry", None)
        if maps is None:
            return value
        ok = len(value) == 3 and 0 <= value[0] < len(maps.maps) and maps.maps[value[0]].grid
        if ok:
            m = maps.maps[value[0]]
            ok = 0 <= value[1] < m.rows and 0 <= value[2] < m.cols
        if not ok:
            drawn = [
                f"{k} ({m.name}: rows 0..{m.rows - 1}, columns 0..{m.cols - 1})"
                for k, m in enumerate(maps.maps)
                if m.grid
            ]
            raise traitlets.TraitError(
                f"`selected` must be [map, row, column] of a drawn map: maps {', '.join(drawn)}; the view keeps "
                f"{list(self.selected)}. Received: selected={short_repr(value)}"
            )
        return value

    # -- public ----------------------------------------------------------------------------------------
    @property
    def stack(self) -> LayerStack:
        return self._stack

    @property
    def view_geometry(self) -> ViewGeometry:
        """What the browser draws from (maps, padding rings, per-axis tables)."""
        return self._geometry

    @property
    def layer(self) -> int:
        """The layer (entry index) of the chosen cell; ``-1`` when a cell of the stack input is chosen."""
        return int(self.selected[0]) - 1

    @property
    def output_index(self) -> tuple[int, ...]:
        """The chosen cell's index in its map (one int per spatial axis)."""
        _, r, c = (int(v) for v in self.selected)
        return (c,) if self._geometry.rank == 1 else (r, c)

    @property
    def receptive_field(self) -> ReceptiveField | None:
        """The core's answer for the chosen cell (``None`` when a cell of the stack input is chosen)."""
        return None if self.layer < 0 else self._stack.receptive_field(self.output_index, self.layer)

    @property
    def sentence(self) -> str:
        """What the view says for the chosen cell (the browser writes the same)."""
        rf = self.receptive_field
        if rf is None:
            index = self.output_index
            return view_words()["input"].format(index=tuple(index))  # a tuple's own text, as the core writes it
        return str(rf)

    def save(self, path: Any, **kwargs: Any) -> pathlib.Path:
        """A PNG or SVG of the chosen cell's picture (:func:`convkit.render.receptive_field.save_receptive_field`;
        keyword arguments such as ``theme`` and ``dpi`` go there)."""
        from ..render.receptive_field import save_receptive_field

        return save_receptive_field(self._stack, path, self.selected[0], self.selected[1:], **kwargs)

    # -- helpers ---------------------------------------------------------------------------------------
    def _first_map(self, layer: Any) -> int:
        maps, n = self._geometry.maps, len(self._stack)
        if n == 0:
            raise ValueError(
                "The stack has no layers, so no cell depends on anything yet: add a layer first. Received: layers=[]"
            )
        if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or not -n <= int(layer) < n:
            raise ValueError(f"`layer` must be a layer index from {-n} to {n - 1}. Received: layer={short_repr(layer)}")
        k = int(layer) % n + 1
        if maps[k].grid:
            return k
        if layer == -1:
            drawn = [i for i, m in enumerate(maps) if m.grid and i > 0]
            if drawn:
                return drawn[-1]
        raise ValueError(
            f"layer {int(layer) % n} ({maps[k].name}) has no spatial map to choose a cell in: choose an earlier "
            f"layer, e.g. layer={max((i - 1 for i, m in enumerate(maps) if m.grid and i > 0), default=0)}. "
            f"Received: layer={layer}"
        )

    def _fields(self) -> list[list[int] | None]:
        """Per map, the trace's receptive field size when every axis is a whole number (else ``None``)."""
        out: list[list[int] | None] = [None]
        for e in self._stack.trace.entries:
            rf = e.receptive_field
            whole = rf is not None and all(int(f) == f for f in rf)
            out.append([int(f) for f in rf] if whole and rf is not None else None)
        return out

    def __repr__(self) -> str:
        return f"ReceptiveFieldView({self.sentence})"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        raw: Any = super()._repr_mimebundle_(**kwargs)
        data = dict((raw[0] if isinstance(raw, tuple) else raw) or {})
        data["text/plain"] = f"ReceptiveFieldView: {self.sentence}"
        return data

    def static_bundle(self) -> dict[str, Any] | None:
        """The static picture shown where the live view cannot render (see :mod:`convkit.widgets._static`)."""
        from ..render.receptive_field import receptive_field_png_bytes

        png = receptive_field_png_bytes(self._stack, self.selected[0], self.selected[1:])
        return fallback_bundle(png, f"Receptive-field picture: {self.sentence}", f"Picture: {self.sentence}")

    def _ipython_display_(self, **kwargs: Any) -> None:
        display_with_fallback(self._repr_mimebundle_(**kwargs), self.static_bundle)
