"""Jetson parsers against real captured outputs (tests/fixtures/probes/jetson)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .strategies import mangled

from pickrt.parse import jetson, nvidia_smi

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "probes" / "jetson"
FILES = sorted(p for p in FIXTURES.iterdir() if p.is_file())
RELEASE = "boxcutter-kvm-docs__jetson-agx-orin-jetpack5.1.2__etc-nv_tegra_release.txt"


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def parser_for(name: str):
    """The parser for a fixture, chosen by its file-name suffix."""
    if name.endswith("etc-nv_tegra_release.txt"):
        return jetson.parse_nv_tegra_release
    if name.endswith("tegrastats-line.txt"):
        return jetson.parse_tegrastats
    if name.endswith("nvidia-smi-L.txt"):
        return nvidia_smi.parse_list
    if "lscpu" in name:
        return None  # a CPU probe (pickrt.parse.lscpu); checked below as not-a-Jetson-file
    raise AssertionError(f"no parser mapped for fixture {name}")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_fixture_parses(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    parser = parser_for(path.name)
    if parser is None:
        assert jetson.parse_nv_tegra_release(text) is None
        assert jetson.parse_tegrastats(text) is None
    else:
        assert parser(text)


def test_nv_tegra_release() -> None:
    assert jetson.parse_nv_tegra_release(read(RELEASE)) == {
        "l4t_release": "R35",
        "revision": "4.1",
        "l4t_version": "35.4.1",
        "board": "t186ref",
        "gcid": "33958178",
        "eabi": "aarch64",
        "date": "Tue Aug  1 19:57:35 UTC 2023",
    }


def test_jetson_gpu() -> None:
    gpu = jetson.jetson_gpu(jetson.parse_nv_tegra_release(read(RELEASE)))
    assert (gpu.vendor, gpu.name, gpu.unified_memory, gpu.vram_gb) == ("nvidia", "Jetson (L4T R35.4.1)", True, None)
    assert gpu.compute_capability is None  # the release file does not say which module
    assert jetson.jetson_gpu(None).name == "Jetson"


def test_revision_missing() -> None:
    info = jetson.parse_nv_tegra_release("# R32 (release), GCID: 1, BOARD: t210ref, EABI: aarch64\n")
    assert info is not None and (info["l4t_release"], info["revision"], info["l4t_version"]) == ("R32", None, "32")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("computetest-tests__jetson-nano-l4t__tegrastats-line.txt",
         {"ram_used_mb": 2594, "ram_total_mb": 3956, "swap_used_mb": 0, "swap_total_mb": 1978, "gpu_load_pct": 37}),
        ("tegrastats-doc__jetson-4gb-l4t32__tegrastats-line.txt",
         {"ram_used_mb": 1844, "ram_total_mb": 3964, "swap_used_mb": 0, "swap_total_mb": 4952, "gpu_load_pct": 0}),
    ],
)
def test_tegrastats(name: str, expected: dict) -> None:
    assert jetson.parse_tegrastats(read(name)) == expected


def test_orin_nvidia_smi_list() -> None:
    [gpu] = nvidia_smi.parse_list(read("jetpack-nixos-pr371__agx-orin-devkit-jp6__nvidia-smi-L.txt"))
    assert (gpu.vendor, gpu.name, gpu.unified_memory, gpu.vram_gb) == ("nvidia", "Orin (nvgpu)", True, None)


# --- robustness --------------------------------------------------------------------------------

TEXTS = [p.read_text(encoding="utf-8") for p in FILES]




@settings(max_examples=200, deadline=None)
@given(text=mangled(TEXTS))
def test_release_parser_never_raises(text: str) -> None:
    info = jetson.parse_nv_tegra_release(text)
    assert info is None or isinstance(info, dict)
    assert jetson.jetson_gpu(info).unified_memory is True


@settings(max_examples=200, deadline=None)
@given(text=mangled(TEXTS))
def test_tegrastats_never_raises(text: str) -> None:
    stats = jetson.parse_tegrastats(text)
    assert stats is None or isinstance(stats, dict)


@settings(max_examples=200, deadline=None)
@given(text=mangled(TEXTS))
def test_list_never_raises(text: str) -> None:
    assert isinstance(nvidia_smi.parse_list(text), list)
