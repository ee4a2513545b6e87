"""The contract every layer spec keeps, and the kinds of layer, named once.

Three families implement :class:`LayerSpec`: the Keras-mirroring specs of :mod:`convkit.core.layers`, the merge
layers of :mod:`convkit.core.merge`, and the "shapes reported by Keras" placeholder for layers convkit does not
model. Everything that walks a stack (trace, summary, diagram, editor, widgets) relies on this contract only.

>>> from convkit.core.layers import Conv2D, MaxPooling2D
>>> Conv2D(8, 3).window is LayerKind.CONV, MaxPooling2D(2).window.slides, LayerKind.DENSE.slides
(True, True, False)
>>> isinstance(Conv2D(8, 3), LayerSpec)
True
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Protocol, runtime_checkable

__all__ = ["LayerKind", "LayerSpec"]


class LayerKind(str, Enum):
    """What a layer does to the spatial axes; a ``str`` so ``kind == "conv"`` keeps working."""

    CONV = "conv"
    DEPTHWISE = "depthwise"
    SEPARABLE = "separable"
    TRANSPOSE = "transpose"
    POOL = "pool"
    GLOBAL_POOL = "global_pool"
    RESHAPE = "reshape"
    DENSE = "dense"
    ELEMENTWISE = "elementwise"
    MERGE = "merge"
    UNKNOWN = "unknown"

    __str__ = str.__str__

    def __format__(self, format_spec: str) -> str:
        return str.__format__(self, format_spec)

    @property
    def slides(self) -> bool:
        """A kernel or window slides over the spatial axes (the layers a traversal can animate)."""
        return self in _SLIDING

    @property
    def has_kernel(self) -> bool:
        """Convolutions: a kernel with weights whose depth must match the input's channels."""
        return self in _KERNELS

    @property
    def mixes_every_cell(self) -> bool:
        """Every output value depends on every input cell (Flatten + Dense, global pooling)."""
        return self in (LayerKind.GLOBAL_POOL, LayerKind.DENSE)

    @classmethod
    def of(cls, layer: Any) -> LayerKind:
        """The kind of any layer-like object (``UNKNOWN`` when it declares none)."""
        try:
            return cls(getattr(layer, "window", "unknown"))
        except ValueError:
            return cls.UNKNOWN


_KERNELS = frozenset({LayerKind.CONV, LayerKind.DEPTHWISE, LayerKind.SEPARABLE, LayerKind.TRANSPOSE})
_SLIDING = _KERNELS | {LayerKind.POOL}


@runtime_checkable
class LayerSpec(Protocol):
    """What convkit asks of a layer. Specs are immutable values: ``replace(**changes)`` makes a changed copy."""

    name: str

    @property
    def window(self) -> LayerKind | str: ...

    @property
    def rank(self) -> int | None: ...

    def compute_output_shape(self, input_shape: Any) -> tuple[int | None, ...]: ...

    def count_params(self, input_shape: Any) -> int: ...

    def explain(self, input_shape: Any) -> Any: ...

    def spatial_axes(self, input_shape: Any) -> tuple[Any, ...]: ...

    def get_config(self) -> dict[str, Any]: ...
