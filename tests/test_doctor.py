"""pickrt doctor: installed and running runtimes, against fakes on loopback."""

from __future__ import annotations

import functools
import http.client
import json
import socket
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

from doctor_fakes import (
    DripServer, FakeServer, SilentListener, closed_port, dist_info, fake_binary, html_server,
    ollama_server, openai_server, prepend_path, write_overlay,
)
from pickrt.catalog.loader import load_catalog
from pickrt.doctor import installed_slugs, render_table, run_doctor, running_slugs
from pickrt.doctor import installed as installed_mod
from pickrt.doctor import listeners as listeners_mod
from pickrt.doctor import packages
from pickrt.doctor import running as _running
from pickrt.doctor.listeners import Listener
from pickrt.doctor.running import Probe, _process_names, match_shape
from pickrt.doctor.versions import parse_version

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="the fake binaries are /bin/sh scripts")

ROW_KEYS = {"runtime", "installed", "version", "where", "running", "endpoint", "models", "detail"}
OLLAMA_SCRIPT = 'if [ "$1" = "--version" ]; then echo "ollama version is 0.12.3"; fi'


@functools.lru_cache(maxsize=1)
def _shipped():
    return load_catalog(use_user_overlay=False, use_cache=False)


def _catalog(tmp_path: Path, ports: dict[str, int]):
    """The shipped catalog with ``ports`` moved, and every other runtime moved to a closed port,
    so that whatever this host runs on 8080 or 8000 cannot leak into the test."""
    base = _shipped()
    spare = closed_port()
    moved = {s: spare for s, rt in base.runtimes.items() if rt.api.default_port and s not in ports}
    overlay = write_overlay(tmp_path / "overlay", {**moved, **ports})
    return load_catalog(overlays=[overlay], use_user_overlay=False, use_cache=False)


@pytest.fixture
def clean_env(tmp_path, monkeypatch):
    """No pipx / uv tools of the host; fake binaries go in tmp_path/bin, ahead of PATH."""
    monkeypatch.setenv("PIPX_HOME", str(tmp_path / "pipx-empty"))
    monkeypatch.setenv("UV_TOOL_DIR", str(tmp_path / "uv-empty"))
    bindir = tmp_path / "bin"
    bindir.mkdir()
    prepend_path(monkeypatch, bindir)
    return bindir


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Ollama (real-shaped), llama-server (OpenAI-shaped), a silent listener on vLLM's port,
    a web page on LM Studio's port; the ``ollama`` binary on PATH. Built once for the module."""
    tmp_path = tmp_path_factory.mktemp("world")
    bindir = tmp_path / "bin"
    fake_binary(bindir, "ollama", OLLAMA_SCRIPT)
    with ExitStack() as st:
        oll = st.enter_context(ollama_server())
        llama = st.enter_context(openai_server(ids=["qwen2.5-0.5b-instruct-q4_k_m.gguf"], owned_by="llamacpp"))
        silent = st.enter_context(SilentListener())
        html = st.enter_context(html_server())
        cat = _catalog(tmp_path, {"ollama": oll.port, "llama-cpp": llama.port, "vllm": silent.port,
                                  "lm-studio": html.port})
        with pytest.MonkeyPatch.context() as mp:  # undone before the other tests run
            mp.setenv("PIPX_HOME", str(tmp_path / "pipx-empty"))
            mp.setenv("UV_TOOL_DIR", str(tmp_path / "uv-empty"))
            prepend_path(mp, bindir)
            t0 = time.monotonic()
            report = run_doctor(cat)
            elapsed = time.monotonic() - t0
        yield {"catalog": cat, "report": report, "elapsed": elapsed, "ollama": oll, "llama": llama,
               "silent": silent, "html": html}


def _row(report, slug):
    rows = [r for r in report["runtimes"] if r["runtime"] == slug]
    assert len(rows) == 1, slug
    return rows[0]


# ---- the whole report ----------------------------------------------------------------------


@posix_only
def test_ollama_installed_and_running(world):
    r = _row(world["report"], "ollama")
    assert r["installed"] is True
    assert r["version"] == "0.12.3"
    assert r["where"].endswith("ollama")
    assert r["running"] is True
    assert r["endpoint"] == f"http://127.0.0.1:{world['ollama'].port}/v1"
    assert r["models"] == ["llama3.2:3b"]
    assert "0.12.3" in r["detail"]


def test_openai_server_running_with_models(world):
    r = _row(world["report"], "llama-cpp")
    assert r["running"] is True
    assert r["endpoint"] == f"http://127.0.0.1:{world['llama'].port}/v1"
    assert r["models"] == ["qwen2.5-0.5b-instruct-q4_k_m.gguf"]
    assert r["installed"] is False  # no llama-server on PATH


def test_silent_listener_is_not_vllm(world):
    r = _row(world["report"], "vllm")
    assert r["running"] is False
    assert r["endpoint"] is None
    port = world["silent"].port
    assert any(f"port {port} is taken by something that is not vLLM" in w for w in world["report"]["warnings"])


def test_wrong_shape_is_not_running(world):
    r = _row(world["report"], "lm-studio")
    assert r["running"] is False
    assert "text/html" in r["detail"]
    port = world["html"].port
    assert any(f"port {port}" in w and "LM Studio" in w for w in world["report"]["warnings"])


def test_every_slug_has_exactly_one_row_in_catalog_order(world):
    rows = world["report"]["runtimes"]
    assert [r["runtime"] for r in rows] == list(world["catalog"].runtimes)
    for r in rows:
        assert set(r) == ROW_KEYS
        assert isinstance(r["models"], list) and isinstance(r["detail"], str)
        if not r["running"]:
            assert r["endpoint"] is None and r["models"] == []
    assert world["report"]["schema_version"] == 1
    assert set(world["report"]) == {"schema_version", "runtimes", "warnings"}
    json.dumps(world["report"])


def test_fast_even_with_a_silent_listener(world):
    assert world["elapsed"] < 2.0


@posix_only
def test_helpers(world):
    assert "ollama" in installed_slugs(world["report"])
    assert {"ollama", "llama-cpp"} <= running_slugs(world["report"])
    assert "vllm" not in running_slugs(world["report"])
    assert "lm-studio" not in running_slugs(world["report"])


@posix_only
def test_render_table(world):
    text = render_table(world["report"])
    lines = text.splitlines()
    assert lines[0].split()[:5] == ["RUNTIME", "INSTALLED", "RUNNING", "MODELS", "DETAIL"]
    assert any(ln.startswith("ollama") and "yes 0.12.3" in ln and f"127.0.0.1:{world['ollama'].port}" in ln
               for ln in lines)
    assert "Warnings:" in text
    assert sum(1 for ln in lines if ln.split() and ln.split()[0] in world["catalog"].runtimes) == len(
        world["catalog"].runtimes)


def test_real_catalog_defaults_every_slug_once(clean_env):
    cat = _shipped()
    t0 = time.monotonic()
    report = run_doctor(cat)
    assert time.monotonic() - t0 < 2.0
    assert [r["runtime"] for r in report["runtimes"]] == list(cat.runtimes)


# ---- only loopback is contacted -----------------------------------------------------------


def test_only_loopback_is_contacted(tmp_path, clean_env, monkeypatch):
    hosts: list[str] = []
    real_create = socket.create_connection
    real_connect = http.client.HTTPConnection.connect

    def create(address, *a, **k):
        hosts.append(address[0])
        return real_create(address, *a, **k)

    def connect(self):
        hosts.append(self.host)
        return real_connect(self)

    monkeypatch.setattr(socket, "create_connection", create)
    monkeypatch.setattr(http.client.HTTPConnection, "connect", connect)
    with ollama_server() as oll, SilentListener() as silent:
        cat = _catalog(tmp_path, {"ollama": oll.port, "vllm": silent.port})
        report = run_doctor(cat)
    # and the real catalog's ports, as shipped
    run_doctor(_shipped())
    assert hosts, "nothing was probed"
    assert set(hosts) <= {"127.0.0.1", "::1"}
    assert _row(report, "ollama")["running"] is True


# ---- shared ports ----------------------------------------------------------------------------


def test_shared_port_cannot_be_told_apart(tmp_path, clean_env):
    with openai_server(ids=["meta-llama/Llama-3.1-8B-Instruct"], owned_by="organization") as srv:
        cat = _catalog(tmp_path, {"vllm": srv.port, "tensorrt-llm": srv.port, "sglang": srv.port})
        report = run_doctor(cat)
    for slug in ("vllm", "tensorrt-llm", "sglang"):
        r = _row(report, slug)
        assert r["running"] is True
        assert r["models"] == ["meta-llama/Llama-3.1-8B-Instruct"]
        assert "cannot be told apart" in r["detail"]
        assert f":{srv.port}" in r["detail"]
    assert not any(f"port {srv.port}" in w for w in report["warnings"])


def test_shared_port_told_apart_by_owned_by(tmp_path, clean_env):
    with openai_server(ids=["Qwen/Qwen3-8B"], owned_by="vllm") as srv:
        cat = _catalog(tmp_path, {"vllm": srv.port, "tensorrt-llm": srv.port, "sglang": srv.port})
        report = run_doctor(cat)
    assert _row(report, "vllm")["running"] is True
    assert "owned_by" in _row(report, "vllm")["detail"]
    for slug in ("tensorrt-llm", "sglang"):
        r = _row(report, slug)
        assert r["running"] is False
        assert "vLLM" in r["detail"]


def test_shared_port_told_apart_by_model_ids(tmp_path, clean_env):
    with openai_server(ids=["mlx-community/Llama-3.2-3B-Instruct-4bit"], with_object=False) as srv:
        cat = _catalog(tmp_path, {"mlx-lm": srv.port, "llama-cpp": srv.port, "localai": srv.port})
        report = run_doctor(cat)
    assert running_slugs(report) >= {"mlx-lm"}
    assert not {"llama-cpp", "localai"} & running_slugs(report)


@posix_only
def test_shared_port_told_apart_by_what_is_installed(tmp_path, clean_env):
    fake_binary(clean_env, "trtllm-serve", "exit 0")
    with openai_server(ids=["m"]) as srv:
        cat = _catalog(tmp_path, {"vllm": srv.port, "tensorrt-llm": srv.port})
        report = run_doctor(cat)
    assert _row(report, "tensorrt-llm")["running"] is True
    assert "installed" in _row(report, "tensorrt-llm")["detail"]
    assert _row(report, "vllm")["running"] is False


def test_weak_any_http_and_other_paths_on_a_shared_port(tmp_path, clean_env):
    routes = {
        "/v1/models": (200, "application/json", {"object": "list", "data": [{"id": "m", "owned_by": "llamacpp"}]}),
    }
    with FakeServer(routes) as srv:
        # tgi probes /info (any-http): a 404 there must not make TGI running
        cat = _catalog(tmp_path, {"llama-cpp": srv.port, "tgi": srv.port})
        report = run_doctor(cat)
    assert _row(report, "llama-cpp")["running"] is True
    assert _row(report, "tgi")["running"] is False
    assert "llama.cpp" in _row(report, "tgi")["detail"]
    with FakeServer({"/info": (200, "application/json", {"model_id": "bigscience/bloom-560m"})}) as srv:
        cat = _catalog(tmp_path / "b", {"tgi": srv.port})
        report = run_doctor(cat)
    r = _row(report, "tgi")
    assert r["running"] is True and r["models"] == ["bigscience/bloom-560m"]
    assert "weak evidence" in r["detail"] and "something answers HTTP" in r["detail"]


def test_api_key_protected_server_is_not_claimed(tmp_path, clean_env):
    with FakeServer({"/v1/models": (401, "application/json", {"error": "Unauthorized"})}) as srv:
        cat = _catalog(tmp_path, {"vllm": srv.port})
        report = run_doctor(cat)
    r = _row(report, "vllm")
    assert r["running"] is False
    assert "401" in r["detail"]
    assert not any(f"port {srv.port}" in w for w in report["warnings"])


def test_drip_feeding_server_is_cut_at_the_deadline(tmp_path, clean_env):
    with DripServer() as drip:
        cat = _catalog(tmp_path, {"vllm": drip.port})
        t0 = time.monotonic()
        report = run_doctor(cat, timeout=0.5)
        probe = _running.probe_ports({(drip.port, "/health"): False}, 0.3)[(drip.port, "/health")]
        elapsed = time.monotonic() - t0
    assert elapsed < 1.5
    assert _row(report, "vllm")["running"] is False
    assert probe.outcome == "silent" and match_shape("health-ok", probe) is None


def test_refused_port_is_not_running_and_not_warned(tmp_path, clean_env):
    port = closed_port()
    cat = _catalog(tmp_path, {"vllm": port})
    report = run_doctor(cat)
    r = _row(report, "vllm")
    assert r["running"] is False and "nothing listens" in r["detail"]
    assert not any(f"port {port}" in w for w in report["warnings"])


# ---- exposure ------------------------------------------------------------------------------


def test_all_interfaces_without_auth_is_warned(tmp_path, clean_env, monkeypatch):
    with ollama_server() as oll:
        monkeypatch.setattr(listeners_mod, "listeners",
                            lambda ports: {p: [Listener(p, "0.0.0.0", None)] for p in ports})
        cat = _catalog(tmp_path, {"ollama": oll.port})
        report = run_doctor(cat)
    assert any("all interfaces" in w and f":{oll.port}" in w for w in report["warnings"])


def test_loopback_listener_is_not_warned(tmp_path, clean_env):
    with ollama_server() as oll:  # bound to 127.0.0.1; psutil sees it where it may
        report = run_doctor(_catalog(tmp_path, {"ollama": oll.port}))
    assert not any("all interfaces" in w for w in report["warnings"])


def test_psutil_access_denied_is_skipped(tmp_path, clean_env, monkeypatch):
    psutil = pytest.importorskip("psutil")

    def denied(*a, **k):
        raise psutil.AccessDenied()

    monkeypatch.setattr(psutil, "net_connections", denied)
    assert listeners_mod.listeners([8000]) == {}
    with ollama_server() as oll:
        report = run_doctor(_catalog(tmp_path, {"ollama": oll.port}))
    assert _row(report, "ollama")["running"] is True


def test_process_names():
    assert "vllm" in _process_names(("/usr/bin/python3", "-m", "vllm.entrypoints.openai.api_server"))
    assert "vllm" in _process_names(("/home/u/.venv/bin/python", "/home/u/.venv/bin/vllm", "serve", "x"))
    assert "ray" in _process_names(("ray::ProxyActor",))
    assert "llamaserver" in _process_names(("/opt/llama/llama-server", "-m", "x.gguf"))
    assert _process_names(()) == set()


# ---- shapes ----------------------------------------------------------------------------------


def _http(status=200, data=None, ctype="application/json", body=b""):
    if data is not None:
        body = json.dumps(data).encode()
    return Probe(1, "/x", outcome="http", host="127.0.0.1", status=status, content_type=ctype, body=body, data=data)


def test_shapes():
    assert match_shape("ollama", _http(data={"version": "0.12.3"})).version == "0.12.3"
    assert match_shape("ollama", _http(data={"versions": "x"})) is None
    assert match_shape("ollama", _http(status=500, data={"version": "1"})) is None
    m = match_shape("openai-models", _http(data={"object": "list", "data": [{"id": "a", "owned_by": "vllm"}]}))
    assert m.models == ["a"] and m.owners == ["vllm"]
    assert match_shape("openai-models", _http(data={"data": []})).models == []
    assert match_shape("openai-models", _http(data={"object": "model", "data": []})) is None
    assert match_shape("openai-models", _http(data={"models": []})) is None
    assert match_shape("openai-models", _http(data=None, ctype="text/html", body=b"<html></html>")) is None
    assert match_shape("health-ok", _http(data={})) is not None
    assert match_shape("health-ok", _http(status=503, data={})) is None
    assert match_shape("any-http", _http(data={"ok": 1})).weak
    assert match_shape("any-http", _http(ctype="text/html", body=b"<!DOCTYPE html>")) is None
    assert match_shape("ollama", Probe(1, "/x", outcome="silent")) is None


# ---- installed -----------------------------------------------------------------------------


@pytest.mark.parametrize("text,want", [
    ("ollama version is 0.12.3", "0.12.3"),
    ("Warning: could not connect to a running Ollama instance\nWarning: client version is 0.12.3", "0.12.3"),
    ("version: 6123 (e2e5ad2b)\nbuilt with cc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0 for x86_64-linux-gnu", "b6123"),
    ("0.11.0\n", "0.11.0"),
    ("ray, version 2.9.0", "2.9.0"),
    ("llamafile v0.9.3", "v0.9.3"),
    ("b9855", "b9855"),
    ("usage: tool [-h]", None),
    ("", None),
])
def test_parse_version(text, want):
    assert parse_version(text) == want


@posix_only
def test_hanging_version_command_times_out(tmp_path, clean_env):
    fake_binary(clean_env, "llama-server", "sleep 30")
    cat = _catalog(tmp_path, {})
    t0 = time.monotonic()
    report = run_doctor(cat, command_timeout=0.5)
    assert time.monotonic() - t0 < 1.8
    r = _row(report, "llama-cpp")
    assert r["installed"] is True and r["version"] is None
    assert r["where"] == str(clean_env / "llama-server")


@posix_only
def test_python_package_version_commands_are_never_run(tmp_path, clean_env):
    # sglang's version_command is `python -c "import sglang..."`: doctor must not run python
    fake_binary(clean_env, "python", f"touch {tmp_path / 'ran'}")
    run_doctor(_catalog(tmp_path, {}), command_timeout=0.5)
    assert not (tmp_path / "ran").exists()


def test_pipx_and_uv_tool_discovery(tmp_path, clean_env, monkeypatch):
    pipx = tmp_path / "pipx"
    uv = tmp_path / "uv-tools"
    dist_info(pipx / "venvs" / "vllm" / "lib" / "python3.12" / "site-packages", "vllm", "0.11.0")
    dist_info(pipx / "venvs" / "vllm" / "lib" / "python3.12" / "site-packages", "ray", "2.49.0")  # a dependency
    dist_info(uv / "mlx-lm" / "lib" / "python3.12" / "site-packages", "mlx-lm", "0.28.1")
    dist_info(uv / "open-webui" / "Lib" / "site-packages", "open-webui", "0.6.30")  # Windows layout
    (uv / "exo").mkdir(parents=True)  # a folder named like a package that is not in it
    monkeypatch.setenv("PIPX_HOME", str(pipx))
    monkeypatch.setenv("UV_TOOL_DIR", str(uv))

    hits = packages.in_tool_envs(["vllm", "ray", "mlx_lm", "open-webui", "exo"])
    assert hits["vllm"].version == "0.11.0" and hits["vllm"].where.startswith("pipx: ")
    assert hits["mlx-lm"].version == "0.28.1" and hits["mlx-lm"].where.startswith("uv tool: ")
    assert hits["open-webui"].version == "0.6.30"
    assert "ray" not in hits and "exo" not in hits

    report = run_doctor(_catalog(tmp_path, {}))
    vllm = _row(report, "vllm")
    assert vllm["installed"] and vllm["version"] == "0.11.0" and "pipx" in vllm["where"]
    assert _row(report, "mlx-lm")["version"] == "0.28.1"
    assert not _row(report, "ray-serve")["installed"]


def test_current_env_packages_via_metadata():
    hits = packages.in_current_env(["pydantic", "PyYAML", "surely-not-installed-pkg"])
    assert hits["pydantic"].version and hits["pyyaml"].where.startswith("python: ")
    assert "surely-not-installed-pkg" not in hits


@posix_only
def test_container_images(tmp_path, clean_env):
    fake_binary(clean_env, "docker", 'if [ "$1" = images ]; then echo "vllm/vllm-openai:v0.11.0"; '
                                     'echo "ghcr.io/ggml-org/llama.cpp:server"; echo "<none>:<none>"; fi')
    fake_binary(clean_env, "podman", 'if [ "$1" = images ]; then echo "docker.io/ollama/ollama:latest"; fi')
    report = run_doctor(_catalog(tmp_path, {}))
    v = _row(report, "vllm")
    assert v["installed"] and v["version"] == "v0.11.0" and v["where"] == "image: vllm/vllm-openai:v0.11.0"
    assert _row(report, "llama-cpp")["installed"] and _row(report, "llama-cpp")["version"] is None
    assert _row(report, "ollama")["where"] == "image: docker.io/ollama/ollama:latest"
    assert not _row(report, "ray-serve")["installed"]


def test_app_bundles(tmp_path, clean_env):
    import plistlib

    apps = tmp_path / "Applications"
    contents = apps / "Ollama.app" / "Contents"
    contents.mkdir(parents=True)
    with open(contents / "Info.plist", "wb") as fh:
        plistlib.dump({"CFBundleShortVersionString": "0.12.3"}, fh)
    found = installed_mod.find_installed(_catalog(tmp_path, {}), app_dirs=[apps])
    assert found["ollama"].installed and found["ollama"].version == "0.12.3"
    assert found["ollama"].where == str(apps / "Ollama.app")
    assert not found["lm-studio"].installed


def test_llama_server_found_on_its_announced_port(tmp_path, clean_env):
    """llama-server's default moves from 8080 to 9931 (llama.cpp PR #26508): doctor probes both."""
    with openai_server(ids=["Qwen3-8B-Q4_K_M.gguf"]) as srv:
        base = _shipped()
        spare = closed_port()
        moved = {s: spare for s, rt in base.runtimes.items() if rt.api.default_port}
        overlay = write_overlay(tmp_path / "overlay", moved)
        (overlay / "runtimes" / "llama-cpp.yaml").write_text(
            f"slug: llama-cpp\napi:\n  default_port: {spare}\n  other_ports: [{srv.port}]\n")
        cat = load_catalog(overlays=[overlay], use_user_overlay=False, use_cache=False)
        report = run_doctor(cat)
    row = _row(report, "llama-cpp")
    assert row["running"] is True and f":{srv.port}" in row["endpoint"]
    assert row["models"] == ["Qwen3-8B-Q4_K_M.gguf"]
    # a port only announced for one runtime is not reported as taken when nothing of it answers there
    assert not any(f"port {srv.port}" in w for w in report["warnings"])


def test_other_port_refused_reads_as_both_ports(tmp_path, clean_env):
    base = _shipped()
    spare = closed_port()
    spare2 = next(p for p in iter(closed_port, None) if p != spare)
    moved = {s: spare for s, rt in base.runtimes.items() if rt.api.default_port}
    overlay = write_overlay(tmp_path / "overlay", moved)
    (overlay / "runtimes" / "llama-cpp.yaml").write_text(
        f"slug: llama-cpp\napi:\n  default_port: {spare}\n  other_ports: [{spare2}]\n")
    cat = load_catalog(overlays=[overlay], use_user_overlay=False, use_cache=False)
    row = _row(run_doctor(cat), "llama-cpp")
    assert row["running"] is False
    assert f":{spare}" in row["detail"] and f":{spare2}" in row["detail"]
