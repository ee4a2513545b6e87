"""Text of notebooks/04_same_padding_the_whole_truth.ipynb ("same" padding with strides and even kernels)."""

from _cells import TF_SETUP, binder_badge, code, md

CELLS = [
    md(f"""
# "same" padding: the whole truth

{binder_badge("04_same_padding_the_whole_truth")}

`padding="same"` is often described as "pad so the output has the same size as the input". That is only the
stride-1 case. This notebook shows the general rule TensorFlow follows:

1. the output size is $\\lceil n / s \\rceil$ (input size divided by the stride, rounded **up**);
2. the total padding is whatever the last window needs, $P = \\max\\big(0,\\ (\\text{{out}} - 1)\\cdot s +
   k_\\text{{eff}} - n\\big)$;
3. $\\lfloor P/2 \\rfloor$ goes before (top/left) and the rest after (bottom/right), so when $P$ is odd the
   extra row and column go at the **end**.

We check every step against real TensorFlow at the end.
"""),
    code(TF_SETUP),
    md("""
## 1. Stride 1: the size is kept

With stride 1 the output is $n$ and the total padding is $k_\\text{eff} - 1$. An odd kernel splits it evenly;
an **even** kernel cannot, and the extra cell goes after. **Predict** the padding of a 4-wide kernel on a
10-cell axis, then run:
"""),
    code("""
for k in (3, 4, 5):
    reads = convkit.traverse(10, kernel_size=k, padding="same")
    print(f"kernel {k}: output {reads.output_size[0]}, padding (before, after) = {reads.padding[0]}")
"""),
    code("""
convkit.KernelTraversal(input_size=(6, 6), kernel_size=4, padding="same")
"""),
    md("""
## 2. Stride 2 on 28×28: 14×14, padded (0, 1)

**Predict:** a 3×3 kernel with stride 2 and `"same"` on a 28×28 input. How big is the output, and where do
the zeros go?
"""),
    code("""
half = layers.Conv2D(8, kernel_size=3, strides=2, padding="same")
half.explain((None, 28, 28, 1))
"""),
    md("""
$\\lceil 28/2 \\rceil = 14$ outputs. The 14th window starts at row $13 \\cdot 2 = 26$ and needs rows 26, 27
and 28: one row beyond the image. So $P = 1$, and with $\\lfloor 1/2 \\rfloor = 0$ before, the single padding
row goes **after**: nothing on top, one row at the bottom (and likewise one column on the right).

Watch it on a smaller input with the same kernel and stride (8×8 → 4×4, also padded (0, 1)):
"""),
    code("""
convkit.KernelTraversal(input_size=(8, 8), kernel_size=3, strides=2, padding="same")
"""),
    md("""
## 3. The padding depends on the input size

Keep the layer fixed (3-wide kernel, stride 2) and vary the input. The output is always $\\lceil n/2 \\rceil$,
but the padding alternates between 1 cell (after) and 2 cells (one on each side):
"""),
    code("""
print(" n  out  padding (before, after)")
for n in range(24, 32):
    reads = convkit.traverse(n, kernel_size=3, strides=2, padding="same")
    print(f"{n:2d}  {reads.output_size[0]:3d}  {reads.padding[0]}")
"""),
    md("""
With stride 3 and a 5-wide kernel, three different paddings take turns:
"""),
    code("""
for n in range(24, 30):
    reads = convkit.traverse(n, kernel_size=5, strides=3, padding="same")
    print(f"n={n}: out={reads.output_size[0]} = ceil({n}/3), padding {reads.padding[0]}")
"""),
    md("""
## 4. Why PyTorch's `padding="same"` refuses strides larger than 1

In PyTorch a `Conv2d` is given its padding when it is built, as a fixed number of cells added on both sides.
Its `padding="same"` option therefore has to pick one amount that works for every input, and it allows that
only for stride 1.

The table above shows why. With stride 1 the needed padding is $k_\\text{eff} - 1$: it depends on the kernel
alone, so it can be fixed when the layer is built. With a larger stride the
padding needed to reach $\\lceil n/s \\rceil$ outputs depends on the **input size** too: for the same layer,
27 rows need (1, 1) and 28 rows need (0, 1). A padding fixed before the input is known would be right for
some sizes and wrong for others, and one number added on both sides cannot even express (0, 1). TensorFlow
avoids the problem by working the padding out on every call, from the actual input, and putting the odd cell
at the end.

## 5. Checking the split against TensorFlow

If TensorFlow really pads (0, 1), then `"SAME"` must give exactly the same numbers as a `"VALID"`
convolution on an input padded by hand with one row at the bottom and one column on the right. A symmetric
(1, 1) padding gives the same **shape** (14×14), so only the values can tell the two apart.
"""),
    code("""
x = tf.random.normal((1, 28, 28, 1))
w = tf.random.normal((3, 3, 1, 1))

tf_same = tf.nn.conv2d(x, w, strides=2, padding="SAME")
pad_after = tf.nn.conv2d(x, w, strides=2, padding=[[0, 0], [0, 1], [0, 1], [0, 0]])
pad_both = tf.nn.conv2d(x, w, strides=2, padding=[[0, 0], [1, 1], [1, 1], [0, 0]])

print("shapes:", tuple(tf_same.shape), tuple(pad_after.shape), tuple(pad_both.shape))
print('"SAME" equals padding (0, 1):', np.allclose(tf_same, pad_after, atol=1e-5))
print('"SAME" equals padding (1, 1):', np.allclose(tf_same, pad_both, atol=1e-5))
"""),
    md("""
convkit's own convolution uses the same padding rule, so its numbers match TensorFlow's too:
"""),
    code("""
ours = convkit.convolve(x.numpy(), w.numpy(), strides=2, padding="same")
print("convkit.convolve equals tf.nn.conv2d 'SAME':", np.allclose(ours, tf_same, atol=1e-4))
"""),
    md("""
## 6. The Keras layer uses the same rule

A Keras `Conv2D` with `padding="same"` pads the same way. To see it, run a layer (without bias, so only
the kernel matters) and redo its computation by hand with its own kernel and the padding convkit computes:
"""),
    code("""
real_half = tf.keras.layers.Conv2D(8, kernel_size=3, strides=2, padding="same", use_bias=False)
out = real_half(x)

(top, bottom), (left, right) = convkit.traverse((28, 28), 3, strides=2, padding="same").padding
by_hand = tf.nn.conv2d(x, real_half.kernel, strides=2, padding=[[0, 0], [top, bottom], [left, right], [0, 0]])
print("convkit's padding:", (top, bottom), (left, right))
print("Keras layer output", tuple(out.shape), "equals the hand-padded convolution:",
      np.allclose(out, by_hand, atol=1e-5))
"""),
    md("""
## 7. Dilation counts through the effective kernel

A dilated kernel spans $k_\\text{eff} = (k - 1)\\cdot d + 1$ cells, and `"same"` pads for that span. A 3-wide
kernel with dilation 2 spans 5 cells, so with stride 1 it needs 4 cells of padding, (2, 2):
"""),
    code("""
layers.Conv2D(8, kernel_size=3, dilation_rate=2, padding="same").explain((None, 28, 28, 1))
"""),
    md("""
## Your turn

Pick an input size, kernel and stride, and predict the output size and the (before, after) padding before
running. Try an even kernel with stride 1, then odd and even input sizes with stride 2 or 3. For a kernel
larger than the input, switch to `padding = "valid"`.
"""),
    code("""
# Your turn: edit these values, then run the cell.
input_size = 28      # height and width
kernel_size = 3
strides = 2
padding = "same"     # "valid" or "same"

checks.try_layer(layers.Conv2D, (None, input_size, input_size, 1),
                 filters=8, kernel_size=kernel_size, strides=strides, padding=padding)
""", "your-turn"),
    md("""
**Next:** `05_exercises`, to test yourself.
"""),
]
