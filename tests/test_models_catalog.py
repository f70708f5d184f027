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
