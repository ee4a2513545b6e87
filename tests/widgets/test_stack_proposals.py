"""The stack editor's proposals without a kernel: which size they aim at, what a click does (the button's handler),
and properties over random stacks (every proposal makes its layer give the target size)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convkit
from convkit import layers as L
from convkit.render.words import proposal_aria, proposal_label
from convkit.widgets._stack_proposals import MAX_PROPOSALS, ProposalLine, Proposals, proposals_for
from convkit.widgets.stack_editor import StackEditor


def editor_for(stack: convkit.LayerStack) -> StackEditor:
    return StackEditor(stack, show_diagram=False)


def spatial(shape):
    return tuple(shape[1:-1])


# name -> (stack, row with the line, replaced layer, target)
CASES = {
    "kernel_too_big_next_needs_3": (
        convkit.LayerStack((None, 12, 12, 3), [L.Conv2D(8, 13), L.Conv2D(4, 3)]),
        0,
        0,
        (3, 3),
    ),
    "kernel_too_big_last_layer": (convkit.LayerStack((None, 12, 12, 3), [L.Conv2D(8, 13, name="big")]), 0, 0, (1, 1)),
    "dilated_kernel_too_big": (
        convkit.LayerStack((None, 9, 9, 1), [L.Conv2D(2, 5, dilation_rate=3)]),
        0,
        0,
        (1, 1),
    ),
    "transposed_empty_output": (
        convkit.LayerStack((None, 1, 1, 2), [L.Conv2DTranspose(4, 2, padding="same", output_padding=0)]),
        0,
        0,
        (1, 1),
    ),
    "conv1d_too_big": (convkit.LayerStack((None, 6, 2), [L.Conv1D(4, 9), L.Conv1D(4, 2)]), 0, 0, (2,)),
    "conv3d_too_big": (convkit.LayerStack((None, 6, 6, 6, 1), [L.Conv3D(2, 9)]), 0, 0, (1, 1, 1)),
    "non_square_input": (convkit.LayerStack((None, 12, 30, 3), [L.Conv2D(8, 13)]), 0, 0, (1, 18)),
    "branch_feeding_a_merge": (
        convkit.LayerStack(
            (None, 8, 8, 4),
            [L.Conv2D(4, 3, padding="same"), L.Conv2D(4, 9), L.Add()],
            inputs=[(), (-1,), (0, 1)],
        ),
        1,
        1,
        (8, 8),
    ),
    "mismatched_add": (
        convkit.LayerStack(
            (None, 28, 28, 3),
            [L.Conv2D(8, 3, strides=2), L.Conv2D(8, 1, strides=2, padding="same"), L.Add(), L.Conv2D(4, 3)],
            inputs=[(), (-1,), (0, 1), (2,)],
        ),
        2,
        1,
        (13, 13),
    ),
    "mismatched_concatenate": (
        convkit.LayerStack(
            (None, 16, 16, 3),
            [L.Conv2D(8, 3, padding="same"), L.Conv2D(8, 3), L.Concatenate()],
            inputs=[(), (-1,), (0, 1)],
        ),
        2,
        1,
        (16, 16),
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_named_cases(case):
    stack, row, replaced, target = CASES[case]
    found = proposals_for(stack, row)
    assert found is not None
    assert (found.row, found.index, found.target) == (row, replaced, target)
    assert found.layer is stack.layers[replaced]
    assert 1 <= len(found.layers) <= MAX_PROPOSALS
    for layer in found.layers:
        new = stack.replace(replaced, layer)
        entry = new.trace.entries[replaced]
        assert entry.is_valid and spatial(entry.output_shape) == target
        assert new.is_valid == found.keeps_rest_valid or not found.keeps_rest_valid
        old = stack.layers[replaced]
        assert layer.name == old.name and getattr(layer, "filters", None) == getattr(old, "filters", None)
    assert found.keeps_rest_valid


def test_the_line_in_the_editor_and_a_click_reflows():
    stack, *_ = CASES["kernel_too_big_next_needs_3"]
    ed = editor_for(stack)
    line = ed.rows[0].proposals
    assert isinstance(line, ProposalLine) and line in ed.rows[0].box.children
    assert line.intro == "to get 3 here, use one of:"
    assert line.labels == [proposal_label(p) for p in proposals_for(stack, 0).layers]
    # the closest to the learner's Conv2D(8, 13): two settings change and the kernel covers its stride
    assert line.labels[0] == 'Conv2D(…, 4, strides=3, padding="valid")'
    assert line.aria_labels == [proposal_aria(0, label) for label in line.labels]
    assert line.layout.display is None
    assert ed.rows[1].proposals is None  # a row never invalid gets no line
    picked = proposals_for(stack, 0).layers[3]
    line.pick(3)
    assert ed.stack.is_valid
    assert ed.stack.layers[0] == picked
    assert [row.output.value for row in ed.rows] == ["(None, 3, 3, 8)", "(None, 1, 1, 4)"]
    assert ed.rows[0].fields["kernel_size"].value == str(picked.kernel_size[0])  # the fields follow the new layer
    assert line.labels == [] and line.layout.display == "none"


def test_merge_line_names_the_branch_and_a_click_fixes_the_merge():
    stack, *_ = CASES["mismatched_add"]
    ed = editor_for(stack)
    line = ed.rows[2].proposals
    assert line.intro == "to get 13 from layer 1 (Conv2D), use one of:"
    assert line.aria_labels[0].startswith("replace layer 1 with Conv2D(…")
    line.pick(0)
    assert ed.stack.is_valid and ed.stack.output_shape == (None, 11, 11, 4)


def test_a_message_from_the_browser_picks_only_for_the_current_version():
    stack, *_ = CASES["kernel_too_big_last_layer"]
    ed = editor_for(stack)
    line = ed.rows[0].proposals
    line._message(line, {"pick": 0, "version": line.version - 1}, [])  # drawn for older proposals: ignored
    line._message(line, {"pick": True, "version": line.version}, [])
    line._message(line, {"pick": 99, "version": line.version}, [])
    line._message(line, "junk", [])
    assert ed.stack is stack
    line._message(line, {"pick": 0, "version": line.version}, [])
    assert ed.stack.is_valid and ed.stack.layers[0].name == "big"


def test_stale_and_refused_proposals_say_why_and_change_nothing():
    stack, *_ = CASES["kernel_too_big_next_needs_3"]
    ed = editor_for(stack)
    stale = proposals_for(stack, 0)
    ed.set_field(0, "kernel_size", "14")  # another invalid layer: the old proposals are for a layer now gone
    before = ed.stack
    ed._use_proposal(stale, 0)
    assert ed.stack is before
    assert "no longer in the stack" in ed.rows[0].input_message.value
    refused = Proposals(0, 0, ed.stack.layers[0], (3, 3), ("not a layer",), True)
    ed._use_proposal(refused, 0)
    assert ed.stack is before and "convkit-error" in ed.rows[0].input_message.value
    assert "Traceback" not in ed.rows[0].input_message.value


def test_no_proposals_where_they_cannot_help():
    pool = convkit.LayerStack((None, 1, 1, 3), [L.MaxPooling2D(2)])
    assert proposals_for(pool, 0) is None  # not a convolution
    ed = editor_for(pool)
    assert ed.rows[0].proposals is None
    valid = convkit.LayerStack((None, 8, 8, 3), [L.Conv2D(4, 3)])
    assert proposals_for(valid, 0) is None
    groups = convkit.LayerStack((None, 8, 8, 3), [L.Conv2D(4, 3, groups=2)])
    assert proposals_for(groups, 0) is None  # the channels are wrong, no kernel size fixes that
    unknown = convkit.LayerStack((None, None, None, 3), [L.Conv2D(4, 3), L.Flatten(), L.Dense(2)])
    assert proposals_for(unknown, 2) is None


def test_proposals_follow_later_edits():
    """The target depends on the layers after: making the next kernel larger asks for a larger size."""
    stack, *_ = CASES["kernel_too_big_next_needs_3"]
    ed = editor_for(stack)
    ed.set_field(1, "kernel_size", "5")
    assert ed.rows[0].proposals.intro == "to get 5 here, use one of:"


# ---------------------------------------------------------------------------------------------------------------
# properties over random stacks

conv = st.builds(
    lambda k, s, p, d: (k, s if d == 1 else 1, p, d),
    st.integers(1, 12),
    st.integers(1, 4),
    st.sampled_from(["valid", "same"]),
    st.sampled_from([1, 1, 2]),
)


@settings(max_examples=80, deadline=None)
@given(size=st.integers(1, 24), convs=st.lists(conv, min_size=1, max_size=4), transposed=st.booleans())
def test_every_proposal_gives_its_target(size, convs, transposed):
    layers = []
    for i, (k, s, p, d) in enumerate(convs):
        if transposed and i == 0:
            layers.append(L.Conv2DTranspose(2, k, strides=s, padding=p, dilation_rate=d, output_padding=0))
        else:
            layers.append(L.Conv2D(2, k, strides=s, padding=p, dilation_rate=d))
    stack = convkit.LayerStack((None, size, size, 1), layers)
    for entry in stack.trace.entries:
        found = proposals_for(stack, entry.index)
        if entry.error is None:
            assert found is None
            continue
        if found is None:
            continue
        assert len(found.layers) <= MAX_PROPOSALS and found.index == entry.index
        for layer in found.layers:
            new = stack.replace(entry.index, layer)
            assert spatial(new.trace.entries[entry.index].output_shape) == found.target
            if found.keeps_rest_valid:
                assert new.is_valid
        break  # later rows are not reached
