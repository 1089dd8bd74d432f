"""Shared test fixtures. Append new fixtures; do not rewrite this file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check laws, not speed: no per-example deadline, which a busy two-core CI
# machine can miss on an innocent example. Failures print the blob to reproduce them.
settings.register_profile("cfeval", deadline=None, print_blob=True)
settings.load_profile("cfeval")

FIXTURES = Path(__file__).parent / "fixtures"
FRAMEWORK_FIXTURES = FIXTURES / "frameworks"


@pytest.fixture(scope="session")
def full_yaml() -> Path:
    """The valid points-mode framework that uses every feature of the format."""
    return FRAMEWORK_FIXTURES / "full.yaml"


@pytest.fixture(scope="session")
def index_yaml() -> Path:
    """A valid index-mode framework (weights, no points)."""
    return FRAMEWORK_FIXTURES / "index.yaml"


@pytest.fixture(scope="session")
def full_framework(full_yaml):
    """full.yaml loaded; shared, so tests must not modify it (use ``model_copy(deep=True)``)."""
    from cfeval.framework.loader import load_framework

    return load_framework(full_yaml)


@pytest.fixture(scope="session")
def index_framework(index_yaml):
    """index.yaml loaded; shared, so tests must not modify it."""
    from cfeval.framework.loader import load_framework

    return load_framework(index_yaml)
