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

from convkit.render._traversal_view import input_views, output_views
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
]


def steps_of(w: KernelTraversal) -> list[int]:
    n = w.num_steps
    return sorted({0, 1, n // 2, n - 1})


def svg_texts(w: KernelTraversal, step: int, tmp_path: Path) -> list[str]:
    w.step = step
    path = w.save(tmp_path / f"step{step}.svg")
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
