"""Windows video-controller parsers against real captured outputs (tests/fixtures/probes/windows)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .strategies import mangled, robustness_tests

from pickrt.parse import windows_gpu

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "probes" / "windows"
FILES = sorted(p for p in FIXTURES.iterdir() if p.is_file())
PARSERS = [windows_gpu.parse_wmic_video, windows_gpu.parse_cim_adapter]
WMIC = "oshi-issue2521__rtx4090-plus-uhd770__wmic-win32_VideoController.txt"
CIM = "timver-issue103__amd-radeon-16gb__get-ciminstance-adapterram.txt"


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def parser_for(name: str):
    """The parser for a fixture, chosen by its file-name suffix."""
    if name.endswith("wmic-win32_VideoController.txt") or name.endswith("wmic-cpu.txt"):
        return windows_gpu.parse_wmic_video
    if "get-ciminstance" in name:
        return windows_gpu.parse_cim_adapter
    raise AssertionError(f"no parser mapped for fixture {name}")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_fixture_parses(path: Path) -> None:
    gpus = parser_for(path.name)(path.read_text(encoding="utf-8"))
    if "wmic-cpu" in path.name:
        assert gpus == []  # Win32_Processor fields are not a video controller
    else:
        assert gpus


def test_wmic_rtx4090_and_uhd770() -> None:
    gpus = windows_gpu.parse_wmic_video(read(WMIC))
    assert [(g.vendor, g.name, g.vram_gb, g.unified_memory) for g in gpus] == [
        ("nvidia", "NVIDIA GeForce RTX 4090", None, None),  # AdapterRAM 4293918720 is the uint32 cap
        ("intel", "Intel(R) UHD Graphics 770", None, True),  # iGPU: its 1 GiB AdapterRAM is a carve-out
    ]


def test_cim_capped_adapter_ram_is_unknown() -> None:
    [gpu] = windows_gpu.parse_cim_adapter(read(CIM))
    assert (gpu.vendor, gpu.name, gpu.vram_gb) == ("other", None, None)


WMIC_LIST = """\r
\r
AdapterCompatibility=NVIDIA\r
AdapterRAM=2147483648\r
DriverVersion=31.0.15.4633\r
Name=NVIDIA GeForce GTX 1050\r
\r
\r
AdapterCompatibility=Advanced Micro Devices, Inc.\r
AdapterRAM=-1048576\r
DriverVersion=31.0.22011.4008\r
Name=AMD Radeon RX 6800 XT\r
\r
\r
AdapterCompatibility=(Standard display types)\r
AdapterRAM=\r
DriverVersion=10.0.19041.1\r
Name=Microsoft Basic Display Adapter\r
"""


def test_wmic_list_format() -> None:
    gpus = windows_gpu.parse_wmic_video(WMIC_LIST)
    assert [(g.vendor, g.name, g.vram_gb, g.driver) for g in gpus] == [
        ("nvidia", "NVIDIA GeForce GTX 1050", 2.0, "31.0.15.4633"),
        ("amd", "AMD Radeon RX 6800 XT", None, "31.0.22011.4008"),  # signed overflow
    ]


CIM_TABLE = """
Name                      AdapterRAM DriverVersion
----                      ---------- -------------
AMD Radeon RX 7900 XTX    4293918720 31.0.24027.1012
AMD Radeon(TM) Graphics    536870912 31.0.24027.1012
"""

CIM_LIST = """

Name          : NVIDIA GeForce RTX 3060
AdapterRAM    : 4293918720
DriverVersion : 32.0.15.6094

Name          : Intel(R) Iris(R) Xe Graphics
AdapterRAM    : 1073741824
DriverVersion : 31.0.101.5186
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (CIM_TABLE, [("amd", "AMD Radeon RX 7900 XTX", None, None), ("amd", "AMD Radeon(TM) Graphics", None, True)]),
        (CIM_LIST, [("nvidia", "NVIDIA GeForce RTX 3060", None, None),
                    ("intel", "Intel(R) Iris(R) Xe Graphics", None, True)]),
        (json.dumps([{"Name": "NVIDIA GeForce GTX 1650", "AdapterRAM": 4294967295},
                     {"Name": "NVIDIA Quadro P620", "AdapterRAM": 2147483648}]),
         [("nvidia", "NVIDIA GeForce GTX 1650", None, None), ("nvidia", "NVIDIA Quadro P620", 2.0, None)]),
    ],
    ids=["table", "format-list", "json"],
)
def test_cim_forms(text: str, expected: list) -> None:
    gpus = windows_gpu.parse_cim_adapter(text)
    assert [(g.vendor, g.name, g.vram_gb, g.unified_memory) for g in gpus] == expected


# --- robustness --------------------------------------------------------------------------------

TEXTS = [p.read_text(encoding="utf-8") for p in FILES] + [WMIC_LIST, CIM_TABLE, CIM_LIST]




test_parsers_accept_every_fixture, test_parsers_never_raise = robustness_tests(PARSERS, FILES, TEXTS, 200)
