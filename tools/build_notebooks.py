"""Build the learner notebooks in ``notebooks/`` from the Python source below.

The committed ``.ipynb`` files are this script's output: no outputs, no execution counts, stable cell
ids, so a change to a notebook is a small, readable diff of this file and of the notebook.

    python tools/build_notebooks.py            # (re)write notebooks/
    python tools/build_notebooks.py --check    # exit 1 if a committed notebook differs from the build

The text of each notebook lives in ``tools/notebook_text/`` (one module per notebook); this file only
knows how to turn it into nbformat v4 notebooks.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
TEXT_DIR = Path(__file__).resolve().parent / "notebook_text"
NOTEBOOKS = (
    "00_start_here",
    "01_example_strided_valid",
    "02_example_same_padding",
    "03_example_large_stride",
    "04_same_padding_the_whole_truth",
    "05_exercises",
)

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python", "pygments_lexer": "ipython3"}


def _load(name: str) -> Any:
    if str(TEXT_DIR) not in sys.path:
        sys.path.insert(0, str(TEXT_DIR))  # so the text modules can import their helpers (_cells.py)
    spec = importlib.util.spec_from_file_location(f"notebook_text_{name}", TEXT_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cell(kind: str, source: str, prefix: str, index: int, meta: dict | None) -> Any:
    source = source.strip("\n")
    cell = new_markdown_cell(source) if kind == "md" else new_code_cell(source)
    cell.id = f"{prefix}-{index:02d}"
    if meta:
        cell.metadata.update(meta)
    return cell


def build_notebook(name: str) -> Any:
    """The notebook ``name`` as an nbformat ``NotebookNode`` (deterministic: same input, same bytes)."""
    text = _load(name)
    prefix = name.split("_", 1)[0] if name[:2].isdigit() else name
    cells = [_cell(kind, src, f"c{prefix}", i, meta) for i, (kind, src, meta) in enumerate(text.CELLS)]
    nb = new_notebook(cells=cells)
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    nb.nbformat, nb.nbformat_minor = 4, 5
    nbformat.validate(nb)
    return nb


def render(name: str) -> str:
    """The exact text written to ``notebooks/<name>.ipynb``."""
    return nbformat.writes(build_notebook(name), version=4) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed notebooks, write nothing")
    parser.add_argument("--out", type=Path, default=ROOT / "notebooks", help="output folder (default: notebooks/)")
    args = parser.parse_args(argv)
    stale = []
    args.out.mkdir(parents=True, exist_ok=True)
    for name in NOTEBOOKS:
        path = args.out / f"{name}.ipynb"
        text = render(name)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("out of date (run python tools/build_notebooks.py):", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
