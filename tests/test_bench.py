"""`pickrt bench` against a fake OpenAI-compatible server (http.server in a thread, streaming SSE)."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from pickrt import benchmark, measured_store
from pickrt.probes.openai_http import NotLoopback, parse_base

DECODE_S = 0.004  # seconds per streamed token


class FakeOpenAI(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timings = False  # llama-server style timings in the last chunk
    usage = True
    model_id = "qwen3-8b"
    requests: list = []

    def log_message(self, *a) -> None:
        pass

    def _json(self, code: int, obj) -> None:
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/v1/models":
            self._json(200, {"object": "list", "data": [{"id": self.model_id, "object": "model", "owned_by": "fake"}]})
        else:
            self._json(404, {"error": "not found"})

    def do_POST(self) -> None:  # noqa: N802
        n = int(self.headers.get("Content-Length") or 0)
        req = json.loads(self.rfile.read(n))
        type(self).requests.append(req)
        if self.path != "/v1/chat/completions":
            self._json(404, {"error": "not found"})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        prompt_tokens = len(req["messages"][0]["content"].split())
        time.sleep(prompt_tokens / 20000)  # prefill at ~20k tokens/s
        k = req["max_tokens"]
        for i in range(k):
            ev = {"choices": [{"index": 0, "delta": {"content": f"tok{i} "}, "finish_reason": None}]}
            self.wfile.write(b"data: " + json.dumps(ev).encode() + b"\n\n")
            self.wfile.flush()
            time.sleep(DECODE_S)
        last: dict = {"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]}
        if self.usage:
            last["usage"] = {"prompt_tokens": prompt_tokens, "completion_tokens": k, "total_tokens": prompt_tokens + k}
        if self.timings:
            last["timings"] = {"prompt_n": prompt_tokens, "prompt_ms": 12.5,
                               "prompt_per_second": prompt_tokens / 0.0125,
                               "predicted_n": k, "predicted_ms": k * 4.0, "predicted_per_second": 250.0}
        self.wfile.write(b"data: " + json.dumps(last).encode() + b"\n\n")
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


@contextlib.contextmanager
def fake_server(**attrs) -> Iterator[int]:
    handler = type("Handler", (FakeOpenAI,), dict(attrs, requests=[]))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield srv.server_address[1], handler
    finally:
        srv.shutdown()
        srv.server_close()


def _cpu_profile(catalog):
    from pickrt.engine.hardware import whatif_profile

    return whatif_profile(catalog, gpu="RTX 4090")


def test_measures_a_streaming_server_and_compares_with_the_estimate(catalog):
    with fake_server() as (port, h):
        r = benchmark.run(catalog, endpoint=f"http://127.0.0.1:{port}/v1", runtime="vllm", model="qwen3-8b",
                          repeat=2, tokens=16, concurrency=3, timeout=20, profile=_cpu_profile(catalog))
    m = r["measured"]
    assert r["served_model"] == "qwen3-8b" and r["runtime"] == "vllm"
    assert m["counted_by"] == "usage"
    assert m["prompt_tokens"] > 200  # the fixed prompt, as the server counted it
    # decode: 16 tokens at ~4 ms each; generous bounds for a busy machine
    assert 20 < m["decode_tps"] < 300
    assert m["ttft_s"] > 0 and m["prefill_tps"] > 0 and m["single_stream_tps"] > 0
    assert m["streams_completed"] == 3
    assert m["aggregate_tps"] > m["single_stream_tps"]  # a threaded server overlaps the streams
    assert r["estimate"]["runtime"] == "vllm" and r["estimate"]["decode_tps"]
    lo, hi = r["estimate"]["decode_tps"]
    assert r["ratio"]["decode"] == pytest.approx(m["decode_tps"] / ((lo + hi) / 2), rel=0.02)
    # each single run's prompt differs at the start (no prompt-cache hit), and asks for a stream
    prompts = [q["messages"][0]["content"] for q in h.requests]
    assert len(set(prompts)) == len(prompts) and all(q["max_tokens"] in (8, 16) for q in h.requests)


def test_server_timings_are_preferred_when_present(catalog):
    with fake_server(timings=True) as (port, _):
        r = benchmark.run(catalog, endpoint=f"http://127.0.0.1:{port}", runtime="llama-cpp", model="qwen3-8b",
                          repeat=1, tokens=8, concurrency=2, timeout=20, profile=_cpu_profile(catalog))
    assert r["measured"]["counted_by"] == "server timings"
    assert r["measured"]["decode_tps"] == 250.0


def test_chunks_are_counted_without_usage(catalog):
    with fake_server(usage=False) as (port, _):
        r = benchmark.run(catalog, endpoint=f"http://127.0.0.1:{port}", runtime="vllm", model="qwen3-8b",
                          repeat=1, tokens=12, concurrency=1, timeout=20, profile=_cpu_profile(catalog))
    m = r["measured"]
    assert m["counted_by"] == "streamed chunks" and m["decode_tps"] > 0
    assert m["prefill_tps"] is None and any("prefill" in n for n in r["notes"])


@pytest.mark.parametrize("url", ["http://10.0.0.5:8080", "http://example.com:8000/v1", "https://127.0.0.1:8080",
                                 "http://0.0.0.0:8080", "ftp://127.0.0.1/"])
def test_only_loopback(url):
    with pytest.raises(NotLoopback):
        parse_base(url)


def test_loopback_forms():
    assert parse_base("http://localhost:8080/v1").url == "http://127.0.0.1:8080"
    assert parse_base("http://[::1]:9000/").port == 9000


def _pickrt(*args, env=None):
    return subprocess.run([sys.executable, "-m", "pickrt", *args], capture_output=True, text=True, timeout=60,
                          env=env, stdin=subprocess.DEVNULL)


def test_cli_refuses_non_loopback_and_nothing_answering(tmp_path):
    r = _pickrt("bench", "--endpoint", "http://192.168.1.10:8080")
    assert r.returncode == 2 and r.stdout == "" and "loopback" in r.stderr and "Traceback" not in r.stderr
    with contextlib.closing(__import__("socket").socket()) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = _pickrt("bench", "--endpoint", f"http://127.0.0.1:{port}")  # nothing listens there
    assert r.returncode == 3 and "Traceback" not in r.stderr and "nothing answers" in r.stderr, r.stderr


def test_save_then_the_next_estimate_says_measured(tmp_path):
    env = dict(os.environ, PICKRT_DATA_DIR=str(tmp_path), PICKRT_NO_DOCTOR="1")
    with fake_server() as (port, _):
        r = _pickrt("bench", "--endpoint", f"http://127.0.0.1:{port}", "--runtime", "llama-cpp", "--model", "qwen3-8b",
                    "--repeat", "1", "--tokens", "8", "--concurrency", "2", "--json", "--save", env=env)
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    saved = json.loads((tmp_path / "measurements.json").read_text())["measurements"]
    assert len(saved) == 1 and rep["saved"] == str(tmp_path / "measurements.json")
    adv = _pickrt("--json", "--model", "qwen3-8b", "--runtime", "llama-cpp", env=env)
    assert adv.returncode in (0, 3), adv.stderr
    rec = json.loads(adv.stdout)["recommendation"]
    if rec is None:
        pytest.skip("llama-cpp cannot serve qwen3-8b on this host")
    assert rec["speed"]["basis"].startswith("measured"), rec["speed"]
    d = round(rep["measured"]["decode_tps"], 1)
    assert rec["speed"]["decode_tps"] == [d, d]
    # what-if hardware (another machine) never takes this machine's measurement
    r = _pickrt("--json", "--model", "qwen3-8b", "--runtime", "llama-cpp", "--gpu", "RTX 4090", env=env)
    other = json.loads(r.stdout)
    assert not other["recommendation"]["speed"]["basis"].startswith("measured")


def test_store_ignores_mangled_files(tmp_path, monkeypatch):
    monkeypatch.setenv("PICKRT_DATA_DIR", str(tmp_path))
    for text in ("{", "[]", '{"measurements": {"k": {"decode_tps": "fast"}}}',
                 '{"measurements": {"k": {"decode_tps": 1e12}}}'):
        (tmp_path / "measurements.json").write_text(text)
        assert measured_store.load() == {}
    p = measured_store.save("a|b|c", {"decode_tps": 12.5, "when": "x", "bogus": object()})
    assert json.loads(p.read_text())["measurements"]["a|b|c"] == {"decode_tps": 12.5, "when": "x"}
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


def test_measured_override_replaces_only_matching_runtime(catalog):
    from pickrt.engine.advise import advise
    from pickrt.engine.hardware import view, whatif_profile
    from pickrt.engine.measured import hardware_key, key
    from pickrt.engine.workload import build_workload

    prof = whatif_profile(catalog, gpu="RTX 4090")
    wl = build_workload(catalog, model="qwen3-8b")
    plain = advise(prof, wl, catalog)
    rt = plain.recommendation.runtime
    hk = hardware_key(view(prof, catalog))
    m = {key(rt, hk, "qwen3-8b"): {"decode_tps": 42.0, "prefill_tps": 900.0, "when": "2026-12-04T00:00:00Z"}}
    adv = advise(prof, wl, catalog, measured=m)
    assert adv.recommendation.speed.decode_tps == [42.0, 42.0]
    assert adv.recommendation.speed.basis.startswith("measured") and "estimate was" in adv.recommendation.speed.basis
    assert all(not (a.speed and a.speed.basis.startswith("measured")) for a in adv.alternatives)
    other = advise(whatif_profile(catalog, gpu="RTX 3090"), wl, catalog, measured=m)
    assert not other.recommendation.speed.basis.startswith("measured")


def _overlay(root, slug: str, port: int):
    from pickrt.catalog import load_catalog

    d = root / "overlay"
    (d / "runtimes").mkdir(parents=True, exist_ok=True)
    (d / "runtimes" / f"{slug}.yaml").write_text(f"slug: {slug}\napi:\n  default_port: {port}\n")
    return load_catalog([d])


def test_finds_the_running_server_the_way_doctor_does(tmp_path, catalog):
    with fake_server() as (port, h):
        cat = _overlay(tmp_path, "vllm", port)
        r = benchmark.run(cat, runtime="vllm", model="qwen3-8b", repeat=1, tokens=8, concurrency=2, timeout=20,
                          profile=_cpu_profile(catalog))
    assert r["endpoint"] == f"http://127.0.0.1:{port}" and r["runtime"] == "vllm"
    assert r["runtime_found_by"] == "--runtime" and r["served_model"] == "qwen3-8b"
    assert h.requests and r["measured"]["decode_tps"] > 0
    # once it is gone, the same request says so instead of measuring anything else
    with pytest.raises(benchmark.NothingAnswers, match="not running"):
        benchmark.run(cat, runtime="vllm", repeat=1, tokens=8, concurrency=1, timeout=5, profile=_cpu_profile(catalog))


def test_absurd_server_timings_are_not_taken(catalog):
    from pickrt.probes.openai_http import Stream

    st = Stream(t_start=0.0, t_first=0.01, t_end=0.5, chunks=20,
                timings={"predicted_n": 20, "predicted_per_second": 1e300, "prompt_n": 50, "prompt_per_second": -5})
    f = benchmark.single_figures(st)
    assert f["decode_tps"] is None or f["decode_tps"] < 1e7
    assert f["prefill_tps"] is None or 0 < f["prefill_tps"] < 1e7


def test_the_e2e_tiny_gguf_is_servable_by_llama_cpp(capsys, tmp_path):
    """bench's e2e compares with llama-cpp's estimate for the tiny F32 GGUF: it must not be rejected."""
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent / "e2e"))
    import tiny_gguf

    from pickrt.cli import main

    path = tiny_gguf.write(tmp_path / "tiny.gguf")
    assert main(["--json", "--cpu-only", "--memory", "8", "--runtime", "llama-cpp", "--model", str(path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["recommendation"]["runtime"] == "llama-cpp", doc["warnings"]
