"""Front-door views that also take a live Keras model: the widgets draw convkit stacks only (they never touch
Keras), so the conversion happens here, through :meth:`convkit.LayerStack.from_keras`.

>>> import convkit
>>> from convkit import layers as L
>>> stack = convkit.LayerStack((None, 12, 12, 1), [L.Conv2D(4, 3, strides=2), L.Conv2D(8, 3)])
>>> view = convkit.ReceptiveFieldView(stack)
>>> view.selected            # the middle cell of the last map
[2, 1, 1]
"""

from __future__ import annotations

from typing import Any

from .stack import LayerStack, _looks_like_keras_model
from .widgets.receptive_field import ReceptiveFieldView as _ReceptiveFieldView

__all__ = ["ReceptiveFieldView"]


class ReceptiveFieldView(_ReceptiveFieldView):
    """:class:`convkit.widgets.receptive_field.ReceptiveFieldView` of a :class:`convkit.LayerStack` or of a built
    Keras model (Sequential or functional), read with :meth:`convkit.LayerStack.from_keras`."""

    def __init__(self, stack_or_keras_model: Any, **kwargs: Any) -> None:
        if _looks_like_keras_model(stack_or_keras_model):
            stack_or_keras_model = LayerStack.from_keras(stack_or_keras_model)
        super().__init__(stack_or_keras_model, **kwargs)
