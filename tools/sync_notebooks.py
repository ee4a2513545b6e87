"""Keep each learner notebook's two files together: ``notebooks/<name>.md`` (jupytext MyST) and ``<name>.ipynb``.

The ``.md`` file is the readable source (plain LaTeX, tags and nbgrader metadata in the cell options); the
``.ipynb`` is what learners, Binder and nbgrader open. They are a jupytext pair (``formats: ipynb,md:myst``), so
JupyterLab with jupytext saves both whenever either is edited there. This script finishes what jupytext leaves
open, and the tests (``tests/notebooks/test_notebook_sources.py``) check the result:

* **cell ids**: jupytext does not store cell ids in text formats (a text file converted on its own gets random
  ids). Every cell therefore carries its id in its options (``id: ex1_answer``), and the ``.ipynb`` cell's id is
  that value. A new cell without one gets a slug made from its text, unique in the notebook, and keeps it from
  then on: inserting a cell renames no other.
* **outputs**: the committed ``.ipynb`` has none (no outputs, execution counts or execution metadata).
* **metadata**: the notebook's kernelspec and language are fixed to what every notebook uses.

    python tools/sync_notebooks.py             # after an edit: bring every pair together (the newer file wins)
    python tools/sync_notebooks.py --from md   # take the cells from the .md files (or --from ipynb)
    python tools/sync_notebooks.py --check     # exit 1, naming the files, if a pair is out of step

A notebook with only one of its two files is made whole from that file (a new notebook can start as either).
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
FORMATS = "ipynb,md:myst"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python", "pygments_lexer": "ipython3"}
#: cell metadata that only describes outputs or a run, meaningless in a notebook without outputs
RUN_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")
#: what nbformat allows in a cell id, and the length kept for a made-up one
_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_SLUG_WORDS, _SLUG_CHARS = 8, 40
_VERSION_LINE = re.compile(r"^\s*jupytext_version: .*$", re.M)
_SKIP_LINES = re.compile(r"^\s*(#+\s*(BEGIN|END) (SOLUTION|HIDDEN TESTS)|%|$)")


def slug(cell: Any) -> str:
    """A readable id for a cell that has none: its nbgrader ``grade_id``, else the first words of its text.

    >>> from nbformat.v4 import new_markdown_cell
    >>> slug(new_markdown_cell("## 3. The padding depends on the input size\\n\\nText."))
    '3-the-padding-depends-on-the-input-size'
    """
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    if isinstance(grade_id, str) and _ID.match(grade_id):
        return grade_id
    lines = [ln for ln in cell.source.splitlines() if not _SKIP_LINES.match(ln)]
    text = ""
    for word in re.findall(r"[A-Za-z0-9]+", lines[0].lower() if lines else "")[:_SLUG_WORDS]:
        if text and len(text) + 1 + len(word) > _SLUG_CHARS:
            break
        text = f"{text}-{word}" if text else word[:_SLUG_CHARS]
    return text or f"{cell.cell_type}-cell"


def assign_ids(cells: Iterable[Any]) -> list[str]:
    """Give every cell the id written in its options (``metadata.id``); write one where it is missing.

    A missing, invalid or repeated id (a copied cell keeps its original's options) is replaced by a new
    :func:`slug`, made unique with ``-2``, ``-3``, ... Returns the ids that were written.
    """
    cells = list(cells)
    taken = {c.metadata["id"] for c in cells if isinstance(c.metadata.get("id"), str)}
    seen: set[str] = set()
    written = []
    for cell in cells:
        cid = cell.metadata.get("id")
        if not isinstance(cid, str) or not _ID.match(cid) or cid in seen:
            base, n = slug(cell), 1
            cid = base
            while cid in taken or cid in seen:
                n += 1
                cid = f"{base[:_SLUG_CHARS]}-{n}"
            cell.metadata["id"] = cid
            written.append(cid)
        seen.add(cid)
        cell.id = cid
    return written


def clean(nb: Any) -> Any:
    """The notebook as committed: ids from the options, no outputs, the shared notebook metadata."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        for key in RUN_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    assign_ids(nb.cells)
    nb.metadata = nbformat.from_dict(
        {"jupytext": {"formats": FORMATS}, "kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    )
    nb.nbformat, nb.nbformat_minor = 4, 5
    nbformat.validate(nb)
    return nbformat.reads(ipynb_text(nb), as_version=4)  # keys sorted as in the file, so both files agree


def ipynb_text(nb: Any) -> str:
    """The exact text of the committed ``.ipynb``."""
    return nbformat.writes(nb, version=4) + "\n"


def md_text(nb: Any) -> str:
    """The exact text of the committed ``.md`` (what jupytext writes for the pair)."""
    return jupytext.writes(nb, fmt="md:myst")


def same_text(a: str, b: str) -> bool:
    """Whether two files say the same, ignoring the jupytext version that wrote the ``.md`` header.

    >>> same_text("jupytext_version: 1.19.6\\nx\\n", "jupytext_version: 1.17.2\\nx\\n")
    True
    """
    return _VERSION_LINE.sub("", a) == _VERSION_LINE.sub("", b)


def read_md(path: Path) -> Any:
    return jupytext.read(path, fmt="md:myst")


def read_ipynb(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


def names(folder: Path) -> list[str]:
    """The notebooks in ``folder``: every stem with a ``.md`` or an ``.ipynb``."""
    return sorted({p.stem for p in folder.glob("*.md")} | {p.stem for p in folder.glob("*.ipynb")})


def synced(folder: Path, name: str, source: str | None = None) -> tuple[Any, str]:
    """The clean notebook for the pair ``name`` and which file its cells came from (``"md"`` or ``"ipynb"``)."""
    md, ipynb = folder / f"{name}.md", folder / f"{name}.ipynb"
    if source is None:
        if md.exists() and ipynb.exists():
            source = "md" if md.stat().st_mtime >= ipynb.stat().st_mtime else "ipynb"
        else:
            source = "md" if md.exists() else "ipynb"
    path = md if source == "md" else ipynb
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: use --from {'ipynb' if source == 'md' else 'md'}.")
    nb = read_md(path) if source == "md" else read_ipynb(path)
    return clean(nb), source


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a pair is out of step")
    parser.add_argument(
        "--from",
        dest="source",
        choices=("md", "ipynb"),
        help="take the cells from this file of each pair (default: the newer one)",
    )
    parser.add_argument("--dir", type=Path, default=NOTEBOOKS, help="notebook folder (default: notebooks/)")
    args = parser.parse_args(argv)
    stale = []
    for name in names(args.dir):
        nb, source = synced(args.dir, name, "md" if args.check else args.source)
        for ext, text in (("md", md_text(nb)), ("ipynb", ipynb_text(nb))):
            path = args.dir / f"{name}.{ext}"
            if path.exists() and same_text(path.read_text(encoding="utf-8"), text):
                continue
            if args.check:
                stale.append(path.name)
            else:
                path.write_text(text, encoding="utf-8")
                print(
                    f"{path.relative_to(args.dir.parent) if args.dir.parent in path.parents else path}"
                    f" written (cells from {name}.{source})"
                )
    if stale:
        print("out of step with their .md (run python tools/sync_notebooks.py):", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
