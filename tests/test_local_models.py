"""Models already here: an HF cache snapshot and an Ollama store under a temporary HOME, found by
the names their own tools use and sized exactly from their files."""

import hashlib
import json
import struct
from pathlib import Path

import pytest

from pickrt.cli import main
from pickrt.engine.workload import resolve_model
from pickrt.probes.local_models import find_hf, find_lmstudio, find_ollama, list_local
from test_kvcache import write_hybrid_gguf


def _hf_snapshot(home: Path, repo="Qwen/Qwen3-8B", rev="0123456789abcdef") -> Path:
    org, name = repo.split("/")
    d = home / ".cache" / "huggingface" / "hub" / f"models--{org}--{name}"
    snap = d / "snapshots" / rev
    blobs = d / "blobs"
    snap.mkdir(parents=True)
    blobs.mkdir()
    (d / "refs").mkdir()
    (d / "refs" / "main").write_text(rev)
    cfg = {"architectures": ["Qwen3ForCausalLM"], "hidden_size": 4096, "num_attention_heads": 32, "num_key_value_heads": 8,
           "head_dim": 128, "num_hidden_layers": 36, "max_position_embeddings": 40960, "torch_dtype": "bfloat16"}
    (blobs / "cfg").write_text(json.dumps(cfg))
    (snap / "config.json").symlink_to(blobs / "cfg")
    header = {"model.embed_tokens.weight": {"dtype": "BF16", "shape": [1000, 4096], "data_offsets": [0, 1000 * 4096 * 2]}}
    raw = json.dumps(header).encode()
    (blobs / "w").write_bytes(struct.pack("<Q", len(raw)) + raw)
    (snap / "model.safetensors").symlink_to(blobs / "w")
    return snap


def _ollama_store(home: Path, model="tinyhybrid", tag="1b", tmp=None) -> Path:
    root = home / ".ollama" / "models"
    (root / "blobs").mkdir(parents=True)
    gguf = write_hybrid_gguf(tmp / "hybrid.gguf")
    data = gguf.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    (root / "blobs" / f"sha256-{digest}").write_bytes(data)
    man = root / "manifests" / "registry.ollama.ai" / "library" / model
    man.mkdir(parents=True)
    (man / tag).write_text(json.dumps({"schemaVersion": 2, "layers": [
        {"mediaType": "application/vnd.ollama.image.model", "digest": f"sha256:{digest}", "size": len(data)},
        {"mediaType": "application/vnd.ollama.image.template", "digest": "sha256:" + "0" * 64, "size": 10}]}))
    return root / "blobs" / f"sha256-{digest}"


@pytest.fixture
def home(tmp_path, monkeypatch):
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("HOME", str(h))
    return h


def test_hf_cache_by_repo_id(catalog, home):
    snap = _hf_snapshot(home)
    hit = find_hf("qwen/qwen3-8b")  # hub ids are case-insensitive
    assert hit is not None and hit.path == snap and hit.name == "Qwen/Qwen3-8B"
    ref = resolve_model(catalog, "Qwen/Qwen3-8B")
    assert ref.label == "Qwen/Qwen3-8B" and ref.file_gb == pytest.approx(1000 * 4096 * 2 / 2**30)
    assert ref.spec.layers == 36 and "huggingface" in ref.note


def test_hf_cache_env_overrides(catalog, home, tmp_path, monkeypatch):
    _hf_snapshot(tmp_path / "elsewhere")
    assert find_hf("Qwen/Qwen3-8B") is None
    monkeypatch.setenv("HF_HOME", str(tmp_path / "elsewhere" / ".cache" / "huggingface"))
    assert find_hf("Qwen/Qwen3-8B") is not None
    monkeypatch.delenv("HF_HOME")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "elsewhere" / ".cache" / "huggingface" / "hub"))
    assert find_hf("Qwen/Qwen3-8B") is not None


def test_ollama_store_by_tag(catalog, home, tmp_path):
    blob = _ollama_store(home, tmp=tmp_path)
    hit = find_ollama("tinyhybrid:1b")
    assert hit is not None and hit.path == blob and hit.name == "tinyhybrid:1b"
    assert find_ollama("registry.ollama.ai/library/tinyhybrid:1b").path == blob
    assert find_ollama("tinyhybrid") is None  # no :latest tag pulled
    ref = resolve_model(catalog, "tinyhybrid:1b")
    assert ref.spec.id == "tinyhybrid:1b" and ref.file_gb == pytest.approx(blob.stat().st_size / 2**30)
    from pickrt.engine.fit import kv_bytes_per_sequence

    assert kv_bytes_per_sequence(ref.spec, 1000) == 128 * 1000 + 2624 * 4 * 2  # the header's hybrid layout


def test_ollama_env_and_cli_offline(home, tmp_path, monkeypatch, capsys):
    store = tmp_path / "store"
    monkeypatch.setenv("OLLAMA_MODELS", str(store / ".ollama" / "models"))
    _ollama_store(store, model="mine", tag="latest", tmp=tmp_path)
    assert main(["--json", "--gpu", "RTX 3060", "--model", "mine"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["workload"]["model"] == "mine:latest" and "file size" in doc["model_fit"]["detail"]


def test_lmstudio_by_file_name(catalog, home, tmp_path):
    d = home / ".lmstudio" / "models" / "someone" / "Tiny-GGUF"
    d.mkdir(parents=True)
    f = write_hybrid_gguf(d / "Tiny-Q8_0.gguf")
    assert find_lmstudio("tiny-q8_0.gguf").path == f
    ref = resolve_model(catalog, "Tiny-Q8_0.gguf")
    assert ref.label == "Tiny-Q8_0.gguf" and ref.file_gb == pytest.approx(f.stat().st_size / 2**30)


def test_list_and_knowledge_models(home, tmp_path, capsys):
    _hf_snapshot(home)
    _ollama_store(home, tmp=tmp_path)
    names = {(m.tool, m.name) for m in list_local()}
    assert names == {("huggingface", "Qwen/Qwen3-8B"), ("ollama", "tinyhybrid:1b")}
    assert main(["knowledge", "models"]) == 0
    out = capsys.readouterr().out
    assert "tinyhybrid:1b" in out and "local" in out and "llama-2-7b" in out
    assert main(["knowledge", "models", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    local = [m for m in doc if m.get("local")]
    assert {m["id"] for m in local} == {"Qwen/Qwen3-8B", "tinyhybrid:1b"}
