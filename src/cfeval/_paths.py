"""Where the shipped frameworks, sample data and report assets are, installed or not."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """The folder ``name`` (``frameworks`` or ``sample_data``) that ships with cfeval.

    A regular install puts it inside the package; an editable install or a checkout keeps
    it at the top of the repository.
    """
    for candidate in (_HERE / name, _HERE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cfeval's {name} folder is missing from this installation")


def asset_dir() -> Path:
    """The report assets (templates, CSS, fonts config) inside the package."""
    return _HERE / "assets"
