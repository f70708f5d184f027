"""The reference model catalog: current families, consistent layouts, one model per name."""

import pytest

from pickrt.engine.kvcache import layout_of


def _norm(s):
    return "".join(c for c in s.lower() if c.isalnum() or c == ".")


def test_sixty_current_models_with_sources(catalog):
    ms = catalog.models
    assert len(ms) >= 60
    ids = {m.id for m in ms}
    for need in ("llama-2-7b", "qwen3.5-27b", "qwen3-next-80b-a3b", "gemma-3-27b", "gemma-4-31b", "gpt-oss-20b",
                 "deepseek-v3.2", "kimi-k2", "glm-4.5-air", "llama-4-scout", "mistral-small-3.2-24b", "phi-4",
                 "nemotron-3-nano-30b-a3b", "minimax-m2"):
        assert need in ids
    for m in ms:
        assert m.source, m.id
        assert m.max_context and m.native_context and m.native_context <= m.max_context, m.id
        assert m.checkpoints, m.id
        for fmt, c in m.checkpoints.items():
            assert c.repo or c.tag, (m.id, fmt)


def test_layouts_cover_every_layer(catalog):
    for m in catalog.models:
        if m.layout:
            assert layout_of(m).layers == m.layers, m.id


def test_every_name_resolves_to_one_model(catalog):
    seen = {}
    for m in catalog.models:
        for n in {m.id, *(m.aliases or []), *([m.hf_repo] if m.hf_repo else [])}:
            k = _norm(n)
            assert seen.setdefault(k, m.id) == m.id, f"{n!r} names both {seen[k]} and {m.id}"


@pytest.mark.parametrize("mid,ratio", [("qwen3.5-27b", 4), ("gemma-4-31b", 12), ("nemotron-3-nano-30b-a3b", 8.6)])
def test_hybrid_kv_grows_only_with_cache_layers(catalog, mid, ratio):
    m = next(x for x in catalog.models if x.id == mid)
    lay = layout_of(m)
    naive = 2 * m.layers * max(g.kv_heads for g in lay.groups) * min(g.head_dim for g in lay.groups if g.head_dim) * 2
    assert naive / lay.per_token_bytes() == pytest.approx(ratio, rel=0.05)


@pytest.mark.parametrize("name,mid", [
    ("llama-2-7b", "llama-2-7b"), ("qwen3:8b", "qwen3-8b"), ("llama3.1:8b", "llama-3.1-8b"), ("gpt-oss:20b", "gpt-oss-20b"),
    ("Qwen/Qwen3.5-27B", "qwen3.5-27b"), ("google/gemma-4-31B-it", "gemma-4-31b"), ("moonshotai/Kimi-K2-Instruct", "kimi-k2"),
    ("Qwen3-8B-Q4_K_M.gguf", "qwen3-8b"), ("QWEN3-8B", "qwen3-8b"), ("qwen3 8b", "qwen3-8b"), ("qwen3:8b-q4_K_M", "qwen3-8b"),
    ("hf.co/unsloth/Qwen3-Coder-30B-A3B-Instruct-GGUF:Q4_K_M", "qwen3-coder-30b-a3b"), ("mlx-community/Qwen3-8B-4bit", "qwen3-8b"),
    ("Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf", "llama-3.1-8b"), ("registry.ollama.ai/library/gemma3:27b", "gemma-3-27b"),
    ("Qwen3.5-27B-UD-Q4_K_XL.gguf", "qwen3.5-27b"), ("Qwen/Qwen3-8B-FP8", "qwen3-8b"), ("gemma4:e4b", "gemma-4-e4b"),
    ("llama-2-7b.Q4_0.gguf", "llama-2-7b"), ("qwen3-next", "qwen3-next-80b-a3b"), ("zai-org/GLM-4.5-Air", "glm-4.5-air"),
    ("gemma3", "gemma-3-4b"), ("qwen3", "qwen3-8b"), ("gpt-oss", "gpt-oss-20b"),  # Ollama default (latest) tags
])
def test_everyday_names(catalog, name, mid):
    m = catalog.find_model(name)
    assert m is not None and m.id == mid


def test_unknown_name_did_you_mean(capsys):
    from pickrt.cli import main

    with pytest.raises(SystemExit) as ei:
        main(["--json", "--gpu", "RTX 4090", "--model", "qwen3:9b"])
    assert ei.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert "did you mean" in err and "qwen3.5-9b" in err and "qwen3-8b" in err
