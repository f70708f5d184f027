"""nvidia-smi parsers against real captured outputs (tests/fixtures/probes/nvidia)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .strategies import mangled, robustness_tests

from pickrt.parse import nvidia_smi
from pickrt.profile_plain import GPU

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "probes" / "nvidia"
FILES = sorted(p for p in FIXTURES.iterdir() if p.is_file())
GPU_PARSERS = [
    nvidia_smi.parse_xml,
    nvidia_smi.parse_q,
    nvidia_smi.parse_table,
    nvidia_smi.parse_list,
    nvidia_smi.parse_csv,
]


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def parser_for(name: str):
    """The parser for a fixture, chosen by its file-name suffix."""
    if name.endswith(".xml"):
        return nvidia_smi.parse_xml
    if name.endswith("__q.txt"):
        return nvidia_smi.parse_q
    if "__table" in name or "nvidia-smi-no-devices" in name:
        return nvidia_smi.parse_table
    if name.endswith("__L.txt"):
        return nvidia_smi.parse_list
    if name.endswith(".csv"):
        return nvidia_smi.parse_csv
    if name.endswith("__version.txt"):
        return nvidia_smi.parse_version
    if name.endswith("nvidia-smi-mig-lgi.txt"):
        return nvidia_smi.parse_mig_lgi
    raise AssertionError(f"no parser mapped for fixture {name}")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_fixture_parses(path: Path) -> None:
    parser = parser_for(path.name)
    result = parser(path.read_text(encoding="utf-8"))
    if parser is nvidia_smi.parse_version:
        assert result["driver"] is not None
    elif "no-devices" in path.name:
        assert result == []
    else:
        assert isinstance(result, list) and result
        for gpu in result:
            if isinstance(gpu, GPU):
                assert gpu.vendor == "nvidia"
                assert gpu.count == 1


# --- key values read from the files -----------------------------------------------------------


def names(gpus: list[GPU]) -> list[str | None]:
    return [g.name for g in gpus]


@pytest.mark.parametrize("suffix", ["q.txt", "table.txt"])
def test_8x_h100_sxm(suffix: str) -> None:
    parse = nvidia_smi.parse_q if suffix == "q.txt" else nvidia_smi.parse_table
    gpus = parse(read(f"gls__H100SXMx8__{suffix}"))
    assert names(gpus) == ["NVIDIA H100 80GB HBM3"] * 8
    assert {g.vram_gb for g in gpus} == {79.65}  # 81559 MiB
    assert {g.driver for g in gpus} == {"565.57.01"}
    assert {g.cuda_version for g in gpus} == {"12.7"}
    assert all(g.mig is None for g in gpus)


@pytest.mark.parametrize("suffix", ["q.txt", "table.txt"])
def test_10x_a40(suffix: str) -> None:
    parse = nvidia_smi.parse_q if suffix == "q.txt" else nvidia_smi.parse_table
    gpus = parse(read(f"gls__A40x10__{suffix}"))
    assert names(gpus) == ["NVIDIA A40"] * 10
    assert {g.vram_gb for g in gpus} == {44.99}  # 46068 MiB
    assert {g.driver for g in gpus} == {"550.127.05"}


@pytest.mark.parametrize("suffix", ["q.txt", "table.txt"])
def test_4x_a100_mig_disabled(suffix: str) -> None:
    parse = nvidia_smi.parse_q if suffix == "q.txt" else nvidia_smi.parse_table
    gpus = parse(read(f"gls__A100SXMx4__{suffix}"))
    assert names(gpus) == ["NVIDIA A100-SXM4-80GB"] * 4
    assert {g.vram_gb for g in gpus} == {80.0}
    assert {(g.driver, g.cuda_version) for g in gpus} == {("555.42.02", "12.5")}
    assert all(g.mig is None for g in gpus)


def test_dual_cards() -> None:
    assert names(nvidia_smi.parse_q(read("gls__RTX3090__q.txt"))) == ["NVIDIA GeForce RTX 3090"] * 2
    assert names(nvidia_smi.parse_table(read("gls__RTX4060Ti__table.txt"))) == ["NVIDIA GeForce RTX 4060 Ti"] * 2
    a5000 = nvidia_smi.parse_xml(read("telegraf__dual_a5000-v13.xml"))
    assert names(a5000) == ["NVIDIA RTX A5000"] * 2
    assert [g.vram_gb for g in a5000] == [23.99, 23.99]  # 24564 MiB
    assert {(g.driver, g.cuda_version) for g in a5000} == {("590.44.01", "13.1")}
    assert names(nvidia_smi.parse_list(read("akash-pr12__2x-quadro-rtx4000__L.txt"))) == ["Quadro RTX 4000"] * 2


def test_8_card_xml() -> None:
    gpus = nvidia_smi.parse_xml(read("datakit__gtx-8card.xml"))
    assert names(gpus) == ["Tesla V100S-PCIE-32GB"] * 8
    assert {g.vram_gb for g in gpus} == {31.75}  # 32510 MiB
    assert {(g.driver, g.cuda_version) for g in gpus} == {("460.73.01", "11.2")}


def test_rtx_4090_vram_is_gib() -> None:
    xml = nvidia_smi.parse_xml(read("netdata__rtx-4090-driver-535.xml"))
    assert [(g.name, g.vram_gb, g.driver, g.cuda_version) for g in xml] == [
        ("NVIDIA GeForce RTX 4090", 23.99, "535.86.05", "12.2")
    ]
    table = nvidia_smi.parse_table(read("gls__RTX4090__table.txt"))
    assert names(table) == ["NVIDIA GeForce RTX 4090"] * 8
    assert {g.vram_gb for g in table} == {23.99}


@pytest.mark.parametrize(
    ("name", "gpu_name", "vram"),
    [
        ("datakit__gtx-1660-ti.xml", "Graphics Device", 5.77),  # the driver could not name it
        ("datakit__gtx-1card.xml", "Tesla V100-PCIE-32GB", 31.75),
        ("telegraf__quadro-p400.xml", "Quadro P400", 1.95),  # no DOCTYPE
        ("telegraf__pro-6000-maxq-blackwell-v13.xml", "NVIDIA RTX PRO 6000 Blackwell Max-Q Workstation Edition", 95.59),
        ("telegraf__tesla_p4.xml", "GRID P4-1Q", 1.0),  # vGPU slice
        ("datakit__gtx-1050-1.xml", "NVIDIA GeForce GTX 1050", 4.0),  # no XML declaration
    ],
)
def test_single_xml(name: str, gpu_name: str, vram: float) -> None:
    [gpu] = nvidia_smi.parse_xml(read(name))
    assert (gpu.name, gpu.vram_gb) == (gpu_name, vram)
    assert gpu.compute_capability is None  # not printed in these XML schemas


def test_xml_without_driver_fields() -> None:
    [gpu] = nvidia_smi.parse_xml(read("telegraf__gtx-1070-ti.xml"))
    assert (gpu.name, gpu.vram_gb, gpu.driver, gpu.cuda_version) == ("GeForce GTX 1070 Ti", 4.0, None, None)


def test_a100_mig_xml() -> None:
    [gpu] = nvidia_smi.parse_xml(read("netdata__a100-sxm4-mig.xml"))
    assert (gpu.name, gpu.vram_gb) == ("NVIDIA A100-SXM4-40GB", 40.0)
    assert gpu.mig is not None and gpu.mig.enabled
    assert [(i.profile, i.memory_gb) for i in gpu.mig.instances] == [(None, 19.5), (None, 19.5)]


def test_a100_mig_xml_one_of_four_blocks() -> None:
    # attached_gpus says 4 but the file holds one <gpu>; only devices present are listed
    [gpu] = nvidia_smi.parse_xml(read("telegraf__a100-sxm4-v12.xml"))
    assert (gpu.name, gpu.vram_gb) == ("NVIDIA A100-SXM4-80GB", 80.0)
    assert [i.memory_gb for i in gpu.mig.instances] == [19.5] * 4


def test_a100_mig_lgi() -> None:
    instances = nvidia_smi.parse_mig_lgi(read("nvidia-docs__a100-pcie-40gb-mig-7x1g.5gb__nvidia-smi-mig-lgi.txt"))
    assert [(i.profile, i.memory_gb) for i in instances] == [("1g.5gb", None)] * 7
    by_gpu = nvidia_smi.parse_mig_lgi_by_gpu(read("nvidia-docs__a100-pcie-40gb-mig-7x1g.5gb__nvidia-smi-mig-lgi.txt"))
    assert list(by_gpu) == [0] and len(by_gpu[0]) == 7


H100_MIG = "nge__linux-x86_64__nvidia-h100-mig__590.48.01"
H200_MIG = "nge__linux-x86_64__nvidia-h200-mig__590.48.01"


def test_h100_mig_list_profiles() -> None:
    [gpu] = nvidia_smi.parse_list(read(f"{H100_MIG}__L.txt"))
    assert gpu.name == "NVIDIA H100 80GB HBM3"
    assert [i.profile for i in gpu.mig.instances] == ["3g.40gb", "2g.20gb", "1g.10gb", "1g.10gb"]


@pytest.mark.parametrize("suffix", ["q.txt", "table.txt"])
def test_h100_mig_memory(suffix: str) -> None:
    parse = nvidia_smi.parse_q if suffix == "q.txt" else nvidia_smi.parse_table
    [gpu] = parse(read(f"{H100_MIG}__{suffix}"))
    assert (gpu.name, gpu.vram_gb, gpu.driver, gpu.cuda_version) == (
        "NVIDIA H100 80GB HBM3", 79.65, "590.48.01", "13.1"
    )
    assert gpu.mig.enabled
    assert [i.memory_gb for i in gpu.mig.instances] == [39.5, 19.62, 9.75, 9.75]


def test_h200_mig() -> None:
    [listed] = nvidia_smi.parse_list(read(f"{H200_MIG}__L.txt"))
    assert [i.profile for i in listed.mig.instances] == ["1c.3g.71gb", "2c.3g.71gb", "2g.35gb", "1g.18gb", "1g.18gb"]
    [table] = nvidia_smi.parse_table(read(f"{H200_MIG}__table.txt"))
    assert (table.name, table.vram_gb) == ("NVIDIA H200", 140.4)
    # the two compute instances of GPU instance 2 each report the shared 71424 MiB
    assert [i.memory_gb for i in table.mig.instances] == [69.75, 69.75, 32.5, 16.0, 16.0]


@pytest.mark.parametrize(("stem", "enabled"), [(H100_MIG, True), (H200_MIG, True)])
def test_mig_csv_mode_without_instances(stem: str, enabled: bool) -> None:
    [gpu] = nvidia_smi.parse_csv(read(f"{stem}__query-gpu-all-fields.csv"))
    assert gpu.mig is not None and gpu.mig.enabled is enabled and gpu.mig.instances == []
    assert gpu.compute_capability == "9.0"


def test_mig_disabled_is_none() -> None:
    stem = "nge__linux-x86_64__nvidia-h200__590.48.01"
    assert nvidia_smi.parse_csv(read(f"{stem}__query-gpu-all-fields.csv"))[0].mig is None
    assert nvidia_smi.parse_table(read(f"{stem}__table.txt"))[0].mig is None
    assert nvidia_smi.parse_q(read(f"{stem}__q.txt"))[0].mig is None


def test_csv_all_fields() -> None:
    stem = "nge__linux-x86_64__nvidia-geforce-rtx-2080-super__610.57.04"
    [gpu] = nvidia_smi.parse_csv(read(f"{stem}__query-gpu-all-fields.csv"))
    assert (gpu.name, gpu.vram_gb, gpu.compute_capability, gpu.driver) == (
        "NVIDIA GeForce RTX 2080 SUPER", 8.0, "7.5", "610.57.04"
    )
    assert gpu.cuda_version is None  # --query-gpu has no CUDA field


def test_csv_mixed_gpus_compute_cap() -> None:
    gpus = nvidia_smi.parse_csv(read("triton-pr8070__mixed-titanv-rtx5880ada__query-gpu.csv"))
    assert [(g.name, g.compute_capability, g.driver, g.vram_gb) for g in gpus] == [
        ("NVIDIA TITAN V", "7.0", "570.86.15", None),
        ("NVIDIA RTX 5880 Ada Generation", "8.9", "570.86.15", None),
    ]


def test_csv_without_memory_total() -> None:
    [gpu] = nvidia_smi.parse_csv(read("netdata__tesla-p100__query-gpu.csv"))
    assert (gpu.name, gpu.vram_gb) == ("Tesla P100-PCIE-16GB", None)


AUTODL_FIELDS = [
    "index", "name", "memory.total", "memory.free", "driver_version", "pci.bus_id", "power.limit",
    "clocks.gr", "clocks.mem", "clocks.max.gr", "clocks.max.mem", "compute_cap",
]


def test_csv_noheader_with_field_order() -> None:
    text = read("autodl-machineinfo__rtx5090-container__query-gpu-noheader.csv")
    [gpu] = nvidia_smi.parse_csv(text, fields=AUTODL_FIELDS)
    assert (gpu.name, gpu.vram_gb, gpu.driver, gpu.compute_capability) == (
        "NVIDIA GeForce RTX 5090", 31.84, "580.76.05", "12.0"
    )


def test_csv_noheader_other_order_gives_unknowns_not_garbage() -> None:
    # the default order (name,memory.total,driver_version,compute_cap) does not fit this file
    [gpu] = nvidia_smi.parse_csv(read("autodl-machineinfo__rtx5090-container__query-gpu-noheader.csv"))
    assert (gpu.name, gpu.vram_gb, gpu.driver, gpu.compute_capability) == (None, None, None, None)


@pytest.mark.parametrize(
    "text",
    [
        "NVIDIA GeForce RTX 4090, 24564 MiB, 550.54.14, 8.9\n",
        "NVIDIA GeForce RTX 4090, 24564, 550.54.14, 8.9\n",
        "name, memory.total [MiB], driver_version, compute_cap\nNVIDIA GeForce RTX 4090, 24564, 550.54.14, 8.9\n",
        "name, memory.total [MiB], driver_version, compute_cap\nNVIDIA GeForce RTX 4090, 24564 MiB, 550.54.14, 8.9\n",
    ],
    ids=["noheader", "noheader-nounits", "nounits", "units"],
)
def test_csv_forms(text: str) -> None:
    [gpu] = nvidia_smi.parse_csv(text)
    assert (gpu.name, gpu.vram_gb, gpu.driver, gpu.compute_capability) == (
        "NVIDIA GeForce RTX 4090", 23.99, "550.54.14", "8.9"
    )


def test_csv_not_available_values() -> None:
    [gpu] = nvidia_smi.parse_csv("Orin (nvgpu), [N/A], 540.4.0, [Not Supported]\n")
    assert (gpu.name, gpu.vram_gb, gpu.driver, gpu.compute_capability) == ("Orin (nvgpu)", None, "540.4.0", None)
    assert gpu.unified_memory is True


def test_new_kmd_header_and_deprecated_fields() -> None:
    [table] = nvidia_smi.parse_table(read("vast-notes__rtx4090d-48gb-driver610__table-no-procs.txt"))
    assert (table.name, table.vram_gb, table.driver, table.cuda_version) == (
        "NVIDIA GeForce RTX 4090 D", 47.99, "610.43.02", "13.3"
    )
    [q] = nvidia_smi.parse_q(read("nge__windows-x86_64__nvidia-geforce-rtx-2080-super__610.62__q.txt"))
    assert (q.name, q.driver, q.cuda_version) == ("NVIDIA GeForce RTX 2080 SUPER", "610.62", "13.3")
    version = nvidia_smi.parse_version(read("nge__linux-x86_64__nvidia-geforce-rtx-2080-super__610.57.04__version.txt"))
    assert version == {"nvidia_smi": "610.57.04", "nvml": "610.57", "driver": "610.57.04", "cuda_version": "13.3"}


def test_table_keeps_truncated_names_as_printed() -> None:
    [gpu] = nvidia_smi.parse_table(read("nge__windows-x86_64__nvidia-geforce-rtx-2080-super__591.86__table.txt"))
    assert (gpu.name, gpu.vram_gb, gpu.driver) == ("NVIDIA GeForce RTX 2080 ...", 8.0, "591.86")
    assert names(nvidia_smi.parse_table(read("gls__RTX6000Ada_x8__table.txt"))) == ["NVIDIA RTX 6000 Ada Gene..."] * 8


def test_wsl_table_reports_host_driver() -> None:
    [gpu] = nvidia_smi.parse_table(read("wsl-setup-doc__wsl2-rtx5090__table.txt"))
    assert (gpu.name, gpu.vram_gb, gpu.driver, gpu.cuda_version) == ("NVIDIA GeForce RTX 5090", 31.84, "591.59", "13.1")


def test_list_mixed_gpus() -> None:
    gpus = nvidia_smi.parse_list(read("triton-pr8070__mixed-titanv-rtx5880ada__L.txt"))
    assert names(gpus) == ["NVIDIA TITAN V", "NVIDIA RTX 5880 Ada Generation"]
    assert all(g.vram_gb is None and g.mig is None for g in gpus)


@pytest.mark.parametrize("parser", GPU_PARSERS, ids=lambda f: f.__name__)
def test_no_devices(parser) -> None:
    assert parser(read("autodl-notes__no-gpu-container__nvidia-smi-no-devices.txt")) == []


def test_malformed_xml() -> None:
    assert nvidia_smi.parse_xml(read("netdata__rtx-3060.xml")[:500]) == []
    assert nvidia_smi.parse_xml("<other_root><gpu/></other_root>") == []


OLD_MIG_TABLE = """\
+-----------------------------------------------------------------------------+
| NVIDIA-SMI 470.57.02    Driver Version: 470.57.02    CUDA Version: 11.4     |
|-------------------------------+----------------------+----------------------+
| GPU  Name        Persistence-M| Bus-Id        Disp.A | Volatile Uncorr. ECC |
| Fan  Temp  Perf  Pwr:Usage/Cap|         Memory-Usage | GPU-Util  Compute M. |
|                               |                      |               MIG M. |
|===============================+======================+======================|
|   0  NVIDIA A100-SXM...  On   | 00000000:00:04.0 Off |                   On |
| N/A   33C    P0    60W / 400W |     24MiB / 40536MiB |     N/A      Default |
|                               |                      |              Enabled |
+-------------------------------+----------------------+----------------------+

+-----------------------------------------------------------------------------+
| MIG devices:                                                                |
+------------------+----------------------+-----------+-----------------------+
| GPU  GI  CI  MIG |         Memory-Usage |        Vol|         Shared        |
|      ID  ID  Dev |           BAR1-Usage | SM     Unc| CE  ENC  DEC  OFA  JPG|
|                  |                      |        ECC|                       |
|==================+======================+===========+=======================|
|  0    1   0   0  |     11MiB / 20096MiB | 42      0 |  3   0    2    0    0 |
|                  |      0MiB / 32767MiB |           |                       |
+------------------+----------------------+-----------+-----------------------+
"""


def test_table_older_layout_with_mig() -> None:
    # synthetic, in the pre-R525 column layout
    [gpu] = nvidia_smi.parse_table(OLD_MIG_TABLE)
    assert (gpu.name, gpu.vram_gb, gpu.driver, gpu.cuda_version) == ("NVIDIA A100-SXM...", 39.59, "470.57.02", "11.4")
    assert [i.memory_gb for i in gpu.mig.instances] == [19.62]


def test_mig_mode_on_without_instances() -> None:
    text = OLD_MIG_TABLE.split("\n\n")[0] + "\n"
    [gpu] = nvidia_smi.parse_table(text)
    assert gpu.mig is not None and gpu.mig.enabled and gpu.mig.instances == []


# --- robustness --------------------------------------------------------------------------------

TEXTS = [p.read_text(encoding="utf-8") for p in FILES]
ALL_PARSERS = [*GPU_PARSERS, nvidia_smi.parse_mig_lgi]




test_parsers_accept_every_fixture, test_parsers_never_raise = robustness_tests(ALL_PARSERS, FILES, TEXTS, 150)


@settings(max_examples=150, deadline=None)
@given(text=mangled(TEXTS))
def test_parse_version_never_raises(text: str) -> None:
    result = nvidia_smi.parse_version(text)
    assert set(result) == {"nvidia_smi", "nvml", "driver", "cuda_version"}
