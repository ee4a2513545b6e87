"""Formative checks for exercises and "your turn" cells: learner feedback, built on :mod:`convkit.core` only.

Each ``check_*`` function recomputes the right answer with convkit's own arithmetic and, when the
learner's answer differs, raises :class:`NotYet` (an :class:`AssertionError`) that says *which* axis is off and
*which part of the formula* probably went wrong (stride, padding, kernel, dilation, ceil or floor, batch or
channel dimension). The message never contains the expected value, so the checks can sit in graded
(nbgrader) test cells without giving the answer away. An answer of the wrong kind (text where a shape is
expected) raises :class:`WrongKind`, which is both a ``NotYet`` and a ``TypeError``; lists are accepted wherever
tuples are. In IPython/Jupyter both show as their message alone, never as a traceback through convkit, with
lines short enough for nbgrader's feedback page, and a long answer is shortened when it is echoed.

:func:`try_layer` is the helper of the "your turn" cells: it shows a layer's output shape and the
arithmetic behind it, or convkit's explanation of why the layer cannot run, never a traceback.
:func:`walk_stack` shows where a stack of layers stops, without suggesting a fix.

The modules, by job:

* :mod:`.answers`: the checks of an answer's value (output shapes and sizes, padding, dilated kernels, kernel
  shapes and parameter counts, a layer designed for a target size, a learner's own size function);
* :mod:`.transposed`: the ``output_padding`` that makes a decoder give back its encoder's input size;
* :mod:`.form`: the checks of an answer's form only, for the visible part of graded cells;
* :mod:`.stack`: whole stacks of layers (does it run, where does it stop, which depth to fix);
* :mod:`.hints`: the common slips behind a wrong number, recomputed to name the part of the formula to fix;
* :mod:`.feedback`: how a check reports (``NotYet``, ``WrongKind``, wrapped lines) and reads an answer's kind.

>>> from convkit import checks, layers
>>> checks.check_output_shape((None, 13, 13, 32), layers.Conv2D(32, 3, strides=2), (None, 28, 28, 3))
>>> checks.check_output_shape((None, 14, 14, 32), layers.Conv2D(32, 3, strides=2), (None, 28, 28, 3))
Traceback (most recent call last):
...
convkit.checks.NotYet: Not yet: height and width are off: you rounded up, but "valid" padding rounds down ...
"""

from __future__ import annotations

from .answers import (
    check_effective_kernel,
    check_kernel_shape,
    check_layer_design,
    check_output_shape,
    check_output_size,
    check_padding,
    check_param_count,
    check_size_function,
)
from .feedback import NotYet, WrongKind
from .form import check_is_one_of, check_is_pair, check_is_shape, check_is_whole_number
from .stack import StackWalk, check_depth_fix, check_is_layer_list, check_stack, walk_stack
from .transposed import check_output_padding
from .try_layer import Trial, attempt_layer, try_layer

__all__ = [
    "NotYet",
    "WrongKind",
    "StackWalk",
    "Trial",
    "attempt_layer",
    "try_layer",
    "walk_stack",
    "check_is_shape",
    "check_is_whole_number",
    "check_is_pair",
    "check_is_one_of",
    "check_is_layer_list",
    "check_output_shape",
    "check_output_size",
    "check_padding",
    "check_effective_kernel",
    "check_stack",
    "check_depth_fix",
    "check_size_function",
    "check_kernel_shape",
    "check_param_count",
    "check_layer_design",
    "check_output_padding",
]
