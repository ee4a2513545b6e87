"""Text of notebooks/02_example_same_padding.ipynb (the article's second example)."""

from _cells import TF_SETUP, binder_badge, code, md

CELLS = [
    md(f"""
# Example 2: "same" padding keeps 64×64 while the depth changes

{binder_badge("02_example_same_padding")}

**What we build.** A batch of **5** grayscale images (one channel) of **64×64** pixels goes through:

1. `conv_c`: 16 filters, **5×5** kernel, stride 1, `padding="same"`;
2. `conv_d`: 32 filters, 3×3 kernel, stride 1, `padding="same"`.

Here the spatial size does not change at all, but the depth does: 1 → 16 → 32. The two layers use different
kernel sizes, so they need different amounts of padding to keep 64×64.

**Predict:** the two output shapes, and how many rows of zeros each layer adds above and below the image.
"""),
    code(TF_SETUP),
    md("""
## 1. Real TensorFlow
"""),
    code("""
images = tf.random.normal((5, 64, 64, 1))   # (batch, height, width, channels)

conv_c = tf.keras.layers.Conv2D(16, kernel_size=5, padding="same")
conv_d = tf.keras.layers.Conv2D(32, kernel_size=3, padding="same")
"""),
    code("""
out_c = conv_c(images)
out_d = conv_d(out_c)
print(tuple(out_c.shape))
print(tuple(out_d.shape))
""", "article-shapes"),
    md("""
## 2. convkit computes the same shapes

With stride 1, `"same"` pads $k - 1$ cells in total: 4 for the 5×5 kernel (2 above, 2 below), 2 for the
3×3 kernel (1 and 1). The explanation shows the padding in the formula.
"""),
    code("""
spec_c = layers.Conv2D(16, kernel_size=5, padding="same")
spec_d = layers.Conv2D(32, kernel_size=3, padding="same")

shape_c = spec_c.compute_output_shape(tuple(images.shape))
shape_d = spec_d.compute_output_shape(shape_c)
display(spec_c.explain(tuple(images.shape)))
display(spec_d.explain(shape_c))
"""),
    code("""
assert shape_c == tuple(out_c.shape) and shape_d == tuple(out_d.shape)
print("convkit agrees with TensorFlow:", shape_c, "then", shape_d)
"""),
    md("""
## 3. Watch each layer's kernel

A 64×64 input is large, so the animation zooms out to fit. Look at the border: the padded cells are drawn
apart from the image, two deep for the 5×5 kernel, one deep for the 3×3 kernel.
"""),
    code("""
convkit.KernelTraversal.from_layer(conv_c, tuple(images.shape))
"""),
    code("""
convkit.KernelTraversal.from_layer(conv_d, tuple(out_c.shape))
"""),
    md("""
## 4. The two layers as a stack
"""),
    code("""
stack = convkit.LayerStack(tuple(images.shape), [spec_c, spec_d])
stack.summary()
"""),
    code("""
stack.diagram()
"""),
    md("""
Only the depth links the layers. `conv_d`'s kernel reads 16 channels, the depth `conv_c` produces:
"""),
    code("""
print("conv_c kernel:", tuple(conv_c.kernel.shape))
print("conv_d kernel:", tuple(conv_d.kernel.shape))
"""),
    md("""
Give `conv_d` the one-channel images directly and the depths disagree; `convkit.explained()` says so in
plain words:
"""),
    code("""
try:
    with convkit.explained():   # shows what went wrong, then re-raises it as a short ValueError
        conv_d(images)          # 1 channel, but conv_d's kernel reads 16
except ValueError:
    pass                        # caught only so that the notebook keeps running
"""),
    md("""
## 5. "same" keeps the size only with stride 1

It is tempting to read `"same"` as "the output has the same size as the input". That is true here because
both strides are 1. With a stride it is not: `"same"` makes the output $\\lceil n / s \\rceil$, and pads
whatever that needs. The same 5×5 layer with stride 2, on a 63×63 input:
"""),
    code("""
strided = layers.Conv2D(16, kernel_size=5, strides=2, padding="same")
strided.explain((5, 63, 63, 1))
"""),
    md("""
TensorFlow agrees: 63 becomes 32, not 63.
"""),
    code("""
real_strided = tf.keras.layers.Conv2D(16, kernel_size=5, strides=2, padding="same")
print(tuple(real_strided(tf.random.normal((5, 63, 63, 1))).shape))
"""),
    md("""
Notebook `04_same_padding_the_whole_truth` shows how TensorFlow splits that padding, and why it is sometimes
lopsided.

## Your turn

Change the values and run the cell. Try `strides = 2` or `3` with `padding = "same"`, try an even
`kernel_size` (where does the odd padding cell go?), and try a kernel larger than the input with
`padding = "valid"`.
"""),
    code("""
# Your turn: edit these values, then run the cell.
input_size = 64      # height and width of the images
kernel_size = 5
strides = 1
padding = "same"     # "valid" or "same"

checks.try_layer(layers.Conv2D, (5, input_size, input_size, 1),
                 filters=16, kernel_size=kernel_size, strides=strides, padding=padding)
""", "your-turn"),
    md("""
**Next:** `03_example_large_stride`, where a stride larger than the kernel leaves gaps.
"""),
]
