"""Text of notebooks/01_example_strided_valid.ipynb (the article's first example)."""

from _cells import TF_SETUP, binder_badge, code, md

CELLS = [
    md(f"""
# Example 1: stride 2 with no padding shrinks 28×28 to 13×13

{binder_badge("01_example_strided_valid")}

**What we build.** A batch of **3** colour images of **28×28** pixels goes through two convolutions:

1. `conv_a`: 32 filters, 3×3 kernel, **stride 2**, `padding="valid"` (no padding);
2. `conv_b`: 64 filters, 3×3 kernel, stride 1, `padding="same"`.

`conv_a` makes the images smaller, and `conv_b` is happy to take whatever size comes out. That is the point of
this example: the spatial size may change from layer to layer; only the depth has to agree.

**Predict** before running anything: what shape comes out of `conv_a`, and what comes out of `conv_b`?
Remember the batch and channel dimensions too.
"""),
    code(TF_SETUP),
    md("""
## 1. Real TensorFlow

Random numbers stand in for the images: only their shape matters here.
"""),
    code("""
images = tf.random.normal((3, 28, 28, 3))   # (batch, height, width, channels)

conv_a = tf.keras.layers.Conv2D(32, kernel_size=3, strides=2, padding="valid")
conv_b = tf.keras.layers.Conv2D(64, kernel_size=3, padding="same")
"""),
    code("""
out_a = conv_a(images)
out_b = conv_b(out_a)
print(tuple(out_a.shape))
print(tuple(out_b.shape))
""", "article-shapes"),
    md("""
Height and width went 28 → 13 → 13, while the depth went 3 → 32 → 64. Was your prediction right?

## 2. convkit computes the same shapes, and shows the arithmetic

`convkit.layers.Conv2D` takes the same arguments as the Keras layer. `explain` writes the formula out with
these numbers, one line per axis.
"""),
    code("""
spec_a = layers.Conv2D(32, kernel_size=3, strides=2, padding="valid")
spec_b = layers.Conv2D(64, kernel_size=3, padding="same")

display(spec_a.explain(tuple(images.shape)))
display(spec_b.explain(spec_a.compute_output_shape(tuple(images.shape))))
"""),
    md("""
**Check** convkit against TensorFlow:
"""),
    code("""
shape_a = spec_a.compute_output_shape(tuple(images.shape))
shape_b = spec_b.compute_output_shape(shape_a)
assert shape_a == tuple(out_a.shape) and shape_b == tuple(out_b.shape)
print("convkit agrees with TensorFlow:", shape_a, "then", shape_b)
"""),
    md("""
Why 13? The window is 3 cells wide and moves 2 cells at a time, so it can start at rows 0, 2, 4, …, 24:
that is 13 positions. A 14th window would start at row 26 and need rows 26, 27 and 28, but there is no
row 28, and `"valid"` does not pad, so that window is dropped: this is the *floor* in the formula.

## 3. Watch each layer's kernel

`KernelTraversal.from_layer` reads the settings of a layer (the real Keras layers here) and animates it on
the given input shape. The first animation is `conv_a` on the 28×28 images; the second is `conv_b` on the
13×13 maps it receives (its `"same"` padding shows up as a border of zeros).
"""),
    code("""
convkit.KernelTraversal.from_layer(conv_a, tuple(images.shape))
"""),
    code("""
convkit.KernelTraversal.from_layer(conv_b, tuple(out_a.shape))
"""),
    md("""
## 4. The two layers as a stack

`LayerStack` traces the shapes through a list of layers. The summary lists each layer's output shape and
parameter count; the diagram draws the blocks to scale.
"""),
    code("""
stack = convkit.LayerStack(tuple(images.shape), [spec_a, spec_b])
stack.summary()
"""),
    code("""
stack.diagram()
"""),
    md("""
`convkit.summary` gives the same table for a real Keras model. The model's `Input` is given the batch size
(3) so that it shows up; with `tf.keras.Input(shape=(28, 28, 3))` the batch would be `None`, as in Keras' own
`model.summary()`.
"""),
    code("""
model = tf.keras.Sequential([tf.keras.Input(batch_shape=(3, 28, 28, 3)), conv_a, conv_b])
convkit.summary(model)
"""),
    md("""
What ties the two layers together is the depth. Look at the kernels TensorFlow created: their shape is
(kernel height, kernel width, input channels, filters).
"""),
    code("""
print("conv_a kernel:", tuple(conv_a.kernel.shape))
print("conv_b kernel:", tuple(conv_b.kernel.shape))
"""),
    md("""
`conv_b`'s kernel was sized for the **32** channels `conv_a` produces, but nothing in it mentions 13×13.
So `conv_b` accepts any height and width, as long as the depth is 32:
"""),
    code("""
print(tuple(conv_b(tf.random.normal((3, 20, 20, 32))).shape))
"""),
    md("""
Feed it the original 3-channel images instead and TensorFlow refuses. Inside `with convkit.explained():`
TensorFlow's error is shown as a plain explanation:
"""),
    code("""
try:
    with convkit.explained():   # shows what went wrong, then re-raises it as a short ValueError
        conv_b(images)          # 3 channels, but conv_b's kernel reads 32
except ValueError:
    pass                        # caught only so that the notebook keeps running
"""),
    md("""
## 5. What a strided "valid" layer never reads

Because the last window was dropped, row 27 and column 27 of every image never reach `conv_a`. convkit
counts how often each input cell is read (`coverage`); cells read zero times are *unread*.
"""),
    code("""
reads = convkit.traverse((28, 28), kernel_size=3, strides=2, padding="valid")
never_read_rows = [row for row in range(28) if reads.unread_mask[row].all()]
print("output size:", reads.output_size)
print("rows never read:", never_read_rows)
print(f"share of input cells never read: {reads.unread_fraction:.1%}")
"""),
    md("""
The same animation with `coverage=True` draws every input cell the layer never reads in orange, crossed
out with an × wherever the cells are big enough to hold one, and writes how many there are under the drawing
("never read"). Here they are the last row and the last column.
"""),
    code("""
convkit.KernelTraversal.from_layer(conv_a, tuple(images.shape), coverage=True)
"""),
    md("""
7% may look harmless, but it is a silent loss: if something important sits on the last row or column,
`conv_a` cannot see it. `padding="same"`, or an input size that fits the stride (27 or 29), reads every cell.

## Your turn

Change the values at the top and run the cell. Try an input of 27 or 29 and watch the unread share, try
`padding = "same"`, and try a kernel larger than the input (say `kernel_size = 30`).
"""),
    code("""
# Your turn: edit these values, then run the cell.
input_size = 28      # height and width of the images
kernel_size = 3
strides = 2
padding = "valid"    # "valid" or "same"

checks.try_layer(layers.Conv2D, (3, input_size, input_size, 3),
                 filters=32, kernel_size=kernel_size, strides=strides, padding=padding)
""", "your-turn"),
    md("""
**Next:** `02_example_same_padding` keeps the size with `"same"` padding while the depth changes.
"""),
]
