"""The public :class:`LayerStack` and :func:`summary`: the core's stack plus its views and Keras.

:class:`convkit.core.stack.LayerStack` is the pure value (layers, wiring, shape trace, edits). This front door adds
the thin conveniences a notebook wants: :meth:`LayerStack.diagram`, :meth:`LayerStack.editor` and
:meth:`LayerStack.from_keras`, each a call into the part that owns it (render, widgets, adapters), and
:func:`summary` for stacks, Keras models and lists of layers.

>>> import convkit
>>> from convkit import layers as L
>>> s = convkit.LayerStack((3, 28, 28, 3), [L.Conv2D(32, 3, strides=2), L.Conv2D(64, 3, padding="same")])
>>> s.remove(1).output_shape, type(s.remove(1)).__name__
((3, 13, 13, 32), 'LayerStack')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .core.stack import LayerStack as CoreLayerStack
from .core.stack import StackExplanation
from .core.summary import Summary
from .core.words import short_repr

__all__ = ["LayerStack", "summary", "StackExplanation"]


class LayerStack(CoreLayerStack):
    """Layer specs fed by one input shape, with views: see :class:`convkit.core.stack.LayerStack`.

    Examples
    --------
    >>> import convkit
    >>> from convkit import layers as L
    >>> from convkit.layers import Add
    >>> s = convkit.LayerStack((None, 16, 16, 32), [L.Conv2D(32, 3, padding="same"), Add()], inputs=[(), (-1, 0)])
    >>> s.output_shape
    (None, 16, 16, 32)
    """

    __slots__ = ()

    def diagram(self, **kwargs: Any) -> Any:
        """A matplotlib ``Figure`` of the stack (``convkit.render.stack.draw_stack_figure``): a box per tensor
        with its layer's name and shape, skip connections as labelled connectors of their own.

        Displayed in JupyterLab it follows Lab's light or dark theme (``theme="auto"``, the default); pass
        ``theme="light"`` or ``"dark"`` for a fixed picture, e.g. ``stack.diagram(theme="dark").savefig(...)``.
        """
        from .render.stack import draw_stack_figure

        return draw_stack_figure(self, **kwargs)

    def editor(self, **kwargs: Any) -> Any:
        """An interactive editor widget for this stack (``convkit.widgets.stack_editor.StackEditor``)."""
        from .widgets.stack_editor import StackEditor

        return StackEditor(self, **kwargs)

    def receptive_field_view(self, **kwargs: Any) -> Any:
        """The interactive receptive-field view of this stack (:class:`convkit.ReceptiveFieldView`): hover a cell
        of any map and every earlier map shows what it depends on, padded zeros included."""
        from .widgets.receptive_field import ReceptiveFieldView

        return ReceptiveFieldView(self, **kwargs)

    @classmethod
    def from_keras(cls, model: Any) -> LayerStack:
        """The layer stack of a built Keras 3 model (Sequential or functional).

        Layers convkit does not model become placeholders carrying the shapes Keras reports
        (``layer.modelled is False``; the summary marks them "(from Keras)"). Imports Keras lazily.
        """
        from .adapters.keras import stack_from_keras

        return cls._adopt(stack_from_keras(model))


def summary(model_or_stack: Any, input_shape: Sequence[int | None] | None = None) -> Summary:
    """The per-layer shape table of a :class:`LayerStack`, a Keras model or a list of convkit layers.

    Parameters
    ----------
    model_or_stack : LayerStack, keras.Model, list of layers or (input_shape, layers)
        What to summarise. A list of convkit layers needs ``input_shape``.
    input_shape : tuple, optional
        Full input shape, batch first. For a stack or Keras model, it replaces the model's own input shape.

    Examples
    --------
    >>> import convkit
    >>> from convkit import layers as L
    >>> table = convkit.summary([L.Conv2D(32, 3, strides=2)], input_shape=(3, 28, 28, 3))
    >>> table.rows[0].window, table.rows[0].output_shape, table.total_params
    ('3×3 /2 valid', '(3, 13, 13, 32)', 896)
    """
    stack = _as_stack(model_or_stack, input_shape)
    return stack.summary()


def _as_stack(obj: Any, input_shape: Sequence[int | None] | None) -> CoreLayerStack:
    if isinstance(obj, CoreLayerStack):
        return obj if input_shape is None else obj.with_input_shape(input_shape)
    if _looks_like_keras_model(obj):
        stack = LayerStack.from_keras(obj)
        return stack if input_shape is None else stack.with_input_shape(input_shape)
    if (
        isinstance(obj, tuple)
        and len(obj) == 2
        and isinstance(obj[0], (tuple, list))
        and isinstance(obj[1], (tuple, list))
        and all(d is None or isinstance(d, int) for d in obj[0])
        and input_shape is None
    ):
        return LayerStack(obj[0], obj[1])
    if isinstance(obj, (list, tuple)):
        if input_shape is None:
            raise ValueError(
                "A list of layers needs an input shape: convkit.summary(layers, input_shape=(None, 28, 28, 3)) "
                "or convkit.summary(((None, 28, 28, 3), layers)). Received: input_shape=None"
            )
        return LayerStack(input_shape, obj)
    raise TypeError(
        "convkit.summary() takes a convkit.LayerStack, a Keras model, a list of convkit layers with "
        f"input_shape=..., or (input_shape, [layers]). Received: model_or_stack={short_repr(obj)} "
        f"(of type {type(obj).__name__})"
    )


def _looks_like_keras_model(obj: Any) -> bool:
    module = type(obj).__module__ or ""
    return module.startswith("keras") and hasattr(obj, "layers") and hasattr(obj, "get_config")
