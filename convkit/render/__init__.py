"""Matplotlib renderers: static frames, layer-stack diagrams and GIF/PNG/SVG export, drawn from core data."""
