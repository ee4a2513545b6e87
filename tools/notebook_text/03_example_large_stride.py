"""Text of notebooks/03_example_large_stride.ipynb (the article's third example)."""

from _cells import TF_SETUP, binder_badge, code, md

CELLS = [
    md(f"""
# Example 3: stride 4 takes 128×128 down to 32×32, and skips a lot

{binder_badge("03_example_large_stride")}

**What we build.** A batch of **2** colour images of **128×128** pixels goes through:

1. `conv_e`: 8 filters, 3×3 kernel, **stride 4**, `padding="valid"`;
2. `conv_f`: 16 filters, 3×3 kernel, stride 1, `padding="same"`.

A big stride is a quick way to shrink an image. But here the stride (4) is larger than the kernel (3), so
consecutive windows do not touch: one row and one column out of every four are never looked at.

**Predict:** the two output shapes, and what share of the input pixels `conv_e` never reads.
"""),
    code(TF_SETUP),
    md("""
## 1. Real TensorFlow
"""),
    code("""
images = tf.random.normal((2, 128, 128, 3))   # (batch, height, width, channels)

conv_e = tf.keras.layers.Conv2D(8, kernel_size=3, strides=4, padding="valid")
conv_f = tf.keras.layers.Conv2D(16, kernel_size=3, padding="same")
"""),
    code("""
out_e = conv_e(images)
out_f = conv_f(out_e)
print(tuple(out_e.shape))
print(tuple(out_f.shape))
""", "article-shapes"),
    md("""
## 2. convkit computes the same shapes
"""),
    code("""
spec_e = layers.Conv2D(8, kernel_size=3, strides=4, padding="valid")
spec_f = layers.Conv2D(16, kernel_size=3, padding="same")

shape_e = spec_e.compute_output_shape(tuple(images.shape))
shape_f = spec_f.compute_output_shape(shape_e)
display(spec_e.explain(tuple(images.shape)))
display(spec_f.explain(shape_e))
"""),
    code("""
assert shape_e == tuple(out_e.shape) and shape_f == tuple(out_f.shape)
print("convkit agrees with TensorFlow:", shape_e, "then", shape_f)
"""),
    md("""
$(128 - 3) / 4 = 31.25$ is floored to 31, plus 1 gives 32. That 32 is exactly $128 / 4$, which looks tidy,
but a tidy output size does not mean every pixel is used, as section 5 shows.

## 3. Watch each layer's kernel

The 128×128 input is drawn zoomed out. Step through the first few positions of `conv_e` and watch the gap
between one window and the next.
"""),
    code("""
convkit.KernelTraversal.from_layer(conv_e, tuple(images.shape))
"""),
    code("""
convkit.KernelTraversal.from_layer(conv_f, tuple(out_e.shape))
"""),
    md("""
## 4. The two layers as a stack
"""),
    code("""
stack = convkit.LayerStack(tuple(images.shape), [spec_e, spec_f])
stack.summary()
"""),
    code("""
stack.diagram()
"""),
    md("""
Again only the depth has to agree: `conv_f` reads 8 channels, whatever their height and width.
"""),
    code("""
print("conv_f kernel:", tuple(conv_f.kernel.shape))
try:
    with convkit.explained():   # shows what went wrong, then re-raises it as a short ValueError
        conv_f(images)          # 3 channels, but conv_f's kernel reads 8
except ValueError:
    pass                        # caught only so that the notebook keeps running
"""),
    md("""
## 5. A stride larger than the kernel leaves gaps

Windows start at rows 0, 4, 8, … and each reads 3 rows, so rows 3, 7, 11, … are never read; the same holds
for columns. That is 32 of 128 rows and 32 of 128 columns, and
$1 - (96/128)^2 = 43.75\\%$ of the pixels.
"""),
    code("""
reads = convkit.traverse((128, 128), kernel_size=3, strides=4, padding="valid")
never_read_rows = [row for row in range(128) if reads.unread_mask[row].all()]
print("first rows never read:", never_read_rows[:6], "...", f"({len(never_read_rows)} rows)")
print(f"share of input cells never read: {reads.unread_fraction:.2%}")
"""),
    code("""
convkit.KernelTraversal.from_layer(conv_e, tuple(images.shape), coverage=True)
"""),
    md("""
With `coverage=True` the never-read pixels are drawn in orange, crossed out with an × wherever the cells
are big enough to hold one, and their share is written under the drawing ("never read"). They form a regular
grid of lines, every fourth row and column. That is what the layer throws away before it learns anything.
Whether that matters depends on the data, but it is worth knowing: a 4×4 kernel with stride 4 costs almost
the same and reads every pixel exactly once.

## Your turn

Find the smallest `kernel_size` that reads every pixel with `strides = 4`. Then try a kernel larger than the
input, e.g. `kernel_size = 130`.
"""),
    code("""
# Your turn: edit these values, then run the cell.
input_size = 128     # height and width of the images
kernel_size = 3
strides = 4
padding = "valid"    # "valid" or "same"

checks.try_layer(layers.Conv2D, (2, input_size, input_size, 3),
                 filters=8, kernel_size=kernel_size, strides=strides, padding=padding)
""", "your-turn"),
    md("""
**Next:** `04_same_padding_the_whole_truth`: what `"same"` does once the stride is larger than 1.
"""),
]
