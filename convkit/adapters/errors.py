"""TensorFlow/Keras shape errors → plain explanations with the learner's numbers and a fix.

:func:`explain_error` reads the message of an exception raised by Keras 3 / TensorFlow (numbers are
parsed with regular expressions), recomputes the arithmetic with convkit, and returns an
:class:`~convkit.core.explain.Explanation` (``None`` for errors it does not recognise). Pass the
``model`` (and the ``input_shape`` you fed it) to get the layer-by-layer context from convkit's trace.

:func:`explained` is a context manager for notebook cells::

    with convkit.explained():
        model = keras.Sequential([keras.Input((4, 4, 3)), keras.layers.Conv2D(8, 5)])

On a recognised shape error it shows the explanation (HTML in a notebook, text otherwise) and raises
:class:`ShapeError` (a ``ValueError``) whose message is the explanation, chained ``from`` the original
exception so the full Keras traceback stays available. Any other exception passes through unchanged.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from ..core.explain import Explanation
from .error_rules import RECOGNISERS, Unreadable, clean_message, where_of, with_place

__all__ = ["ShapeError", "explain_error", "explained"]


class ShapeError(ValueError):
    """A TF/Keras shape error re-raised by :func:`explained`; ``str()`` is the plain explanation.

    ``explanation`` holds the :class:`~convkit.core.explain.Explanation`; ``__cause__`` the original error.
    In IPython and Jupyter the error is reported by its explanation alone, with no traceback: the frames belong to
    Keras and TensorFlow and only repeat the same fact. ``shown`` is True when :func:`explained` has already
    displayed the explanation, and then the report is one line pointing at it. Scripts get an ordinary exception.
    """

    def __init__(self, explanation: Explanation, *, shown: bool = False) -> None:
        super().__init__(str(explanation))
        self.explanation = explanation
        self.shown = shown

    def _render_traceback_(self) -> list[str]:
        """What IPython prints instead of a traceback (IPython's hook for exceptions that render themselves)."""
        original = type(self.__cause__).__name__ if self.__cause__ is not None else None
        where = f" (TensorFlow's own {original} is kept as this error's __cause__)" if original else ""
        if self.shown:
            return [f"ShapeError: see the explanation above{where}."]
        return ["ShapeError:", *str(self.explanation).splitlines(), *([f"({where.strip(' ()')})"] if where else [])]


def explain_error(
    exc: BaseException, model: Any = None, input_shape: Sequence[int | None] | None = None
) -> Explanation | None:
    """A plain explanation of a TensorFlow/Keras shape error, or ``None`` when it is not one convkit knows.

    Parameters
    ----------
    exc : BaseException
        The exception Keras or TensorFlow raised.
    model : keras.Model, optional
        The model involved, to name layers and recompute shapes with convkit's trace.
    input_shape : tuple, optional
        The full shape (batch first) fed to ``model``, when it differs from the model's own input.

    Never raises: a message it cannot make sense of (a stride of 0, a size of 5,000 digits...) gives ``None``.
    When the traceback shows which layer of a model failed (building a Sequential or functional model inside
    :func:`explained`), the explanation names it with its position ("layer 4 of 6") and convkit's trace of the
    layers before it.

    Examples
    --------
    >>> err = ValueError("Inputs have incompatible shapes. Received shapes (16, 16, 32) and (16, 16, 64)")
    >>> print(explain_error(err).notes[-1])  # doctest: +NORMALIZE_WHITESPACE
    Fix: the channel depths differ (32 vs 64): give the 64-channel branch a 1×1 convolution with 32 filters
    (keras.layers.Conv2D(32, 1)), or use Concatenate to stack the channels instead.
    """
    if isinstance(exc, ShapeError):
        return exc.explanation
    if not isinstance(exc, Exception):
        return None
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - an exception whose __str__ fails has no message to explain
        return None
    message = clean_message(text)
    where = where_of(exc, text)
    if model is None and where.model is not None:  # model.predict(x) / model(x): the model and x from the traceback
        model, input_shape = where.model, where.model_input
    for recognise in RECOGNISERS:
        try:
            explanation = recognise(message, model, input_shape, where)
        except Unreadable:  # the message matched but its numbers make no sense: not one convkit explains
            continue
        except (ValueError, TypeError, ArithmeticError, AttributeError, IndexError, KeyError, RecursionError):
            continue  # a recogniser confused by an odd message: not one convkit explains (never worse than TF)
        if explanation is not None and str(explanation).strip():
            return with_place(explanation, where)
    return None


def _explain_or_none(exc: Exception, model: Any, input_shape: Any) -> Explanation | None:
    """:func:`explain_error` for :func:`explained`: should convkit itself fail, the learner keeps their own error."""
    try:
        return explain_error(exc, model=model, input_shape=input_shape)
    except Exception:  # noqa: BLE001 - never replace the learner's TensorFlow error by a convkit crash
        return None


def _show(explanation: Explanation) -> None:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        from IPython.display import display

        display(explanation)  # type: ignore[no-untyped-call]  # IPython's display() has no annotations
    else:
        print(str(explanation), file=sys.stderr)


@contextlib.contextmanager
def explained(
    model: Any = None, input_shape: Sequence[int | None] | None = None, *, show: bool = True
) -> Iterator[None]:
    """Explain TF/Keras shape errors raised inside the ``with`` block.

    A recognised error is shown (``show=True``: HTML in a notebook, text on stderr elsewhere) and re-raised as
    :class:`ShapeError` whose message is the explanation, chained ``from`` the original; anything else
    (including errors convkit does not recognise) propagates unchanged.

    Examples
    --------
    >>> import convkit
    >>> try:
    ...     with convkit.explained(show=False):
    ...         raise ValueError("Inputs have incompatible shapes. Received shapes (8, 8, 3) and (4, 4, 3)")
    ... except convkit.adapters.errors.ShapeError as err:
    ...     print(str(err).splitlines()[0][:40])
    An element-wise merge (Add, Subtract, Mu
    """
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - re-raised unchanged unless it is a shape error we explain
        if isinstance(exc, ShapeError):
            raise
        explanation = _explain_or_none(exc, model, input_shape)
        if explanation is None:
            raise
        if show:
            _show(explanation)
        raise ShapeError(explanation, shown=show) from exc
