"""One place for words: the summary, the diagram and the stack editor say the same window label; shapes are
written by core/words only; the merge checks and the error explainer give the same fix."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import pytest

import convkit
from convkit import layers as L
from convkit.core import words as core_words
from convkit.core.merge import Add, Concatenate
from convkit.render import words
from convkit.render.stack import draw_stack_figure
from convkit.widgets.stack_editor import StackEditor

PACKAGE = Path(convkit.__file__).parent

#: (case id, layer, input shape, the window label every view must show)
WINDOWS = [
    ("conv", L.Conv2D(8, 3), (None, 16, 16, 3), "3×3 valid"),
    ("dilated", L.Conv2D(8, 3, dilation_rate=2), (None, 16, 16, 3), "3×3 valid, dilation 2"),
    ("dilated_per_axis", L.Conv2D(8, 3, dilation_rate=(2, 1)), (None, 16, 16, 3), "3×3 valid, dilation 2×1"),
    ("strided_same", L.Conv2D(8, 3, strides=2, padding="same"), (None, 16, 16, 3), "3×3 /2 same"),
    ("strided_per_axis", L.Conv2D(8, (3, 1), strides=(2, 1)), (None, 16, 16, 3), "3×1 /2×1 valid"),
    ("max_pool_default_stride", L.MaxPooling2D(2), (None, 16, 16, 3), "2×2 /2 valid"),
    ("avg_pool", L.AveragePooling2D(3, strides=2, padding="same"), (None, 16, 16, 3), "3×3 /2 same"),
    ("pool_stride_1", L.MaxPooling2D(3, strides=1), (None, 16, 16, 3), "3×3 valid"),
    ("depthwise", L.DepthwiseConv2D(3, strides=2), (None, 16, 16, 3), "3×3 /2 valid"),
    ("separable", L.SeparableConv2D(8, 5, padding="same"), (None, 16, 16, 3), "5×5 same"),
    ("transpose", L.Conv2DTranspose(4, 3, strides=2, padding="same"), (None, 8, 8, 3), "3×3 ↑2 same"),
    ("transpose_stride_1", L.Conv2DTranspose(4, 3), (None, 8, 8, 3), "3×3 valid"),
    ("causal_dilated_1d", L.Conv1D(4, 5, padding="causal", dilation_rate=2), (None, 32, 3), "5 causal, dilation 2"),
    ("conv3d", L.Conv3D(2, 3, strides=(1, 2, 2)), (None, 8, 8, 8, 1), "3×3×3 /1×2×2 valid"),
]


def _stack(layer, shape) -> convkit.LayerStack:
    return convkit.LayerStack(shape, [layer])


@pytest.mark.parametrize(("layer", "shape", "label"), [c[1:] for c in WINDOWS], ids=[c[0] for c in WINDOWS])
def test_summary_diagram_and_editor_say_the_same_window(layer, shape, label):
    assert words.window_label(layer) == label
    stack = _stack(layer, shape)
    # the summary's Window column, in the text table and in the HTML
    row = stack.summary().rows[0]
    assert row.window == label
    assert label in str(stack.summary()) and html.escape(label) in stack.summary()._repr_html_()
    # the diagram's arrow label: the layer type, then the same words
    # (a wide first line is wrapped after the type)
    arrow = draw_stack_figure(stack).convkit_artists.layers[0].label.get_text()
    assert words.layer_title(layer) == f"{type(layer).__name__} {label}"
    assert arrow.replace("\n", " ").startswith(f"{type(layer).__name__} {label}")
    # the stack editor's row
    editor = StackEditor(stack, show_diagram=False)
    assert f"window {html.escape(label)}" in editor.rows[0].depth.value


def test_editor_row_follows_an_edit_with_the_same_words():
    editor = StackEditor(_stack(L.Conv2D(8, 3), (None, 16, 16, 3)), show_diagram=False)
    editor.rows[0].fields["strides"].value = "2"
    layer = editor.stack.layers[0]
    assert words.window_label(layer) == "3×3 /2 valid"
    assert "window 3×3 /2 valid" in editor.rows[0].depth.value
    assert editor.stack.summary().rows[0].window == "3×3 /2 valid"


@pytest.mark.parametrize(
    "layer", [L.Flatten(), L.Dense(3), L.ReLU(), L.ZeroPadding2D(1), L.Reshape((4, 4, 3))], ids=type
)
def test_layers_without_a_sliding_window_have_no_window_label(layer):
    assert words.window_label(layer) == ""


def test_global_pooling_reads_global():
    assert words.window_label(L.GlobalAveragePooling2D()) == "global"


@pytest.mark.parametrize(
    ("shape", "text", "volume"),
    [
        ((None, 13, 13, 32), "(None, 13, 13, 32)", "13×13×32"),
        ((3, 10), "(3, 10)", "10"),
        ((5,), "(5,)", ""),
        ((None, None, 8, 4), "(None, None, 8, 4)", "?×8×4"),
    ],
)
def test_shapes_are_written_one_way(shape, text, volume):
    import numpy as np

    assert words.format_shape(shape) == text == words.format_shape(list(shape))
    assert words.format_shape(tuple(np.int64(d) if d is not None else None for d in shape)) == text
    assert words.format_volume(shape) == volume
    assert words.format_shape(None) == "—"


def test_render_words_re_exports_the_core_words_as_the_same_functions():
    for name in core_words.__all__:
        assert getattr(words, name) is getattr(core_words, name), name


# --- the same fix sentence from the merge check and from the error explainer ---------------------------------


def test_merge_check_and_error_explainer_share_the_channel_fix():
    from convkit.adapters.errors import explain_error

    fix = core_words.channel_depths_fix(32, 64, 2)
    with pytest.raises(ValueError) as refused:
        Add().compute_output_shape([(None, 16, 16, 32), (None, 16, 16, 64)])
    assert core_words.sentence(fix) in str(refused.value)
    keras_error = ValueError("Inputs have incompatible shapes. Received shapes (16, 16, 32) and (16, 16, 64)")
    assert f"Fix: {fix}" in explain_error(keras_error).notes


def test_merge_check_and_error_explainer_share_the_size_fixes():
    from convkit.adapters.errors import explain_error

    with pytest.raises(ValueError) as refused:
        Add().compute_output_shape([(None, 16, 16, 32), (None, 14, 14, 32)])
    assert core_words.sentence(core_words.spatial_sizes_fix()) in str(refused.value)
    keras_error = ValueError("Inputs have incompatible shapes. Received shapes (16, 16, 32) and (14, 14, 32)")
    assert f"Fix: {core_words.spatial_sizes_fix()}" in explain_error(keras_error).notes

    with pytest.raises(ValueError) as refused:
        Concatenate().compute_output_shape([(None, 16, 16, 32), (None, 14, 14, 32)])
    assert core_words.concatenate_sizes_fix(2) in str(refused.value)
    concat_error = ValueError(
        "A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. "
        "Received: input_shape=[(None, 16, 16, 32), (None, 14, 14, 32)]"
    )
    assert f"Fix: {core_words.concatenate_sizes_fix(2)}" in explain_error(concat_error).notes


@pytest.mark.parametrize(
    "make",
    [
        lambda: L.Conv2D(8, 3, strides=2, dilation_rate=2),
        lambda: L.Conv2DTranspose(8, 3, strides=2, dilation_rate=2),
        lambda: convkit.traverse((9, 9), 3, strides=2, dilation_rate=2),
        lambda: convkit.traverse_transpose((9, 9), 3, strides=2, dilation_rate=2),
    ],
    ids=["Conv2D", "Conv2DTranspose", "traverse", "traverse_transpose"],
)
def test_one_strides_with_dilation_refusal(make):
    with pytest.raises(ValueError) as refused:
        make()
    message = str(refused.value)
    assert message.startswith("`strides > 1` cannot be combined with `dilation_rate > 1` in one ")
    assert "Use strides=1 with a dilated kernel, or dilation_rate=1 with strides, or two layers" in message
    assert re.search(r"Received: strides=\S.*, dilation_rate=\S", message)


# --- no shape formatter outside the words modules -------------------------------------------------------------

WORDS_MODULES = {PACKAGE / "core" / "words.py", PACKAGE / "render" / "words.py"}
#: a shape tuple written by hand: "(" + ", ".join(...) or f"({', '.join(...)})"
HAND_TUPLE = re.compile(r"""["']\(["']\s*\+\s*["'], ["']\.join|f["']\(\{["'], ["']\.join""")
#: sizes joined by ×: "×".join(...)
HAND_DIMS = re.compile(r"""["']×["']\.join\(""")


def _formatter_helpers(path: Path) -> list[str]:
    """Small functions (and lambdas) in ``path`` that return a hand-made shape tuple or ×-joined sizes."""
    source = path.read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef):
            statements = [n for n in node.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
            results = [n.value for n in ast.walk(node) if isinstance(n, ast.Return) and n.value is not None]
            if len(statements) > 3:
                continue
        elif isinstance(node, ast.Lambda):
            results = [node.body]
        else:
            continue
        texts = [ast.get_source_segment(source, r) or "" for r in results]
        if any(HAND_TUPLE.search(t) or HAND_DIMS.search(t) for t in texts):
            where = path.relative_to(PACKAGE.parent) if path.is_relative_to(PACKAGE.parent) else path.name
            found.append(f"{where}:{node.lineno} {getattr(node, 'name', 'lambda')}")
    return found


def test_the_scan_finds_a_shape_formatter(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        'def _fmt(shape):\n    return "(" + ", ".join(str(d) for d in shape) + ")"\n\n'
        'def _times(values):\n    return "×".join(str(v) for v in values)\n\n'
        "def fine(x):\n    return format_shape(x)\n",
        encoding="utf-8",
    )
    assert [line.split()[-1] for line in _formatter_helpers(sample)] == ["_fmt", "_times"]


def test_no_shape_formatter_outside_the_words_modules():
    helpers, by_hand = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in WORDS_MODULES:
            continue
        helpers += _formatter_helpers(path)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if HAND_TUPLE.search(line):
                by_hand.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    assert not helpers, "shape formatters to replace with convkit.core.words / convkit.render.words:\n" + "\n".join(
        helpers
    )
    assert not by_hand, "shape tuples written by hand (use format_shape):\n" + "\n".join(by_hand)
