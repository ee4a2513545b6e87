"""ReceptiveFieldView without a kernel or browser: the payload is enough to find what the core finds.

The browser computes every highlight from the header and the int32 buffer sent once per stack. ``js_masks`` below
is that algorithm (receptive_field.js' computeMasks / padReads / sentence) written again in numpy, reading only the
decoded payload: for named stacks and for random ones (hypothesis), its masks equal the core's
``stack.receptive_field(...)`` masks, its padding-read count the core's, its sentence ``str(rf)``; and the padded
zeros it highlights for a single window layer are exactly the padding taps of :func:`convkit.traverse`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convkit
from convkit import layers as L
from convkit.layers import Add, Concatenate
from convkit.widgets.receptive_field import ReceptiveFieldView, decode_axis


def stack(shape: tuple[int, ...], layers: list[Any], inputs: list[Any] | None = None) -> convkit.LayerStack:
    return convkit.LayerStack((None, *shape), layers, inputs)


CASES = {
    "example_3": lambda: stack((40, 40, 1), [L.Conv2D(1, 3, strides=4, name="conv_a"), L.Conv2D(1, 3, name="conv_b")]),
    "same_padding": lambda: stack((12, 12, 1), [L.Conv2D(2, 5, padding="same"), L.Conv2D(2, 3, padding="same")]),
    "same_strided_even": lambda: stack((11, 10, 1), [L.Conv2D(1, 4, strides=2, padding="same"), L.Conv2D(1, 3)]),
    "dilation": lambda: stack((15, 15, 1), [L.Conv2D(1, 3, dilation_rate=2, padding="same"), L.Conv2D(1, 3)]),
    "pooling": lambda: stack(
        (16, 16, 3), [L.Conv2D(4, 3, padding="same"), L.MaxPooling2D(2), L.AveragePooling2D(3, 1, "same")]
    ),
    "explicit_zero_padding_cropping": lambda: stack((9, 9, 1), [L.ZeroPadding2D(2), L.Conv2D(1, 3), L.Cropping2D(1)]),
    "upsampling": lambda: stack(
        (6, 6, 1), [L.UpSampling2D(2), L.Conv2D(1, 3, padding="same"), L.UpSampling2D(2, interpolation="bilinear")]
    ),
    "transposed": lambda: stack(
        (5, 5, 1), [L.Conv2DTranspose(1, 3, strides=2, padding="same"), L.Conv2D(1, 3, padding="same")]
    ),
    "causal_1d": lambda: stack(
        (20, 1), [L.Conv1D(1, 3, padding="causal", dilation_rate=2), L.Conv1D(1, 2, strides=2, padding="same")]
    ),
    "classifier": lambda: stack(
        (12, 12, 1), [L.Conv2D(2, 3, padding="same"), L.MaxPooling2D(2), L.Flatten(), L.Dense(3)]
    ),
    "residual_add": lambda: stack(
        (10, 10, 2), [L.Conv2D(2, 3, padding="same"), L.Conv2D(2, 3, padding="same"), Add()], [(), (0,), (-1, 1)]
    ),
    "concatenate_branches": lambda: stack(
        (10, 10, 1),
        [L.Conv2D(1, 5, padding="same"), L.Conv2D(1, 1), Concatenate(), L.Conv2D(1, 3, strides=2, padding="same")],
        [(), (), (0, 1), (2,)],
    ),
}


# ------------------------------------------------------------------------------- the browser's algorithm


def js_masks(view: ReceptiveFieldView, map_index: int, r: int, c: int) -> tuple[list[np.ndarray], list[int]]:
    """computeMasks of receptive_field.js over the decoded payload: ring masks per map, padding reads per layer."""
    h, data = view.header, view.geometry
    maps = h["maps"]
    shapes = [(m["rows"] + m["ring"][0] + m["ring"][1], m["cols"] + m["ring"][2] + m["ring"][3]) for m in maps]
    masks = [np.zeros(s, dtype=bool) for s in shapes]
    m0 = maps[map_index]
    masks[map_index][r + m0["ring"][0], c + m0["ring"][2]] = True
    pads = [0] * len(h["layers"])
    for li in range(len(h["layers"]) - 1, -1, -1):
        layer = h["layers"][li]
        if layer["map"] > map_index:
            continue
        out = maps[layer["map"]]
        top, left = out["ring"][0], out["ring"][2]
        inner = masks[layer["map"]][top : top + out["rows"], left : left + out["cols"]]
        if not inner.any():
            continue
        for src, refs in zip(layer["sources"], layer["axes"]):
            s = maps[src]
            if refs is None:
                masks[src][s["ring"][0] : s["ring"][0] + s["rows"], s["ring"][2] : s["ring"][2] + s["cols"]] = True
                continue
            d0, d1 = decode_axis(data, refs[0]), decode_axis(data, refs[1])
            for orow in range(out["rows"]):
                cols = np.flatnonzero(inner[orow])
                if cols.size == 0:
                    continue
                row_in = np.zeros(shapes[src][1], dtype=bool)
                for oc in cols:  # M·D1
                    row_in[d1.indices[d1.indptr[oc] : d1.indptr[oc + 1]]] = True
                for i in d0.indices[d0.indptr[orow] : d0.indptr[orow + 1]]:  # D0ᵀ·(M·D1)
                    masks[src][i] |= row_in
        if layer["axes"][0] is not None:
            a0, a1 = decode_axis(data, layer["axes"][0][0]), decode_axis(data, layer["axes"][0][1])
            rows, cols = np.nonzero(inner)
            pads[li] = int(
                sum(
                    a0.taps * a1.taps - (a0.taps - a0.pad_reads[i]) * (a1.taps - a1.pad_reads[j])
                    for i, j in zip(rows, cols)
                )
            )
    return masks, pads


def interior(view: ReceptiveFieldView, k: int, mask: np.ndarray) -> np.ndarray:
    m = view.header["maps"][k]
    inner = mask[m["ring"][0] : m["ring"][0] + m["rows"], m["ring"][2] : m["ring"][2] + m["cols"]]
    return inner[0] if view.header["rank"] == 1 else inner


def js_sentence(view: ReceptiveFieldView, k: int, r: int, c: int, masks: list[np.ndarray], pads: list[int]) -> str:
    """sentence() of receptive_field.js."""
    h = view.header
    index = (c,) if h["rank"] == 1 else (r, c)
    where = f"output {index} of {h['maps'][k]['name']}"
    mixing: list[str] = []
    for layer in h["layers"]:
        name = h["maps"][layer["map"]]["name"]
        if layer["map"] <= k and layer["mixes"] and masks[layer["map"]].any() and name not in mixing:
            mixing.append(name)
    seen_mask = interior(view, 0, masks[0])
    pixels = int(seen_mask.sum())
    hit = [
        np.flatnonzero(seen_mask.any(axis=tuple(b for b in range(seen_mask.ndim) if b != a)))
        for a in range(seen_mask.ndim)
    ]
    extent = [int(x[-1] - x[0] + 1) if x.size else 0 for x in hit]
    dims = "×".join(map(str, extent))
    if mixing:
        names = " and ".join(mixing) if len(mixing) <= 2 else f"{', '.join(mixing[:-1])} and {mixing[-1]}"
        verb = "mixes" if len(mixing) == 1 else "mix"
        seen = f"sees all {pixels} input {'pixel' if pixels == 1 else 'pixels'}: {names} {verb} every cell"
    elif pixels == 0:
        seen = "sees no input pixel (it reads padding only)"
    else:
        box = int(np.prod(extent))
        seen = f"sees {dims} input {'pixel' if box == 1 else 'pixels'}"
        if pixels < box:
            span = "a span of " if len(extent) == 1 else ""
            seen = f"sees {pixels} input {'pixel' if pixels == 1 else 'pixels'} within {span}{dims}"
        field = h["maps"][k]["field"]
        if field and "×".join(map(str, field)) != dims:
            seen += f"{h['words']['field_open']}{'×'.join(map(str, field))}{h['words']['field_close']}"
    total = sum(pads)
    pad = (
        "none of its reads are padding"
        if total == 0
        else "1 of its reads is padding"
        if total == 1
        else f"{total} of its reads are padding"
    )
    return f"{where} {seen}; {pad}"


def check_cell(view: ReceptiveFieldView, k: int, r: int, c: int) -> None:
    s = view.stack
    masks, pads = js_masks(view, k, r, c)
    rf = s.receptive_field((c,) if view.header["rank"] == 1 else (r, c), k - 1)
    np.testing.assert_array_equal(interior(view, 0, masks[0]), rf.mask)
    for i, core_mask in enumerate(rf.masks):
        if view.header["maps"][i + 1]["grid"]:
            np.testing.assert_array_equal(interior(view, i + 1, masks[i + 1]), core_mask, err_msg=f"map {i + 1}")
    assert pads == list(rf.padding_reads)
    assert js_sentence(view, k, r, c, masks, pads) == str(rf)


def cells_of(view: ReceptiveFieldView) -> list[tuple[int, int, int]]:
    """Corners, the middle and a cell near the border of every drawn map after the input."""
    out = []
    for k, m in enumerate(view.header["maps"]):
        if k == 0 or not m["grid"]:
            continue
        R, C = m["rows"], m["cols"]
        for r, c in {(0, 0), (R - 1, C - 1), (R // 2, C // 2), (0, C - 1), (min(1, R - 1), 0)}:
            out.append((k, r, c))
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_payload_gives_the_core_masks(name: str) -> None:
    view = ReceptiveFieldView(CASES[name]())
    for k, r, c in cells_of(view):
        check_cell(view, k, r, c)


def test_padding_cells_read_are_the_traversals_padding_taps() -> None:
    for kwargs in (
        dict(kernel_size=3, strides=2, padding="same"),
        dict(kernel_size=4, padding="same"),
        dict(kernel_size=3, dilation_rate=2, padding="same"),
        dict(kernel_size=5, strides=3, padding="same"),
    ):
        s = stack((7, 8, 1), [L.Conv2D(1, **kwargs)])
        view = ReceptiveFieldView(s)
        t = convkit.traverse((7, 8), **kwargs)
        m = view.header["maps"][0]
        for step in t.steps[:: max(1, t.num_steps // 9)]:
            r, c = step.output_index
            masks, _ = js_masks(view, 1, r, c)
            want = np.zeros_like(masks[0])
            for tap in step.taps:
                i, j = tap.input_index
                want[i + m["ring"][0], j + m["ring"][2]] = True
            np.testing.assert_array_equal(masks[0], want, err_msg=f"{kwargs} output {(r, c)}")
        (pb, pa), (qb, qa) = t.padding
        assert m["ring"] == [pb, pa, qb, qa], "the ring is the layer's padding"


def test_geometry_goes_over_once_and_a_selection_changes_nothing_else() -> None:
    view = ReceptiveFieldView(CASES["pooling"]())
    header, data = view.header, view.geometry
    sent: list[str] = []
    view.observe(lambda ch: sent.append(ch["name"]), names=["header", "geometry", "selected"])
    for cell in ([1, 3, 4], [2, 0, 7], [0, 5, 5]):
        view.selected = cell
    assert sent == ["selected"] * 3
    assert view.header is header and view.geometry is data
    assert np.frombuffer(data, "<i4").dtype == np.int32 and len(data) % 4 == 0
    view.selected = [1, 3, 4]
    assert view.layer == 0 and view.output_index == (3, 4)
    assert view.sentence == str(view.stack.receptive_field((3, 4), 0))


def test_defaults_words_and_maps() -> None:
    view = ReceptiveFieldView(CASES["classifier"]())
    maps = view.header["maps"]
    assert [m["grid"] for m in maps] == [True, True, True, False, False]
    assert view.selected == [2, 3, 3], "the last map with cells, its middle cell"
    assert "mixes every cell" in maps[3]["note"] and maps[3]["caption"].endswith("· 72")
    assert maps[0]["caption"] == "input · 12×12×1"
    corner = stack((6, 6, 1), [L.Conv2D(1, 3, padding="same"), L.Conv2D(1, 3, strides=2)]).receptive_field((0, 0))
    assert view.header["words"]["field_open"] in str(corner) and view.header["words"]["field_close"] in str(corner)
    rf_view = ReceptiveFieldView(CASES["example_3"](), layer=0, output_index=(2, 3))
    assert rf_view.selected == [1, 2, 3]
    assert rf_view.sentence == "output (2, 3) of conv_a sees 3×3 input pixels; none of its reads are padding"
    assert repr(rf_view).startswith("ReceptiveFieldView(output (2, 3) of conv_a")


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "words"),
    [
        pytest.param(("not a stack",), {}, TypeError, "Received: stack_or_keras_model='not a stack'", id="not_a_stack"),
        pytest.param((None,), {"layer": 5}, ValueError, "Received: layer=5", id="layer_out_of_range"),
        pytest.param((None,), {"layer": "a"}, ValueError, "Received: layer='a'", id="layer_not_int"),
        pytest.param((None,), {"layer": 3}, ValueError, "has no spatial map", id="layer_without_map"),
        pytest.param(
            (None,),
            {"layer": 0, "output_index": (14, 2)},
            ValueError,
            "Received: output_index=(14, 2)",
            id="cell_out_of_range",
        ),
        pytest.param(
            (None,),
            {"layer": 0, "output_index": (1,)},
            ValueError,
            "Received: output_index=(1,)",
            id="cell_wrong_length",
        ),
    ],
)
def test_bad_input_says_what_and_how(args: tuple[Any, ...], kwargs: dict[str, Any], error: type, words: str) -> None:
    target = CASES["classifier"]() if args[0] is None else args[0]
    with pytest.raises(error) as info:
        ReceptiveFieldView(target, **kwargs)
    assert words in str(info.value)


def test_three_d_stacks_are_refused_and_huge_maps_are_bounded() -> None:
    with pytest.raises(ValueError, match="1-D and 2-D"):
        ReceptiveFieldView(stack((4, 4, 4, 1), [L.Conv3D(1, 3)]))
    with pytest.raises(ValueError):  # too many cells: refused up front, before anything is built
        ReceptiveFieldView(stack((4096, 4096, 1), [L.Conv2D(1, 3, padding="same")] * 2))


layer_strategy = st.one_of(
    st.builds(
        lambda k, s, p, d: L.Conv2D(1, k, strides=s if d == 1 else 1, padding=p, dilation_rate=d),
        st.integers(1, 4),
        st.integers(1, 3),
        st.sampled_from(["valid", "same"]),
        st.integers(1, 2),
    ),
    st.builds(lambda k, p: L.MaxPooling2D(k, padding=p), st.integers(1, 3), st.sampled_from(["valid", "same"])),
    st.builds(
        lambda k, p: L.AveragePooling2D(k, strides=1, padding=p), st.integers(1, 3), st.sampled_from(["valid", "same"])
    ),
    st.builds(lambda k, s: L.Conv2DTranspose(1, k, strides=s, padding="valid"), st.integers(1, 3), st.integers(1, 2)),
    st.builds(lambda p: L.ZeroPadding2D(p), st.integers(1, 2)),
)


@settings(max_examples=80, deadline=None)
@given(
    size=st.tuples(st.integers(6, 14), st.integers(6, 14)),
    layers=st.lists(layer_strategy, min_size=1, max_size=4),
    pick=st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1)),
)
def test_random_stacks_payload_equals_core(
    size: tuple[int, int], layers: list[Any], pick: tuple[float, float, float]
) -> None:
    try:
        s = stack((*size, 1), layers)
    except ValueError:
        return
    if not s.is_valid:
        return
    view = ReceptiveFieldView(s)
    maps = view.header["maps"]
    k = 1 + min(int(pick[0] * (len(maps) - 1)), len(maps) - 2)
    m = maps[k]
    check_cell(view, k, min(int(pick[1] * m["rows"]), m["rows"] - 1), min(int(pick[2] * m["cols"]), m["cols"] - 1))


def test_a_keras_model_goes_through_from_keras() -> None:
    keras = pytest.importorskip("keras")
    model = keras.Sequential(
        [
            keras.Input((12, 12, 1)),
            keras.layers.Conv2D(2, 3, padding="same", name="k_a"),
            keras.layers.Conv2D(2, 3, strides=2, name="k_b"),
        ]
    )
    with pytest.raises(TypeError, match=r"convkit.LayerStack.from_keras\(model\)"):
        ReceptiveFieldView(model)
    view = ReceptiveFieldView(convkit.LayerStack.from_keras(model), layer=1, output_index=(0, 4))
    assert view.sentence == str(view.stack.receptive_field((0, 4), 1))
    check_cell(view, 2, 0, 4)


def test_a_selected_cell_from_python_must_exist() -> None:
    import traitlets

    view = ReceptiveFieldView(CASES["classifier"]())
    for bad in ([3, 0, 0], [1, 12, 0], [9, 0, 0], [1, 0]):
        with pytest.raises(traitlets.TraitError, match="Received: selected="):
            view.selected = bad
    assert view.selected == [2, 3, 3], "a refused cell keeps the chosen one"
    with pytest.raises(ValueError, match="no layers"):
        ReceptiveFieldView(convkit.LayerStack((None, 8, 8, 1), []))


@pytest.mark.tf
def test_the_front_door_reads_a_keras_model_and_the_stack_opens_its_view() -> None:
    keras = pytest.importorskip("keras")
    model = keras.Sequential(
        [keras.Input((12, 12, 3)), keras.layers.Conv2D(4, 3, strides=2), keras.layers.Conv2D(8, 3, name="conv_b")]
    )
    view = convkit.ReceptiveFieldView(model)
    stack = convkit.LayerStack.from_keras(model)
    assert isinstance(view, ReceptiveFieldView)
    assert view.header == stack.receptive_field_view().header  # the same maps and geometry either way
    with pytest.raises(TypeError, match=r"convkit\.ReceptiveFieldView\(model\)"):
        ReceptiveFieldView(model)  # the widget class itself never reads Keras
