"""Host parsers (CPU, memory, cgroup, Apple, clusters) against real captured outputs.

Every file in tests/fixtures/probes/{cpu,memory,apple,cluster}/ goes through its parser; key
values are asserted for a broad sample, including the files that are odd on purpose.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pickrt.parse import (
    cgroup,
    kubectl,
    lscpu,
    meminfo,
    proc_cpuinfo,
    ray,
    slurm,
    sw_vers,
    sysctl,
    system_profiler,
    uname,
)
from pickrt.profile_plain import CPU, Cluster

PROBES = Path(__file__).resolve().parents[1] / "fixtures" / "probes"
GIB = 2**30


def read(rel: str) -> str:
    return (PROBES / rel).read_text(encoding="utf-8")


def parsers_for(path: Path) -> list:
    """Every parser that applies to a fixture, chosen by directory and file name."""
    name = path.name
    folder = path.parent.name
    if folder == "cpu":
        return [lscpu.parse] if "lscpu" in name else [proc_cpuinfo.parse]
    if folder == "memory":
        if "proc-meminfo" in name:
            return [meminfo.parse_proc_meminfo]
        if "free-" in name:
            return [meminfo.parse_free]
        if "proc-self-cgroup" in name:
            return [cgroup.parse_proc_self_cgroup]
        return [cgroup.parse_memory_max, cgroup.parse_limit_in_bytes, cgroup.describe]
    if folder == "apple":
        if "sysctl" in name:
            return [lambda t: sysctl.apple_facts(sysctl.parse(t)), lambda t: sysctl.cpu(sysctl.parse(t))]
        if "SPDisplays" in name:
            return [system_profiler.parse_displays]
        if "SPHardware" in name or "system_profiler" in name:
            return [system_profiler.parse_hardware]
        if "sw_vers" in name:
            return [sw_vers.parse]
    if folder == "cluster":
        if "kubectl" in name:
            return [kubectl.parse_nodes]
        if "ray" in name:
            return [ray.parse_status]
        if "sinfo" in name:
            return [slurm.parse_sinfo]
        if "scontrol" in name:
            return [slurm.parse_scontrol_nodes]
    raise AssertionError(f"no parser for fixture {path}")


FIXTURES = sorted(p for d in ("cpu", "memory", "apple", "cluster") for p in (PROBES / d).iterdir() if p.is_file())
ALL_PARSERS = [
    uname.parse, proc_cpuinfo.parse, proc_cpuinfo.parse_wmic_cpu, lscpu.parse, meminfo.parse_proc_meminfo,
    meminfo.parse_free, meminfo.parse_wmic_memory, cgroup.parse_memory_max, cgroup.parse_limit_in_bytes,
    cgroup.parse_proc_self_cgroup, cgroup.describe, sysctl.parse, system_profiler.parse_hardware,
    system_profiler.parse_displays, sw_vers.parse, kubectl.parse_nodes, ray.parse_status, ray.parse_nodes_repr,
    slurm.parse_scontrol_nodes, slurm.parse_sinfo,
]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fixture_parses(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for parser in parsers_for(path):
        parser(text)  # must not raise


def test_fixture_folders_are_not_empty() -> None:
    assert len(FIXTURES) >= 80


# --------------------------------------------------------------------------------------------
# uname
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Linux x86_64\n", ("linux", "x86_64")),
    ("Darwin arm64\n", ("macos", "arm64")),
    ("Linux aarch64", ("linux", "arm64")),
    ("Windows AMD64", ("windows", "x86_64")),
    ("MINGW64_NT-10.0-19045 x86_64", ("windows", "x86_64")),
    ("Linux armv7l", ("linux", "arm")),
    ("Linux riscv64", ("linux", "riscv64")),
    ("", (None, None)),
    ("Plan9 ???", (None, None)),
])
def test_uname(text: str, expected: tuple) -> None:
    assert uname.parse(text) == expected


# --------------------------------------------------------------------------------------------
# CPU
# --------------------------------------------------------------------------------------------

def test_cpuinfo_sapphire_rapids_amx() -> None:
    cpu = proc_cpuinfo.parse(read("cpu/archspec__linux-unknown-sapphirerapids__proc-cpuinfo-1cpu.txt"))
    assert cpu.model == "Intel(R) Xeon(R) Platinum 8480+"
    assert {"avx512f", "avx512_bf16", "avx512_vnni", "amx_tile", "amx_bf16", "amx_int8"} <= set(cpu.flags)
    # one processor block of a 112-sibling package: the listing is partial, so no counts
    assert cpu.threads is None and cpu.cores is None


def test_cpuinfo_cascadelake_has_vnni_not_amx() -> None:
    cpu = proc_cpuinfo.parse(read("cpu/archspec__linux-centos7-cascadelake__proc-cpuinfo-1cpu.txt"))
    assert "avx512_vnni" in cpu.flags and "avx512f" in cpu.flags
    assert "amx_tile" not in cpu.flags and "avx512_bf16" not in cpu.flags


def test_cpuinfo_full_listing_counts_cores_and_threads() -> None:
    cpu = proc_cpuinfo.parse(read("cpu/pycpuinfo__ryzen7-2700x-ubuntu22.04__proc-cpuinfo.txt"))
    assert cpu.model == "AMD Ryzen 7 2700X Eight-Core Processor"
    assert (cpu.cores, cpu.threads) == (8, 16)
    assert "avx2" in cpu.flags and "avx512f" not in cpu.flags
    # AMD's "sme" is Secure Memory Encryption, not ARM SME
    assert "sme" not in cpu.flags


def test_cpuinfo_vm_4_vcpu() -> None:
    cpu = proc_cpuinfo.parse(read("cpu/facter__xeon-e5-2697v4-4vcpu__proc-cpuinfo.txt"))
    assert (cpu.cores, cpu.threads) == (4, 4)
    assert cpu.flags == ["avx", "avx2", "fma", "f16c"]


def test_cpuinfo_arm_names_and_flags() -> None:
    v1 = proc_cpuinfo.parse(read("cpu/archspec__linux-amazon-neoverse_v1__proc-cpuinfo-1cpu.txt"))
    assert v1.model == "ARM Neoverse-V1"
    assert v1.flags == ["neon", "sve", "i8mm", "bf16"]
    n2 = proc_cpuinfo.parse(read("cpu/archspec__linux-rhel9-neoverse_n2__proc-cpuinfo-1cpu.txt"))
    assert "sve2" in n2.flags
    a64fx = proc_cpuinfo.parse(read("cpu/archspec__linux-rocky8-a64fx__proc-cpuinfo-1cpu.txt"))
    assert a64fx.model == "Fujitsu A64FX" and "sve" in a64fx.flags and "sve2" not in a64fx.flags
    assert proc_cpuinfo.parse(read("cpu/archspec__linux-ubuntu22.04-ampere1__proc-cpuinfo-1cpu.txt")).model == "Ampere-1"
    assert proc_cpuinfo.parse(read("cpu/archspec__linux-asahi-m1__proc-cpuinfo-1cpu.txt")).model.startswith("Apple M1")
    # ARM does not state SMT in /proc/cpuinfo: no physical-core count
    assert v1.cores is None


def test_cpuinfo_big_little_armv7() -> None:
    cpu = proc_cpuinfo.parse(read("cpu/gopsutil__armv7-cortex-a53-4core__proc-cpuinfo.txt"))
    assert cpu.model == "ARM Cortex-A53 + ARM Cortex-A73"
    assert cpu.threads == 8
    assert "neon" in cpu.flags


def test_cpuinfo_riscv_and_armv6() -> None:
    rv = proc_cpuinfo.parse(read("cpu/pycpuinfo__riscv64-ubuntu21.04__proc-cpuinfo.txt"))
    assert rv.model == "sifive,u74-mc" and rv.threads == 4 and rv.flags == []
    pi = proc_cpuinfo.parse(read("cpu/pycpuinfo__raspberry-pi-model-b-armv6__proc-cpuinfo.txt"))
    assert pi.model == "ARM1176" and pi.threads is None  # no processor index: count unknown


def test_cpuinfo_truncated_flags_line() -> None:
    cpu = proc_cpuinfo.parse(read("cpu/gopsutil__hygon-c86-4g__proc-cpuinfo.txt"))
    assert cpu.model == "Hygon C86-4G (OPN:5435)"
    assert cpu.flags == []


def test_lscpu_two_socket_sapphire_rapids() -> None:
    cpu = lscpu.parse(read("cpu/autodl-machineinfo__xeon-gold-6459c-sapphire-rapids-2s__lscpu.txt"))
    assert cpu.model == "Intel(R) Xeon(R) Gold 6459C"
    assert (cpu.cores, cpu.threads) == (64, 128)
    assert "amx_tile" in cpu.flags


def test_lscpu_arm_and_old_layouts() -> None:
    altra = lscpu.parse(read("cpu/dfs-prefetch-readme__80core-neoverse-n1-ampere-altra-class__lscpu.txt"))
    assert altra.model == "ARM Neoverse-N1" and (altra.cores, altra.threads) == (80, 80)
    assert altra.flags == ["neon"]
    tx = lscpu.parse(read("cpu/pycpuinfo__arm64-thunderx-96core-2socket__lscpu.txt"))
    assert tx.model is None and (tx.cores, tx.threads) == (96, 96)
    rpi = lscpu.parse(read("cpu/rpi4-ubuntu21.10-notes__raspberry-pi-4-4gb__lscpu.txt"))
    assert rpi.model == "ARM Cortex-A72" and rpi.cores == 4


def test_lscpu_heterogeneous_sections() -> None:
    text = (
        "Architecture: aarch64\nCPU(s): 8\nVendor ID: ARM\n"
        "Model name: Cortex-A55\nThread(s) per core: 1\nCore(s) per cluster: 4\nSocket(s): -\nCluster(s): 1\n"
        "Model name: Cortex-A76\nThread(s) per core: 1\nCore(s) per cluster: 4\nSocket(s): -\nCluster(s): 1\n"
        "Flags: fp asimd\n"
    )
    cpu = lscpu.parse(text)
    assert cpu.model == "ARM Cortex-A55 + ARM Cortex-A76"
    assert (cpu.cores, cpu.threads) == (8, 8)


def test_wmic_cpu() -> None:
    cpu = proc_cpuinfo.parse_wmic_cpu(read("../probes/windows/pycpuinfo__win10-core-i5-4300u__wmic-cpu.txt"))
    assert cpu.model == "Intel(R) Core(TM) i5-4300U CPU @ 1.90GHz"
    assert cpu.cores is None  # not asked in that capture
    two = proc_cpuinfo.parse_wmic_cpu(
        "Name=Xeon\nNumberOfCores=8\nNumberOfLogicalProcessors=16\n\nName=Xeon\nNumberOfCores=8\nNumberOfLogicalProcessors=16\n")
    assert (two.cores, two.threads) == (16, 32)
    ps = proc_cpuinfo.parse_wmic_cpu("Name                      : AMD Ryzen 9 7950X\nNumberOfCores             : 16\n"
                                     "NumberOfLogicalProcessors : 32\n")
    assert (ps.model, ps.cores, ps.threads) == ("AMD Ryzen 9 7950X", 16, 32)


# --------------------------------------------------------------------------------------------
# memory and cgroups
# --------------------------------------------------------------------------------------------

def test_meminfo_values() -> None:
    total, avail = meminfo.parse_proc_meminfo(read("memory/gopsutil__intel-core-i5-16gb__proc-meminfo.txt"))
    assert total == round(16115528 * 1024 / GIB, 2) and avail == round(11225936 * 1024 / GIB, 2)
    assert meminfo.parse_proc_meminfo(read("memory/autodl-machineinfo__754gi-host-in-container__proc-meminfo-subset.txt"))[0] == 754.54


def test_meminfo_missing_memavailable_is_none() -> None:
    total, avail = meminfo.parse_proc_meminfo(read("memory/facter__no-memavailable__proc-meminfo.txt"))
    assert total == 3.85 and avail is None


def test_meminfo_legacy_header_lines() -> None:
    total, avail = meminfo.parse_proc_meminfo(read("memory/gopsutil__embedded-256mb-legacy-format__proc-meminfo.txt"))
    assert total == round(254472 * 1024 / GIB, 2) and avail is not None


def test_free_h_and_m() -> None:
    assert meminfo.parse_free(read("memory/autodl-machineinfo__754gi-host-in-container__free-h.txt")) == (754.0, 715.0)
    assert meminfo.parse_free(read("memory/rpi4-ubuntu21.10-notes__raspberry-pi-4-4gb__free-m.txt")) == (3.7, 3.35)
    old = "             total       used       free     shared    buffers     cached\nMem:          7982       7820        161\n"
    assert meminfo.parse_free(old) == (7.79, None)


def test_wmic_memory() -> None:
    assert meminfo.parse_wmic_memory("\r\n\r\nTotalPhysicalMemory=34274918400\r\n\r\n") == 31.92
    assert meminfo.parse_wmic_memory("TotalPhysicalMemory : 17179869184") == 16.0
    assert meminfo.parse_wmic_memory("nothing here") is None


@pytest.mark.parametrize("rel, expected", [
    ("memory/akash-notes__64GiB-container__cgroupv2-memory.max.txt", 64 * GIB),
    ("memory/autodl-notes__2GiB-container__cgroupv2-memory.max.txt", 2 * GIB),
    ("memory/gpu-host-notes__62GB-limit-503GB-host__cgroupv2-memory.max.txt", 66571993088),
    ("memory/k8s-doc__512Mi-pod__cgroupv2-memory.max.txt", 512 * 2**20),
    ("memory/blog-doc__container-no-limit__cgroupv2-memory.max-and-cpu.max.txt", None),
])
def test_cgroup_v2(rel: str, expected) -> None:
    assert cgroup.parse_memory_max(read(rel)) == expected


@pytest.mark.parametrize("rel, expected", [
    ("memory/fabric8-issue32__nomad-limited__cgroupv1-memory.limit_in_bytes.txt", 14881390592),
    ("memory/moby-issue18087__docker-no-limit__cgroupv1-memory.limit_in_bytes.txt", None),
    ("memory/ouspg-issue47__docker-m-4g__cgroupv1-memory.stat-grep.txt", 4 * GIB),
])
def test_cgroup_v1(rel: str, expected) -> None:
    assert cgroup.parse_limit_in_bytes(read(rel)) == expected


def test_cgroup_sentinels_and_comments() -> None:
    assert cgroup.parse_limit_in_bytes("9223372036854771712\n") is None
    assert cgroup.parse_limit_in_bytes("hierarchical_memory_limit 9223372036854771712\n") is None
    assert cgroup.parse_memory_max("# the pod limit\n1073741824  # 1 GiB\n") == GIB
    assert cgroup.parse_memory_max("max 100000\n") is None  # cpu.max alone is no memory limit
    assert cgroup.describe("max\nmax 100000\n") == "no limit"
    assert cgroup.describe("18446744073709551615") == "no limit"
    assert cgroup.describe("536870912") == "0.50 GiB limit"


def test_proc_self_cgroup() -> None:
    assert cgroup.parse_proc_self_cgroup(read("memory/gpu-host-notes__root-cgroup__proc-self-cgroup.txt")) == {"": "/"}
    v1 = cgroup.parse_proc_self_cgroup("12:memory:/docker/abc\n11:cpu,cpuacct:/docker/abc\n0::/\n")
    assert v1["memory"] == "/docker/abc" and v1["cpuacct"] == "/docker/abc" and v1[""] == "/"


# --------------------------------------------------------------------------------------------
# Apple
# --------------------------------------------------------------------------------------------

def test_sysctl_key_forms() -> None:
    d = sysctl.parse("hw.memsize: 17179869184\nhw.ncpu = 8\nnot a line\niogpu.wired_limit_mb: 0\n")
    assert d == {"hw.memsize": "17179869184", "hw.ncpu": "8", "iogpu.wired_limit_mb": "0"}


def test_sysctl_m3_max() -> None:
    facts = sysctl.apple_facts(sysctl.parse(read("apple/archspec__darwin-sequoia-m3__sysctl-hw-machdep.txt")))
    assert facts["chip"] == "Apple M3 Max"
    assert facts["memory_bytes"] == 36 * GIB
    assert facts["arm64"] is True
    assert [p["name"] for p in facts["perflevels"]] == ["Performance", "Efficiency"]
    assert facts["cores"] == 14 and facts["rosetta"] is None


def test_sysctl_m4_cpu_flags_include_sme() -> None:
    cpu = sysctl.cpu(sysctl.parse(read("apple/archspec__darwin-sequoia-m4__sysctl-hw-machdep.txt")))
    assert cpu.model == "Apple M4 Max" and cpu.cores == 16
    assert {"neon", "i8mm", "bf16", "sme", "sme2"} <= set(cpu.flags)


def test_sysctl_big_sur_brand_is_not_a_chip() -> None:
    facts = sysctl.apple_facts(sysctl.parse(read("apple/archspec__darwin-bigsur-m1__sysctl-hw-machdep.txt")))
    assert facts["brand"] == "Apple processor" and facts["chip"] is None and facts["arm64"] is True


def test_sysctl_perflevels_give_cores() -> None:
    facts = sysctl.apple_facts(sysctl.parse(read("apple/tirekick__m5-max-macbookpro-128gb__sysctl-hw.perflevel.txt")))
    assert [(p["name"], p["physicalcpu"]) for p in facts["perflevels"]] == [("Super", 6), ("Performance", 12)]
    assert facts["cores"] == 18


def test_sysctl_vm_and_rosetta_flags() -> None:
    vm = sysctl.apple_facts(sysctl.parse(read("apple/tirekick__gha-macos26-arm64-vm__sysctl.txt")))
    assert vm["chip"] == "Apple M1" and vm["virtual"] is True and vm["memory_bytes"] == 7516192768
    d = sysctl.parse("sysctl.proc_translated: 1\nkern.hv_vmm_present: 0\nhw.optional.arm64: 1\niogpu.wired_limit_mb: 98304\n")
    facts = sysctl.apple_facts(d)
    assert facts["rosetta"] is True and facts["virtual"] is False and facts["wired_limit_mb"] == 98304
    intel = sysctl.apple_facts(sysctl.parse(read("apple/tirekick__gha-macos15-intel-vm__sysctl.txt")))
    assert intel["chip"] is None and intel["arm64"] is None


def test_sysctl_intel_mac_flags() -> None:
    cpu = sysctl.cpu(sysctl.parse(read("apple/pycpuinfo__intel-mac-macos10.12__sysctl-machdep.cpu-hw.cpufrequency.txt")))
    assert cpu.model == "Intel(R) Core(TM) i5-2557M CPU @ 1.70GHz"
    assert (cpu.cores, cpu.threads) == (2, 4)
    assert cpu.flags == ["avx"]


def test_sphardware_m5_max() -> None:
    hw = system_profiler.parse_hardware(read("apple/tirekick__m5-max-macbookpro-128gb__SPHardwareDataType.json"))
    assert hw["chip"] == "Apple M5 Max" and hw["memory_gb"] == 128.0 and hw["cores"] == 18


def test_sphardware_rosetta_has_no_chip() -> None:
    hw = system_profiler.parse_hardware(read("apple/tirekick__m1-macbookair-under-rosetta__SPHardwareDataType.json"))
    assert hw["chip"] is None and hw["cpu_type"] is None  # "Unknown" is not a value
    assert hw["memory_gb"] == 16.0 and hw["cores"] == 8 and hw["machine_model"] == "MacBookAir10,1"


def test_sphardware_vms_and_intel() -> None:
    vm = system_profiler.parse_hardware(read("apple/tirekick__gha-macos26-arm64-vm__SPHardwareDataType.json"))
    assert vm["chip"] == "Apple M1" and vm["virtual"] is True and vm["memory_gb"] == 7.0
    imac = system_profiler.parse_hardware(read("apple/tirekick__intel-imacpro-xeon-w__SPHardwareDataType.json"))
    assert imac["chip"] is None and imac["cpu_type"] == "8-Core Intel Xeon W" and imac["memory_gb"] == 32.0
    text = system_profiler.parse_hardware(read("apple/facter__macbookpro11-4-intel__system_profiler-SPHardware-SPSoftware.txt"))
    assert text["cpu_type"] == "Intel Core i7" and text["memory_gb"] == 16.0 and text["cores"] == 4


@pytest.mark.parametrize("rel, name, cores", [
    ("apple/joulewise-tests__m3-max-40core-gpu__SPDisplaysDataType.json", "Apple M3 Max", 40),
    ("apple/rust-test__m2-max-30core-gpu-macos15__SPDisplaysDataType.json", "Apple M2 Max", 30),
    ("apple/go-test__m4-mac-mini-10core-gpu__SPDisplaysDataType-trimmed.json", "Apple M4", 10),
    ("apple/tirekick__m1-pro-macbookpro__SPDisplaysDataType.json", "Apple M1 Pro", 14),
])
def test_spdisplays_apple_gpu_cores(rel: str, name: str, cores: int) -> None:
    gpus = system_profiler.parse_displays(read(rel))
    assert len(gpus) == 1  # attached monitors are not GPUs
    assert (gpus[0]["name"], gpus[0]["vendor"], gpus[0]["cores"]) == (name, "apple", cores)


def test_spdisplays_paravirtual_and_broken_json() -> None:
    vm = system_profiler.parse_displays(read("apple/tirekick__gha-macos15-intel-vm__SPDisplaysDataType.json"))
    assert vm[0]["paravirtual"] is True and vm[0]["cores"] is None
    text = read("apple/joulewise-tests__m3-max-40core-gpu__SPDisplaysDataType.json")
    cut = system_profiler.parse_displays(text[: text.index('"sppci_device_type"')])
    assert cut and cut[0]["cores"] == 40 and cut[0]["name"] == "Apple M3 Max"


def test_sw_vers() -> None:
    assert sw_vers.parse(read("apple/tirekick__gha-macos26-arm64-vm__sw_vers.txt")) == {
        "product": "macOS", "version": "26.6.2", "build": "25G83"}


# --------------------------------------------------------------------------------------------
# clusters
# --------------------------------------------------------------------------------------------

def test_kubectl_gfd_labels_t4() -> None:
    c = kubectl.parse_nodes(read("cluster/eksa-docs__1node-2x-tesla-t4-poweredge-r7525__kubectl-node-labels-partial.json"))
    assert c.source == "kubectl" and len(c.nodes) == 1 and c.gpus_total == 2
    gpu = c.nodes[0].gpus[0]
    assert (gpu.vendor, gpu.name, gpu.count, gpu.vram_gb) == ("nvidia", "Tesla-T4", 2, 15.0)
    assert gpu.compute_capability == "7.5" and gpu.driver == "535.86.10"


def test_kubectl_mig_single_strategy_is_one_gpu_with_slices() -> None:
    c = kubectl.parse_nodes(read("cluster/nvidia-docs__a100-pcie-40gb-mig-7x1g.5gb-single__kubectl-node-labels-partial.json"))
    gpus = c.nodes[0].gpus
    assert len(gpus) == 1 and gpus[0].name == "A100-PCIE-40GB" and gpus[0].vram_gb is None
    assert gpus[0].mig is not None and len(gpus[0].mig.instances) == 7
    assert {i.profile for i in gpus[0].mig.instances} == {"1g.5gb"}
    assert gpus[0].mig.instances[0].memory_gb == 4.75
    assert c.gpus_total == 7


def test_kubectl_full_node_list() -> None:
    doc = """{"apiVersion": "v1", "kind": "List", "items": [
      {"metadata": {"name": "gpu-a", "labels": {"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3",
        "nvidia.com/gpu.memory": "81559", "nvidia.com/gpu.count": "8"}},
       "status": {"capacity": {"cpu": "224", "memory": "2113389864Ki", "nvidia.com/gpu": "8"}}},
      {"metadata": {"name": "amd-b", "labels": {"amd.com/gpu.product-name": "AMD_Instinct_MI300X_OAM",
        "amd.com/gpu.vram": "192G"}},
       "status": {"capacity": {"cpu": "192", "memory": "1536Gi", "amd.com/gpu": "8"}}},
      {"metadata": {"name": "cpu-c"}, "status": {"capacity": {"cpu": "16000m", "memory": "64G"}}}
    ]}"""
    c = kubectl.parse_nodes(doc)
    assert [n.name for n in c.nodes] == ["gpu-a", "amd-b", "cpu-c"]
    assert c.gpus_total == 16
    a, b, cpu_only = c.nodes
    assert a.cpus == 224 and a.memory_gb == round(2113389864 * 1024 / GIB, 2)
    assert a.gpus[0].vram_gb == round(81559 / 1024, 2) and a.gpus[0].count == 8
    assert b.gpus[0].vendor == "amd" and b.gpus[0].vram_gb == 192.0 and b.memory_gb == 1536.0
    assert cpu_only.cpus == 16 and cpu_only.gpus == [] and cpu_only.memory_gb == round(64e9 / GIB, 2)


def test_kubectl_quantities() -> None:
    assert kubectl.quantity_bytes("1Ki") == 1024
    assert kubectl.quantity_bytes("1e3") == 1000
    assert kubectl.quantity_bytes("lots") is None


def test_slurm_scontrol_a100_nodes() -> None:
    c = slurm.parse_scontrol_nodes(read("cluster/hpc-doc__cn1092-4x-a100__scontrol-show-node.txt"))
    node = c.nodes[0]
    assert (node.name, node.cpus, node.memory_gb) == ("cn1092", 64, round(253400 / 1024, 2))
    assert [(g.vendor, g.name, g.count) for g in node.gpus] == [("nvidia", "a100", 4)]
    flat = slurm.parse_scontrol_nodes(read("cluster/lambda-hyperplane-notes__8x-a100__scontrol-show-node-flattened.txt"))
    assert flat.gpus_total == 8 and flat.nodes[0].name == "lambda-hyperplane01" and flat.nodes[0].cpus == 64


def test_slurm_many_nodes_and_gres_forms() -> None:
    text = ("NodeName=g1 Arch=x86_64 CPUTot=32 RealMemory=128000 Gres=gpu:2\n\n"
            "NodeName=g2 CPUTot=32 RealMemory=128000 Gres=gpu:h100:4(S:0-1),gpu:a100:2(S:0)\n\n"
            "NodeName=c1 CPUTot=8 RealMemory=(null) Gres=(null)\n")
    c = slurm.parse_scontrol_nodes(text)
    assert [n.name for n in c.nodes] == ["g1", "g2", "c1"]
    assert c.nodes[0].gpus[0].vendor == "other" and c.nodes[0].gpus[0].count == 2
    assert [(g.name, g.count) for g in c.nodes[1].gpus] == [("h100", 4), ("a100", 2)]
    assert c.nodes[2].gpus == [] and c.nodes[2].memory_gb is None
    assert c.gpus_total == 8


def test_slurm_sinfo_default_and_node_layout() -> None:
    c = slurm.parse_sinfo(read("cluster/lambda-hyperplane-notes__8x-a100__sinfo.txt"))
    assert [n.name for n in c.nodes] == ["lambda-hyperplane01"] and c.gpus_total is None
    nodes = slurm.parse_sinfo("NODELIST CPUS MEMORY GRES\ngpu[01-02] 64 515000 gpu:a100:8\ngpu01 64 515000 gpu:a100:8\n")
    assert [n.name for n in nodes.nodes] == ["gpu01", "gpu02"] and nodes.gpus_total == 16
    assert slurm.expand_hostlist("cn[1001-1003,1005],x") == ["cn1001", "cn1002", "cn1003", "cn1005", "x"]


def test_ray_status_current_layout() -> None:
    c = ray.parse_status(read("cluster/netshare-doc__cloudlab-4node-160cpu__ray-status.txt"))
    assert c.source == "ray" and len(c.nodes) == 4 and c.gpus_total == 0
    assert all(n.cpus == 40 for n in c.nodes)  # one node type: the totals split evenly


def test_ray_status_legacy_layout() -> None:
    c = ray.parse_status(read("cluster/ray-pr12772__local-8cpu-laptop-2020__ray-status-legacy.txt"))
    assert len(c.nodes) == 1 and c.nodes[0].cpus == 8 and c.nodes[0].memory_gb == 7.13
    assert c.gpus_total == 0  # a pending GPU demand is not a GPU


def test_ray_status_gpus_and_distinct_nodes() -> None:
    text = ("======== Autoscaler status: 2024-05-01 ========\nNode status\n----\nActive:\n"
            " 1 node_aaa\n 1 node_bbb\nPending:\n (no pending nodes)\n\nResources\n-----\nUsage:\n"
            " 0.0/128.0 CPU\n 0.0/16.0 GPU\n 0.0/16.0 accelerator_type:H100\n 0B/1.50TiB memory\n")
    c = ray.parse_status(text)
    assert c.gpus_total == 16 and [n.name for n in c.nodes] == ["node_aaa", "node_bbb"]
    # two distinct nodes: per-node resources are not known from totals
    assert all(n.cpus is None and n.gpus == [] for n in c.nodes)


def test_ray_nodes_repr() -> None:
    c = ray.parse_status(read("cluster/netshare-doc__cloudlab-4node-160cpu__ray-nodes-pyrepr.txt"))
    assert len(c.nodes) == 4 and all(n.cpus == 40 for n in c.nodes)
    assert c.nodes[0].name == "node4.env-test.cloudmigration-pg0.wisc.cloudlab.us"
    assert c.nodes[0].memory_gb == round(140365287015.0 / GIB, 2)


# --------------------------------------------------------------------------------------------
# robustness: junk and truncated inputs never raise
# --------------------------------------------------------------------------------------------

FIXTURE_TEXTS = [p.read_text(encoding="utf-8") for p in FIXTURES]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=2000))
def test_parsers_never_raise_on_junk(text: str) -> None:
    for parser in ALL_PARSERS:
        parser(text)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(FIXTURE_TEXTS), st.integers(min_value=0, max_value=5000), st.text(max_size=40))
def test_parsers_never_raise_on_truncated_fixtures(text: str, cut: int, tail: str) -> None:
    damaged = text[: cut % (len(text) + 1)] + tail
    for parser in ALL_PARSERS:
        parser(damaged)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["NodeName=", "Gres=gpu:", "a100", ":", "4", "(S:0-1)", ",", " ", "\n",
                                 "CPUTot=", "RealMemory=", "{", "}", '"nvidia.com/gpu"', "Healthy:", " 1 node",
                                 "0.0/8.0 GPU", "max", "9223372036854771712", "hw.memsize: "]), max_size=40))
def test_parsers_never_raise_on_token_soup(tokens: list[str]) -> None:
    text = "".join(tokens)
    for parser in ALL_PARSERS:
        parser(text)
    assert isinstance(slurm.parse_scontrol_nodes(text), Cluster)
    assert isinstance(proc_cpuinfo.parse(text), CPU)
