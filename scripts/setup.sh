#!/usr/bin/env bash
# Install cfeval and everything its tests need, on a fresh Debian/Ubuntu machine or an
# existing one. Safe to run again: system packages already present are not reinstalled.
#
# System parts (apt):
#   libpango-1.0-0 libpangoft2-1.0-0  WeasyPrint's text layout
#   libharfbuzz-subset0               font subsetting; without it writing a PDF is ~10x slower
#   fonts-noto-cjk                    Chinese text, with a real bold face
#   poppler-utils                     pdftotext/pdffonts/pdfdetach, used by the tests
#   chromium                          the browser the web workbench's tests drive (Playwright
#                                     is pointed at it; it never downloads a browser)
# Then the Python package with its test extra: pip install -e ".[test]".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-$(command -v python3 || command -v python || true)}"
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk poppler-utils chromium)
# A bare machine may lack Python itself, pip, or the `python` name the test command uses.
[[ -n "$PYTHON" ]] || packages+=(python3)
[[ -n "$PYTHON" ]] && "$PYTHON" -m pip --version >/dev/null 2>&1 || packages+=(python3-pip)
command -v python >/dev/null || packages+=(python-is-python3)

if command -v apt-get >/dev/null && command -v dpkg-query >/dev/null; then
    missing=()
    for pkg in "${packages[@]}"; do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        sudo=()
        if [[ $(id -u) -ne 0 ]]; then
            command -v sudo >/dev/null || { echo "setup: run as root (or install sudo) to apt-get install: ${missing[*]}" >&2; exit 1; }
            sudo=(sudo)
        fi
        echo "setup: installing system packages: ${missing[*]}"
        "${sudo[@]}" apt-get update
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
    else
        echo "setup: system packages already installed"
    fi
else
    cat >&2 <<'MSG'
setup: apt-get is not available; install these yourself (PDF reports and the tests need them):
  - Pango >= 1.44 with HarfBuzz (including its subset library) for WeasyPrint
      macOS: brew install pango          Fedora: dnf install pango harfbuzz
  - a CJK font with a bold face, e.g. Noto Sans CJK / Noto Serif CJK
      macOS: brew install --cask font-noto-sans-cjk    Fedora: dnf install google-noto-sans-cjk-fonts
  - poppler (pdftotext, pdffonts, pdfdetach) for the tests
      macOS: brew install poppler        Fedora: dnf install poppler-utils
  - Python >= 3.11 with pip
See https://doc.courtbouillon.org/weasyprint/stable/first_steps.html#installation
MSG
fi

PYTHON="${PYTHON:-$(command -v python3 || command -v python)}"
pip_args=(install -e ".[test]")
# Debian's own Python refuses pip outside a virtual environment (PEP 668). On a throw-away
# machine run as root (CI) installing into it is what we want; elsewhere use a venv.
if "$PYTHON" - <<'PY'
import os, sys, sysconfig
in_venv = sys.prefix != sys.base_prefix
marker = os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")
sys.exit(0 if (not in_venv and os.path.exists(marker)) else 1)
PY
then
    if [[ $(id -u) -eq 0 ]]; then
        pip_args+=(--break-system-packages)
    else
        echo "setup: this Python is managed by the system; first run:" >&2
        echo "  python3 -m venv .venv && . .venv/bin/activate && bash scripts/setup.sh" >&2
        exit 1
    fi
fi
"$PYTHON" -m pip "${pip_args[@]}"
echo "setup: done. Try: cfeval frameworks"
