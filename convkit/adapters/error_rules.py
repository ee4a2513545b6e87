"""The recognisers behind :func:`convkit.adapters.errors.explain_error`, gathered from one module per family.

Each recogniser takes the cleaned message (see :func:`clean_message`), the optional Keras model and input shape,
and the :class:`~.error_rules_common.Where` read from the traceback, and returns an
:class:`~convkit.core.explain.Explanation` or ``None``. Numbers come from the message (regular expressions) or from
the layer that raised it; sizes are recomputed with :mod:`convkit.core.axis`, and where ``convkit.layers`` refuses
the same configuration, its own message is the explanation's title.

The families: :mod:`.error_rules_size` (kernels and pools larger than the input, cropping), :mod:`.error_rules_onednn`,
:mod:`.error_rules_depth` (channels, groups, ``tf.nn`` kernel depth), :mod:`.error_rules_rank` (missing axes, layers
of the wrong rank), :mod:`.error_rules_dense`, :mod:`.error_rules_merge`, :mod:`.error_rules_arguments`
(constructor mistakes), :mod:`.error_rules_tfnn` and :mod:`.error_rules_model`.
"""

from __future__ import annotations

from .error_rules_arguments import ARGUMENT_RULES
from .error_rules_common import NOWHERE, Recogniser, Unreadable, Where, clean_message
from .error_rules_dense import DENSE_RULES
from .error_rules_depth import DEPTH_RULES
from .error_rules_merge import MERGE_RULES
from .error_rules_model import MODEL_RULES, where_of, with_place
from .error_rules_onednn import ONEDNN_RULES
from .error_rules_rank import RANK_RULES
from .error_rules_size import SIZE_RULES
from .error_rules_tfnn import TFNN_RULES

__all__ = ["NOWHERE", "RECOGNISERS", "Unreadable", "Where", "clean_message", "where_of", "with_place"]

RECOGNISERS: tuple[Recogniser, ...] = (
    *SIZE_RULES,
    *ONEDNN_RULES,
    *DEPTH_RULES,
    *RANK_RULES,
    *DENSE_RULES,
    *MERGE_RULES,
    *ARGUMENT_RULES,
    *TFNN_RULES,
    *MODEL_RULES,
)
