"""Doctor's HTTP answers are outside data: any body gives a report, bounded, with no control characters."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pickrt.catalog import load_catalog
from pickrt.doctor.report import render_table, run_doctor
from pickrt.render.terminal import clean
from tests.doctor_fakes import FakeServer, closed_port, write_overlay

LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12),
                 st.sampled_from(["\x1b[2J", "\x1b]0;pwned\x07", "\x1b]52;c;ZXZpbA==\x07", "\x9b31m", "0.12.3", "list"]))
BODY = st.recursive(LEAF, lambda k: st.lists(k, max_size=4) | st.dictionaries(
    st.sampled_from(["version", "models", "data", "object", "id", "owned_by", "name", "model", "status", "x"]), k,
    max_size=5), max_leaves=16)


class _Any(dict):
    body = b"{}"

    def get(self, key, default=None):
        return (200, "application/json", _Any.body)


def _deep(n: int) -> bytes:
    return b'{"version": ' + b"[" * n + b"]" * n + b"}"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(body=st.one_of(BODY.map(lambda b: json.dumps(b).encode()), st.binary(max_size=64),
                      st.just(_deep(100_000)), st.just(json.dumps({"version": "1", "data": [
                          {"id": f"m{i}\x1b[2J"} for i in range(20_000)], "object": "list"}).encode())))
def test_any_answer_gives_a_bounded_clean_report(tmp_path_factory, body: bytes) -> None:
    _Any.body = body
    server = FakeServer(_Any())
    with server:
        tmp = tmp_path_factory.mktemp("d")
        base = load_catalog(use_user_overlay=False, use_cache=False)
        spare = closed_port()
        ports = {s: spare for s, rt in base.runtimes.items() if rt.api.default_port}
        ports.update({"ollama": server.port, "llama-cpp": server.port, "lm-studio": server.port,
                      "anythingllm": server.port})
        cat = load_catalog([write_overlay(tmp / "ov", ports)], use_user_overlay=False, use_cache=False)
        rep = run_doctor(cat, timeout=0.5, quick=True)
    json.dumps(rep)
    table = clean(render_table(rep))
    assert "\x1b" not in table and "\x9b" not in table and "\x07" not in table
    text = json.dumps(rep)
    assert len(text) < 200_000, len(text)
