"""Overlays and the catalog cache: no code from data, bounded reads, a cache that is only data."""

from __future__ import annotations

import json
import os
import pickle
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pickrt.catalog import CatalogError, load_catalog
from pickrt.catalog import cache as catalog_cache
from pickrt.cli import main
from pickrt.doctor.installed import _version_argv


def _overlay(tmp_path: Path, name: str, text: str, sub: str = "runtimes") -> Path:
    d = tmp_path / "ov"
    (d / sub).mkdir(parents=True, exist_ok=True)
    (d / sub / name).write_text(text)
    return d


def test_overlay_version_command_is_refused(tmp_path: Path, capsys) -> None:
    d = _overlay(tmp_path, "ollama.yaml", "slug: ollama\ndetect:\n  binaries: [sh]\n"
                 "  version_command: \"sh -c 'touch PWNED; echo 1.0'\"\n")
    with pytest.raises(CatalogError, match=r"ollama.yaml:4: detect.version_command: an overlay may not define"):
        load_catalog([d], use_user_overlay=False, use_cache=False)
    assert main(["knowledge", "check", str(d)]) == 2
    # the shipped command, copied verbatim into an overlay, is fine
    d2 = _overlay(tmp_path / "b", "ollama.yaml", "slug: ollama\ndetect:\n  version_command: ollama --version\n")
    assert load_catalog([d2], use_user_overlay=False, use_cache=False).runtimes["ollama"]


@pytest.mark.parametrize("command, ok", [
    ("ollama --version", True), ("lms version", True), ("ollama -v", True),
    ("sh -c 'id'", False), ("ollama --version; id", False), ("ollama run x", False),
    ("python -c 'import x'", False), ("bash --version", False), ("ollama --version extra", False),
    ("/tmp/evil --version", False), ("", False), ("'unterminated", False),
])
def test_version_argv_allow_list(command: str, ok: bool) -> None:
    paths = {w: f"/usr/bin/{w}" for w in ("ollama", "lms", "sh", "python", "bash", "/tmp/evil")}
    argv = _version_argv(command, paths)
    assert (argv is not None) == ok
    if ok:
        assert argv[0].startswith("/usr/bin/") and len(argv) == 2


@pytest.mark.skipif(os.name != "posix", reason="FIFOs and /dev/zero")
@pytest.mark.parametrize("kind", ["fifo", "zero", "big"])
def test_overlay_files_that_are_not_files(tmp_path: Path, kind: str) -> None:
    d = tmp_path / "ov" / "runtimes"
    d.mkdir(parents=True)
    f = d / "ollama.yaml"
    if kind == "fifo":
        os.mkfifo(f)
    elif kind == "zero":
        f.symlink_to("/dev/zero")
    else:
        f.write_text("slug: ollama\n" + "# x\n" * 400_000)
    with pytest.raises(CatalogError, match="ollama.yaml:1: cannot read"):
        load_catalog([d.parent], use_user_overlay=False, use_cache=False)


def test_deep_overlay_yaml_is_one_line(tmp_path: Path) -> None:
    d = _overlay(tmp_path, "x.yaml", "slug: x\nname: " + "[" * 900 + "]" * 900 + "\n")
    with pytest.raises(CatalogError) as ei:
        load_catalog([d], use_user_overlay=False, use_cache=False)
    assert "x.yaml" in ei.value.problems[0]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(doc=st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
                        lambda k: st.lists(k, max_size=3) | st.dictionaries(
                            st.sampled_from(["slug", "name", "detect", "api", "params_b", "layers", "models", "x"]),
                            k, max_size=4), max_leaves=12),
       where=st.sampled_from(["runtimes/ollama.yaml", "models/models.yaml", "rules/x.yaml", "hardware/gpus.yaml"]))
def test_overlay_fuzz_only_catalog_errors(tmp_path_factory, doc, where: str) -> None:
    d = tmp_path_factory.mktemp("ov")
    (d / where).parent.mkdir(parents=True, exist_ok=True)
    (d / where).write_text(json.dumps(doc, allow_nan=True))
    try:
        load_catalog([d], use_user_overlay=False, use_cache=False)
    except CatalogError as e:
        assert all(":" in p for p in e.problems)


def _cache_file(tmp_path: Path) -> Path:
    files = list((tmp_path / "c" / "pickrt").glob("catalog-*.json"))
    assert len(files) == 1
    return files[0]


def test_cache_is_json_data_and_ignores_planted_files(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    a = load_catalog(use_user_overlay=False)
    cf = _cache_file(tmp_path)
    assert stat.S_IMODE(cf.parent.stat().st_mode) == 0o700
    data = json.loads(cf.read_bytes())  # plain JSON
    assert data["catalog"]["runtimes"]
    b = load_catalog(use_user_overlay=False)
    assert list(a.runtimes) == list(b.runtimes) and a.runtimes["ollama"] == b.runtimes["ollama"]
    assert a.find_model("llama-3.1-8b") == b.find_model("llama-3.1-8b")

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path / 'PWNED'}",))

    for planted in (pickle.dumps(Evil()), pickle.dumps({"x": 1}), b"{}", b"[1,2]", b"\xff" * 100,
                    json.dumps({"key": data["key"], "catalog": {**data["catalog"], "runtimes": {"\u0000d": {"ollama": 5}}}}).encode(),
                    b"[" * 100_000):
        cf.write_bytes(planted)
        c = load_catalog(use_user_overlay=False)
        assert c.runtimes["ollama"].slug == "ollama"
        assert main(["--json", "--gpu", "RTX 4090"]) == 0
        capsys.readouterr()
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_cache_writable_by_others_is_not_trusted(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    load_catalog(use_user_overlay=False)
    cf = _cache_file(tmp_path)
    cf.chmod(0o666)
    key = cf.stem.split("-", 1)[1]
    from pickrt.catalog.loader import Catalog

    assert catalog_cache.load(cf, key, Catalog) is None
    cf.chmod(0o600)
    assert catalog_cache.load(cf, key, Catalog) is not None


def test_cache_keyed_by_file_stats(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    d = _overlay(tmp_path, "ollama.yaml", "slug: ollama\napi: {default_port: 1111}\n")
    assert load_catalog([d], use_user_overlay=False).runtimes["ollama"].api.default_port == 1111
    (d / "runtimes" / "ollama.yaml").write_text("slug: ollama\napi: {default_port: 2222}\n")
    assert load_catalog([d], use_user_overlay=False).runtimes["ollama"].api.default_port == 2222


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() == 0, reason="root ignores permissions")
def test_read_only_cache_dir(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    (tmp_path / "c" / "pickrt").mkdir(parents=True)
    (tmp_path / "c" / "pickrt").chmod(0o500)
    assert load_catalog(use_user_overlay=False).runtimes
    assert os.listdir(tmp_path / "c" / "pickrt") == []


def test_failed_cache_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(catalog_cache.os, "replace", full)
    for _ in range(3):
        assert load_catalog(use_user_overlay=False).runtimes
    assert os.listdir(tmp_path / "c" / "pickrt") == []


def test_pickrt_knowledge_naming_a_file(tmp_path: Path, monkeypatch, capsys) -> None:
    f = tmp_path / "file.yaml"
    f.write_text("x: 1\n")
    monkeypatch.setenv("PICKRT_KNOWLEDGE", str(f))
    with pytest.raises(SystemExit) as ei:
        main(["--json", "--gpu", "RTX 4090"])
    assert ei.value.code == 2
    assert "PICKRT_KNOWLEDGE" in capsys.readouterr().err


def test_cache_folder_not_writable(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    real_open = catalog_cache.os.open

    def denied(path, flags, mode=0o777):
        if str(path).endswith(".tmp"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, mode)

    monkeypatch.setattr(catalog_cache.os, "open", denied)
    assert load_catalog(use_user_overlay=False).runtimes
    assert [p for p in (tmp_path / "c" / "pickrt").iterdir()] == []
