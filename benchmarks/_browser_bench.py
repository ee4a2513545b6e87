"""What the browser benchmarks share: the bare requestAnimationFrame rate (the ceiling of a page on this machine)
and a notebook of ``name = <widget code>`` cells to open in JupyterLab."""

from __future__ import annotations

from pathlib import Path

#: Frames per second of an empty requestAnimationFrame loop over ``ms`` milliseconds.
BARE_RAF_JS = """(ms) => new Promise(resolve => {
  let n = 0; const t0 = performance.now();
  const f = (t) => { n++; if (t - t0 < ms) requestAnimationFrame(f); else resolve(n * 1000 / (t - t0)); };
  requestAnimationFrame(f);
})"""


def widget_notebook(root: Path, filename: str, setup: str, cases: list[tuple[str, str]]) -> str:
    """Write ``root/filename``: a ``setup`` cell, then one ``name = code; name`` cell per case; returns ``filename``."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(setup)]
    nb.cells += [nbformat.v4.new_code_cell(f"{name} = {code}\n{name}") for name, code in cases]
    nbformat.write(nb, str(root / filename))
    return filename
