"""Shared pytest options. Keep minimal: other engineers may add fixtures here."""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files (tests/**/golden/) instead of comparing against them; "
        "the environment variable CONVKIT_UPDATE_GOLDEN=1 does the same",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when golden files should be rewritten rather than compared."""
    return bool(request.config.getoption("--update-golden")) or os.environ.get("CONVKIT_UPDATE_GOLDEN") == "1"
