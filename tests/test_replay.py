"""Replay folders assembled from real fixtures -> profiles; record/replay round trips."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pickrt.detect import apply_cuda_visible_devices, build_profile, detect_host, detect_replay, merge_gpu_lists
from pickrt.probes.replay import RecordError, MANIFEST, load_dir, record_dir
from pickrt.probes.runner import PROBE_FILES, ProbeResult
from pickrt.profile import Profile as ProfileModel  # the schema: detection's output must validate
from pickrt.profile_plain import GPU, Profile
from pickrt.render.detect_text import render

PROBES = Path(__file__).resolve().parent / "fixtures" / "probes"


def assemble(folder: Path, files: dict[str, str | None], texts: dict[str, str] | None = None) -> Path:
    """Create a replay folder: {replay file name: fixture path relative to fixtures/probes}."""
    folder.mkdir(parents=True, exist_ok=True)
    for target, source in files.items():
        if source is not None:
            shutil.copyfile(PROBES / source, folder / target)
    for target, text in (texts or {}).items():
        (folder / target).write_text(text, encoding="utf-8")
    return folder


def probe(profile: Profile, name: str):
    return next(p for p in profile.probes if p.name == name)


def without_probes(profile: Profile) -> dict:
    data = profile.model_dump()
    data.pop("probes")
    return data


# --------------------------------------------------------------------------------------------
# machines
# --------------------------------------------------------------------------------------------

@pytest.fixture
def h100_server(tmp_path: Path) -> Path:
    return assemble(tmp_path / "h100", {
        "nvidia-smi-q.txt": "nvidia/gls__H100SXMx8__q.txt",
        "nvidia-smi.txt": "nvidia/gls__H100SXMx8__table.txt",
        "lscpu.txt": "cpu/autodl-machineinfo__xeon-gold-6459c-sapphire-rapids-2s__lscpu.txt",
    }, {"uname.txt": "Linux x86_64\n"})


def test_multi_gpu_h100_server(h100_server: Path) -> None:
    p = detect_replay(str(h100_server))
    assert (p.os, p.arch) == ("linux", "x86_64")
    # -q and the table describe the same 8 GPUs: 8 entries, not 16
    assert len(p.gpus) == 8
    for gpu in p.gpus:
        assert (gpu.vendor, gpu.name, gpu.vram_gb) == ("nvidia", "NVIDIA H100 80GB HBM3", 79.65)
        assert gpu.driver == "565.57.01" and gpu.count == 1 and gpu.mig is None
    assert p.cpu.cores == 64 and "amx_tile" in p.cpu.flags
    assert probe(p, "nvidia-smi-q").status == "ok"
    assert probe(p, "nvidia-smi-q-x").status == "missing"
    assert probe(p, "rocm-smi").status == "missing"
    assert p.apple is None and p.cluster is None and p.memory_limit_gb is None
    assert {pr.name for pr in p.probes} >= set(PROBE_FILES)


def test_mismatched_nvidia_forms_are_not_merged(h100_server: Path) -> None:
    shutil.copyfile(PROBES / "nvidia/triton-pr8070__mixed-titanv-rtx5880ada__query-gpu.csv",
                    h100_server / "nvidia-smi-query.csv")
    p = detect_replay(str(h100_server))
    assert len(p.gpus) == 8 and all(g.compute_capability is None for g in p.gpus)
    assert "not merged" in (probe(p, "nvidia-smi-query").detail or "")


def test_nvidia_forms_fill_each_other(tmp_path: Path) -> None:
    base = "nvidia/nge__linux-x86_64__nvidia-h100-mig__590.48.01__"
    folder = assemble(tmp_path / "mig", {
        "nvidia-smi.txt": base + "table.txt",
        "nvidia-smi-L.txt": base + "L.txt",
        "nvidia-smi-query.csv": base + "query-gpu-all-fields.csv",
    })
    p = detect_replay(str(folder))
    assert len(p.gpus) == 1
    gpu = p.gpus[0]
    assert gpu.compute_capability == "9.0"  # from the CSV
    assert gpu.cuda_version == "13.1"  # from the table
    assert gpu.mig is not None and gpu.mig.enabled
    profiles = [(i.profile, i.memory_gb) for i in gpu.mig.instances]
    # MIG slices stay under their GPU, with profile (from -L) and memory (from the table)
    assert profiles == [("3g.40gb", 39.5), ("2g.20gb", 19.62), ("1g.10gb", 9.75), ("1g.10gb", 9.75)]


def test_no_gpu_container(tmp_path: Path) -> None:
    folder = assemble(tmp_path / "nogpu", {"nvidia-smi.txt": "nvidia/autodl-notes__no-gpu-container__nvidia-smi-no-devices.txt"})
    p = detect_replay(str(folder))
    assert p.gpus == [] and probe(p, "nvidia-smi").status == "ok"


@pytest.fixture
def m5_max(tmp_path: Path) -> Path:
    return assemble(tmp_path / "m5max", {
        "system_profiler-SPHardwareDataType.json": "apple/tirekick__m5-max-macbookpro-128gb__SPHardwareDataType.json",
        "sysctl.txt": "apple/tirekick__m5-max-macbookpro-128gb__sysctl-hw.perflevel.txt",
    }, {"uname.txt": "Darwin arm64\n"})


def test_m5_max_laptop(m5_max: Path) -> None:
    p = detect_replay(str(m5_max))
    assert (p.os, p.arch) == ("macos", "arm64")
    assert p.apple is not None
    assert p.apple.chip == "Apple M5 Max"
    assert p.apple.memory_gb == 128.0 and p.memory_gb == 128.0
    assert p.apple.gpu_usable_gb is None  # macOS reports no live limit: the engine applies the catalog's share
    assert p.apple.machine_model == "Mac17,6"
    assert p.apple.rosetta is False and p.apple.virtual is False
    assert p.cpu.cores == 18
    assert p.gpus == []  # the Apple GPU lives in `apple`, not in `gpus`


def test_m3_max_with_displays_and_wired_limit(tmp_path: Path) -> None:
    sysctl = (PROBES / "apple/archspec__darwin-sequoia-m3__sysctl-hw-machdep.txt").read_text()
    folder = assemble(tmp_path / "m3max", {
        "system_profiler-SPDisplaysDataType.json": "apple/joulewise-tests__m3-max-40core-gpu__SPDisplaysDataType.json",
    }, {"sysctl.txt": sysctl, "uname.txt": "Darwin arm64\n"})
    p = detect_replay(str(folder))
    assert p.apple is not None
    assert (p.apple.chip, p.apple.gpu_cores, p.apple.memory_gb) == ("Apple M3 Max", 40, 36.0)
    assert p.apple.gpu_usable_gb is None  # no iogpu.wired_limit_mb: the default share is catalog data
    assert p.cpu.model == "Apple M3 Max" and {"neon", "bf16", "i8mm"} <= set(p.cpu.flags)
    (folder / "sysctl.txt").write_text(sysctl + "iogpu.wired_limit_mb: 32768\n")
    assert detect_replay(str(folder)).apple.gpu_usable_gb == 32.0  # the sysctl override wins


def test_rosetta_process_on_m1(tmp_path: Path) -> None:
    folder = assemble(tmp_path / "rosetta", {
        "system_profiler-SPHardwareDataType.json": "apple/tirekick__m1-macbookair-under-rosetta__SPHardwareDataType.json",
    }, {"uname.txt": "Darwin x86_64\n",
        "sysctl.txt": "hw.memsize: 17179869184\nhw.optional.arm64: 1\nsysctl.proc_translated: 1\n"
                      "machdep.cpu.brand_string: VirtualApple @ 2.50GHz processor\n"})
    p = detect_replay(str(folder))
    assert p.apple is not None and p.apple.rosetta is True
    assert p.arch == "arm64"  # the machine, not the translated process
    assert p.apple.chip is None  # Rosetta hides the chip: unknown, not guessed
    assert p.apple.memory_gb == 16.0
    assert p.cpu.model is None  # not Rosetta's "VirtualApple" brand string
    assert "Rosetta" in (probe(p, "sysctl").detail or "")


def test_macos_vms(tmp_path: Path) -> None:
    arm = assemble(tmp_path / "armvm", {
        "sysctl.txt": "apple/tirekick__gha-macos26-arm64-vm__sysctl.txt",
        "system_profiler-SPHardwareDataType.json": "apple/tirekick__gha-macos26-arm64-vm__SPHardwareDataType.json",
        "sw_vers.txt": "apple/tirekick__gha-macos26-arm64-vm__sw_vers.txt",
    }, {"uname.txt": "Darwin arm64\n"})
    p = detect_replay(str(arm))
    assert p.apple is not None and p.apple.virtual is True and p.apple.chip == "Apple M1"
    assert p.memory_gb == 7.0
    intel = assemble(tmp_path / "intelvm", {
        "sysctl.txt": "apple/tirekick__gha-macos15-intel-vm__sysctl.txt",
        "system_profiler-SPHardwareDataType.json": "apple/tirekick__gha-macos15-intel-vm__SPHardwareDataType.json",
        "system_profiler-SPDisplaysDataType.json": "apple/tirekick__gha-macos15-intel-vm__SPDisplaysDataType.json",
    }, {"uname.txt": "Darwin x86_64\n"})
    q = detect_replay(str(intel))
    assert q.os == "macos" and q.arch == "x86_64"
    assert q.apple is None  # an Intel Mac has no Apple Silicon facts
    assert q.gpus == []  # the paravirtual display adapter is not a GPU
    assert q.cpu.model == "Intel(R) Core(TM) i7-8700B CPU @ 3.20GHz" and q.memory_gb == 14.0


def test_container_limit_62gb_on_503gb_host(tmp_path: Path) -> None:
    folder = assemble(tmp_path / "ctr", {
        "cgroup-memory.max": "memory/gpu-host-notes__62GB-limit-503GB-host__cgroupv2-memory.max.txt",
    }, {"proc-meminfo.txt": "MemTotal:       527958016 kB\nMemFree:        400000000 kB\nMemAvailable:   480000000 kB\n"})
    p = detect_replay(str(folder))
    assert p.memory_gb == 503.5
    assert p.memory_limit_gb == 62.0
    assert p.effective_memory_gb == 62.0
    assert "62 GiB limit" in (probe(p, "cgroup-memory.max").detail or "")


@pytest.mark.parametrize("limit_file, meminfo, expected", [
    # real captures: a 754 GiB host seen from a container, with several limits
    ({"cgroup-memory.max": "memory/k8s-doc__512Mi-pod__cgroupv2-memory.max.txt"},
     "memory/autodl-machineinfo__754gi-host-in-container__proc-meminfo-subset.txt", 0.5),
    ({"cgroup-memory.max": "memory/blog-doc__container-no-limit__cgroupv2-memory.max-and-cpu.max.txt"},
     "memory/autodl-machineinfo__754gi-host-in-container__proc-meminfo-subset.txt", None),
    ({"cgroup-memory.limit_in_bytes": "memory/moby-issue18087__docker-no-limit__cgroupv1-memory.limit_in_bytes.txt"},
     "memory/facter__4gb-vm__proc-meminfo.txt", None),
    ({"cgroup-memory.limit_in_bytes": "memory/ouspg-issue47__docker-m-4g__cgroupv1-memory.stat-grep.txt"},
     "memory/gopsutil__intel-core-i5-16gb__proc-meminfo.txt", 4.0),
    # a limit at or above the host's RAM is no limit
    ({"cgroup-memory.max": "memory/akash-notes__64GiB-container__cgroupv2-memory.max.txt"},
     "memory/gopsutil__intel-core-i5-16gb__proc-meminfo.txt", None),
])
def test_container_limits(tmp_path: Path, limit_file: dict, meminfo: str, expected) -> None:
    folder = assemble(tmp_path / "c", {**limit_file, "proc-meminfo.txt": meminfo})
    assert detect_replay(str(folder)).memory_limit_gb == expected


def test_missing_memavailable(tmp_path: Path) -> None:
    folder = assemble(tmp_path / "old", {"proc-meminfo.txt": "memory/facter__no-memavailable__proc-meminfo.txt"})
    p = detect_replay(str(folder))
    assert p.memory_gb == 3.85 and p.memory_available_gb is None


def test_four_mi300x(tmp_path: Path) -> None:
    folder = assemble(tmp_path / "mi300x", {
        "rocm-smi.txt": "amd/gls__MI300X_x4__rocm-smi.txt",
        "uname.txt": None,
    }, {"uname.txt": "Linux x86_64\n"})
    p = detect_replay(str(folder))
    assert [(g.vendor, g.name) for g in p.gpus] == [("amd", "AMD Instinct MI300X")] * 4
    assert probe(p, "rocm-smi").status == "ok" and "4 GPU(s)" in (probe(p, "rocm-smi").detail or "")


def test_jetson_orin(tmp_path: Path) -> None:
    folder = assemble(tmp_path / "orin", {
        "nv_tegra_release.txt": "jetson/boxcutter-kvm-docs__jetson-agx-orin-jetpack5.1.2__etc-nv_tegra_release.txt",
        "lscpu.txt": "jetson/jetson-miniconda-notes__jetson-xavier-class-8core-carmel__lscpu-partial.txt",
    })
    p = detect_replay(str(folder))
    assert len(p.gpus) == 1 and p.gpus[0].vendor == "nvidia" and p.gpus[0].unified_memory is True
    # JetPack 6 also has nvidia-smi: the same iGPU is listed once
    assemble(folder, {"nvidia-smi-L.txt": "jetson/jetpack-nixos-pr371__agx-orin-devkit-jp6__nvidia-smi-L.txt"})
    q = detect_replay(str(folder))
    assert len(q.gpus) == 1 and q.gpus[0].name.startswith("Orin")


def test_windows_adapters_do_not_duplicate_vendor_tools(tmp_path: Path) -> None:
    folder = assemble(tmp_path / "win", {
        "wmic-videocontroller.txt": "windows/oshi-issue2521__rtx4090-plus-uhd770__wmic-win32_VideoController.txt",
        "wmic-cpu.txt": "windows/pycpuinfo__win10-core-i5-4300u__wmic-cpu.txt",
    }, {"uname.txt": "Windows AMD64\n", "wmic-memory.txt": "TotalPhysicalMemory=68719476736\n"})
    p = detect_replay(str(folder))
    assert p.os == "windows" and p.memory_gb == 64.0
    assert p.cpu.model == "Intel(R) Core(TM) i5-4300U CPU @ 1.90GHz"
    assert [g.vendor for g in p.gpus] == ["nvidia", "intel"]
    assert p.gpus[0].vram_gb is None  # AdapterRAM is capped at 4 GiB: unknown, not 4
    assemble(folder, {"nvidia-smi-q-x.xml": "nvidia/netdata__rtx-4090-driver-535.xml"})
    q = detect_replay(str(folder))
    assert [g.vendor for g in q.gpus] == ["nvidia", "intel"]
    assert q.gpus[0].vram_gb is not None and q.gpus[0].vram_gb > 20


def test_cluster_precedence(tmp_path: Path) -> None:
    folder = assemble(tmp_path / "hpc", {
        "scontrol-show-node.txt": "cluster/hpc-doc__cn1092-4x-a100__scontrol-show-node.txt",
        "kubectl-nodes.json": "cluster/eksa-docs__1node-2x-tesla-t4-poweredge-r7525__kubectl-node-labels-partial.json",
    })
    p = detect_replay(str(folder))
    assert p.cluster is not None and p.cluster.source == "slurm" and p.cluster.gpus_total == 4
    assert "not used" in (probe(p, "kubectl-nodes").detail or "")
    assemble(folder, {"ray-status.txt": "cluster/netshare-doc__cloudlab-4node-160cpu__ray-status.txt"})
    assert detect_replay(str(folder)).cluster.source == "ray"


# --------------------------------------------------------------------------------------------
# CUDA_VISIBLE_DEVICES
# --------------------------------------------------------------------------------------------

def test_cuda_visible_devices_by_index(h100_server: Path) -> None:
    (h100_server / "cuda-visible-devices.txt").write_text("3,1")
    p = detect_replay(str(h100_server))
    assert len(p.gpus) == 2
    detail = probe(p, "nvidia-smi-q").detail or ""
    assert "2 of 8" in detail and "CUDA_VISIBLE_DEVICES" in detail


def test_cuda_visible_devices_empty_hides_all(h100_server: Path) -> None:
    (h100_server / "cuda-visible-devices.txt").write_text("")
    assert detect_replay(str(h100_server)).gpus == []


def test_cuda_visible_devices_by_uuid(tmp_path: Path) -> None:
    folder = assemble(tmp_path / "quadro", {"nvidia-smi-L.txt": "nvidia/akash-pr12__2x-quadro-rtx4000__L.txt"},
                      {"cuda-visible-devices.txt": "GPU-d6de6afc"})
    p = detect_replay(str(folder))
    assert len(p.gpus) == 1 and p.gpus[0].name == "Quadro RTX 4000"


def test_cuda_visible_devices_rules() -> None:
    gpus = [GPU(vendor="nvidia", name=f"G{i}") for i in range(4)]
    uuids = [f"GPU-{i}aaa" for i in range(4)]
    assert [g.name for g in apply_cuda_visible_devices(gpus, uuids, "2,0")[0]] == ["G2", "G0"]
    assert [g.name for g in apply_cuda_visible_devices(gpus, uuids, "1,9,2")[0]] == ["G1"]  # stops at invalid
    assert apply_cuda_visible_devices(gpus, uuids, "-1")[0] == []
    assert [g.name for g in apply_cuda_visible_devices(gpus, uuids, "GPU-3")[0]] == ["G3"]
    kept, note = apply_cuda_visible_devices(gpus, uuids, "MIG-abc")
    assert len(kept) == 4 and "MIG" in note
    kept, note = apply_cuda_visible_devices(gpus, [], "GPU-3")
    assert len(kept) == 4 and "UUID" in note


def test_merge_rejects_different_devices() -> None:
    a = [GPU(vendor="nvidia", name="NVIDIA A100-SXM4-80GB", vram_gb=80.0)]
    b = [GPU(vendor="nvidia", name="NVIDIA H100 80GB HBM3", compute_capability="9.0")]
    merged, base = merge_gpu_lists([("x", a), ("y", b)])
    assert base == "x" and merged[0].compute_capability is None


# --------------------------------------------------------------------------------------------
# record / replay, JSON, text
# --------------------------------------------------------------------------------------------

def test_record_then_replay_round_trips(h100_server: Path, tmp_path: Path) -> None:
    original = load_dir(h100_server)
    original["proc-meminfo"] = ProbeResult("proc-meminfo", "timeout", detail="cat hung")
    before = build_profile(original)
    out = tmp_path / "recorded"
    written = record_dir(original, out)
    assert {p.name for p in written} == {"nvidia-smi-q.txt", "nvidia-smi.txt", "lscpu.txt", "uname.txt"}
    assert (out / MANIFEST).is_file()
    after = detect_replay(str(out))
    assert without_probes(after) == without_probes(before)
    assert probe(after, "proc-meminfo").status == "timeout"  # not "missing": the manifest remembers
    assert (out / "nvidia-smi-q.txt").read_bytes() != (h100_server / "nvidia-smi-q.txt").read_bytes()  # redacted
    raw = tmp_path / "raw"
    record_dir(original, raw, redact=False)
    assert (raw / "nvidia-smi-q.txt").read_bytes() == (h100_server / "nvidia-smi-q.txt").read_bytes()


def test_record_replaces_a_recording_whole_and_refuses_other_folders(tmp_path: Path) -> None:
    out = tmp_path / "rec"
    out.mkdir()
    (out / "nvidia-smi-q-x.xml").write_text("<old/>")
    (out / "notes.md").write_text("mine")
    results = {"uname": ProbeResult("uname", "ok", "Linux x86_64\n"),
               "nvidia-smi-q-x": ProbeResult("nvidia-smi-q-x", "missing", detail="not found")}
    with pytest.raises(RecordError, match="not a pickrt recording"):
        record_dir(results, out)
    assert sorted(p.name for p in out.iterdir()) == ["notes.md", "nvidia-smi-q-x.xml"]  # untouched
    (out / "notes.md").unlink()
    (out / "nvidia-smi-q-x.xml").unlink()
    record_dir({**results, "nvidia-smi-q-x": ProbeResult("nvidia-smi-q-x", "ok", "<old/>")}, out)  # empty: fine
    assert (out / "nvidia-smi-q-x.xml").exists()
    record_dir(results, out)  # an earlier recording: replaced as a whole
    assert not (out / "nvidia-smi-q-x.xml").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert json.loads((out / MANIFEST).read_text())["nvidia-smi-q-x"]["status"] == "missing"


def test_live_host_record_replay(tmp_path: Path) -> None:
    from pickrt.probes.host import collect

    results = collect(timeout=2.0)
    live = build_profile(results)
    record_dir(results, tmp_path / "host")
    replayed = detect_replay(str(tmp_path / "host"))
    assert without_probes(replayed) == without_probes(live)
    live_status = {p.name: p.status for p in live.probes}
    replay_status = {p.name: p.status for p in replayed.probes}
    assert all(replay_status[k] == v for k, v in live_status.items())


def test_detect_host_profile_is_valid_json() -> None:
    p = detect_host(timeout=2.0)
    assert p.os in ("linux", "macos", "windows")
    assert p.probes and all(pr.status in ("ok", "missing", "timeout", "error") for pr in p.probes)
    again = ProfileModel.model_validate_json(p.model_dump_json())
    assert again.model_dump() == p.model_dump()
    assert render(p).startswith("System:")


@pytest.mark.parametrize("fixture", ["h100_server", "m5_max"])
def test_profile_json_round_trip_and_render(fixture: str, request: pytest.FixtureRequest) -> None:
    p = detect_replay(str(request.getfixturevalue(fixture)))
    assert ProfileModel.model_validate_json(p.model_dump_json()).model_dump() == p.model_dump()
    text = render(p)
    assert "System:" in text and "Not found:" in text
    if fixture == "m5_max":
        assert "Apple M5 Max" in text and "128 GiB unified memory" in text
    else:
        assert text.count("NVIDIA H100 80GB HBM3") == 8


def test_render_problems(tmp_path: Path) -> None:
    p = build_profile({
        "uname": ProbeResult("uname", "ok", "Linux x86_64\n"),
        "nvidia-smi-q-x": ProbeResult("nvidia-smi-q-x", "timeout", detail="nvidia-smi did not answer within 2 s (killed)"),
        "rocm-smi-json": ProbeResult("rocm-smi-json", "error", detail="exit 2: driver not loaded"),
        "sycl-ls": ProbeResult("sycl-ls", "missing", detail="sycl-ls not found on PATH"),
    })
    text = render(p)
    assert "nvidia-smi-q-x: timeout (nvidia-smi did not answer within 2 s (killed))" in text
    assert "rocm-smi-json: error (exit 2: driver not loaded)" in text
    assert "sycl-ls: sycl-ls not found on PATH" in text


def test_empty_and_nonexistent_folders(tmp_path: Path) -> None:
    p = detect_replay(str(tmp_path / "nothing-here"))
    assert p.os is None and p.gpus == [] and p.memory_gb is None
    assert all(pr.status == "missing" for pr in p.probes)


# --------------------------------------------------------------------------------------------
# robustness: any file content in any replay slot gives a valid profile
# --------------------------------------------------------------------------------------------

ALL_FIXTURE_TEXTS = [p.read_text(encoding="utf-8") for p in sorted(PROBES.rglob("*")) if p.is_file() and p.suffix != ".md"]
SLOTS = sorted(set(PROBE_FILES) | {"nvml", "cuda-visible-devices", "wmic-cpu", "wmic-memory", "wmic-videocontroller"})


@settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.dictionaries(st.sampled_from(SLOTS),
                       st.one_of(st.sampled_from(ALL_FIXTURE_TEXTS), st.text(max_size=300),
                                 st.sampled_from(ALL_FIXTURE_TEXTS).map(lambda t: t[: len(t) // 2])),
                       max_size=8),
       st.sampled_from(["Linux x86_64\n", "Darwin arm64\n", "Windows AMD64\n", "", "junk"]))
def test_build_profile_never_raises(slots: dict[str, str], uname: str) -> None:
    results = {name: ProbeResult(name, "ok", text) for name, text in slots.items()}
    results.setdefault("uname", ProbeResult("uname", "ok", uname))
    p = build_profile(results)
    assert ProfileModel.model_validate_json(p.model_dump_json()).model_dump() == p.model_dump()
    render(p)
    assert all(re.fullmatch(r"ok|missing|timeout|error", pr.status) for pr in p.probes)
