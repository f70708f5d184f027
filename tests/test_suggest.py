"""Model suggestions fit the person: usable speed here, image input when asked, the context asked."""

import json

import pytest

from pickrt.cli import main


def _advice(capsys, *args):
    assert main(["--json", *args]) in (0, 3)  # 3: no runtime fits the named model
    return json.loads(capsys.readouterr().out)


def _spec(catalog, mid):
    return next(m for m in catalog.models if m.id == mid)


def test_laptop_cpu_prefers_few_active_params(capsys, catalog):
    doc = _advice(capsys, "--cpu-only", "--memory", "32", "--os", "linux")
    sug = [_spec(catalog, s["model"]) for s in doc["model_suggestions"]]
    assert sug, "a 32 GiB laptop runs something"
    # now that CPU decode is estimated from RAM bandwidth, the first pick is whatever reads few bytes
    # per token: a small dense model or an MoE with few active params, never a big dense one
    first = sug[0]
    assert (first.active_params_b or first.params_b) <= 8
    # no dense model above 20B among the first three: it would crawl on a laptop CPU
    assert not [m for m in sug[:3] if (m.active_params_b or m.params_b) > 20]


def test_big_gpu_ranks_usable_quality(capsys, catalog):
    doc = _advice(capsys, "--gpu", "RTX 4090")
    sug = doc["model_suggestions"]
    assert sug and all(s["decode_tps"] and s["decode_tps"][0] >= 10 for s in sug)
    assert all(not _spec(catalog, s["model"]).superseded_by for s in sug)


def test_multimodal_need_keeps_image_models(capsys, catalog):
    doc = _advice(capsys, "--gpu", "RTX 4090", "--need", "multimodal")
    sug = doc["model_suggestions"]
    assert sug and all("image" in _spec(catalog, s["model"]).modalities for s in sug)


def test_context_filter(capsys, catalog):
    doc = _advice(capsys, "--gpu", "H100 SXM", "--context", "200000")
    sug = doc["model_suggestions"]
    assert sug and all(_spec(catalog, s["model"]).max_context >= 200000 for s in sug)


def test_suggestions_when_the_model_does_not_fit(capsys):
    doc = _advice(capsys, "--gpu", "RTX 4090", "--model", "deepseek-v3")
    assert not doc["model_fit"]["fits"]
    names = [s["model"] for s in doc["model_suggestions"]]
    assert names and "deepseek-v3" not in names


def test_superseded_points_at_a_model(catalog):
    ids = {m.id for m in catalog.models}
    for m in catalog.models:
        if m.superseded_by:
            assert m.superseded_by in ids and not next(x for x in catalog.models if x.id == m.superseded_by).superseded_by


def test_no_placeholder_download_line(capsys, catalog):
    doc = _advice(capsys, "--gpu", "RTX 4090")
    for s in doc["model_suggestions"]:
        m = _spec(catalog, s["model"])
        if s["get"] and "ollama pull" in s["get"]:
            assert m.ollama_tag and m.ollama_tag in s["get"]
