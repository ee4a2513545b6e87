"""The stack editor's proposals: "to get 14 here, use one of: Conv2D(…, 3, strides=2, padding="same") · …".

An invalid convolution (``Conv*D``, ``Conv*DTranspose``, ``DepthwiseConv*D``, ``SeparableConv*D``) and a merge
(``Add``, ``Concatenate``…) whose inputs differ in spatial size get a line of at most :data:`MAX_PROPOSALS`
buttons. Each proposal is the layer with other kernel size, strides, padding, dilation (and ``output_padding``)
found by :func:`convkit.solve`: filters, name and every other argument stay. Clicking one replaces the layer
through the editor's normal change path (a new stack; a refusal shows as the row's message).

**Which size the proposals aim at** (the target), for an invalid layer with input size ``n``:

1. the spatial size of the other inputs of a merge this layer feeds, when there is one (the branches must agree);
2. otherwise the size the layer's own arithmetic gives on each axis, clipped to at least 1, then the sizes next
   to it (+1, -1, +2, -2… on every axis at once), at most :data:`MAX_TARGETS` of them;

and the first of these for which a proposal makes this layer *and every layer after it* valid is used. When no
target keeps the rest valid, the first one that at least makes this layer valid is used.

For a mismatched merge the target is the spatial size most of its inputs have (ties: the first input's), and
the proposals replace the convolution that produces a branch of another size (then the other sizes are tried).

Proposals are searched in :func:`convkit.solve`'s default ranges plus the layer's own kernel size, strides and
dilation, plus the largest kernel that fits the input; when every axis has the same input and target size, the
settings are the same on every axis (one axis is solved), otherwise per-axis tuples. They are ordered by how
little they change what the learner wrote (fewest of kernel size, strides, padding, dilation changed), then
those whose kernel covers its stride (no input cell skipped), then uniform ones, then :func:`convkit.solve`'s
simplest-first order.
``padding="same"`` transposed convolutions that TensorFlow cannot run (an even effective kernel with
``output_padding=0``) are left out.

>>> import convkit
>>> from convkit import layers as L
>>> stack = convkit.LayerStack((None, 12, 12, 3), [L.Conv2D(8, 13), L.Conv2D(4, 3)])
>>> found = proposals_for(stack, 0)   # 1 and 2 leave the next 3×3 kernel too big: 3 is the nearest that fits
>>> found.target, [proposal_label(p) for p in found.layers][:2]
((3, 3), ['Conv2D(…, 4, strides=3, padding="valid")', 'Conv2D(…, 4, strides=4, padding="valid")'])
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ..core.axis import conv_axis, transposed_axis
from ..core.solve import solve
from ..core.stack import LayerStack
from ..core.trace import MODEL_INPUT
from ..render.stack_labels import tensor_dims
from ..render.words import proposal_aria, proposal_intro, proposal_label

__all__ = ["MAX_PROPOSALS", "MAX_TARGETS", "ProposalLine", "Proposals", "proposals_for"]

#: Most proposals a line shows (closest to the learner's layer first).
MAX_PROPOSALS = 4
#: Most target sizes tried for one invalid layer (each costs one trace of the stack).
MAX_TARGETS = 8
_KINDS = ("conv", "depthwise", "separable", "transpose")


@dataclass(frozen=True)
class Proposals:
    """Layers that can replace ``stack.layers[index]`` (the very object ``layer``) to give ``target``.

    ``row`` is the row that shows the line: ``index`` itself, or the mismatched merge. ``keeps_rest_valid``:
    the layers after ``index`` are valid too with any of them.
    """

    row: int
    index: int
    layer: Any
    target: tuple[int, ...]
    layers: tuple[Any, ...]
    keeps_rest_valid: bool

    @property
    def intro(self) -> str:
        source = None if self.row == self.index else f"layer {self.index} ({type(self.layer).__name__})"
        return proposal_intro(self.target, source)

    @property
    def labels(self) -> list[str]:
        return [proposal_label(layer) for layer in self.layers]


def proposals_for(stack: Any, index: int) -> Proposals | None:
    """The proposals for row ``index`` of ``stack``, or ``None`` (the row is valid, or nothing fits)."""
    entry = stack.trace.entries[index]
    if entry.error is None:
        return None
    if getattr(entry.layer, "window", None) == "merge":
        return _merge_proposals(stack, entry)
    sizes = _input_sizes(entry.layer, entry.input_shape)
    if sizes is None:
        return None
    fallback = None
    for target in _targets(stack, index, sizes):
        layers = _candidates(entry.layer, entry.input_shape, sizes, target)
        if not layers:
            continue
        rest_ok, here_ok = _check(stack, index, layers[0])
        if rest_ok:
            return Proposals(index, index, entry.layer, target, layers, True)
        if here_ok and fallback is None:
            fallback = Proposals(index, index, entry.layer, target, layers, False)
    return fallback


def _input_sizes(layer: Any, shape: Any) -> tuple[int, ...] | None:
    """The known spatial input sizes of a layer proposals can replace, else ``None``."""
    if getattr(layer, "window", None) not in _KINDS or not isinstance(shape, tuple):
        return None
    spatial, _ = tensor_dims(shape, getattr(layer, "data_format", "channels_last"))
    if not spatial or len(spatial) != len(layer.kernel_size) or any(n is None for n in spatial):
        return None
    return tuple(int(n) for n in spatial if n is not None)


def _aimed(layer: Any, sizes: tuple[int, ...]) -> tuple[int, ...]:
    """Per axis: the size the layer gives, or what its formula would give, clipped to at least 1."""
    out = []
    for a, n in enumerate(sizes):
        k, s, d = layer.kernel_size[a], layer.strides[a], layer.dilation_rate[a]
        try:
            if layer.window == "transpose":
                op = None if layer.output_padding is None else layer.output_padding[a]
                size = transposed_axis(n, k, s, layer.padding, op, d).output
            else:
                size = conv_axis(n, k, s, layer.padding, d).output
        except ValueError:
            size = (n - ((k - 1) * d + 1)) // s + 1
        out.append(max(1, size or 1))
    return tuple(out)


def _targets(stack: Any, index: int, sizes: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Target sizes in the documented order: a merge partner's size, then the aimed size and its neighbours."""
    targets: list[tuple[int, ...]] = []
    entries = stack.trace.entries
    for later in entries[index + 1 :]:
        if getattr(later.layer, "window", None) == "merge" and index in later.inputs:
            for source in later.inputs:
                size = _output_sizes(stack, source, len(sizes))
                if source != index and size is not None and size not in targets:
                    targets.append(size)
    aimed = _aimed(entries[index].layer, sizes)
    for step in itertools.count():
        if len(targets) >= MAX_TARGETS or step > 2 * MAX_TARGETS:
            break
        delta = (step + 1) // 2 * (1 if step % 2 else -1)
        target = tuple(a + delta for a in aimed)
        if min(target) >= 1 and target not in targets:
            targets.append(target)
    return targets[:MAX_TARGETS]


def _output_sizes(stack: Any, source: int, rank: int) -> tuple[int, ...] | None:
    """Known spatial sizes (channels-last) of entry ``source``'s output, or of the model input."""
    shape = stack.input_shape if source == MODEL_INPUT else stack.trace.entries[source].output_shape
    if shape is None:
        return None
    spatial, _ = tensor_dims(shape)
    if len(spatial) != rank or any(n is None for n in spatial):
        return None
    return tuple(int(n) for n in spatial if n is not None)


def _candidates(layer: Any, shape: Any, sizes: tuple[int, ...], target: tuple[int, ...]) -> tuple[Any, ...]:
    """Up to MAX_PROPOSALS replacements of ``layer`` that map ``sizes`` to ``target``, closest to it first."""
    transpose = layer.window == "transpose"
    kernels = {*range(1, 8), *layer.kernel_size}
    if not transpose:
        kernels.add(min(sizes))  # the largest kernel that fits every axis
    ranges: dict[str, Any] = dict(
        kernel_sizes=sorted(kernels),
        strides=sorted({*range(1, 5), *layer.strides}),
        dilation_rates=sorted({1, *layer.dilation_rate}),
        paddings=("valid", "same", "causal") if layer.padding == "causal" else ("valid", "same"),
        transpose=transpose,
    )
    # every axis alike (the article's square images): one axis is solved and its settings used on every axis
    uniform = len(set(sizes)) == 1 and len(set(target)) == 1
    try:
        found = solve(sizes[:1], target[:1], **ranges) if uniform else solve(sizes, target, **ranges)
    except ValueError:  # ranges too large for this layer's own values: no proposals rather than a slow search
        return ()
    rank = len(sizes) if uniform else 1

    def per_axis(values: Any) -> Any:
        return None if values is None else tuple(values) * rank

    def closeness(spec: Any) -> tuple[int, int, int]:
        """Fewest changes to what the learner wrote first, then no skipped input cells (kernel ≥ stride), then
        uniform settings; ties keep solve's simplest-first order (the sort is stable)."""
        mine = (tuple(layer.kernel_size), tuple(layer.strides), layer.padding, tuple(layer.dilation_rate))
        theirs = (per_axis(spec.kernel_size), per_axis(spec.strides), spec.padding, per_axis(spec.dilation_rate))
        changed = sum(a != b for a, b in zip(mine, theirs))
        skips = any(s > (k - 1) * d + 1 for k, s, d in zip(spec.kernel_size, spec.strides, spec.dilation_rate))
        return changed, int(skips and not transpose), len(set(spec.kernel_size)) + len(set(spec.strides))

    found.sort(key=closeness)
    out = []
    for spec in found:
        if transpose and spec.padding == "same" and spec.output_padding is not None:
            k_eff = [(k - 1) * d + 1 for k, d in zip(spec.kernel_size, spec.dilation_rate)]
            if any(k % 2 + op == 0 for k, op in zip(k_eff, spec.output_padding)):
                continue  # TensorFlow cannot run it
        changes = dict(
            kernel_size=per_axis(spec.kernel_size),
            strides=per_axis(spec.strides),
            padding=spec.padding,
            dilation_rate=per_axis(spec.dilation_rate),
        )
        if transpose:
            changes["output_padding"] = per_axis(spec.output_padding)
        try:
            new = layer.replace(**changes)
            new.compute_output_shape(shape)
        except (ValueError, TypeError):
            continue
        out.append(new)
        if len(out) == MAX_PROPOSALS:
            break
    return tuple(out)


def _check(stack: Any, index: int, layer: Any) -> tuple[bool, bool]:
    """(every layer reached from ``index`` is valid, layer ``index`` is valid) after replacing it with ``layer``.

    A sequential stack traces only the layers after ``index`` (from the proposal's output shape); a graph is
    traced whole.
    """
    if stack.is_sequential:
        try:
            shape = layer.compute_output_shape(stack.trace.entries[index].input_shape)
        except (ValueError, TypeError):
            return False, False
        rest = stack.layers[index + 1 :]
        return (not rest or LayerStack(shape, rest).is_valid), True
    try:
        entries = stack.replace(index, layer).trace.entries
    except (ValueError, TypeError):
        return False, False
    reached = {index}
    for entry in entries[index + 1 :]:
        if reached.intersection(entry.inputs):
            reached.add(entry.index)
    return all(entries[i].is_valid for i in reached), entries[index].is_valid


def _merge_proposals(stack: Any, entry: Any) -> Proposals | None:
    """Proposals for a merge whose inputs differ in spatial size: replace a branch's convolution."""
    layer, shapes = entry.layer, entry.input_shape
    if not isinstance(shapes, tuple) or len(shapes) != len(entry.inputs) or len(shapes) < 2:
        return None
    if getattr(layer, "axis", -1) not in (-1, len(shapes[0]) - 1):
        return None  # Concatenate along a spatial axis: the sizes need not agree there
    known = [tensor_dims(shape)[0] for shape in shapes]
    if any(not s or any(n is None for n in s) for s in known):
        return None
    spatial = [tuple(int(n or 0) for n in s) for s in known]
    if len(set(spatial)) < 2:
        return None
    for target, _ in Counter(spatial).most_common():  # most common first; ties keep the first input's order
        for source, size in zip(entry.inputs, spatial):
            if size == target or source == MODEL_INPUT:
                continue
            producer = stack.trace.entries[source]
            sizes = _input_sizes(producer.layer, producer.input_shape)
            if sizes is None or not producer.is_valid:
                continue
            layers = _candidates(producer.layer, producer.input_shape, sizes, target)
            if layers:
                rest_ok, _ = _check(stack, source, layers[0])
                return Proposals(entry.index, source, producer.layer, target, layers, rest_ok)
    return None


class ProposalLine(anywidget.AnyWidget):
    """One line of proposal buttons (drawn by ``stack_proposals.js``): native buttons, keyboard reachable, each
    with an ``aria-label``; a click sends ``{"pick": i, "version": v}`` and :meth:`pick` runs ``on_pick``."""

    _esm = Path(__file__).with_name("stack_proposals.js")
    intro = traitlets.Unicode("").tag(sync=True)
    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    aria_labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    #: bumped on every new set of proposals, so a click on buttons drawn for older ones is ignored
    version = traitlets.Int(0).tag(sync=True)

    def __init__(self, on_pick: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_class("convkit-proposals-line")
        self.proposals: Proposals | None = None
        self._on_pick = on_pick
        self.on_msg(self._message)

    def show(self, proposals: Proposals | None) -> None:
        """Show ``proposals`` (``None``: an empty, hidden line)."""
        if proposals == self.proposals and proposals is not None:
            return
        self.proposals = proposals
        labels = proposals.labels if proposals is not None else []
        with self.hold_sync():
            self.version += 1
            self.intro = proposals.intro if proposals is not None else ""
            self.aria_labels = [proposal_aria(proposals.index, label) for label in labels] if proposals else []
            self.labels = labels
        self.layout.display = None if labels else "none"

    def pick(self, choice: int) -> None:
        """Use proposal ``choice`` (what a click on its button does)."""
        if self.proposals is not None and 0 <= choice < len(self.proposals.layers):
            self._on_pick(self.proposals, choice)

    def _message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("version") == self.version:
            choice = content.get("pick")
            if isinstance(choice, int) and not isinstance(choice, bool):
                self.pick(choice)
