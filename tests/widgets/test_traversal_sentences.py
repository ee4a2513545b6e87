"""The widget says what the exports say: for a step, the sentence the widget's ES module writes (its template filled
by ``traversal.js``, and the same template filled in Python) equals the text of that step's exported SVG.

Three writers are compared: Python's ``Payload.step_sentence``/``sum_sentence`` (the templates of
:mod:`convkit.render.traversal_words`), the ES module's ``fillStep``/``fillSum`` run in Node on the very header and
texts the browser receives, and the ``<text>`` elements of ``KernelTraversal.save("….svg")``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from convkit.core.numeric import convolve
from convkit.core.step_arithmetic import layer_output
from convkit.core.words import fmt, number_texts
from convkit.render._traversal_depth_draw import depth_png_bytes
from convkit.render._traversal_numbers import resolve_numbers
from convkit.render._traversal_view import input_views, output_views
from convkit.render.traversal_words import sum_template
from convkit.widgets.traversal import KernelTraversal

JS = Path(__file__).resolve().parents[2] / "convkit" / "widgets" / "traversal.js"
SVG = "{http://www.w3.org/2000/svg}text"
RNG = np.random.default_rng(3)

CONFIGS = [
    pytest.param(dict(input_size=(28, 28), kernel_size=3, strides=2), id="example_1"),
    pytest.param(dict(input_size=(64, 64), kernel_size=5, padding="same"), id="example_2"),
    pytest.param(dict(input_size=(128, 128), kernel_size=3, strides=4), id="example_3"),
    pytest.param(dict(input_size=(13, 13), kernel_size=2, operation="max", numbers=True), id="max_pool_numbers"),
    pytest.param(
        dict(input_size=(9, 9), kernel_size=3, strides=2, padding="same", operation="average", numbers=True),
        id="average_pool_same",
    ),
    pytest.param(dict(input_size=20, kernel_size=4, padding="causal", dilation_rate=2, numbers=True), id="causal_1d"),
    pytest.param(dict(input_size=(11, 11), kernel_size=3, dilation_rate=2, numbers=True), id="dilation"),
    pytest.param(dict(input_size=(10, 10), kernel_size=3, strides=2, padding="same", numbers=True), id="same_stride_2"),
    pytest.param(
        dict(input_size=(8, 8), kernel_size=3, padding="same", in_channels=3, numbers=True), id="three_channels"
    ),
    pytest.param(
        dict(
            input_size=(6, 7),
            kernel_size=(3, 2),
            padding=((1, 0), (2, 1)),
            numbers=(RNG.normal(size=(6, 7)), RNG.normal(size=(3, 2))),
        ),
        id="explicit_padding_floats",
    ),
    pytest.param(
        dict(
            input_size=(6, 6),
            kernel_size=3,
            in_channels=3,
            filters=2,
            numbers=(RNG.integers(-3, 4, (6, 6, 3)), RNG.integers(-2, 3, (3, 3, 3, 2)), [-2, 5]),
        ),
        id="three_channels_bias",
    ),
    pytest.param(
        dict(input_size=(7, 7), kernel_size=3, in_channels=6, filters=4, groups=2, numbers=True), id="grouped_demo"
    ),
    pytest.param(
        dict(input_size=(5, 5), kernel_size=3, kind="depthwise", in_channels=2, depth_multiplier=2, numbers=True),
        id="depthwise_demo",
    ),
    pytest.param(
        dict(
            input_size=(5, 6),
            kernel_size=2,
            strides=2,
            padding="same",
            in_channels=2,
            filters=3,
            numbers=(RNG.normal(size=(5, 6, 2)), RNG.normal(size=(2, 2, 2, 3)), RNG.normal(size=3)),
        ),
        id="floats_bias",
    ),
]


def steps_of(w: KernelTraversal) -> list[int]:
    n = w.num_steps
    return sorted({0, 1, n // 2, n - 1})


def svg_texts(w: KernelTraversal, step: int, tmp_path: Path) -> list[str]:
    w.step = step
    path = w.save(tmp_path / f"step{step}.svg", view="grid")
    return ["".join(e.itertext()) for e in ET.parse(path).getroot().iter(SVG)]


@pytest.mark.parametrize("kwargs", CONFIGS)
def test_widget_sentence_equals_exported_svg_text(kwargs: dict, tmp_path: Path) -> None:
    w = KernelTraversal(**kwargs)
    for step in steps_of(w):
        texts = svg_texts(w, step, tmp_path)
        sentence = w.payload.step_sentence(step)
        assert sentence in texts, (sentence, texts[:4])
        assert sentence.startswith(("kernel ", "max-pool window ", "average-pool window "))
        assert f"step {step + 1}/{w.num_steps}" in sentence
        total = w.payload.sum_sentence(step)
        if kwargs.get("numbers") is not None:
            assert total in texts, (total, [t for t in texts if t.startswith("output[")])
            assert total.startswith("output[")
        else:
            assert total is None and not any(" = " in t and t.startswith("output[") for t in texts)


def run_node(script: str, data: dict) -> object:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (apt-get install nodejs): the ES module's sentences are not run")
    code = f"import * as m from {json.dumps(JS.as_uri())};\nconst data = JSON.parse(require_stdin());\n" + script
    code = code.replace(
        "require_stdin()",
        "(await new Promise((ok) => { let s = ''; process.stdin.on('data', "
        "(c) => { s += c; }); process.stdin.on('end', () => ok(s)); }))",
    )
    done = subprocess.run(
        [node, "--input-type=module", "-e", code],
        input=json.dumps(data),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("kwargs", CONFIGS)
def test_es_module_fills_the_templates_as_python_does(kwargs: dict) -> None:
    w = KernelTraversal(**kwargs)
    h = w.payload.header
    steps = list(range(min(w.num_steps, 300))) + [w.num_steps - 1]
    data = {"sentences": h["sentences"], "steps": steps, "texts": list(w.payload.texts()) if h["numbers"] else None}
    script = """
const out = data.steps.map((s) => [m.fillStep(data.sentences.step, s),
  data.texts ? m.fillSum(data.sentences.sum, s, ...data.texts) : null]);
process.stdout.write(JSON.stringify(out));
"""
    got = run_node(script, data)
    expected = [[w.payload.step_sentence(s), w.payload.sum_sentence(s)] for s in steps]
    assert got == expected


def test_es_module_pages_views_as_the_renderer_does() -> None:
    w = KernelTraversal((300, 200), 7, strides=9)
    t = w.traversal
    views = w.payload.header["view"]
    positions = list(range(0, 310, 7))
    script = (
        "process.stdout.write(JSON.stringify(data.views.map((v) => data.positions.map((p) => m.axisOrigin(v, p)))));"
    )
    got = run_node(script, {"views": [*views["input"], *views["output"]], "positions": positions})
    vin, vout = input_views(t), output_views(t)
    expected = [[v.origin(p) for p in positions] for v in (vin.rows, vin.cols, vout.rows, vout.cols)]
    assert got == expected


def test_templates_stay_small_for_long_runs() -> None:
    w = KernelTraversal(4096, 1, numbers=None)
    assert w.num_steps == 4096
    assert len(json.dumps(w.payload.header["sentences"])) < 1500, "one template, whatever the number of steps"
    assert w.payload.step_sentence(4095) == "kernel 1 · step 4096/4096 · output[4095] reads positions 4095"


# ------------------------------------------------------------------------------------------------ the bias
BIAS_CASES = [
    pytest.param(dict(input_size=(6, 6), kernel_size=3, in_channels=3, filters=4), id="plain_3_to_4"),
    pytest.param(dict(input_size=(7, 7), kernel_size=3, strides=2, padding="same", in_channels=2), id="same_stride"),
    pytest.param(dict(input_size=(6, 6), kernel_size=3, in_channels=4, filters=4, groups=2), id="grouped"),
    pytest.param(dict(input_size=(6, 6), kernel_size=3, kind="depthwise", in_channels=3), id="depthwise"),
    pytest.param(dict(input_size=12, kernel_size=3, dilation_rate=2, in_channels=2, filters=3), id="dilated_1d"),
]


def export_sum(w: KernelTraversal, step: int) -> str:
    """The sum line the matplotlib export writes for ``step`` (what ``save(view="grid")`` draws)."""
    numbers = resolve_numbers(w.traversal, w._render_options()["numbers"], w.payload.header["operation"])
    assert numbers is not None
    return numbers.sum_line(w.traversal, step)


@pytest.mark.parametrize("kwargs", BIAS_CASES)
def test_grid_sum_line_ends_with_the_bias_and_the_layer_output(kwargs: dict) -> None:
    """One value per cell: the grid's sum line, its export and str(arithmetic()) end '+ bias b = value'."""
    w = KernelTraversal(**kwargs, numbers=True)
    bias = w.payload.values.bias
    assert bias is not None and np.any(bias != 0), "the demo values have a bias"
    for step in steps_of(w):
        a = w.arithmetic(step)
        tail = f" + bias {fmt(a.bias, a.whole)} = {fmt(a.value, a.whole)}"
        grid = w.payload.sum_sentence(step)
        assert grid == export_sum(w, step)
        assert grid.endswith(tail) and str(a).endswith(tail), (grid, str(a))
        assert w.payload.depth_sentence(step, 0) == str(a)


@pytest.mark.parametrize("kwargs", BIAS_CASES)
def test_output_cell_texts_are_the_layers_output_with_bias(kwargs: dict) -> None:
    w = KernelTraversal(**kwargs, numbers=True)
    v, params = w.payload.values, w._state.params
    kind = "conv" if params.kind == "conv" else params.kind
    expected = layer_output(
        v.x,
        v.kernel,
        params.strides,
        params.padding,
        params.dilation_rate,
        kind=kind,
        groups=params.groups,
        bias=v.bias,
    )
    y_cells = w.payload.texts()[2]
    assert y_cells == number_texts(expected[0, ..., 0].reshape(-1), v.whole)
    assert [y_cells[s] for s in steps_of(w)] == [fmt(w.arithmetic(s).value, True) for s in steps_of(w)]


def test_exported_svg_cells_write_the_output_with_bias(tmp_path: Path) -> None:
    x = np.arange(16.0).reshape(4, 4, 1)
    w = KernelTraversal((4, 4), 3, numbers=(x, np.ones((3, 3, 1, 1)), [-100]))
    texts = svg_texts(w, 0, tmp_path)
    assert "output[0, 0] = 0·1 + 1·1 + 2·1 + 4·1 + 5·1 + 6·1 + 8·1 + 9·1 + 10·1 + bias -100 = -55" in texts
    assert "-55" in texts and "45" not in texts, "the output cell is the layer's output, not the bare sum"
    assert w.payload.texts()[2] == ["-55", "-46", "-19", "-10"]


def test_no_bias_given_no_bias_term() -> None:
    x, kernel = RNG.integers(0, 4, (5, 5, 2)), RNG.integers(-1, 2, (3, 3, 2, 2))
    w = KernelTraversal((5, 5), 3, in_channels=2, filters=2, numbers=(x, kernel))
    want = layer_output(x[None], kernel)[0, ..., 0].reshape(-1)
    for step in steps_of(w):
        grid = w.payload.sum_sentence(step)
        assert "bias" not in grid and grid == export_sum(w, step)
        assert grid.endswith(f" = {fmt(want[step], True)}")
    given_zero = KernelTraversal((5, 5), 3, in_channels=2, filters=2, numbers=(x, kernel, [0, 0]))
    assert given_zero.payload.sum_sentence(0).endswith(f" + bias 0 = {fmt(want[0], True)}"), "given: written"


def test_separable_grid_is_its_depthwise_phase_without_bias() -> None:
    w = KernelTraversal((5, 5), 3, kind="separable", in_channels=2, filters=3, numbers=True)
    a = w.arithmetic(2, phase="depthwise")
    assert "bias" not in w.payload.sum_sentence(2) and w.payload.sum_sentence(2).endswith(f" = {fmt(a.value, True)}")


def test_render_numbers_accept_a_bias() -> None:
    t = KernelTraversal((4, 4), 2).traversal
    x, k = np.arange(16).reshape(4, 4), np.array([[1, 0], [0, 1]])
    n = resolve_numbers(t, (x, k, 3), "conv")
    assert n is not None
    np.testing.assert_array_equal(n.output, convolve(x[None, ..., None], k[..., None, None]).reshape(-1) + 3)
    assert n.sum_line(t, 0) == "output[0, 0] = 0·1 + 1·0 + 4·0 + 5·1 + bias 3 = 8"
    for bad, error in (([1, 2], TypeError), ("1", TypeError), (float("nan"), ValueError)):
        with pytest.raises(error, match="Received: bias="):
            resolve_numbers(t, (x, k, bad), "conv")


# ------------------------------------------------------------------------------------------------ grouped
@pytest.mark.parametrize(
    ("in_channels", "groups", "rest"),
    [(4, 2, " (channel 0) + channel 1 + bias"), (6, 2, " (channel 0) + channels 1–2 + bias"), (4, 4, " + bias")],
)
def test_grouped_sum_line_names_the_channels_one_filter_reads(in_channels: int, groups: int, rest: str) -> None:
    w = KernelTraversal((6, 6), 3, in_channels=in_channels, filters=4, groups=groups, numbers=True)
    assert w.payload.header["sentences"]["sum"]["channels"] == in_channels // groups
    for step in steps_of(w):
        grid = w.payload.sum_sentence(step)
        assert grid == export_sum(w, step)
        assert rest in grid and f"channels 1–{in_channels - 1}" not in grid
        if groups == in_channels:
            assert "(channel 0)" not in grid, "one channel per filter: nothing else to add"
    assert sum_template(w.traversal, "conv", 2, "1").as_json()["bias"] == "1"


# ------------------------------------------------------------------------------------------------ default view
@pytest.mark.parametrize(
    ("kwargs", "view"),
    [
        (dict(input_size=(8, 8), kernel_size=3), "grid"),
        (dict(input_size=(8, 8), kernel_size=2, operation="max"), "grid"),
        (dict(input_size=(8, 8), kernel_size=3, in_channels=3), "depth"),
        (dict(input_size=(8, 8), kernel_size=3, filters=4), "depth"),
        (dict(input_size=(8, 8), kernel_size=3, kind="depthwise"), "depth"),
        (dict(input_size=(8, 8), kernel_size=3, kind="separable", filters=1), "depth"),
        (dict(input_size=(8, 8), kernel_size=2, operation="average", in_channels=3), "depth"),
        (dict(input_size=(8, 8), kernel_size=3, in_channels=4, filters=4, groups=2), "depth"),
    ],
)
def test_the_depth_view_is_the_default_picture_when_there_is_depth(kwargs: dict, view: str, tmp_path: Path) -> None:
    w = KernelTraversal(**kwargs, step=3)
    assert w.default_view == view
    svg = w.save(tmp_path / "default.svg").read_text()
    assert ('id="depth-input-0"' in svg) == (view == "depth")
    html = w.static_bundle()["text/html"]
    if view == "depth":
        assert w._png() == depth_png_bytes(w.payload.depth, step=3)
        assert 'alt="Kernel traversal depth view, step 4 of ' in html
        assert w.payload.depth_sentence(3, 0) in html
    else:
        assert 'alt="Kernel traversal picture, step 4 of ' in html
    grid = w.save(tmp_path / "grid.svg", view="grid").read_text()
    assert 'id="depth-input-0"' not in grid and w.payload.step_sentence(3) in grid
