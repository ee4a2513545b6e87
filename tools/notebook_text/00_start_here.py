"""Text of notebooks/00_start_here.ipynb (no TensorFlow: it starts fast)."""

from _cells import binder_badge, code, md

CELLS = [
    md(f"""
# Start here: a layer's output does not have to fit the next layer

{binder_badge("00_start_here")} &nbsp; Run these notebooks in your browser with nothing to install
(the first launch can take a few minutes while Binder builds the environment).

A convolutional layer works out the size of its own output. Height and width come from the input it is
given and four of its settings: **kernel size**, **stride**, **padding** and **dilation**. The next layer does
not have to be built for any particular height and width: it slides its kernel over whatever arrives.

The one thing that has to line up between two layers is the **depth** (the number of channels). Every filter
of a convolution has one slice per input channel, so a layer built to read 32 channels cannot read 3.

These notebooks let you check both facts three ways: by the numbers (the formula written out with *your*
numbers), by watching the kernel move over the input, and by looking at a whole stack of layers with every
shape written next to it.
"""),
    md(r"""
## The rule, one axis at a time

Height and width are computed separately with the same rule. For one axis write $n$ for the input size, $k$
for the kernel size, $s$ for the stride and $d$ for the dilation rate.

* **Dilation** spreads the kernel's taps $d$ cells apart, so the kernel spans
  $k_\text{eff} = (k - 1)\cdot d + 1$ cells. With $d = 1$ that is just $k$.
* **`padding="valid"`** adds nothing, so every window must fit inside the input:
  $$\text{out} = \left\lfloor \frac{n - k_\text{eff}}{s} \right\rfloor + 1$$
  The floor drops a last window that would stick out; the input cells it would have read are skipped.
* **`padding="same"`** pads just enough zeros that the output has
  $$\text{out} = \left\lceil \frac{n}{s} \right\rceil$$
  cells. The total padding is $P = \max\big(0,\ (\text{out} - 1)\cdot s + k_\text{eff} - n\big)$, with
  $\lfloor P/2 \rfloor$ before and the rest after. Only with $s = 1$ is the size kept ($\text{out} = n$),
  which is where the name comes from; with a larger stride the size is divided by the stride, rounded up.
* **Depth**: a convolution outputs one channel per filter (`filters`), whatever its input depth.
"""),
    md("""
## Predict, compute, check

Every notebook works in the same three steps: you **predict** a shape, convkit (and, in the examples, real
TensorFlow) **computes** it, and you **check** your prediction against the arithmetic.

**Predict:** a `Conv2D` with 32 filters, a 3×3 kernel, stride 2 and `padding="valid"` receives a batch of
28×28 colour images, shape `(None, 28, 28, 3)`. What shape comes out? Write your answer down before you run
the next cell.
"""),
    code("""
import convkit
from convkit import checks, layers

conv = layers.Conv2D(32, kernel_size=3, strides=2, padding="valid")
conv.explain((None, 28, 28, 3))
"""),
    md("""
`convkit.layers.Conv2D` takes the same arguments as `tf.keras.layers.Conv2D`, but it only does the
arithmetic, so it needs no TensorFlow. `None` in the first position stands for "any batch size": a layer
never changes the batch dimension.

**Check:** the shape as a tuple, exactly as Keras reports it:
"""),
    code("""
print(conv.compute_output_shape((None, 28, 28, 3)))
"""),
    md("""
## Watch the kernel move

Below, a smaller input (7×7) with the same kernel and stride. Step through the positions with the slider or
press play: the window jumps two cells at a time and each position writes one output cell. With
`padding="valid"` the window never leaves the input.
"""),
    code("""
convkit.KernelTraversal(input_size=(7, 7), kernel_size=3, strides=2, padding="valid")
"""),
    md("""
## Your turn

Change the numbers at the top of the next cell and run it again (Shift+Enter). You get the new shape and the
formula in your numbers at once. Some things to try:

* `input_size = 29`: does one more input row change the output? What about `30`?
* `padding = "same"` with `strides = 2`: compare with `"valid"`.
* `kernel_size = 40`: a kernel larger than the input. convkit explains why that cannot work.
"""),
    code("""
# Your turn: edit these values, then run the cell.
input_size = 28      # height and width of the input
kernel_size = 3
strides = 2
padding = "valid"    # "valid" or "same"

checks.try_layer(layers.Conv2D, (None, input_size, input_size, 3),
                 filters=32, kernel_size=kernel_size, strides=strides, padding=padding)
""", "your-turn"),
    md("""
## How the notebooks are organised

| Notebook | What it shows |
|---|---|
| `00_start_here` | this page: the rule, a first animation, the "your turn" cells |
| `01_example_strided_valid` | 28×28 → 13×13 with stride 2 and no padding; a row and a column that are never read |
| `02_example_same_padding` | 64×64 kept at 64×64 by `"same"` padding, while the depth goes 1 → 16 → 32 |
| `03_example_large_stride` | 128×128 → 32×32 with stride 4: a 3×3 kernel that skips almost half the image |
| `04_same_padding_the_whole_truth` | what `"same"` really does with a stride: ceil(n/s) and padding that is not symmetric |
| `05_exercises` | ten exercises; the checks point at the part of the formula to fix (for a graded course, your instructor hands out a copy without the answers) |

Examples 1 to 3 each run the same two-layer idea in real TensorFlow, then let convkit predict the shapes,
animate the kernel and draw the stack.

**Memory on Binder.** A notebook that imports TensorFlow takes about 550 MB, and Binder gives you 1 to 2 GB.
When you finish a notebook, shut its kernel down (*Kernel → Shut Down Kernel*) before opening the next one.
"""),
]
