"""rocm-smi, rocminfo and amd-smi parsers against real captured outputs (tests/fixtures/probes/amd)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .strategies import mangled, robustness_tests

from pickrt.parse import amd_smi, rocm_smi
from pickrt.profile_plain import GPU

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "probes" / "amd"
FILES = sorted(p for p in FIXTURES.iterdir() if p.is_file())
PARSERS = [rocm_smi.parse_text, rocm_smi.parse_json, rocm_smi.parse_rocminfo, amd_smi.parse_static]


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def parser_for(name: str):
    """The parser for a fixture, chosen by its file-name suffix."""
    if "amd-smi-static" in name:
        return amd_smi.parse_static
    if name.endswith("__rocminfo.txt"):
        return rocm_smi.parse_rocminfo
    if "rocm-smi" in name and name.endswith(".json"):
        return rocm_smi.parse_json
    if "rocm-smi" in name:
        return rocm_smi.parse_text
    raise AssertionError(f"no parser mapped for fixture {name}")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_fixture_parses(path: Path) -> None:
    gpus = parser_for(path.name)(path.read_text(encoding="utf-8"))
    assert isinstance(gpus, list)
    assert all(isinstance(g, GPU) and g.vendor == "amd" for g in gpus)
    if "showdriverversion" not in path.name:  # driver-only output lists no devices
        assert gpus


def test_4x_mi300x_rocminfo_gfx942() -> None:
    gpus = rocm_smi.parse_rocminfo(read("gls__MI300X_x4__rocminfo.txt"))
    assert [(g.name, g.gfx_target, g.vram_gb) for g in gpus] == [("AMD Instinct MI300X", "gfx942", 191.98)] * 4


def test_4x_mi300x_concise() -> None:
    gpus = rocm_smi.parse_text(read("gls__MI300X_x4__rocm-smi.txt"))
    assert [g.name for g in gpus] == ["AMD Instinct MI300X"] * 4
    assert all(g.vram_gb is None and g.gfx_target is None for g in gpus)  # not printed there


def test_1x_mi300x_concise() -> None:
    assert [g.name for g in rocm_smi.parse_text(read("gls__MI300X__rocm-smi.txt"))] == ["AMD Instinct MI300X"]


def test_4x_mi300x_showallinfo() -> None:
    gpus = rocm_smi.parse_text(read("gls__MI300X_x4__rocm-smi-a.txt"))
    assert [(g.name, g.driver) for g in gpus] == [("AMD Instinct MI300X OAM", "6.7.0")] * 4


def test_2x_mi100_csv() -> None:
    gpus = rocm_smi.parse_text(read("easybuild-pr3978__2x-mi100-rhel8__rocm-smi-showproductname-csv.csv"))
    assert [g.name for g in gpus] == ["Arcturus GL-XL [AMD Instinct MI100]"] * 2


def test_driver_version_csv() -> None:
    text = read("easybuild-pr3978__2x-mi100-rhel8__rocm-smi-showdriverversion-csv.csv")
    assert rocm_smi.parse_text(text) == []
    assert rocm_smi.parse_driver_version(text) == "4.18.0-348.12.2.el8_5.x86_64"
    assert rocm_smi.parse_driver_version(read("gls__MI300X_x4__rocm-smi-a.txt")) == "6.7.0"


def test_unresolved_product_name_is_unknown() -> None:
    [gpu] = rocm_smi.parse_text(read("legacy-rocm-build-issue1351__mi100-rocm4.0__rocm-smi-showproductname.txt"))
    assert gpu.name is None  # "Card series: 0x738c" is a PCI id, not a name


def test_mi250x_json_gfx_spelling() -> None:
    [gpu] = rocm_smi.parse_json(read("rocm_smi_lib-issue159__mi250x-gcd__rocm-smi-showproductname-json.json"))
    assert gpu.name == "AMD INSTINCT MI200 (MCM) OAM LC MBA HPE C2"
    assert gpu.gfx_target == "gfx90a"  # printed as "gfx9010"


def test_amd_smi_static_asic_mi308x() -> None:
    [gpu] = amd_smi.parse_static(read("amdsmi-changelog__mi308x__amd-smi-static-asic.txt"))
    assert (gpu.name, gpu.gfx_target, gpu.vram_gb, gpu.driver) == ("MI308X", "gfx942", None, None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("gfx942", "gfx942"), ("gfx942:sramecc+:xnack-", "gfx942"), ("gfx9010", "gfx90a"), ("GFX1100", "gfx1100"),
     ("gfx1201", "gfx1201"), ("N/A", None), ("0x74a1", None), ("", None), (None, None)],
)
def test_normalize_gfx(value, expected) -> None:
    assert rocm_smi.normalize_gfx(value) == expected


SHOWMEMINFO = """\
============================ ROCm System Management Interface ============================
================================== Memory Usage (Bytes) ==================================
GPU[0]\t\t: VRAM Total Memory (B): 206141652992
GPU[0]\t\t: VRAM Total Used Memory (B): 296423424
GPU[1]\t\t: VRAM Total Memory (B): 206141652992
GPU[1]\t\t: VRAM Total Used Memory (B): 296423424
==========================================================================================
"""


CONCISE_ROCM5 = """\
======================= ROCm System Management Interface =======================
================================= Concise Info =================================
GPU  Temp (DieEdge)  AvgPwr  SCLK    MCLK     Fan  Perf  PwrCap  VRAM%  GPU%
0    35.0c           35.0W   800Mhz  1600Mhz  0%   auto  290.0W    0%   0%
1    36.0c           35.0W   800Mhz  1600Mhz  0%   auto  290.0W    0%   0%
================================================================================
============================= End of ROCm SMI Log ==============================
"""

CONCISE_ROCM6 = """\
=========================================== ROCm System Management Interface ===========================================
===================================================== Concise Info =====================================================
Device  Node  IDs              Temp    Power  Partitions          SCLK  MCLK   Fan  Perf  PwrCap  VRAM%  GPU%
              (DID,     GUID)  (Edge)  (Avg)  (Mem, Compute, ID)
========================================================================================================================
0       1     0x744c,   12345  35.0°C  21.0W  N/A, N/A, 0         0Mhz  96Mhz  0%   auto  327.0W  0%     0%
========================================================================================================================
================================================= End of ROCm SMI Log ==================================================
"""


@pytest.mark.parametrize(("text", "count"), [(CONCISE_ROCM5, 2), (CONCISE_ROCM6, 1)], ids=["rocm5", "rocm6"])
def test_concise_layouts_without_names(text: str, count: int) -> None:
    # synthetic, in the layouts other ROCm releases print
    gpus = rocm_smi.parse_text(text)
    assert len(gpus) == count and all(g.name is None for g in gpus)


def test_vram_total_bytes() -> None:
    gpus = rocm_smi.parse_text(SHOWMEMINFO)
    assert [(g.name, g.vram_gb) for g in gpus] == [(None, 191.98)] * 2


def test_json_with_vram_gfx_and_system_driver() -> None:
    text = json.dumps({
        "card0": {"Card Series": "AMD Instinct MI300X OAM", "Card Model": "0x74a1",
                  "VRAM Total Memory (B)": "206141652992", "GFX Version": "gfx942"},
        "system": {"Driver version": "6.7.0"},
    })
    [gpu] = rocm_smi.parse_json(text)
    assert (gpu.name, gpu.vram_gb, gpu.gfx_target, gpu.driver) == ("AMD Instinct MI300X OAM", 191.98, "gfx942", "6.7.0")


AMD_SMI_STATIC = """\
GPU: 0
    ASIC:
        MARKET_NAME: AMD Instinct MI300X
        VENDOR_ID: 0x1002
        TARGET_GRAPHICS_VERSION: gfx942
    DRIVER:
        NAME: amdgpu
        VERSION: 6.8.5
    BOARD:
        PRODUCT_NAME: N/A
    VRAM:
        TYPE: HBM
        VENDOR: SAMSUNG
        SIZE: 196592 MB
        BIT_WIDTH: 8192

GPU: 1
    ASIC:
        MARKET_NAME: N/A
        TARGET_GRAPHICS_VERSION: gfx1100
    BOARD:
        PRODUCT_NAME: Radeon RX 7900 XTX
    VRAM:
        SIZE: N/A
"""


def test_amd_smi_static_text() -> None:
    gpus = amd_smi.parse_static(AMD_SMI_STATIC)
    assert [(g.name, g.gfx_target, g.vram_gb, g.driver) for g in gpus] == [
        ("AMD Instinct MI300X", "gfx942", 191.98, "6.8.5"),
        ("Radeon RX 7900 XTX", "gfx1100", None, None),
    ]


@pytest.mark.parametrize(
    "payload",
    [
        {"gpu_data": [{"gpu": 0, "asic": {"market_name": "AMD Instinct MI300X", "target_graphics_version": "gfx942"},
                       "vram": {"size": {"value": 196592, "unit": "MB"}}, "driver": {"version": "6.8.5"}}]},
        [{"gpu": 0, "asic": {"market_name": "AMD Instinct MI300X", "target_graphics_version": "gfx942"},
          "vram": {"size": "196592 MB"}, "driver": {"driver_version": "6.8.5"}}],
    ],
    ids=["gpu_data", "list"],
)
def test_amd_smi_static_json(payload) -> None:
    [gpu] = amd_smi.parse_static(json.dumps(payload))
    assert (gpu.name, gpu.gfx_target, gpu.vram_gb, gpu.driver) == ("AMD Instinct MI300X", "gfx942", 191.98, "6.8.5")


# --- robustness --------------------------------------------------------------------------------

TEXTS = [p.read_text(encoding="utf-8") for p in FILES] + [SHOWMEMINFO, AMD_SMI_STATIC, CONCISE_ROCM5, CONCISE_ROCM6]




test_parsers_accept_every_fixture, test_parsers_never_raise = robustness_tests(PARSERS, FILES, TEXTS, 150)


@settings(max_examples=150, deadline=None)
@given(text=mangled(TEXTS))
def test_driver_version_never_raises(text: str) -> None:
    assert rocm_smi.parse_driver_version(text) is None or isinstance(rocm_smi.parse_driver_version(text), str)
