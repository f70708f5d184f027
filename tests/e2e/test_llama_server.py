"""End-to-end: the llama.cpp guide and doctor against a real `llama-server` (make e2e).

The binary is llama.cpp's own server, built from source by ``build_llama_server.sh`` (cached outside
the repository); the model is the tiny random GGUF from ``tiny_gguf.py``. Nothing is downloaded by
the tests. Every server started here listens on 127.0.0.1 only and is stopped in a ``finally``.

(a) ``pickrt guide --runtime llama-cpp --os linux`` is followed as a person would: its Serve command
    is run (with the model file under the name the guide prints, on a free port) and its Verify
    ``curl`` commands are run against it.
(c) ``pickrt --json --runtime llama-cpp --model tiny.gguf``: the exact ``serve`` command of the advice's
    deployment (its ``-c``, ``-np``, bind and any offload flags) is run as printed, only its port moved
    to a free one, and its exact ``verify`` curl answers.
(b) ``pickrt doctor --json`` with an overlay that moves llama-cpp's port to the test port sees it
    installed (with its version) and running with the served model; then not running once it stops;
    and it does not take another HTTP service on that port for it.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import pytest

pytestmark = pytest.mark.e2e

HERE = Path(__file__).resolve().parent
BUILD_SCRIPT = HERE / "build_llama_server.sh"
GUIDE_ARGS = ["guide", "--runtime", "llama-cpp", "--os", "linux", "--cpu-only", "--memory", "16"]
START_TIMEOUT = 90.0
CMD_TIMEOUT = 120.0


# ---- the binary, the model, the guide --------------------------------------------------------------------


@pytest.fixture(scope="module")
def llama_server() -> Path:
    """The cached llama-server (built on first use; a failed build fails the tests, it never skips)."""
    given = os.environ.get("PICKRT_E2E_LLAMA_SERVER")
    if given:
        p = Path(given)
        if not (p.is_file() and os.access(p, os.X_OK)):
            pytest.fail(f"PICKRT_E2E_LLAMA_SERVER={given} is not an executable file")
        return p
    env = dict(os.environ, PYTHON=os.environ.get("PYTHON", sys.executable))
    try:
        r = subprocess.run(["bash", str(BUILD_SCRIPT)], capture_output=True, text=True, env=env,
                           timeout=3600, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{BUILD_SCRIPT.name} took more than an hour")
    if r.returncode != 0:
        pytest.fail(f"{BUILD_SCRIPT.name} failed (exit {r.returncode}):\n{r.stderr[-4000:]}")
    path = Path(r.stdout.strip().splitlines()[-1])
    assert path.is_file(), f"{BUILD_SCRIPT.name} printed {path}, which does not exist"
    return path


@pytest.fixture(scope="module")
def bin_dir(llama_server: Path, tmp_path_factory) -> Path:
    """A folder with `llama-server` in it, to put first on PATH."""
    d = tmp_path_factory.mktemp("bin")
    (d / "llama-server").symlink_to(llama_server)
    return d


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    given = os.environ.get("PICKRT_E2E_MODEL")
    if given and Path(given).is_file():
        return Path(given)
    import tiny_gguf

    return tiny_gguf.write(tmp_path_factory.mktemp("model") / "tiny-llama.gguf")


@pytest.fixture(scope="module")
def llama_versions(llama_server: Path) -> set[str]:
    """What doctor must report as this binary's version: the release tag of its build number (b11312).
    llama.cpp printed ``version: 6123 (e2e5ad2b)`` until 2026 and now prints
    ``version: 0.5.0-dev (build 11312, commit 0c1e570)``."""
    out = subprocess.run([str(llama_server), "--version"], capture_output=True, text=True, timeout=30,
                         stdin=subprocess.DEVNULL)
    text = out.stdout + out.stderr
    m = re.search(r"version:\s*(\S+)\s*\(build\s+(\d+)", text)
    if m:
        return {f"b{m.group(2)}"}
    m = re.search(r"version:\s*(\d+)\s*\(", text)
    assert m, f"llama-server --version printed no build number:\n{text}"
    return {f"b{m.group(1)}"}


def _pickrt(*args: str, env: Optional[dict] = None, timeout: float = 60) -> subprocess.CompletedProcess:
    r = subprocess.run([sys.executable, "-m", "pickrt", *args], capture_output=True, text=True,
                       env=env, timeout=timeout, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, f"pickrt {' '.join(args)} exited {r.returncode}:\n{r.stderr[-3000:]}"
    return r


def _fences(markdown: str) -> dict[str, list[tuple[str, str]]]:
    """``## Heading`` -> [(info, code)] of the fenced blocks under it (sub-headings included)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(markdown)
    out: dict[str, list[tuple[str, str]]] = {}
    section = ""
    for i, t in enumerate(tokens):
        if t.type == "heading_open" and t.tag == "h2":
            section = tokens[i + 1].content.strip()
            out.setdefault(section, [])
        elif t.type == "fence" and section:
            out[section].append((t.info.strip(), t.content))
    return out


def _one_line(code: str) -> list[str]:
    lines = [ln for ln in code.strip().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert len(lines) == 1, f"expected one command in the block, got:\n{code}"
    return shlex.split(lines[0])


@dataclass
class GuideCommands:
    serve: list[str]
    port: int
    model_arg: str
    health: Optional[list[str]]
    models: Optional[list[str]]
    chat: list[str]
    check: Optional[list[str]] = None
    """The Install section's "check that it is installed" command (`llama-server --version`)."""


@pytest.fixture(scope="module")
def guide() -> GuideCommands:
    md = _pickrt(*GUIDE_ARGS).stdout
    fences = _fences(md)
    assert "Serve" in fences, f"the guide has no '## Serve' section:\n{md[:2000]}"
    assert "Verify" in fences, "the guide has no '## Verify' section"
    serves = [_one_line(c) for info, c in fences["Serve"] if info == "sh"]
    serves = [s for s in serves if s and s[0] == "llama-server"]
    assert len(serves) == 1, f"expected one `llama-server` command under Serve, got {serves}"
    serve = serves[0]
    assert "--port" in serve, f"the serve command names no port: {shlex.join(serve)}"
    port = int(serve[serve.index("--port") + 1])
    flag = next((f for f in ("-m", "--model") if f in serve), None)
    assert flag, f"the serve command names no model file: {shlex.join(serve)}"
    model_arg = serve[serve.index(flag) + 1]
    assert model_arg.endswith(".gguf") and not re.search(r"[{}<>]", model_arg), (
        f"the serve command's model is a placeholder, not a file name: {model_arg!r}")

    curls = [_one_line(c) for info, c in fences["Verify"] if info == "sh"]
    curls = [c for c in curls if c and c[0] == "curl"]
    url = lambda c: next((a for a in c[1:] if a.startswith("http")), "")  # noqa: E731
    health = next((c for c in curls if url(c).endswith("/health")), None)
    models = next((c for c in curls if url(c).endswith("/models")), None)
    chat = next((c for c in curls if url(c).endswith("/chat/completions")), None)
    assert chat is not None, f"the Verify section has no chat-completion curl: {curls}"
    for c in curls:
        assert f"127.0.0.1:{port}/" in url(c), f"a Verify curl does not use the serve port {port}: {shlex.join(c)}"
    checks = [_one_line(c) for info, c in fences.get("Install", []) if info == "sh" and "--version" in c]
    check = next((c for c in checks if c and c[0] == "llama-server"), None)
    return GuideCommands(serve, port, model_arg, health, models, chat, check)


# ---- running servers -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(bin_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLAMA_ARG_")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return env


def _get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


@dataclass
class Served:
    port: int
    proc: subprocess.Popen
    argv: list[str]
    log: Path


@contextlib.contextmanager
def serve_as_guided(guide: GuideCommands, model: Path, bin_dir: Path, workdir: Path) -> Iterator[Served]:
    """Run the guide's serve command: the model file under the name it prints, a free port, 127.0.0.1."""
    workdir.mkdir(parents=True, exist_ok=True)
    name = Path(os.path.expanduser(guide.model_arg)).name
    target = workdir / name
    if not target.exists():
        shutil.copyfile(model, target)
    port = _free_port()
    argv = list(guide.serve)
    argv[argv.index(guide.model_arg)] = name
    argv[argv.index("--port") + 1] = str(port)
    if "--host" not in argv:
        argv += ["--host", "127.0.0.1"]  # its default, per the guide; said explicitly so it can be nothing else
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    log = workdir / f"llama-server-{port}.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(argv, cwd=workdir, env=_env(bin_dir), stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"`{shlex.join(argv)}` exited {proc.returncode}:\n{log.read_text(errors='replace')[-4000:]}")
            try:
                status, _ = _get(f"http://127.0.0.1:{port}/health", timeout=2)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama-server not healthy within {START_TIMEOUT:g} s:\n"
                            f"{log.read_text(errors='replace')[-4000:]}")
            time.sleep(0.2)
        yield Served(port, proc, argv, log)
    finally:
        _stop(proc)


def _run_curl(argv: list[str], guide_port: int, port: int) -> dict:
    """Run a Verify curl as printed, pointed at ``port``; its stdout parsed as JSON."""
    if shutil.which("curl") is None:
        pytest.fail("curl is not installed: the guide's Verify commands need it")
    argv = [a.replace(f"127.0.0.1:{guide_port}/", f"127.0.0.1:{port}/") for a in argv]
    full = [argv[0], "-sS", "--max-time", "90", *argv[1:]]
    r = subprocess.run(full, capture_output=True, text=True, timeout=CMD_TIMEOUT, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, f"`{shlex.join(argv)}` exited {r.returncode}: {r.stderr}"
    try:
        return json.loads(r.stdout)
    except ValueError:
        pytest.fail(f"`{shlex.join(argv)}` answered no JSON: {r.stdout[:2000]!r}")


class _HtmlHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = b"<!doctype html><html><head><title>Not a model server</title></head><body>hi</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def html_server(port: int) -> Iterator[None]:
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), _HtmlHandler)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    try:
        yield
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(timeout=5)


# ---- (a) the guide, followed -----------------------------------------------------------------------------


def test_guide_serve_and_verify_commands_work(guide, tiny_model, bin_dir, tmp_path, catalog):
    assert guide.port == catalog.runtimes["llama-cpp"].api.default_port, "the guide serves on the catalog's port"
    if guide.check:
        r = subprocess.run(guide.check, capture_output=True, text=True, env=_env(bin_dir), timeout=30,
                           stdin=subprocess.DEVNULL)
        assert r.returncode == 0 and "version" in (r.stdout + r.stderr), (guide.check, r.stdout, r.stderr)
    with serve_as_guided(guide, tiny_model, bin_dir, tmp_path / "work") as s:
        if guide.health:
            assert _run_curl(guide.health, guide.port, s.port).get("status") == "ok"
        ids = None
        if guide.models:
            listing = _run_curl(guide.models, guide.port, s.port)
            assert listing.get("object") == "list" and isinstance(listing.get("data"), list), listing
            ids = [m.get("id") for m in listing["data"]]
            assert ids, listing
        reply = _run_curl(guide.chat, guide.port, s.port)
        assert "error" not in reply, reply
        choices = reply.get("choices")
        assert isinstance(choices, list) and choices, reply
        content = choices[0].get("message", {}).get("content")
        assert isinstance(content, str) and content.strip(), reply
        # The guide says to use an id from /v1/models as the request's "model": check it did.
        body = json.loads(guide.chat[guide.chat.index("-d") + 1])
        if ids is not None:
            assert body["model"] in ids, f"the guide's chat request names {body['model']!r}; the server serves {ids}"
        assert s.proc.poll() is None, "llama-server died while answering"


# ---- (c) the advice's deployment, launched exactly ----------------------------------------------------------


ADVICE_ARGS = ["--runtime", "llama-cpp", "--os", "linux", "--cpu-only", "--memory", "16", "--users", "2"]


def test_advice_serve_and_verify_run_exactly(tiny_model, bin_dir, tmp_path, catalog):
    r = _pickrt("--json", *ADVICE_ARGS, "--model", str(tiny_model))
    doc = json.loads(r.stdout)
    rec = doc["recommendation"]
    assert rec and rec["runtime"] == "llama-cpp", doc["warnings"]
    dep = rec["deployment"]
    assert rec["serve"] == dep["commands"]["serve"]
    argv = shlex.split(dep["commands"]["serve"])
    assert argv[0] == "llama-server" and str(tiny_model) in argv, argv
    # what the deployment says is on the command line
    assert argv[argv.index("-np") + 1] == str(dep["max_sequences"]) == "2"
    assert argv[argv.index("-c") + 1] == str(dep["context"] * dep["max_sequences"])
    printed_port = int(argv[argv.index("--port") + 1])
    port = _free_port()
    argv[argv.index("--port") + 1] = str(port)  # the only change: a free port
    log = tmp_path / "advice-llama-server.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(argv, cwd=tmp_path, env=_env(bin_dir), stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"`{shlex.join(argv)}` exited {proc.returncode}:\n{log.read_text(errors='replace')[-4000:]}")
            try:
                if _get(f"http://127.0.0.1:{port}/health", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama-server not healthy within {START_TIMEOUT:g} s:\n{log.read_text(errors='replace')[-4000:]}")
            time.sleep(0.2)
        # the server runs the slots and context the deployment says
        status, raw = _get(f"http://127.0.0.1:{port}/props")
        if status == 200:
            props = json.loads(raw)
            if "total_slots" in props:
                assert props["total_slots"] == dep["max_sequences"], props.get("total_slots")
        reply = _run_curl(shlex.split(dep["commands"]["verify"]), printed_port, port)
        assert "error" not in reply, reply
        content = (reply.get("choices") or [{}])[0].get("message", {}).get("content")
        assert isinstance(content, str) and content.strip(), reply
        assert proc.poll() is None, "llama-server died while answering"
    finally:
        _stop(proc)


# ---- (b) doctor against it -------------------------------------------------------------------------------


def _doctor(overlay: Path, bin_dir: Path) -> dict:
    r = _pickrt("doctor", "--json", "--knowledge", str(overlay), env=_env(bin_dir))
    return json.loads(r.stdout)


def _row(report: dict, slug: str = "llama-cpp") -> dict:
    rows = [r for r in report["runtimes"] if r["runtime"] == slug]
    assert len(rows) == 1, report
    return rows[0]


def _overlay(root: Path, port: int, slugs: tuple[str, ...] = ("llama-cpp",)) -> Path:
    """A catalog overlay that moves ``slugs`` to ``port``."""
    d = root / "overlay"
    (d / "runtimes").mkdir(parents=True, exist_ok=True)
    for slug in slugs:
        (d / "runtimes" / f"{slug}.yaml").write_text(f"slug: {slug}\napi:\n  default_port: {port}\n")
    return d


def test_doctor_running_stopped_and_impostor(guide, tiny_model, bin_dir, llama_versions, tmp_path):
    with serve_as_guided(guide, tiny_model, bin_dir, tmp_path / "work") as s:
        port = s.port
        overlay = _overlay(tmp_path, port)
        _, raw = _get(f"http://127.0.0.1:{port}/v1/models")
        served_ids = [m["id"] for m in json.loads(raw)["data"]]
        rep = _doctor(overlay, bin_dir)
        row = _row(rep)
        assert row["installed"] is True, row
        assert row["where"] == str(bin_dir / "llama-server"), row
        assert row["version"] in llama_versions, row
        assert row["running"] is True, (row, rep["warnings"])
        assert row["endpoint"] == f"http://127.0.0.1:{port}/v1", row
        assert row["models"] == served_ids, row
        assert f":{port}" in row["detail"], row
        assert not [w for w in rep["warnings"] if f"{port}" in w], rep["warnings"]
        others = [r["runtime"] for r in rep["runtimes"] if r["running"] and r["endpoint"] == row["endpoint"]]
        assert others == ["llama-cpp"], others

    # stopped: still installed, not running, nothing on the port
    rep = _doctor(overlay, bin_dir)
    row = _row(rep)
    assert row["installed"] is True and row["version"] in llama_versions, row
    assert row["running"] is False and row["endpoint"] is None and row["models"] == [], row
    assert f"nothing listens on :{port}" in row["detail"], row

    # another HTTP service on the same port is not taken for llama-server
    with html_server(port):
        status, body = _get(f"http://127.0.0.1:{port}/v1/models")
        assert status == 200 and body.lstrip().startswith(b"<!doctype html>")
        rep = _doctor(overlay, bin_dir)
        row = _row(rep)
        assert row["running"] is False and row["endpoint"] is None and row["models"] == [], row
        assert "taken by something else" in row["detail"], row
        assert any(f"port {port}" in w for w in rep["warnings"]), rep["warnings"]


def test_doctor_tells_llama_server_from_runtimes_sharing_its_port(guide, tiny_model, bin_dir, catalog, tmp_path):
    """As on a real machine, where llama-server's 8080 is also llamafile's, LocalAI's, MLX LM's... port."""
    default = catalog.runtimes["llama-cpp"].api.default_port
    sharing = tuple(slug for slug, rt in catalog.runtimes.items() if rt.api.default_port == default)
    assert "llama-cpp" in sharing and len(sharing) > 1, sharing
    with serve_as_guided(guide, tiny_model, bin_dir, tmp_path / "work") as s:
        rep = _doctor(_overlay(tmp_path, s.port, sharing), bin_dir)
        row = _row(rep)
        assert row["running"] is True and row["endpoint"] == f"http://127.0.0.1:{s.port}/v1", row
        assert "owned_by" in row["detail"], row
        for slug in sharing:
            if slug != "llama-cpp":
                other = _row(rep, slug)
                assert other["running"] is False, other
                assert f":{s.port} answers as {catalog.runtimes['llama-cpp'].name}" in other["detail"], other
