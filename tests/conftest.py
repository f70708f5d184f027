import os

import pytest


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory, monkeypatch):
    """No user overlay, a private cache, no local probing: tests see only the shipped catalog."""
    cache = tmp_path_factory.getbasetemp() / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "config"))
    monkeypatch.setenv("PICKRT_NO_DOCTOR", "1")
    monkeypatch.delenv("PICKRT_KNOWLEDGE", raising=False)
    # Local model stores (HF cache, Ollama, LM Studio) live under an empty private HOME.
    home = tmp_path_factory.getbasetemp() / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    for var in ("HF_HUB_CACHE", "HF_HOME", "OLLAMA_MODELS"):
        monkeypatch.delenv(var, raising=False)
    yield


@pytest.fixture(scope="session")
def catalog():
    from pickrt.catalog import load_catalog

    return load_catalog(use_user_overlay=False, use_cache=False)
