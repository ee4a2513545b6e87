"""One palette for every picture convkit draws (matplotlib renderers and the widgets' canvas).

Colours come from the Okabe–Ito set, which stays distinguishable for the common forms of colour-blindness;
roles that matter (padding, never-read cells) also carry a pattern or a mark so they never rely on colour alone.
Two themes: ``"light"`` (slides, notebooks' light theme) and ``"dark"`` (JupyterLab's dark theme).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["Palette", "LIGHT", "DARK", "palette"]


@dataclass(frozen=True, slots=True)
class Palette:
    """Named colours (CSS hex strings) for the roles a picture shows."""

    background: str
    text: str
    grid_line: str
    input_cell: str  # an ordinary input cell
    padding_cell: str  # a cell added by padding (also hatched / dotted)
    window: str  # outline of the kernel window and its taps
    tap: str  # fill of the input cells the current step reads
    output_cell: str  # an output cell not computed yet
    output_done: str  # an output cell already computed
    output_current: str  # the output cell being computed now
    unread: str  # input cells the layer never reads (coverage view)
    error: str  # invalid layer / message

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


LIGHT = Palette(
    background="#FFFFFF",
    text="#1A1A1A",
    grid_line="#9A9A9A",
    input_cell="#EDEDED",
    padding_cell="#FBE3B0",
    window="#0072B2",
    tap="#56B4E9",
    output_cell="#EDEDED",
    output_done="#8FD3BC",
    output_current="#009E73",
    unread="#D55E00",
    error="#D55E00",
)

DARK = Palette(
    background="#1E1E1E",
    text="#F0F0F0",
    grid_line="#6A6A6A",
    input_cell="#3A3A3A",
    padding_cell="#6B4E12",
    window="#56B4E9",
    tap="#2C6E96",
    output_cell="#3A3A3A",
    output_done="#1F6B55",
    output_current="#2FD1A4",
    unread="#FF8A3D",
    error="#FF8A3D",
)


def palette(theme: str = "light") -> Palette:
    """The palette for ``"light"`` or ``"dark"``.

    >>> palette("dark").window
    '#56B4E9'
    """
    if theme not in ("light", "dark"):
        raise ValueError(f'`theme` must be "light" or "dark". Received: theme={theme!r}')
    return LIGHT if theme == "light" else DARK
