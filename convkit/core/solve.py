"""The inverse question: which convolution turns an input size ``n`` into an output size ``m``?

:func:`solve` tries every kernel size, stride, padding and dilation (and ``output_padding`` for a transposed
convolution) in the ranges it is given, asks :func:`convkit.core.axis.conv_axis` or
:func:`~convkit.core.axis.transposed_axis` (the one place of the arithmetic, Keras' rules) for each, and returns
the layer specs that give exactly ``m``, simplest first. It never returns a combination Keras refuses:
``strides > 1`` together with ``dilation_rate > 1`` (on any axes) and ``output_padding >= strides`` are skipped.

The work is bounded up front: the number of combinations tried per axis must be at most :data:`MAX_SEARCH` and
the number of results at most :data:`MAX_RESULTS` (a ``ValueError`` says which ranges to narrow).

>>> layer = solve(28, 14)[0]
>>> layer.kernel_size, layer.strides, layer.padding
((1, 1), (2, 2), 'valid')
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

from .args import check_positive_int, take_items
from .axis import conv_axis, transposed_axis
from .layers import Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose
from .words import short_repr

__all__ = ["MAX_RESULTS", "MAX_SEARCH", "solve"]

#: Most (kernel, stride, dilation, padding, output_padding) combinations :func:`solve` tries along one axis.
MAX_SEARCH = 100_000
#: Most layer specs :func:`solve` returns (a tuple size multiplies the choices of its axes).
MAX_RESULTS = 10_000

_CONV = {1: Conv1D, 2: Conv2D, 3: Conv3D}
_TRANSPOSE = {1: Conv1DTranspose, 2: Conv2DTranspose, 3: Conv3DTranspose}

#: One axis' choice: (kernel_size, strides, dilation_rate, output_padding or None)
_Choice = tuple[int, int, int, int | None]


def solve(
    input_size: int | Sequence[int],
    output_size: int | Sequence[int],
    *,
    kernel_sizes: Iterable[int] | int = range(1, 8),
    strides: Iterable[int] | int = range(1, 5),
    paddings: Iterable[str] | str = ("valid", "same"),
    dilation_rates: Iterable[int] | int = (1,),
    transpose: bool = False,
    filters: int = 1,
) -> list[Any]:
    """Every convolution in the given ranges that Keras maps ``input_size`` to ``output_size``, simplest first.

    Parameters
    ----------
    input_size, output_size : int or tuple of int
        Spatial sizes. Two ints ask for a square ``Conv2D`` (or ``Conv2DTranspose``) with the same kernel size,
        stride and dilation on both axes, as in the article's images. Two tuples of the same length ``r`` (1 to
        3) ask for a ``Conv{r}D`` with per-axis tuples and one shared padding, where every axis maps its input
        size to its output size.
    kernel_sizes, strides, dilation_rates : iterable of int, or one int
        The values to try (positive integers; duplicates are tried once).
    paddings : iterable of str, or one str
        ``"valid"``, ``"same"`` (and ``"causal"`` for a 1-D, non-transposed convolution).
    transpose : bool
        Look for ``Conv*Transpose`` layers instead; each stride ``s`` is tried with ``output_padding=None`` and
        with every ``output_padding`` from 0 to ``s - 1``. ``None`` and ``0`` are different settings in Keras
        (``"valid"``: ``None`` means ``max(k_eff, s) - k_eff``; ``"same"``: ``None`` gives ``n·s``); when both give
        the size, both are listed. (TensorFlow cannot *run* ``padding="same"`` with an even effective kernel and
        ``output_padding=0``, though Keras computes its shape: such a spec carries a warning in ``explain()``.)
    filters : int
        The ``filters`` of the returned layers.

    Returns
    -------
    list of layer specs
        Ordered simplest first: fewest kernel taps (the product of the kernel sizes), then the smaller total
        stride, then the smaller total dilation, then the padding in the order of ``paddings`` ("valid" before
        "same" by default), then ``output_padding`` (``None`` before 0, 1, ...), then the per-axis values
        themselves. Empty when nothing in the ranges gives ``output_size``.

    Raises
    ------
    ValueError or TypeError
        For a size that is not a positive integer, tuples of different lengths, an empty range, an unknown
        padding, or ranges too large to search (more than :data:`MAX_SEARCH` combinations per axis, or more
        than :data:`MAX_RESULTS` results).

    Examples
    --------
    >>> [(l.kernel_size[0], l.strides[0], l.padding) for l in solve(28, 14)][:4]
    [(1, 2, 'valid'), (1, 2, 'same'), (2, 2, 'valid'), (2, 2, 'same')]
    >>> solve(224, 7)   # one layer of these ranges cannot shrink 224 to 7
    []
    >>> up = solve(7, 14, transpose=True, kernel_sizes=[3], strides=[2])
    >>> [(l.padding, l.output_padding) for l in up]
    [('same', None), ('same', (1, 1))]
    >>> solve((28, 10), (14, 10), kernel_sizes=[1, 3], strides=[1, 2], paddings="same")[0]
    Conv2D(1, kernel_size=(1, 1), strides=(2, 1), padding='same')
    """
    sizes_in, sizes_out, square = _sizes(input_size, output_size)
    rank = 2 if square else len(sizes_in)
    transpose = _flag(transpose, "transpose")
    filters = check_positive_int(filters, "filters")
    kernels = _values(kernel_sizes, "kernel_sizes")
    steps = _values(strides, "strides")
    dilations = _values(dilation_rates, "dilation_rates")
    pads = _paddings(paddings, rank, transpose)
    tries = len(kernels) * len(dilations) * len(pads) * sum(1 + s if transpose else 1 for s in steps)
    if tries > MAX_SEARCH:
        raise ValueError(
            f"These ranges make {tries:,} combinations to try per axis; solve tries at most {MAX_SEARCH:,}. "
            "Narrow kernel_sizes, strides, dilation_rates or paddings. "
            f"Received: kernel_sizes={short_repr(kernel_sizes)}, strides={short_repr(strides)}, "
            f"dilation_rates={short_repr(dilation_rates)}, paddings={short_repr(paddings)}"
        )
    found: list[tuple[tuple[Any, ...], str, tuple[_Choice, ...]]] = []
    for order, padding in enumerate(pads):
        per_axis = [
            _axis_choices(n, m, kernels, steps, dilations, padding, transpose)
            for n, m in zip(sizes_in[:1] if square else sizes_in, sizes_out[:1] if square else sizes_out)
        ]
        for combo in _combinations(per_axis, square, input_size, output_size):
            found.append((_simplicity(combo, order), padding, combo))
    found.sort(key=lambda item: item[0])
    return [_spec(rank, square, padding, combo, transpose, filters) for _, padding, combo in found]


def _sizes(input_size: Any, output_size: Any) -> tuple[tuple[int, ...], tuple[int, ...], bool]:
    """Both sizes as tuples of positive ints, and whether they were ints (a square Conv2D)."""
    ints = [isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (input_size, output_size)]
    if all(ints):
        n = check_positive_int(input_size, "input_size")
        m = check_positive_int(output_size, "output_size")
        return (n, n), (m, m), True
    if any(ints):
        raise TypeError(
            "`input_size` and `output_size` must both be ints (a square Conv2D) or both tuples of the same "
            "length (one size per spatial axis), e.g. solve(28, 14) or solve((28, 28), (14, 14)). "
            f"Received: input_size={short_repr(input_size)}, output_size={short_repr(output_size)}"
        )
    sizes = []
    for value, name in ((input_size, "input_size"), (output_size, "output_size")):
        items = take_items(value, 3) if isinstance(value, (tuple, list)) else None
        if not items:
            raise ValueError(
                f"`{name}` must be a positive int or a tuple of 1 to 3 positive ints (one per spatial axis), "
                f"e.g. 28 or (28, 28). Received: {name}={short_repr(value)}"
            )
        sizes.append(tuple(check_positive_int(v, name) for v in items))
    if len(sizes[0]) != len(sizes[1]):
        raise ValueError(
            f"`input_size` and `output_size` must have one size per spatial axis each, the same number: "
            f"{len(sizes[0])} vs {len(sizes[1])}. "
            f"Received: input_size={short_repr(input_size)}, output_size={short_repr(output_size)}"
        )
    return sizes[0], sizes[1], False


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, numbers.Integral)) or value not in (0, 1):
        raise TypeError(f"`{name}` must be True or False. Received: {name}={short_repr(value)}")
    return bool(value)


def _values(value: Any, name: str) -> tuple[int, ...]:
    """A range argument as sorted unique positive ints (one int is a range of one); bounded before it is read."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return (check_positive_int(value, name),)
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(
            f"`{name}` must be an int or an iterable of positive ints, e.g. range(1, 8) or [1, 3]. "
            f"Received: {name}={short_repr(value)}"
        )
    items = take_items(value, MAX_SEARCH)
    if items is None:
        raise ValueError(
            f"`{name}` holds more than {MAX_SEARCH:,} values; solve tries at most {MAX_SEARCH:,} combinations. "
            f"Give a shorter range. Received: {name}={short_repr(value)}"
        )
    if not items:
        raise ValueError(
            f"`{name}` is empty: there is nothing to try. Give at least one value, e.g. {name}=[1]. "
            f"Received: {name}={short_repr(value)}"
        )
    return tuple(sorted({check_positive_int(v, name) for v in items}))


def _paddings(value: Any, rank: int, transpose: bool) -> tuple[str, ...]:
    allowed = ("valid", "same") if transpose or rank != 1 else ("valid", "same", "causal")
    items = (value,) if isinstance(value, str) else take_items(value, 8) if isinstance(value, Iterable) else None
    if items is None:
        raise TypeError(
            f"`paddings` must be a padding name or a short iterable of them, e.g. ('valid', 'same'). "
            f"Received: paddings={short_repr(value)}"
        )
    if not items:
        raise ValueError(
            f"`paddings` is empty: there is nothing to try. Give at least one of {', '.join(allowed)}. "
            f"Received: paddings={short_repr(value)}"
        )
    out: list[str] = []
    for item in items:
        name = item.lower() if isinstance(item, str) else None
        if name is None or name not in allowed:
            where = "a transposed convolution" if transpose else f"a {rank}-D convolution"
            raise ValueError(
                f"Each padding must be one of {', '.join(repr(a) for a in allowed)} for {where}"
                f"{' (causal is 1-D only)' if name == 'causal' else ''}. Received: paddings={short_repr(value)}"
            )
        if name not in out:
            out.append(name)
    return tuple(out)


def _axis_choices(
    n: int,
    m: int,
    kernels: tuple[int, ...],
    steps: tuple[int, ...],
    dilations: tuple[int, ...],
    padding: str,
    transpose: bool,
) -> list[_Choice]:
    """Every (kernel, stride, dilation, output_padding) that maps ``n`` to ``m`` along one axis."""
    out: list[_Choice] = []
    for k, s, d in itertools.product(kernels, steps, dilations):
        for op in (None, *range(s)) if transpose else (None,):
            try:
                if transpose:
                    size = transposed_axis(n, k, s, padding, op, d).output
                else:
                    size = conv_axis(n, k, s, padding, d).output
            except ValueError:  # the output would be empty
                continue
            if size == m:
                out.append((k, s, d, op))
    return out


def _combinations(
    per_axis: list[list[_Choice]], square: bool, input_size: Any, output_size: Any
) -> list[tuple[_Choice, ...]]:
    """The per-axis choices combined into layers Keras accepts (no stride > 1 with dilation > 1 anywhere;
    output_padding None on every axis or on none)."""
    if square:
        return [(c, c) for c in per_axis[0] if not (c[1] > 1 and c[2] > 1)]
    total = math.prod(len(choices) for choices in per_axis)
    if total > MAX_RESULTS:
        raise ValueError(
            f"{total:,} combinations of the axes' settings give this size; solve returns at most {MAX_RESULTS:,}. "
            "Narrow kernel_sizes, strides, dilation_rates or paddings. "
            f"Received: input_size={short_repr(input_size)}, output_size={short_repr(output_size)}"
        )
    out = []
    for combo in itertools.product(*per_axis):
        if max(c[1] for c in combo) > 1 and max(c[2] for c in combo) > 1:
            continue
        if len({c[3] is None for c in combo}) > 1:
            continue
        out.append(combo)
    return out


def _simplicity(combo: tuple[_Choice, ...], padding_order: int) -> tuple[Any, ...]:
    ks, ss, ds, ops = zip(*combo)
    op_key = tuple(-1 if op is None else op for op in ops)
    return (math.prod(ks), sum(ss), sum(ds), padding_order, op_key, ks, ss, ds)


def _spec(rank: int, square: bool, padding: str, combo: tuple[_Choice, ...], transpose: bool, filters: int) -> Any:
    ks, ss, ds, ops = zip(*combo)
    if square:
        ks, ss, ds, ops = ks[0], ss[0], ds[0], ops[0]
    args: dict[str, Any] = dict(kernel_size=ks, strides=ss, padding=padding, dilation_rate=ds)
    if transpose:
        args["output_padding"] = None if combo[0][3] is None else ops
        return _TRANSPOSE[rank](filters, **args)
    return _CONV[rank](filters, **args)
