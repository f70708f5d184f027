"""GGUF, safetensors and config.json readers: bounded, fast, and only InputError on junk."""

from __future__ import annotations

import json
import os
import struct
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pickrt.engine.workload import resolve_model
from pickrt.errors import InputError
from pickrt.probes.model_headers import read_gguf_header

from tests.hostile import gguf_writer as W

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | st.floats() | st.text(max_size=8),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=20,
)
HF_KEYS = ["num_hidden_layers", "num_attention_heads", "hidden_size", "head_dim", "num_key_value_heads",
           "sliding_window", "layer_types", "sliding_window_pattern", "use_sliding_window", "text_config",
           "quantization_config", "max_position_embeddings", "vocab_size", "intermediate_size", "kv_lora_rank"]


def test_llama3_vocab_header_reads_fast_in_small_memory(tmp_path: Path, catalog) -> None:
    import tracemalloc

    f = tmp_path / "llama3.gguf"
    f.write_bytes(W.llama(n_vocab=128_256, merges=280_147))
    assert f.stat().st_size > 5_000_000
    resolve_model(catalog, str(f))  # warm imports
    start = time.monotonic()
    ref = resolve_model(catalog, str(f))
    elapsed = time.monotonic() - start
    assert elapsed < 1.0, f"{elapsed:.2f} s"  # the gguf package's reader took ~6 s
    tracemalloc.start()
    read_gguf_header(f)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 16 * 2**20, f"peak {peak / 2**20:.1f} MiB"
    assert ref.spec.layers == 32 and ref.spec.kv_heads == 8 and ref.spec.head_dim == 128
    assert ref.file_quant == "q4_k_m"


def test_header_skips_vocab_but_keeps_scalars(tmp_path: Path) -> None:
    f = tmp_path / "m.gguf"
    f.write_bytes(W.llama(n_vocab=1000, **{"llama.attention.head_count_kv": [8] * 32}))
    h = read_gguf_header(f)
    assert h["kv"]["tokenizer.ggml.tokens"] is None  # skipped, never decoded
    assert h["kv"]["llama.attention.head_count_kv"] == [8] * 32
    assert h["n_elements"] == 32 * 4096 * 4096


@pytest.mark.parametrize("blob, words", [
    (b"GGUF", "truncated at byte 4"),
    (b"nope" * 10, "no GGUF magic"),
    (b"GGUF" + struct.pack("<IQQ", 3, 0, 10**12), "metadata entries"),
    (b"GGUF" + struct.pack("<IQQ", 3, 10**12, 0), "tensors"),
    (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 2**63) + b"k", "a key of"),
    (W.gguf({}, raw_kv=W.s("k") + struct.pack("<IIQ", 9, 8, 2**40), n_kv=1), "an array of"),
    (W.gguf({}, raw_kv=W.s("k") + struct.pack("<IIQ", 9, 8, 1000), n_kv=1), "truncated"),
    (W.gguf({}, raw_kv=W.s("k") + struct.pack("<I", 99), n_kv=1), "unknown value type"),
    (W.gguf({}, raw_kv=W.s("k") + struct.pack("<IIQ", 9, 4, 2**20), n_kv=1), "runs past the end"),
    (b"GGUF" + struct.pack("<I", 7) + bytes(16), "version 7"),
])
def test_malformed_gguf_says_what_and_where(tmp_path: Path, catalog, blob: bytes, words: str) -> None:
    f = tmp_path / "bad.gguf"
    f.write_bytes(blob)
    with pytest.raises(InputError, match=words):
        resolve_model(catalog, str(f))


@pytest.mark.parametrize("key, val", [
    ("llama.block_count", "thirty-two"), ("llama.block_count", 0), ("general.file_type", "x"),
    ("llama.embedding_length", "4096"), ("llama.attention.kv_lora_rank", "x"), ("llama.attention.head_count", 2**40),
    ("llama.attention.head_count", -4), ("general.architecture", 5), ("llama.embedding_length", 8),
])
def test_wrong_typed_gguf_values_are_bad_input(tmp_path: Path, catalog, key: str, val) -> None:
    kv = {"general.architecture": "llama", "llama.block_count": 32, "llama.attention.head_count": 32,
          "llama.embedding_length": 4096}
    kv[key] = val
    f = tmp_path / "m.gguf"
    f.write_bytes(W.gguf(kv, [("t", [2, 2])]))
    try:
        ref = resolve_model(catalog, str(f))
    except InputError as e:
        assert str(f) in str(e)
    else:
        assert ref.spec.layers >= 1 and ref.spec.head_dim >= 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400), cut=st.integers(min_value=0, max_value=2000))
def test_gguf_fuzz_only_input_errors(tmp_path_factory, catalog, data: bytes, cut: int) -> None:
    base = W.llama()
    blob = (base[:cut] + data + base[cut + len(data):]) if cut < len(base) else b"GGUF" + data
    f = tmp_path_factory.mktemp("g") / "f.gguf"
    f.write_bytes(blob)
    try:
        ref = resolve_model(catalog, str(f))
    except InputError:
        return
    assert 1 <= ref.spec.layers <= 100_000 and ref.spec.params_b > 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=st.dictionaries(st.sampled_from(HF_KEYS), json_values, max_size=8) | json_values)
def test_hf_config_fuzz_only_input_errors(tmp_path_factory, catalog, cfg) -> None:
    d = tmp_path_factory.mktemp("hf")
    (d / "config.json").write_text(json.dumps(cfg, allow_nan=True))
    try:
        ref = resolve_model(catalog, str(d))
    except InputError:
        return
    assert ref.spec.layers >= 1 and ref.spec.head_dim >= 1


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=json_values, length_delta=st.integers(min_value=-20, max_value=20))
def test_safetensors_fuzz_only_input_errors(tmp_path_factory, catalog, header, length_delta: int) -> None:
    d = tmp_path_factory.mktemp("st")
    (d / "config.json").write_text(json.dumps({"num_hidden_layers": 2, "num_attention_heads": 2, "hidden_size": 8}))
    body = json.dumps(header, allow_nan=True).encode()
    (d / "model.safetensors").write_bytes(struct.pack("<Q", max(0, len(body) + length_delta)) + body)
    try:
        ref = resolve_model(catalog, str(d))
    except InputError:
        return
    assert ref.file_gb is None or ref.file_gb >= 0


def test_deep_json_config(tmp_path: Path, catalog) -> None:
    (tmp_path / "config.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="nested"):
        resolve_model(catalog, str(tmp_path))


@pytest.mark.skipif(os.name != "posix", reason="FIFOs")
def test_fifo_and_device_model_files(tmp_path: Path, catalog) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"num_hidden_layers": 2, "num_attention_heads": 2}))
    os.mkfifo(tmp_path / "model.safetensors")
    (tmp_path / "z.safetensors").symlink_to("/dev/zero")
    start = time.monotonic()
    ref = resolve_model(catalog, str(tmp_path))
    assert time.monotonic() - start < 2 and ref.spec.layers == 2
    fifo = tmp_path / "x.gguf"
    os.mkfifo(fifo)
    with pytest.raises(InputError):
        resolve_model(catalog, str(fifo))
    huge = tmp_path / "cfg"
    huge.mkdir()
    (huge / "config.json").symlink_to("/dev/zero")
    with pytest.raises(InputError, match="device"):
        resolve_model(catalog, str(huge))


def test_safetensors_header_bounds(tmp_path: Path, catalog) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"num_hidden_layers": 2, "num_attention_heads": 2}))
    (tmp_path / "a.safetensors").write_bytes(struct.pack("<Q", 2**40) + b"{}")
    with pytest.raises(InputError, match="header of"):
        resolve_model(catalog, str(tmp_path))
