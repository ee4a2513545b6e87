"""Text of notebooks/05_exercises.ipynb: the nbgrader SOURCE notebook (solutions and hidden tests included).

No TensorFlow here: grading must be fast. Hidden tests call ``convkit.checks`` helpers, which compute the
right answer from the layer and the input and fail with a hint, never with the expected value; the test
cells never contain an answer literally either (the feedback shows their source).
"""

from _cells import answer, graded, readonly_code, readonly_md

HIDE = "### BEGIN HIDDEN TESTS"
END_HIDE = "### END HIDDEN TESTS"

CELLS = [
    readonly_md("""
# Exercises: predict the shapes

Ten short exercises on the rules from notebooks 00 to 04. Work them out **by hand** first; that is the
skill being practised. (convkit would give you the answers, so save it for exploring *other* numbers.)

**How to answer.** Each exercise has an answer cell containing `raise NotImplementedError()`: replace that
line with your answer. The grey cells after it are the checks. They first make sure your answer has the
right form (a tuple, a number, ...); the real checks run when your work is graded. If an answer is wrong,
the feedback names the axis and the part of the formula to look at again (stride, padding, kernel,
dilation, rounding up or down, batch or channels), without telling you the number.

Shapes are written batch first, channels last: `(batch, height, width, channels)`, with `None` for a batch
size that is not known.

**The rules** (per spatial axis, $k_\\text{eff} = (k - 1)\\cdot d + 1$):
`"valid"`: $\\lfloor (n - k_\\text{eff})/s \\rfloor + 1$; `"same"`: $\\lceil n/s \\rceil$ with padding
$P = \\max(0, (\\text{out} - 1)\\cdot s + k_\\text{eff} - n)$, $\\lfloor P/2 \\rfloor$ before and the rest after.
""", "intro"),
    readonly_code("""
import convkit
from convkit import checks, layers
""", "setup"),
    # ------------------------------------------------------------------ 1
    readonly_md("""
## Exercise 1: stride 2, no padding (3 points)

`layers.Conv2D(16, kernel_size=5, strides=2, padding="valid")` receives input of shape `(None, 30, 20, 3)`
(the images are 30 pixels high and 20 wide). Set `ex1` to its output shape.
""", "ex1_prompt"),
    answer("""
### BEGIN SOLUTION
ex1 = (None, 13, 8, 16)
### END SOLUTION
""", "ex1_answer"),
    graded(f"""
# Exercise 1: height and width (2 points)
checks.check_is_shape(ex1, name="ex1")
{HIDE}
layer = layers.Conv2D(16, kernel_size=5, strides=2, padding="valid")
checks.check_output_shape(ex1, layer, (None, 30, 20, 3), part="spatial")
{END_HIDE}
""", "ex1_spatial", 2),
    graded(f"""
# Exercise 1: batch and channels (1 point)
checks.check_is_shape(ex1, name="ex1")
{HIDE}
layer = layers.Conv2D(16, kernel_size=5, strides=2, padding="valid")
checks.check_output_shape(ex1, layer, (None, 30, 20, 3),
                          part="batch_channels")
{END_HIDE}
""", "ex1_batch_channels", 1),
    # ------------------------------------------------------------------ 2
    readonly_md("""
## Exercise 2: stride 2 with "same" padding (3 points)

`layers.Conv2D(8, kernel_size=3, strides=2, padding="same")` receives input of shape `(None, 25, 17, 1)`.
Set `ex2` to its output shape.
""", "ex2_prompt"),
    answer("""
### BEGIN SOLUTION
ex2 = (None, 13, 9, 8)
### END SOLUTION
""", "ex2_answer"),
    graded(f"""
# Exercise 2: height and width (2 points)
checks.check_is_shape(ex2, name="ex2")
{HIDE}
layer = layers.Conv2D(8, kernel_size=3, strides=2, padding="same")
checks.check_output_shape(ex2, layer, (None, 25, 17, 1), part="spatial")
{END_HIDE}
""", "ex2_spatial", 2),
    graded(f"""
# Exercise 2: batch and channels (1 point)
checks.check_is_shape(ex2, name="ex2")
{HIDE}
layer = layers.Conv2D(8, kernel_size=3, strides=2, padding="same")
checks.check_output_shape(ex2, layer, (None, 25, 17, 1),
                          part="batch_channels")
{END_HIDE}
""", "ex2_batch_channels", 1),
    # ------------------------------------------------------------------ 3
    readonly_md("""
## Exercise 3: choose the stride and the padding (2 points)

A `Conv2D` with 16 filters and a 3×3 kernel receives `(None, 64, 64, 3)`. Choose `strides` (a whole number)
and `padding` (`"valid"` or `"same"`) so that the output is

* (a) `(None, 32, 32, 16)`;
* (b) `(None, 31, 31, 16)`.
""", "ex3_prompt"),
    answer("""
### BEGIN SOLUTION
ex3a_strides, ex3a_padding = 2, "same"
ex3b_strides, ex3b_padding = 2, "valid"
### END SOLUTION
""", "ex3_answer"),
    graded(f"""
# Exercise 3a: reach (None, 32, 32, 16) (1 point)
checks.check_is_whole_number(ex3a_strides, name="ex3a_strides")
checks.check_is_one_of(ex3a_padding, ["valid", "same"], name="ex3a_padding")
layer_3a = layers.Conv2D(16, kernel_size=3, strides=ex3a_strides,
                         padding=ex3a_padding)
{HIDE}
checks.check_stack([layer_3a], (None, 64, 64, 3), (None, 32, 32, 16))
{END_HIDE}
""", "ex3a", 1),
    graded(f"""
# Exercise 3b: reach (None, 31, 31, 16) (1 point)
checks.check_is_whole_number(ex3b_strides, name="ex3b_strides")
checks.check_is_one_of(ex3b_padding, ["valid", "same"], name="ex3b_padding")
layer_3b = layers.Conv2D(16, kernel_size=3, strides=ex3b_strides,
                         padding=ex3b_padding)
{HIDE}
checks.check_stack([layer_3b], (None, 64, 64, 3), (None, 31, 31, 16))
{END_HIDE}
""", "ex3b", 1),
    # ------------------------------------------------------------------ 4
    readonly_md("""
## Exercise 4: where does the padding go? (2 points)

`layers.Conv2D(8, kernel_size=4, strides=2, padding="same")` receives images 7 pixels high. How many rows
of zeros does TensorFlow add above the image, and how many below? Set `ex4 = (above, below)`.
""", "ex4_prompt"),
    answer("""
### BEGIN SOLUTION
ex4 = (1, 2)
### END SOLUTION
""", "ex4_answer"),
    graded(f"""
# Exercise 4: the total padding (1 point)
checks.check_is_pair(ex4, name="ex4")
{HIDE}
checks.check_padding(ex4, 7, kernel_size=4, strides=2, part="total")
{END_HIDE}
""", "ex4_total", 1),
    graded(f"""
# Exercise 4: the split before/after (1 point)
checks.check_is_pair(ex4, name="ex4")
{HIDE}
checks.check_padding(ex4, 7, kernel_size=4, strides=2, part="split")
{END_HIDE}
""", "ex4_split", 1),
    # ------------------------------------------------------------------ 5
    readonly_md("""
## Exercise 5: dilation (2 points)

`layers.Conv2D(4, kernel_size=3, dilation_rate=3, padding="valid")` receives `(None, 20, 20, 1)`.

* (a) How many cells does its dilated kernel span along one axis? Set `ex5a`.
* (b) What is its output shape? Set `ex5b`.
""", "ex5_prompt"),
    answer("""
### BEGIN SOLUTION
ex5a = 7
ex5b = (None, 14, 14, 4)
### END SOLUTION
""", "ex5_answer"),
    graded(f"""
# Exercise 5a: the effective kernel (1 point)
checks.check_is_whole_number(ex5a, name="ex5a")
{HIDE}
checks.check_effective_kernel(ex5a, kernel_size=3, dilation_rate=3)
{END_HIDE}
""", "ex5a", 1),
    graded(f"""
# Exercise 5b: the output shape (1 point)
checks.check_is_shape(ex5b, name="ex5b")
{HIDE}
layer = layers.Conv2D(4, kernel_size=3, dilation_rate=3, padding="valid")
checks.check_output_shape(ex5b, layer, (None, 20, 20, 1))
{END_HIDE}
""", "ex5b", 1),
    # ------------------------------------------------------------------ 6
    readonly_md("""
## Exercise 6: repair a broken stack (2 points)

This stack does not run on `(None, 12, 12, 1)`. Run the next cell to see where it stops.
""", "ex6_prompt"),
    readonly_code("""
broken = [
    layers.Conv2D(8, kernel_size=3, strides=2),
    layers.MaxPooling2D(pool_size=2),
    layers.Conv2D(16, kernel_size=3),
]
# each layer's output shape, up to the layer where the stack stops
checks.walk_stack(broken, (None, 12, 12, 1))
""", "ex6_broken"),
    readonly_md("""
Change **one argument of one layer** so that the stack runs and ends at `(None, 2, 2, 16)`. Set `ex6` to the
repaired list of three layers.
""", "ex6_task"),
    answer("""
### BEGIN SOLUTION
ex6 = [
    layers.Conv2D(8, kernel_size=3, strides=2),
    layers.MaxPooling2D(pool_size=2),
    layers.Conv2D(16, kernel_size=3, padding="same"),
]
### END SOLUTION
""", "ex6_answer"),
    graded(f"""
# Exercise 6: the stack runs (1 point)
checks.check_is_layer_list(ex6, length=3, name="ex6")
{HIDE}
checks.check_stack(ex6, (None, 12, 12, 1), part="runs")
{END_HIDE}
""", "ex6_runs", 1),
    graded(f"""
# Exercise 6: the stack ends at (None, 2, 2, 16) (1 point)
checks.check_is_layer_list(ex6, length=3, name="ex6")
{HIDE}
checks.check_stack(ex6, (None, 12, 12, 1), (None, 2, 2, 16))
{END_HIDE}
""", "ex6_target", 1),
    # ------------------------------------------------------------------ 7
    readonly_md("""
## Exercise 7: the depths do not match (2 points)

A model has three `Conv2D` layers in a row. Their kernels have these shapes,
`(kernel height, kernel width, input channels, filters)`. `conv_3` comes from a pretrained model and must stay
as it is. Building the model fails because two neighbouring layers disagree about the depth.

* (a) Whose `filters` must change? Set `ex7_layer` to its name (a string).
* (b) To what? Set `ex7_filters`.
""", "ex7_prompt"),
    readonly_code("""
kernels = {
    "conv_1": (3, 3, 3, 32),
    "conv_2": (3, 3, 32, 48),
    "conv_3": (3, 3, 64, 128),   # pretrained: keep as it is
}
""", "ex7_kernels"),
    answer("""
### BEGIN SOLUTION
ex7_layer = "conv_2"
ex7_filters = 64
### END SOLUTION
""", "ex7_answer"),
    graded(f"""
# Exercise 7a: which layer (1 point)
checks.check_is_one_of(ex7_layer, kernels, name="ex7_layer")
{HIDE}
checks.check_depth_fix(ex7_layer, ex7_filters, kernels, part="layer")
{END_HIDE}
""", "ex7_layer", 1),
    graded(f"""
# Exercise 7b: how many filters (1 point)
checks.check_is_whole_number(ex7_filters, name="ex7_filters")
{HIDE}
checks.check_depth_fix(ex7_layer, ex7_filters, kernels, part="filters")
{END_HIDE}
""", "ex7_filters", 1),
    # ------------------------------------------------------------------ 8
    readonly_md("""
## Exercise 8: a transposed convolution (2 points)

A transposed convolution enlarges its input. Keras computes its size in two ways, depending on whether
`output_padding` is left at `None` or set. Both layers below receive `(None, 7, 7, 16)`:

* (a) `layers.Conv2DTranspose(8, kernel_size=3, strides=2, padding="same")`: set `ex8a` to its output shape;
* (b) the same with `output_padding=0`: set `ex8b`.
""", "ex8_prompt"),
    answer("""
### BEGIN SOLUTION
ex8a = (None, 14, 14, 8)
ex8b = (None, 13, 13, 8)
### END SOLUTION
""", "ex8_answer"),
    graded(f"""
# Exercise 8a: output_padding=None (1 point)
checks.check_is_shape(ex8a, name="ex8a")
{HIDE}
layer = layers.Conv2DTranspose(8, kernel_size=3, strides=2, padding="same")
checks.check_output_shape(ex8a, layer, (None, 7, 7, 16))
{END_HIDE}
""", "ex8a", 1),
    graded(f"""
# Exercise 8b: output_padding=0 (1 point)
checks.check_is_shape(ex8b, name="ex8b")
{HIDE}
layer = layers.Conv2DTranspose(8, kernel_size=3, strides=2, padding="same",
                               output_padding=0)
checks.check_output_shape(ex8b, layer, (None, 7, 7, 16))
{END_HIDE}
""", "ex8b", 1),
    # ------------------------------------------------------------------ 9
    readonly_md("""
## Exercise 9: pooling (2 points)

Both layers receive `(None, 13, 13, 32)`.

* (a) `layers.MaxPooling2D(pool_size=3)` (no `strides` given): set `ex9a` to its output shape.
* (b) `layers.GlobalAveragePooling2D()`: set `ex9b`.
""", "ex9_prompt"),
    answer("""
### BEGIN SOLUTION
ex9a = (None, 4, 4, 32)
ex9b = (None, 32)
### END SOLUTION
""", "ex9_answer"),
    graded(f"""
# Exercise 9a: max pooling (1 point)
checks.check_is_shape(ex9a, name="ex9a")
{HIDE}
layer = layers.MaxPooling2D(pool_size=3)
checks.check_output_shape(ex9a, layer, (None, 13, 13, 32))
{END_HIDE}
""", "ex9a", 1),
    graded(f"""
# Exercise 9b: global average pooling (1 point)
checks.check_is_shape(ex9b, name="ex9b")
{HIDE}
layer = layers.GlobalAveragePooling2D()
checks.check_output_shape(ex9b, layer, (None, 13, 13, 32))
{END_HIDE}
""", "ex9b", 1),
    # ------------------------------------------------------------------ 10
    readonly_md("""
## Exercise 10: write the rule (4 points)

Complete `output_size(n, k, s, padding)` so that it returns the output size of one axis for an input of
size `n`, a kernel of size `k` (no dilation), stride `s` and `padding` either `"valid"` or `"same"`. It is
tested on many sizes; the feedback names the first case it gets wrong.
""", "ex10_prompt"),
    answer("""
import math


def output_size(n, k, s, padding):
    ### BEGIN SOLUTION
    if padding == "valid":
        return (n - k) // s + 1
    return math.ceil(n / s)
    ### END SOLUTION
""", "ex10_answer"),
    graded(f"""
# Exercise 10: "valid" padding (2 points)
assert output_size(28, 3, 2, "valid") == 13, "example 1: 28 -> 13"
{HIDE}
checks.check_size_function(output_size, padding="valid")
{END_HIDE}
""", "ex10_valid", 2),
    graded(f"""
# Exercise 10: "same" padding (2 points)
assert output_size(64, 5, 1, "same") == 64, "stride 1 keeps the size"
{HIDE}
checks.check_size_function(output_size, padding="same")
{END_HIDE}
""", "ex10_same", 2),
    readonly_md("""
## Done

Save the notebook and submit it. When it has been graded, your feedback shows each check; a failed check
tells you which part of the formula to revisit.
""", "outro"),
]
