"""Checks about whole stacks of layers: does a list of layers run, where does it stop, and which layer's
``filters`` must change when two depths disagree.

Where a stack stops is told without a fix: convkit's own error messages end with suggestions (a smaller
kernel, ``padding="same"``...), and in an exercise such a suggestion is the answer.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .feedback import as_int, as_shape, fail, short_repr, wrong_kind

__all__ = ["StackWalk", "check_depth_fix", "check_is_layer_list", "check_stack", "walk_stack"]

#: sentences of convkit's error messages that suggest a fix (left out of the stop reason)
_FIX_SENTENCE = re.compile(r"^(Use|Try|Pass|Set|Give|Change|Make|Add|Remove|Drop|Either|Or)\b")


def _as_layers(layers: Any, name: str) -> list[Any]:
    if isinstance(layers, (str, bytes)) or not isinstance(layers, (list, tuple)):
        raise wrong_kind("a list of convkit layers, e.g. [layers.Conv2D(8, 3), layers.MaxPooling2D(2)]", name, layers)
    for i, layer in enumerate(layers):
        if not callable(getattr(layer, "compute_output_shape", None)) or not hasattr(layer, "explain"):
            raise wrong_kind(
                "a list of convkit layers such as layers.Conv2D(8, 3)",
                name,
                layers,
                f"Item {i} is {short_repr(layer)}.",
            )
    return list(layers)


def check_is_layer_list(answer: Any, *, length: int | None = None, name: str = "answer") -> None:
    """Check only the *form* of an answer: a list of convkit layers (of ``length`` layers, if given).

    >>> from convkit import layers
    >>> check_is_layer_list([layers.Conv2D(8, 3)], length=1)
    """
    __tracebackhide__ = True
    found = _as_layers(answer, name)
    if length is not None and len(found) != length:
        raise wrong_kind(f"a list of {length} convkit layers", name, answer, f"It has {len(found)}.")


def stop_reason(error: BaseException, label: str = "") -> str:
    """What went wrong, from a convkit error message, without the layer's label in front, its suggested fixes
    or its ``Received:`` part."""
    text = str(error).split(" Received:")[0].strip()
    if label and text.startswith(label):
        text = text[len(label) :].lstrip(" :")
        text = text[:1].upper() + text[1:]
    sentences = re.split(r"(?<=[.!?])\s+", text)
    kept = [s for s in sentences if not _FIX_SENTENCE.match(s)]
    return " ".join(kept) or text


@dataclass(frozen=True, slots=True)
class StackWalk:
    """Each layer's output shape, up to the first layer that cannot run (and why, without a fix)."""

    input_shape: tuple[int | None, ...]
    steps: tuple[tuple[str, tuple[int | None, ...] | None], ...]  # (layer label, output shape, None where it stops)
    stop: str | None  # why the stack stops, or None when every layer runs

    @property
    def output_shape(self) -> tuple[int | None, ...] | None:
        """The last layer's output, or ``None`` when the stack stops before it."""
        return None if self.stop else (self.steps[-1][1] if self.steps else self.input_shape)

    def lines(self) -> list[str]:
        out = [f"input {self.input_shape}"]
        for i, (label, shape) in enumerate(self.steps):
            if shape is None:
                out.append(f"layer {i}, {label}: stops here. {self.stop}")
            else:
                out.append(f"layer {i}, {label}: {shape}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = "".join(f"<div>{html.escape(line)}</div>" for line in self.lines())
        return f'<div class="convkit-stack-walk" style="font-family:var(--jp-code-font-family,monospace)">{rows}</div>'


def walk_stack(layers: Any, input_shape: Sequence[int | None]) -> StackWalk:
    """Trace ``input_shape`` through ``layers``; stop at the first layer that cannot run, saying why (no fix).

    >>> from convkit import layers
    >>> print(walk_stack([layers.Conv2D(8, 3, strides=2), layers.Conv2D(4, 5)], (None, 9, 9, 1)))
    input (None, 9, 9, 1)
    layer 0, Conv2D 'conv2d...': (None, 4, 4, 8)
    layer 1, Conv2D 'conv2d...': stops here. Computed output size would be zero ... larger than the input 4.
    """
    layers = _as_layers(layers, "layers")
    shape = as_shape(input_shape, "input_shape")
    start: tuple[int | None, ...] = shape
    steps: list[tuple[str, tuple[int | None, ...] | None]] = []
    for layer in layers:
        label = getattr(layer, "label", type(layer).__name__)
        try:
            shape = tuple(layer.compute_output_shape(shape))
        except (ValueError, TypeError) as exc:
            steps.append((label, None))
            return StackWalk(start, tuple(steps), stop_reason(exc, label))
        steps.append((label, shape))
    return StackWalk(start, tuple(steps), None)


def check_stack(
    layers: Any,
    input_shape: Sequence[int | None],
    target_shape: Sequence[int | None] | None = None,
    *,
    part: str = "all",
) -> None:
    """Check that a list of convkit layers runs on ``input_shape`` and (optionally) ends at ``target_shape``.

    ``part="runs"`` checks only that every layer accepts its input; ``"target"``/``"all"`` also the final shape.

    >>> from convkit import layers
    >>> check_stack([layers.Conv2D(8, 3, strides=2, padding="same")], (None, 8, 8, 1), (None, 4, 4, 8))
    """
    __tracebackhide__ = True
    if part not in ("all", "runs", "target"):
        raise ValueError(f'`part` must be "all", "runs" or "target". Received: part={part!r}')
    walk = walk_stack(layers, input_shape)
    if walk.stop:
        i = len(walk.steps) - 1
        before = walk.steps[i - 1][1] if i else walk.input_shape
        fail([f"the stack does not run: layer {i} ({walk.steps[i][0]}) cannot run on its input {before}. {walk.stop}"])
    if part == "runs" or target_shape is None:
        return
    shape, target = walk.output_shape, tuple(target_shape)
    if shape is None or shape == target:  # (None only for a stack that stops, handled above)
        return
    if len(shape) != len(target):
        fail([f"the stack runs, but its output {shape} does not have the target's number of dimensions."])
    problems = []
    if shape[1:-1] != target[1:-1]:
        problems.append(
            f"the stack runs, but it ends at {shape}, not at {target}: look at the strides, padding and kernel sizes."
        )
    if shape[-1] != target[-1]:
        problems.append("the depth is off: the last layer's filters set the channel count.")
    fail(problems)


def check_depth_fix(layer_name: Any, filters: Any, kernels: Mapping[str, Sequence[int]], *, part: str = "all") -> None:
    """Check which layer's ``filters`` must change (and to what) so every kernel's depth matches its input.

    ``kernels`` maps layer names, in order, to kernel shapes ``(*window, in_channels, out_channels)``.
    ``part="layer"`` checks only the name, ``"filters"`` only the number (given the right layer).

    >>> check_depth_fix("b", 16, {"a": (3, 3, 1, 8), "b": (3, 3, 8, 4), "c": (3, 3, 16, 32)})
    """
    __tracebackhide__ = True
    if part not in ("all", "layer", "filters"):
        raise ValueError(f'`part` must be "all", "layer" or "filters". Received: part={part!r}')
    names = list(kernels)
    broken = [i for i in range(1, len(names)) if kernels[names[i]][-2] != kernels[names[i - 1]][-1]]
    if not broken:
        raise ValueError(
            f"These kernels already agree in depth: there is nothing to fix. Received: kernels={dict(kernels)!r}"
        )
    if part in ("all", "layer"):
        if not isinstance(layer_name, str):
            raise wrong_kind("a layer's name as text, in quotes", "layer_name", layer_name)
        if layer_name not in kernels:
            raise wrong_kind(f"one of the names {', '.join(map(repr, names))}", "layer_name", layer_name)
    consumer = broken[0]
    producer = names[consumer - 1]
    if part in ("all", "layer") and layer_name != producer:
        if layer_name == names[consumer]:
            fail(
                [
                    f"{layer_name}'s filters set the depth of its output; the mismatch is at its input, "
                    "which is made by the layer before it."
                ]
            )
        fail(
            [
                f"changing {layer_name}'s filters does not touch the place where the depths disagree: find the "
                "first kernel whose input depth (second-to-last axis) differs from the previous layer's output "
                "depth (last axis)."
            ]
        )
    if part in ("all", "filters"):
        value = as_int(filters, "filters")
        needed = kernels[names[consumer]][-2]
        if value != needed:
            if value == kernels[producer][-1]:
                fail(["that is the current number of filters, which is what causes the error."])
            if value == kernels[names[consumer]][-1]:
                fail(
                    [
                        "that is the next layer's own output depth; match the depth its kernel reads "
                        "(the second-to-last axis of its kernel shape)."
                    ]
                )
            fail(
                [
                    "the new filters must equal the input depth the next kernel expects "
                    "(the second-to-last axis of its kernel shape)."
                ]
            )
