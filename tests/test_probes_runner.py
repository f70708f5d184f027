"""Probe runner and host collection: hangs, missing tools, failing tools, NVML, cgroup lookup."""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
import time
import types
from pathlib import Path

import pytest

from pickrt.probes import host
from pickrt.probes.runner import ProbeResult, read_file, run_command

posix_only = pytest.mark.skipif(os.name != "posix", reason="uses POSIX shell scripts as fake tools")


def make_tool(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    return folder


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover
        return True
    # a zombie still answers kill(0); look at its state where /proc exists
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


@posix_only
def test_hanging_nvidia_smi_times_out_and_collect_returns_fast(fake_bin: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    pids = tmp_path / "pids"
    make_tool(fake_bin, "nvidia-smi", f"sleep 30 &\necho $! >> {pids}\necho $$ >> {pids}\nsleep 30\n")
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    start = time.monotonic()
    results = host.collect(timeout=1.0)
    elapsed = time.monotonic() - start
    assert elapsed < 3.0, f"collect took {elapsed:.1f} s"
    if sys.platform.startswith("linux"):
        assert results["nvidia-smi-q-x"].status == "timeout"
        assert "nvidia-smi" in (results["nvidia-smi-q-x"].detail or "")
        assert results["uname"].status == "ok"
        # the whole process group was killed: the tool and its background child are gone
        time.sleep(0.2)
        for pid in {int(p) for p in pids.read_text().split()}:
            assert not alive(pid), f"pid {pid} survived the timeout"


@posix_only
def test_run_command_timeout_kills_group(fake_bin: Path) -> None:
    make_tool(fake_bin, "hang", "sleep 30\n")
    start = time.monotonic()
    res = run_command("hang", ["hang"], 0.5)
    assert res.status == "timeout"
    assert time.monotonic() - start < 2.0


def test_missing_tool_is_missing() -> None:
    res = run_command("nvidia-smi-q-x", ["pickrt-no-such-tool-xyz", "-q"], 1.0)
    assert res.status == "missing"
    assert "pickrt-no-such-tool-xyz" in (res.detail or "")


@posix_only
def test_failing_tool_is_error_with_first_stderr_line(fake_bin: Path) -> None:
    make_tool(fake_bin, "rocm-smi", "echo 'ERROR: amdgpu driver not loaded' >&2\necho second line >&2\nexit 3\n")
    res = run_command("rocm-smi-json", ["rocm-smi", "--json"], 2.0)
    assert res.status == "error"
    assert "ERROR: amdgpu driver not loaded" in (res.detail or "")
    assert "second line" not in (res.detail or "")
    assert "exit 3" in (res.detail or "")


@posix_only
def test_no_devices_is_ok(fake_bin: Path) -> None:
    make_tool(fake_bin, "nvidia-smi", "echo 'No devices were found'\nexit 6\n")
    res = run_command("nvidia-smi-q-x", ["nvidia-smi", "-q", "-x"], 2.0)
    assert res.status == "ok"
    assert res.detail == "no devices were found"


@posix_only
def test_partial_ok_and_locale(fake_bin: Path) -> None:
    make_tool(fake_bin, "sysctl", "echo \"hw.memsize: 1 $LC_ALL\"\necho 'unknown oid iogpu' >&2\nexit 1\n")
    res = run_command("sysctl", ["sysctl", "hw", "iogpu"], 2.0, partial_ok=True)
    assert res.status == "ok" and res.text.startswith("hw.memsize: 1 C")
    assert "unknown oid" in (res.detail or "")
    assert run_command("sysctl", ["sysctl"], 2.0).status == "error"


@posix_only
def test_stdin_is_closed(fake_bin: Path) -> None:
    make_tool(fake_bin, "reader", "cat\necho done\n")
    res = run_command("reader", ["reader"], 2.0)
    assert res.status == "ok" and res.text.strip() == "done"


def test_read_file(tmp_path: Path) -> None:
    f = tmp_path / "meminfo"
    f.write_text("MemTotal: 1024 kB\n")
    assert read_file("proc-meminfo", str(f)).text == "MemTotal: 1024 kB\n"
    assert read_file("proc-meminfo", str(tmp_path / "nope")).status == "missing"
    assert read_file("proc-meminfo", str(tmp_path)).status == "error"


def test_collect_abandons_a_hung_in_process_probe() -> None:
    release = threading.Event()

    def hung() -> ProbeResult:
        release.wait(30)
        return ProbeResult("hung", "ok")

    try:
        start = time.monotonic()
        results = host.collect(timeout=0.5, tasks={"hung": hung, "uname": host.probe_uname}, nvml=False)
        assert time.monotonic() - start < 1.5
        assert results["hung"].status == "timeout"
        assert results["uname"].status == "ok"
    finally:
        release.set()


def test_collect_turns_a_crashing_probe_into_error() -> None:
    def boom() -> ProbeResult:
        raise RuntimeError("kaput")

    results = host.collect(timeout=1.0, tasks={"boom": boom}, nvml=False)
    assert results["boom"].status == "error" and "kaput" in (results["boom"].detail or "")


def test_collect_notes_cuda_visible_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1,0")
    results = host.collect(timeout=1.0, tasks={"uname": host.probe_uname}, nvml=False)
    assert results["cuda-visible-devices"].text == "1,0"
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")
    assert "cuda-visible-devices" not in host.collect(timeout=1.0, tasks={}, nvml=False)


def test_plans_per_os() -> None:
    linux = host.plan(1.0, "linux")
    assert {"uname", "proc-cpuinfo", "proc-meminfo", "cgroup-memory.max", "cgroup-memory.limit_in_bytes",
            "nvidia-smi-q-x", "rocm-smi-json", "amd-smi-static", "xpu-smi-discovery", "sycl-ls",
            "nv_tegra_release", "kubectl-nodes", "ray-status", "scontrol-show-node", "sinfo"} <= set(linux)
    mac = host.plan(1.0, "darwin")
    assert {"sysctl", "sw_vers", "system_profiler-SPHardwareDataType", "system_profiler-SPDisplaysDataType"} <= set(mac)
    assert "nvidia-smi-q-x" not in mac
    win = host.plan(1.0, "win32")
    assert {"wmic-cpu", "wmic-memory", "wmic-videocontroller", "nvidia-smi-q-x"} <= set(win)


def test_cgroup_lookup_takes_the_tightest_ancestor(tmp_path: Path) -> None:
    root = tmp_path / "cg"
    (root / "kubepods" / "pod1" / "ctr").mkdir(parents=True)
    (root / "kubepods" / "memory.max").write_text("68719476736\n")
    (root / "kubepods" / "pod1" / "memory.max").write_text("536870912\n")
    (root / "kubepods" / "pod1" / "ctr" / "memory.max").write_text("max\n")
    res = host._tightest("cgroup-memory.max", str(root), "/kubepods/pod1/ctr", "memory.max")
    assert res.status == "ok" and res.text.strip() == "536870912"
    assert res.detail and res.detail.endswith("pod1/memory.max")
    none = host._tightest("cgroup-memory.max", str(root), "/elsewhere", "memory.max")
    assert none.status == "missing"


class _FakeNVMLError(Exception):
    pass


def fake_pynvml(devices: list[dict], init_error: str | None = None) -> types.ModuleType:
    mod = types.ModuleType("pynvml")

    def init() -> None:
        if init_error:
            raise _FakeNVMLError(init_error)

    mod.nvmlInit = init
    mod.nvmlShutdown = lambda: None
    mod.nvmlSystemGetDriverVersion = lambda: b"550.54.15"
    mod.nvmlSystemGetCudaDriverVersion = lambda: 12040
    mod.nvmlDeviceGetCount = lambda: len(devices)
    mod.nvmlDeviceGetHandleByIndex = lambda i: ("gpu", i)
    mod.nvmlDeviceGetName = lambda h: devices[h[1]]["name"] if h[0] == "gpu" else devices[h[1]]["migs"][h[2]][0]
    mod.nvmlDeviceGetUUID = lambda h: f"GPU-{h[1]:08d}-aaaa-bbbb-cccc-000000000000"
    mod.nvmlDeviceGetMemoryInfo = lambda h: types.SimpleNamespace(
        total=devices[h[1]]["mem"] if h[0] == "gpu" else devices[h[1]]["migs"][h[2]][1])
    mod.nvmlDeviceGetCudaComputeCapability = lambda h: devices[h[1]]["cc"]
    mod.nvmlDeviceGetMigMode = lambda h: (1 if devices[h[1]].get("migs") else 0, 0)
    mod.nvmlDeviceGetMaxMigDeviceCount = lambda h: len(devices[h[1]].get("migs") or [])
    mod.nvmlDeviceGetMigDeviceHandleByIndex = lambda h, j: ("mig", h[1], j)
    return mod


def test_nvml_probe_converts_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    from pickrt.detect import parse_nvml_json

    devices = [
        {"name": "NVIDIA H100 80GB HBM3", "mem": 85520809984, "cc": (9, 0)},
        {"name": b"NVIDIA A100-SXM4-40GB", "mem": 42949672960, "cc": (8, 0),
         "migs": [("NVIDIA A100-SXM4-40GB MIG 3g.20gb", 20937965568), ("NVIDIA A100-SXM4-40GB MIG 3g.20gb", 20937965568)]},
    ]
    monkeypatch.setitem(sys.modules, "pynvml", fake_pynvml(devices))
    res = host.probe_nvml()
    assert res.status == "ok", res.detail
    data = json.loads(res.text)
    assert data["driver"] == "550.54.15" and len(data["devices"]) == 2
    gpus = parse_nvml_json(res.text)
    assert [g.name for g in gpus] == ["NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-40GB"]
    assert gpus[0].compute_capability == "9.0" and gpus[0].vram_gb == 79.65 and gpus[0].cuda_version == "12.4"
    assert gpus[0].mig is None
    assert gpus[1].mig is not None and [i.profile for i in gpus[1].mig.instances] == ["3g.20gb", "3g.20gb"]
    assert gpus[1].mig.instances[0].memory_gb == 19.5


def test_nvml_probe_without_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", fake_pynvml([], init_error="NVML Shared Library Not Found"))
    res = host.probe_nvml()
    assert res.status == "missing" and "Not Found" in (res.detail or "")
    monkeypatch.setitem(sys.modules, "pynvml", fake_pynvml([], init_error="Driver/library version mismatch"))
    assert host.probe_nvml().status == "error"


def test_nvml_probe_without_pynvml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import fails
    assert host.probe_nvml().status == "missing"
