"""How ``stack.diagram()`` shows itself in a notebook: both themes switched by Lab's theme attribute, a light
PNG for renderers without HTML, fixed themes for exports (the real browser is tests/browser/)."""

from __future__ import annotations

import base64
import io
import re

import matplotlib.colors as mcolors
import pytest
from PIL import Image

import convkit
from convkit import layers as L
from convkit.render.stack import draw_stack_figure
from convkit.render.stack_display import MAX_PIXELS, StackFigure
from convkit.render.style import palette


def example_1() -> convkit.LayerStack:
    return convkit.LayerStack(
        (3, 28, 28, 3), [L.Conv2D(32, 3, strides=2, name="conv_1"), L.Conv2D(64, 3, padding="same", name="conv_2")]
    )


def _png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


def _corner(image: Image.Image) -> str:
    return mcolors.to_hex(tuple(c / 255 for c in image.getpixel((1, 1))))


def _imgs(page: str) -> dict[str, dict[str, str]]:
    found = {}
    for tag in re.findall(r"<img [^>]*>", page):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        found[attrs["class"].removeprefix("convkit-diagram-")] = attrs
    return found


def test_diagram_shows_both_themes_switched_by_lab() -> None:
    fig = example_1().diagram()
    assert isinstance(fig, StackFigure) and fig.convkit_theme == "auto"
    data = fig._repr_mimebundle_()
    page = data["text/html"]
    imgs = _imgs(page)
    assert set(imgs) == {"light", "dark"}
    assert "display:none" not in imgs["light"]["style"] and "display:none" in imgs["dark"]["style"]
    css = re.search(r"<style>(.*)</style>", page).group(1)
    assert (
        'body[data-jp-theme-light="false"] .convkit-diagram-auto .convkit-diagram-light{display:none!important}' in css
    )
    assert 'body[data-jp-theme-light="false"] .convkit-diagram-auto .convkit-diagram-dark{display:inline-block' in css
    assert "prefers-color-scheme" not in page
    assert "convkit-static-fallback" not in page  # that class is hidden in Lab by the widgets' CSS
    light = _png(base64.b64decode(imgs["light"]["src"].split(",", 1)[1]))
    dark = _png(base64.b64decode(imgs["dark"]["src"].split(",", 1)[1]))
    assert _corner(light) == palette("light").background.lower()
    assert _corner(dark) == palette("dark").background.lower()
    assert light.size == dark.size and imgs["light"]["width"] == imgs["dark"]["width"] == str(fig.css_width())
    assert light.size[0] > fig.css_width()  # sharper than one PNG pixel per screen pixel
    fallback = _png(base64.b64decode(data["image/png"]))  # for renderers without HTML, one pixel per CSS pixel
    assert _corner(fallback) == palette("light").background.lower() and fallback.size[0] == fig.css_width()
    assert data["text/plain"].startswith("<Layer-stack diagram of 2 layers")


def test_pictures_are_described_for_screen_readers() -> None:
    from test_stack_diagram import unet  # the same folder (pytest puts it on sys.path)

    fig = unet().diagram()
    alt = _imgs(fig._repr_mimebundle_()["text/html"])["light"]["alt"]
    assert alt.startswith("Layer-stack diagram of 12 layers: input (None, 64, 64, 1) → conv2d (None, 64, 64, 16)")
    assert "skip: conv2d_1 (32×32×32) into concatenate" in alt and "skip: conv2d (64×64×16) into concatenate_1" in alt


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_fixed_theme_shows_that_picture_only(theme: str) -> None:
    fig = draw_stack_figure(example_1(), theme=theme)
    data = fig._repr_mimebundle_()
    assert "text/html" not in data
    assert _corner(_png(base64.b64decode(data["image/png"]))) == palette(theme).background.lower()
    assert mcolors.to_hex(fig.get_facecolor()) == palette(theme).background.lower()


def test_auto_figure_saves_light() -> None:
    fig = example_1().diagram()
    assert _corner(_png(fig.png_bytes(dpi=50))) == palette("light").background.lower()


def test_a_long_stack_keeps_its_picture_within_the_pixel_budget() -> None:
    stack = convkit.LayerStack((None, 64, 64, 8), [L.Conv2D(8, 3, padding="same") for _ in range(60)])
    fig = draw_stack_figure(stack, theme="light")
    image = _png(fig.png_bytes())
    assert image.size[0] * image.size[1] <= MAX_PIXELS * 1.01
    assert image.size[0] >= 0.75 * fig.css_width()  # still legible: not below 75 px per inch


def test_bad_theme_is_refused() -> None:
    with pytest.raises(ValueError, match=r'"light", "dark" or "auto". Received: theme=\'blue\''):
        example_1().diagram(theme="blue")
