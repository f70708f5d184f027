"""Catalog facts as data (issue 16): hardware gates, new GPUs by the names tools print, Rosetta Macs,
llama-server's announced port, tie order, typed rule targets, the Apple GPU share."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pickrt.catalog import CatalogError, load_catalog
from pickrt.detect import detect_replay
from pickrt.engine.advise import advise
from pickrt.engine.gates import backend_for
from pickrt.engine.hardware import view, whatif_profile
from pickrt.engine.workload import build_workload
from pickrt.unified import apple_gpu_usable_gb, default_fraction

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROBES = FIXTURES / "probes"
ROSETTA = FIXTURES / "replay" / "rosetta-m1-macbookair"


def _hw(catalog, **kw):
    return view(whatif_profile(catalog, **kw), catalog)


# ---- hardware gates as data ------------------------------------------------------------------------

def test_vllm_rejects_mi100_by_its_gfx_list(catalog):
    hw = _hw(catalog, gpu="MI100", os="linux")
    assert hw.gpus[0].gfx == "gfx908"
    backend, why = backend_for(catalog.runtimes["vllm"], hw)
    assert backend is None and "gfx908" in why and "gfx942" in why
    # a listed target passes
    assert backend_for(catalog.runtimes["vllm"], _hw(catalog, gpu="MI300X", os="linux"))[0] == "rocm"
    assert backend_for(catalog.runtimes["vllm"], _hw(catalog, gpu="RX 7900 XTX", os="linux"))[0] == "rocm"


def test_gfx_family_wildcard_and_vulkan_fallback(catalog):
    # Lemonade lists gfx120X: the R9700 (gfx1201) matches the family; MI100 falls back to Vulkan
    lem = catalog.runtimes["lemonade"]
    assert backend_for(lem, _hw(catalog, gpu="Radeon AI PRO R9700", os="linux"))[0] == "rocm"
    assert backend_for(lem, _hw(catalog, gpu="MI100", os="linux"))[0] == "vulkan"


def test_sglang_needs_sm80_and_cdna3(catalog):
    backend, why = backend_for(catalog.runtimes["sglang"], _hw(catalog, gpu="T4", os="linux"))
    assert backend is None and ">= 8.0" in why
    assert backend_for(catalog.runtimes["sglang"], _hw(catalog, gpu="A100 80GB SXM", os="linux"))[0] == "cuda"
    assert backend_for(catalog.runtimes["sglang"], _hw(catalog, gpu="RX 7900 XTX", os="linux"))[0] is None


def test_llamafile_runs_on_amd_and_mlc_on_jetson(catalog):
    assert backend_for(catalog.runtimes["llamafile"], _hw(catalog, gpu="RX 7900 XTX", os="linux"))[0] == "rocm"
    wl = build_workload(catalog, model="llama-3.1-8b")
    adv = advise(whatif_profile(catalog, gpu="Jetson AGX Orin"), wl, catalog)
    assert "mlc-llm" not in {r.runtime for r in adv.rejected}


def test_exo_thunderbolt5_is_per_chip(catalog):
    assert "thunderbolt5" in _hw(catalog, apple="M4 Max").classes
    assert "thunderbolt5" not in _hw(catalog, apple="M1").classes
    assert "thunderbolt5" not in _hw(catalog, apple="M2 Pro").classes


# ---- current hardware by the names the tools print ------------------------------------------------------

@pytest.mark.parametrize("name,want", [
    ("NVIDIA GeForce RTX 5090 Laptop GPU", ("GeForce RTX 5090 Laptop GPU", 24, "12.0")),
    ("NVIDIA RTX PRO 6000 Blackwell Server Edition", ("RTX PRO 6000 Blackwell", 96, "12.0")),
    ("NVIDIA GB300", ("GB300", 288, "10.3")),
    ("NVIDIA L20", ("L20", 48, "8.9")),
    ("NVIDIA Thor", ("Jetson AGX Thor", 128, "11.0")),
    ("NVIDIA GB10", ("DGX Spark GB10", 128, "12.1")),
    ("AMD Instinct MI350X", ("Instinct MI350X", 288, "gfx950")),
    ("AMD Radeon AI PRO R9700", ("Radeon AI PRO R9700", 32, "gfx1201")),
    ("Intel(R) Arc(TM) Pro B60 Graphics", ("Arc Pro B60", 24, None)),
    ("RTX 5060", ("GeForce RTX 5060", 8, "12.0")),
])
def test_new_gpus_resolve_by_tool_names(catalog, name, want):
    g = catalog.find_gpu(name)
    assert g is not None, name
    assert (g.name, g.vram_gb, g.compute_capability or g.gfx) == want


def test_unconfirmed_bandwidths_are_marked(catalog):
    for name in ("GeForce RTX 5070 Laptop GPU", "GB300", "Instinct MI350X", "Radeon AI PRO R9700"):
        assert "memory_bandwidth_gbs" in catalog.find_gpu(name).unconfirmed
    assert "memory_bandwidth_gbs" not in catalog.find_gpu("Arc Pro B60").unconfirmed
    assert catalog.find_gpu("Jetson T4000").memory_bandwidth_gbs is None  # unknown, not guessed


def _replay_nvidia(tmp_path: Path, name: str, cc: str) -> Path:
    # the shape of a real `nvidia-smi --query-gpu=compute_cap,compute_mode,driver_version,name,index --format=csv`
    header = (PROBES / "nvidia/triton-pr8070__mixed-titanv-rtx5880ada__query-gpu.csv").read_text().splitlines()[0]
    folder = tmp_path / "replay"
    folder.mkdir()
    (folder / "nvidia-smi-query.csv").write_text(f"{header}\n{cc}, Default, 580.76.05, {name}, 0\n")
    (folder / "uname.txt").write_text("Linux x86_64\n")
    return folder


def test_replayed_laptop_gpu_resolves(tmp_path, catalog):
    p = detect_replay(str(_replay_nvidia(tmp_path, "NVIDIA GeForce RTX 5090 Laptop GPU", "12.0")))
    hw = view(p, catalog)
    assert hw.gpus[0].spec is not None and hw.gpus[0].spec.name == "GeForce RTX 5090 Laptop GPU"
    assert hw.gpus[0].bandwidth == 896 and "fp4-native" in hw.classes


def test_replayed_xpu_smi_name_resolves(tmp_path, catalog):
    text = (PROBES / "intel/xpumanager-readme__arc-b580__xpu-smi-discovery-d0.txt").read_text()
    folder = tmp_path / "arc"
    folder.mkdir()
    (folder / "xpu-smi-discovery.txt").write_text(text.replace("Intel(R) Arc(TM) B580 Graphics", "Intel(R) Arc(TM) Pro B60 Graphics"))
    (folder / "uname.txt").write_text("Linux x86_64\n")
    hw = view(detect_replay(str(folder)), catalog)
    assert hw.accel == "intel" and hw.gpus[0].spec is not None and hw.gpus[0].spec.name == "Arc Pro B60"


# ---- Apple Silicon through Rosetta ---------------------------------------------------------------

def test_rosetta_m1_replays_as_apple_silicon(catalog, tmp_path):
    p = detect_replay(str(ROSETTA))
    assert (p.os, p.arch) == ("macos", "arm64")
    assert p.apple is not None and p.apple.rosetta is True
    assert p.apple.chip is None and p.apple.machine_model == "MacBookAir10,1"
    hw = view(p, catalog)
    assert hw.accel == "apple" and hw.apple_chip == "Apple M1" and hw.rosetta
    assert hw.apple_bandwidth == 68.25
    assert hw.apple_usable_gb == pytest.approx(16 * 0.6667, abs=0.01)  # the catalog's share, not a constant
    wl = build_workload(catalog, model="qwen3-8b", runtime="mlx-lm")
    adv = advise(p, wl, catalog)
    assert adv.recommendation is not None and adv.recommendation.runtime == "mlx-lm"
    assert any("native arm64 Python" in w for w in adv.warnings)
    assert any("Rosetta 2" in w for w in adv.warnings)


def test_native_mac_gets_no_rosetta_advice(catalog):
    wl = build_workload(catalog, model="qwen3-8b", runtime="mlx-lm")
    adv = advise(whatif_profile(catalog, apple="M1", memory=16), wl, catalog)
    assert not any("Rosetta" in w for w in adv.warnings)


def test_live_wired_limit_overrides_catalog_share(catalog, tmp_path):
    folder = tmp_path / "m1"
    shutil.copytree(ROSETTA, folder)
    (folder / "sysctl.txt").write_text((ROSETTA / "sysctl.txt").read_text().replace("iogpu.wired_limit_mb: 0", "iogpu.wired_limit_mb: 12288"))
    p = detect_replay(str(folder))
    assert p.apple.gpu_usable_gb == 12.0
    assert view(p, catalog).apple_usable_gb == 12.0


def test_apple_share_reads_the_catalog():
    fr = {"up_to_36gb": 0.5, "above_36gb": 0.8}
    assert default_fraction(36, fr) == 0.5 and default_fraction(64, fr) == 0.8
    assert apple_gpu_usable_gb(64, None, fr) == 51.2
    assert apple_gpu_usable_gb(64, None, None) is None  # no catalog: unknown, not a built-in constant
    assert apple_gpu_usable_gb(64, 40960, None) == 40.0


def test_overlay_moves_the_apple_share(tmp_path):
    over = tmp_path / "over" / "hardware"
    over.mkdir(parents=True)
    (over / "apple.yaml").write_text("as_of: '2026-12-04'\ngpu_usable_fraction: {up_to_36gb: 0.5, above_36gb: 0.5}\nchips: []\n")
    cat = load_catalog(overlays=[tmp_path / "over"], use_user_overlay=False, use_cache=False)
    assert _hw(cat, apple="M4 Max", memory=128).apple_usable_gb == 64.0


# ---- per-runtime facts in data ---------------------------------------------------------------------

def test_tie_order_comes_from_the_runtime_files(catalog, tmp_path):
    slugs = list(catalog.runtimes)
    assert slugs[:3] == ["ollama", "llama-cpp", "lm-studio"]
    over = tmp_path / "o" / "runtimes"
    over.mkdir(parents=True)
    (over / "ramalama.yaml").write_text("slug: ramalama\norder: 1\n")
    cat = load_catalog(overlays=[tmp_path / "o"], use_user_overlay=False, use_cache=False)
    assert list(cat.runtimes)[0] == "ramalama"


def test_rule_feature_typo_fails_at_its_line(tmp_path, capsys):
    from pickrt.cli import main

    rules = tmp_path / "o" / "rules"
    rules.mkdir(parents=True)
    (rules / "mine.yaml").write_text(
        "topic: mine\nrules:\n- id: typo\n  description: x\n  target: {feature: prefix_cachin}\n  then: {prefer: 1}\n")
    code = main(["knowledge", "check", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert "mine.yaml:5:" in err and "prefix_cachin" in err


def test_target_features_match_the_features_model():
    from typing import get_args

    from pickrt.catalog.models import Features, TargetFeature

    flags = {f for f in get_args(TargetFeature) if ":" not in f} - {"openai_compatible", "not_core"}
    assert flags == set(Features.model_fields) - {"note"}


def test_petals_warning_is_a_rule(catalog):
    rule = next(r for r in catalog.rules if r.id == "petals-not-a-way-out")
    assert rule.when.fits_anywhere is False and rule.then.advice_warning
    wl = build_workload(catalog, model="llama-3.1-405b")
    adv = advise(whatif_profile(catalog, gpu="RTX 4090", memory=64, os="linux"), wl, catalog)
    assert any(w.startswith("Petals") for w in adv.warnings)


def test_new_runtimes_are_data_only(catalog):
    for slug in ("lemonade", "docker-model-runner", "openvino-model-server", "ramalama", "text-generation-webui",
                 "vllm-metal"):
        rt = catalog.runtimes[slug]
        assert rt.sources and rt.as_of and rt.api.default_port and rt.install
        assert any(slug in (r.target.runtimes or []) for r in catalog.rules), slug


def test_aged_facts_corrected(catalog):
    rts = catalog.runtimes
    assert rts["vllm"].memory.preallocate_fraction == 0.92
    assert rts["sglang"].accelerators.cuda.min_compute_capability == "8.0"
    assert rts["llamafile"].status.state == "active"
    assert rts["llamafile"].accelerators.rocm.supported is True
    assert 9931 in rts["llama-cpp"].api.other_ports and "llama" in rts["llama-cpp"].detect.binaries
    assert rts["llama-cpp"].install["linux"][0].run.startswith("curl -LsSf https://llama.app/install.sh")
    assert rts["koboldcpp"].api.bind_default.startswith("0.0.0.0")
    assert rts["localai"].api.bind_default.startswith("0.0.0.0")
    assert "gfx908" not in rts["vllm"].accelerators.rocm.gfx_targets


def test_every_new_source_has_a_date(catalog):
    for rt in catalog.runtimes.values():
        assert rt.as_of >= "2026", rt.slug
