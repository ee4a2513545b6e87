"""``try_layer``: a layer's shape and arithmetic, or convkit's reason why it cannot run, never a traceback."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.words import short_repr

__all__ = ["Trial", "attempt_layer", "try_layer"]


@dataclass(frozen=True, slots=True)
class Trial:
    """One attempt at running a layer on an input shape: the output shape and explanation, or the error."""

    description: str
    input_shape: Any
    output_shape: tuple[int | None, ...] | None
    explanation: Any
    error: str | None

    @property
    def ok(self) -> bool:
        """True when the layer accepted the input."""
        return self.error is None

    def __str__(self) -> str:
        if self.error is not None:
            return f"convkit: {self.description} cannot run on input {short_repr(self.input_shape)}.\n{self.error}"
        return str(self.explanation)

    __repr__ = __str__

    def _repr_html_(self) -> str | None:
        if self.error is not None:
            return (
                '<div class="convkit-trial convkit-trial-error" style="border-left:4px solid #c0392b;'
                'padding:4px 10px">'
                f"<b>convkit: {html.escape(self.description)} cannot run on input "
                f"{html.escape(short_repr(self.input_shape))}.</b><div>{html.escape(self.error)}</div></div>"
            )
        if hasattr(self.explanation, "_repr_html_"):
            explained: str | None = self.explanation._repr_html_()  # None: IPython shows the text instead
            return explained
        return f"<pre>{html.escape(str(self.explanation))}</pre>"


#: Errors a learner's numbers can cause. Arithmetic and memory ones (a number too large for a float, a shape of
#: 10**12 entries...) are reported like the ValueErrors convkit raises itself: ``try_layer`` never stops the notebook.
_LEARNER_ERRORS = (ValueError, TypeError, ArithmeticError, MemoryError)


def _describe(cls_name: str, params: Mapping[str, Any]) -> str:
    return f"{cls_name}({', '.join(f'{k}={short_repr(v)}' for k, v in params.items())})"


def _reason(exc: BaseException, params: Mapping[str, Any]) -> str:
    if isinstance(exc, (ValueError, TypeError)):
        return str(exc)
    received = ", ".join(f"{k}={short_repr(v)}" for k, v in params.items())
    return (
        f"convkit could not compute with these numbers ({type(exc).__name__}: {short_repr(str(exc))[1:-1]}); "
        f"use smaller values. Received: {received}"
    )


def _not_convkit(cls: type, params: Mapping[str, Any]) -> str:
    """Why a class that is not a convkit layer (a Keras one, most often) cannot be tried, and what to write."""
    from ..core.layers import LAYERS

    name, package = cls.__name__, cls.__module__.split(".")[0]
    args = ", ".join(f"{k}={short_repr(v)}" for k, v in params.items())
    if name in LAYERS:
        use = (
            f"Use convkit.layers.{name}, which takes the same arguments as keras.layers.{name}: "
            f"checks.try_layer(convkit.layers.{name}, shape{', ' + args if args else ''})."
        )
    else:
        use = (
            "Use a convkit.layers class, e.g. checks.try_layer(convkit.layers.Conv2D, shape, filters=8, kernel_size=3)."
        )
    return (
        f"try_layer shows convkit's arithmetic, so it needs a convkit layer class, not {package}'s {name}. {use} "
        f"Received: layer={short_repr(cls)}"
    )


def attempt_layer(layer_or_cls: Any, input_shape: Sequence[int | None], **params: Any) -> Trial:
    """Build a layer (from a class and ``params``, or use an instance) and run it on ``input_shape``.

    Learner mistakes (``ValueError``/``TypeError`` from convkit) become ``Trial.error``; nothing is raised.

    >>> from convkit import layers
    >>> attempt_layer(layers.Conv2D, (3, 28, 28, 3), filters=32, kernel_size=3, strides=2).output_shape
    (3, 13, 13, 32)
    >>> attempt_layer(layers.Conv2D, (3, 5, 5, 3), filters=8, kernel_size=7).ok
    False
    """
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else input_shape
    if isinstance(layer_or_cls, type):
        description = _describe(layer_or_cls.__name__, params)
        if not callable(getattr(layer_or_cls, "explain", None)):
            return Trial(description, shape, None, None, _not_convkit(layer_or_cls, params))
        try:
            layer = layer_or_cls(**params)
        except _LEARNER_ERRORS as exc:
            return Trial(description, shape, None, None, _reason(exc, params))
    else:
        if params:
            raise TypeError(
                "Pass either a layer class with its arguments, e.g. try_layer(convkit.layers.Conv2D, shape, "
                "filters=8, kernel_size=3), or a built layer without arguments. "
                f"Received: layer={short_repr(layer_or_cls)}, params={short_repr(params)}"
            )
        layer = layer_or_cls
        if not callable(getattr(layer, "compute_output_shape", None)) or not hasattr(layer, "explain"):
            raise TypeError(
                f"`layer` must be a convkit layer or layer class, e.g. convkit.layers.Conv2D. "
                f"Received: layer={short_repr(layer)}"
            )
        description = short_repr(layer, 200)
    try:
        output = tuple(layer.compute_output_shape(shape))
        explanation = layer.explain(shape)
    except _LEARNER_ERRORS as exc:
        return Trial(description, shape, None, None, _reason(exc, {"input_shape": shape}))
    return Trial(description, shape, output, explanation, None)


def try_layer(layer_or_cls: Any, input_shape: Sequence[int | None], **params: Any) -> None:
    """Show a layer's output shape with its arithmetic, or convkit's explanation of why it cannot run.

    For "your turn" cells: it never raises for a learner's settings, so the notebook keeps running.
    In Jupyter it displays rich HTML; elsewhere it prints text.

    >>> from convkit import layers
    >>> try_layer(layers.Conv2D, (3, 28, 28, 3), filters=32, kernel_size=3, strides=2)  # doctest: +ELLIPSIS
    Conv2D '...': (3, 28, 28, 3) → (3, 13, 13, 32)
      height: floor((28 + 0 + 0 - 3) / 2) + 1 = 13
    ...
    >>> try_layer(layers.Conv2D, (3, 28, 28, 3), filters=32, kernel_size=40)  # doctest: +ELLIPSIS
    convkit: Conv2D(filters=32, kernel_size=40) cannot run on input (3, 28, 28, 3).
    ... the kernel 40 is larger than the input 28...
    """
    trial = attempt_layer(layer_or_cls, input_shape, **params)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # plain Python without IPython: print the text form
        print(trial)
        return
    if get_ipython() is None:
        print(trial)
    else:
        display(trial)  # type: ignore[no-untyped-call]  # IPython's display() has no annotations
