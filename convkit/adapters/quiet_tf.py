"""Import TensorFlow without its start-up notes in the notebook's red stderr box.

TensorFlow 2.21 writes a few log lines to the process's file descriptor 2 while it loads: "WARNING: All log
messages before absl::InitializeLog() is called are written to STDERR" and, on most CPUs, the oneDNN note
(``I0000 ... port.cc:153] oneDNN custom operations are on ...``), once per native library, so twice. These
lines are printed *before* TensorFlow reads ``TF_CPP_MIN_LOG_LEVEL``, so that variable alone does not hide
them. ipykernel forwards whatever is written to descriptor 2 to the notebook as a "stderr" output, which
JupyterLab shows as a red box.

:func:`quiet_tensorflow` points descriptor 2 at a temporary file for the duration of the import, then drops
the log records below the level ``TF_CPP_MIN_LOG_LEVEL`` asks for (so the variable means for these early lines
what it already means for the later ones) and writes every other line back to stderr. An error TensorFlow
prints while loading is therefore still shown; Python exceptions are not affected at all.

``TF_ENABLE_ONEDNN_OPTS=0`` also silences the oneDNN note, but it does so by switching TensorFlow's CPU kernels
to different implementations: different rounding, and different behaviour on some invalid inputs (with TF 2.21,
``keras.layers.MaxPooling2D(5)`` on a 3×3 input returns an empty ``(1, 0, 0, 1)`` tensor instead of raising
``AbortedError``), so the notebooks would not run the TensorFlow a learner runs at home. This module changes
nothing in TensorFlow.

Not imported by ``import convkit``.

>>> from convkit.adapters.quiet_tf import quiet_tensorflow
>>> with quiet_tensorflow():            # doctest: +SKIP
...     import tensorflow as tf
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator

__all__ = ["quiet_tensorflow", "keep_lines"]

#: the line absl prints once, before the first record it logs ahead of its initialisation
_PREAMBLE = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
#: an absl/glog record: severity letter, MMDD, time (before absl's set-up: 00:00:<epoch>), thread id, file:line]
_RECORD = re.compile(r"^([IWEF])\d{4} [\d:.]+\s+\d+ [^\s:]+:\d+\] ")
_SEVERITY = {"I": 0, "W": 1, "E": 2, "F": 3}
_STDERR_FD = 2  # the C library's stderr; in a kernel, sys.stderr.fileno() is a different (terminal) copy


def _min_level() -> int:
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))
    except ValueError:
        return 0


def keep_lines(text: str, min_level: int) -> str:
    """The lines of ``text`` that TensorFlow itself would print at ``TF_CPP_MIN_LOG_LEVEL=min_level``.

    Records below ``min_level`` (0 INFO, 1 WARNING, 2 ERROR, 3 FATAL) are dropped together with their
    continuation lines (the lines after a record, up to the next record or a blank line, belong to it); absl's
    preamble line is dropped; any other text is kept.

    >>> keep_lines("I0000 00:00:1.5   7 cpu_feature_guard.cc:227] This binary is optimized ...\\n"
    ...            "To enable AVX2, rebuild TensorFlow.\\n"
    ...            "E0000 00:00:1.6   7 loader.cc:9] a real error\\n", 2)
    'E0000 00:00:1.6   7 loader.cc:9] a real error\\n'
    """
    kept: list[str] = []
    dropping = False
    for line in text.splitlines(keepends=True):
        match = _RECORD.match(line)
        if match:
            dropping = _SEVERITY[match.group(1)] < min_level
        elif line.rstrip("\n") == _PREAMBLE:
            dropping = False
            continue
        elif not line.strip():
            dropping = False
        if not dropping:
            kept.append(line)
    return "".join(kept)


@contextlib.contextmanager
def quiet_tensorflow(min_log_level: int = 2) -> Iterator[None]:
    """Run the body (``import tensorflow as tf``) with TensorFlow's start-up log lines filtered out.

    Parameters
    ----------
    min_log_level : int
        Sets ``TF_CPP_MIN_LOG_LEVEL`` if it is not set yet (2: TensorFlow's C++ code shows errors only).
        An existing value is respected and used for the filtering as well.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", str(min_log_level))
    try:
        saved = os.dup(_STDERR_FD)
    except OSError:  # no descriptor 2 (some embedded interpreters): nothing to redirect
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as capture:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os.dup2(capture.fileno(), _STDERR_FD)
        try:
            yield
        finally:
            os.dup2(saved, _STDERR_FD)
            os.close(saved)
            capture.seek(0)
            rest = keep_lines(capture.read().decode("utf-8", errors="replace"), _min_level())
            if rest:
                sys.stderr.write(rest)
                sys.stderr.flush()
