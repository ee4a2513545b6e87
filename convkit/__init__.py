"""convkit: see and check why a convolutional layer's output shape need not match the next layer's input.

The public API is re-exported here. Heavy parts (matplotlib renderers, ipywidgets/anywidget widgets,
the Keras adapter) load on first use, so ``import convkit`` stays fast and never imports TensorFlow.

>>> import convkit
>>> convkit.layers.Conv2D(32, 3, strides=2).compute_output_shape((3, 28, 28, 3))
(3, 13, 13, 32)
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"


class ConvkitWarning(UserWarning):
    """Warnings issued by convkit itself (the test suite turns them into errors)."""


# public name -> (module, attribute); loaded on first access
_LAZY: dict[str, tuple[str, str | None]] = {
    "layers": ("convkit.layers", None),
    "checks": ("convkit.checks", None),
    "convolve": ("convkit.core.numeric", "convolve"),
    "pool": ("convkit.core.numeric", "pool"),
    "traverse": ("convkit.core.traversal", "traverse"),
    "Traversal": ("convkit.core.traversal", "Traversal"),
    "convolve_transpose": ("convkit.core.numeric_transpose", "convolve_transpose"),
    "traverse_transpose": ("convkit.core.traversal_transpose", "traverse_transpose"),
    "TransposedTraversal": ("convkit.core.traversal_transpose", "TransposedTraversal"),
    "trace": ("convkit.core.trace", "trace"),
    "ReceptiveField": ("convkit.core.receptive_field", "ReceptiveField"),
    "StepArithmetic": ("convkit.core.step_arithmetic", "StepArithmetic"),
    "solve": ("convkit.core.solve", "solve"),
    "KernelTraversal": ("convkit.widgets.traversal", "KernelTraversal"),
    "ReceptiveFieldView": ("convkit.views", "ReceptiveFieldView"),
    "TransposedKernelTraversal": ("convkit.widgets.transpose_traversal", "TransposedKernelTraversal"),
    "LayerStack": ("convkit.stack", "LayerStack"),
    "summary": ("convkit.stack", "summary"),
    "explain_error": ("convkit.adapters.errors", "explain_error"),
    "explained": ("convkit.adapters.errors", "explained"),
    "ShapeError": ("convkit.adapters.errors", "ShapeError"),
}

__all__ = ["ConvkitWarning", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    try:
        module_name, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'convkit' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


# The core's results (summaries, explanations) are data with a text str(); their notebook HTML is written in
# convkit.render (plain string formatting, no matplotlib), attached here so the core imports nothing above it.
from .render import html as _html  # noqa: E402, F401
