"""The arithmetic core: pure Python + numpy, imports nothing else of convkit.

Everything convkit draws is computed here first: per-axis output sizes and padding
(:mod:`convkit.core.axis`), argument normalising (:mod:`convkit.core.args`), Keras-mirroring
layer specs, traversal geometry, numeric convolution and shape traces.
"""
