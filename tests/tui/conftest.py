"""Wizard tests: simulated hardware only, no doctor probes, a private cache and working folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


@pytest.fixture(scope="session", autouse=True)
def _tui_env(tmp_path_factory):
    saved = {k: os.environ.get(k) for k in ("PICKRT_NO_DOCTOR", "XDG_CACHE_HOME", "NO_COLOR")}
    os.environ["PICKRT_NO_DOCTOR"] = "1"
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    os.environ.pop("NO_COLOR", None)
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def catalog(_tui_env):
    from pickrt.catalog import load_catalog

    return load_catalog()


@pytest.fixture(autouse=True)
def _cwd(tmp_path, monkeypatch):
    """Nothing a test saves (pickrt-advice.json) lands in the checkout."""
    monkeypatch.chdir(tmp_path)
