"""Intel GPU parsers against real captured outputs (tests/fixtures/probes/intel)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .strategies import mangled, robustness_tests

from pickrt.parse import intel_gpu
from pickrt.profile_plain import GPU

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "probes" / "intel"
FILES = sorted(p for p in FIXTURES.iterdir() if p.is_file())
PARSERS = [intel_gpu.parse_xpu_smi_discovery, intel_gpu.parse_sycl_ls, intel_gpu.parse_clinfo_l]


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def parser_for(name: str):
    """The parser for a fixture, chosen by its file-name suffix."""
    if "xpu-smi-discovery" in name:
        return intel_gpu.parse_xpu_smi_discovery
    if "sycl-ls" in name:
        return intel_gpu.parse_sycl_ls
    if "clinfo-l" in name:
        return intel_gpu.parse_clinfo_l
    raise AssertionError(f"no parser mapped for fixture {name}")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_fixture_parses(path: Path) -> None:
    gpus = parser_for(path.name)(path.read_text(encoding="utf-8"))
    assert gpus and all(isinstance(g, GPU) and g.vendor == "intel" for g in gpus)


def test_arc_b580_detail() -> None:
    [gpu] = intel_gpu.parse_xpu_smi_discovery(read("xpumanager-readme__arc-b580__xpu-smi-discovery-d0.txt"))
    assert (gpu.name, gpu.vram_gb) == ("Intel(R) Arc(TM) B580 Graphics", 11.93)  # 12216.00 MiB
    assert gpu.driver == "9FF4708BCC22C0EE6FD801A"  # as xpu-smi prints it


def test_data_center_gpu_detail() -> None:
    [gpu] = intel_gpu.parse_xpu_smi_discovery(read("xpumanager-guide__pvc-0x020a__xpu-smi-discovery-d.txt"))
    assert (gpu.name, gpu.vram_gb, gpu.driver) == ("Intel(R) Graphics [0x020a]", 32.0, "16929133")


@pytest.mark.parametrize("suffix", ["xpu-smi-discovery.txt", "xpu-smi-discovery-j.json"])
def test_data_center_gpu_listing(suffix: str) -> None:
    [gpu] = intel_gpu.parse_xpu_smi_discovery(read(f"xpumanager-guide__pvc-0x020a__{suffix}"))
    assert (gpu.name, gpu.vram_gb) == ("Intel(R) Graphics [0x020a]", None)


def test_xpu_json_detail_form() -> None:
    text = json.dumps({"device_id": 0, "device_type": "GPU", "device_name": "Intel(R) Data Center GPU Max 1550",
                       "memory_physical_size_byte": "137438953472", "driver_version": "1.3.27642"})
    [gpu] = intel_gpu.parse_xpu_smi_discovery(text)
    assert (gpu.name, gpu.vram_gb, gpu.driver) == ("Intel(R) Data Center GPU Max 1550", 128.0, "1.3.27642")


def test_sycl_ls_dedups_backends_and_skips_cpu() -> None:
    gpus = intel_gpu.parse_sycl_ls(read("llamacpp-sycl-doc__arc-a770-uhd730-i5-13400__sycl-ls.txt"))
    assert [(g.name, g.driver) for g in gpus] == [
        ("Intel(R) Arc(TM) A770 Graphics", "24.39.31294"),
        ("Intel(R) UHD Graphics 730", "24.39.31294"),
    ]


def test_sycl_ls_old_format_skips_fpga_and_cpu() -> None:
    gpus = intel_gpu.parse_sycl_ls(read("llamacpp-sycl-doc__win-iris-xe-i7-1185g7__sycl-ls-exe-old-format.txt"))
    assert [(g.name, g.driver) for g in gpus] == [("Intel(R) Iris(R) Xe Graphics", "31.0.101.5186")]


def test_sycl_ls_keeps_identical_cards() -> None:
    text = (
        "[level_zero:gpu][level_zero:0] Intel(R) oneAPI Unified Runtime over Level-Zero, Intel(R) Arc(TM) A770 Graphics 12.55.8 [1.3.29735+27]\n"
        "[level_zero:gpu][level_zero:1] Intel(R) oneAPI Unified Runtime over Level-Zero, Intel(R) Arc(TM) A770 Graphics 12.55.8 [1.3.29735+27]\n"
        "[opencl:gpu][opencl:0] Intel(R) OpenCL Graphics, Intel(R) Arc(TM) A770 Graphics OpenCL 3.0 NEO  [24.39.31294]\n"
        "[opencl:gpu][opencl:1] Intel(R) OpenCL Graphics, Intel(R) Arc(TM) A770 Graphics OpenCL 3.0 NEO  [24.39.31294]\n"
        "[cuda:gpu][cuda:0] NVIDIA CUDA BACKEND, NVIDIA GeForce RTX 4090 8.9 [CUDA 12.4]\n"
    )
    assert [g.name for g in intel_gpu.parse_sycl_ls(text)] == ["Intel(R) Arc(TM) A770 Graphics"] * 2


def test_clinfo_list() -> None:
    gpus = intel_gpu.parse_clinfo_l(read("llamacpp-sycl-doc__arc-a770-and-iris-xe__clinfo-l.txt"))
    assert [g.name for g in gpus] == ["Intel(R) Arc(TM) A770 Graphics", "Intel(R) Iris(R) Xe Graphics [0x9a49]"]


# --- robustness --------------------------------------------------------------------------------

TEXTS = [p.read_text(encoding="utf-8") for p in FILES]




test_parsers_accept_every_fixture, test_parsers_never_raise = robustness_tests(PARSERS, FILES, TEXTS, 150)
