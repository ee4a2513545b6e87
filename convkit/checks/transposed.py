"""The check of a decoder that mirrors an encoder: which ``output_padding`` gives the encoder's input size back.

>>> from convkit import layers
>>> check_output_padding(1, layers.Conv2D(32, 3, strides=2), (None, 28, 28, 3))
>>> check_output_padding(0, layers.Conv2D(32, 3, strides=2), (None, 28, 28, 3))
Traceback (most recent call last):
...
convkit.checks.NotYet: Not yet: with output_padding=0 the decoder gives back fewer rows and columns than ...
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..core.args import axis_names
from ..core.layers import Conv1DTranspose, Conv2DTranspose, Conv3DTranspose
from .feedback import as_int, fail, short_repr

__all__ = ["check_output_padding"]

_TRANSPOSED = {1: Conv1DTranspose, 2: Conv2DTranspose, 3: Conv3DTranspose}
_UNITS = {"height": "rows", "width": "columns", "length": "cells", "depth": "planes"}


def _mirror_of(encoder: Any, input_shape: tuple[int | None, ...], output_padding: Any) -> Any:
    """The transposed layer with the encoder's window settings, reading its output and giving back its channels."""
    rank = getattr(encoder, "rank", None)
    if rank not in _TRANSPOSED or getattr(encoder, "window", None) != "conv" or len(input_shape) != rank + 2:
        raise ValueError(
            "`encoder` must be a convkit Conv1D/2D/3D layer, e.g. layers.Conv2D(32, 3, strides=2), and "
            f"`input_shape` its input shape, batch first. Received: encoder={short_repr(encoder)}, "
            f"input_shape={input_shape}"
        )
    return _TRANSPOSED[rank](
        input_shape[-1],
        encoder.kernel_size,
        strides=encoder.strides,
        padding=encoder.padding,
        output_padding=output_padding,
        dilation_rate=encoder.dilation_rate,
    )


def check_output_padding(answer: Any, encoder: Any, input_shape: Sequence[int | None]) -> None:
    """Check an ``output_padding`` for the transposed layer that undoes ``encoder`` (same kernel, strides and
    padding): the decoder must give back the encoder's input size on every spatial axis.

    Any answer that does is right (``None``, a whole number or one per axis); the answer is checked by building
    that decoder and computing its output shape, never against one stored number.

    Parameters
    ----------
    answer : None, int or tuple of int
        The learner's ``output_padding``.
    encoder : convkit Conv1D, Conv2D or Conv3D
        The encoder layer, e.g. ``convkit.layers.Conv2D(32, 3, strides=2)`` (channels last).
    input_shape : tuple
        The encoder's input shape, batch first.

    Raises
    ------
    NotYet
        With the size the learner's decoder gives, in the learner's numbers, and what to look at again.

    Examples
    --------
    >>> from convkit import layers
    >>> check_output_padding(None, layers.Conv2D(8, 3, strides=2), (None, 27, 27, 1))
    """
    __tracebackhide__ = True
    input_shape = tuple(input_shape)
    if answer is not None and not isinstance(answer, (tuple, list)):
        answer = as_int(answer, "output_padding")
    elif isinstance(answer, (tuple, list)):
        answer = tuple(as_int(a, "output_padding") for a in answer)
    _mirror_of(encoder, input_shape, None)  # a wrong encoder or shape is the exercise's mistake: ValueError
    middle = encoder.compute_output_shape(input_shape)
    try:
        back = _mirror_of(encoder, input_shape, answer).compute_output_shape(middle)
    except ValueError:
        fail(
            [
                f"Keras refuses output_padding={short_repr(answer)} with strides={tuple(encoder.strides)}: "
                "output_padding adds at most stride - 1 rows and columns (one number per axis, or one for all)."
            ]
        )
        return
    names = axis_names(len(input_shape) - 2)
    off: dict[str, list[str]] = {"fewer": [], "more": []}
    for name, want, got in zip(names, input_shape[1:-1], back[1:-1]):
        if want is not None and got != want:
            off["fewer" if got < want else "more"].append(_UNITS.get(name, "cells"))
    problems = []
    for side, units in off.items():
        if not units:
            continue
        if answer is None:
            hint = (
                "None lets Keras pick one of the sizes the encoder maps to its output, not the one it "
                "received here: say how many rows and columns to add with a whole number."
            )
        elif side == "fewer":
            hint = "the floor dropped them on the way down; output_padding puts them back at the end."
        else:
            hint = "output_padding adds that many at the end: fewer are needed here."
        problems.append(
            f"with output_padding={short_repr(answer)} the decoder gives back {side} {' and '.join(units)} "
            f"than the encoder received: {hint}"
        )
    fail(problems)
