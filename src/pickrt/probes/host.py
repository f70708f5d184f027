"""Probe this machine: every probe relevant to this OS, concurrently, within a time budget.

``collect`` returns ``{probe name: ProbeResult}`` within about ``timeout + 0.5`` s even when tools
hang: each command is killed (whole process group) at ``timeout``, and in-process probes (NVML)
run in daemon threads that are abandoned if they do not finish.
Only this package runs commands or reads /proc and /sys; parsing happens in ``pickrt.parse``.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Callable, Optional

from pickrt.probes.runner import ProbeResult, platform_name, read_file, run_command

Task = Callable[[], ProbeResult]

NVIDIA_QUERY_FIELDS = "index,uuid,name,memory.total,driver_version,compute_cap,mig.mode.current"


# ---------------------------------------------------------------------------------------------
# individual probes
# ---------------------------------------------------------------------------------------------

def probe_uname() -> ProbeResult:
    """``uname -sm`` equivalent, in-process (no fork)."""
    try:
        if hasattr(os, "uname"):
            u = os.uname()
            return ProbeResult("uname", "ok", f"{u.sysname} {u.machine}\n", detail="os.uname()")
        import platform

        return ProbeResult("uname", "ok", f"{platform.system()} {platform.machine()}\n", detail="platform")
    except Exception as exc:  # pragma: no cover
        return ProbeResult("uname", "error", detail=str(exc))


def _cgroup_paths() -> dict[str, str]:
    from pickrt.parse.cgroup import parse_proc_self_cgroup

    res = read_file("proc-self-cgroup", "/proc/self/cgroup")
    return parse_proc_self_cgroup(res.text) if res.ok else {}


def _ancestors(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p and p not in (".", "..")]
    return ["/" + "/".join(parts[:i]) for i in range(len(parts), 0, -1)] + ["/"]


def _tightest(name: str, root: str, rel: str, filename: str) -> ProbeResult:
    """Read ``filename`` in the process's cgroup and its ancestors; keep the tightest limit."""
    from pickrt.parse.cgroup import parse_memory_max

    found: list[tuple[str, str, Optional[int]]] = []
    for anc in _ancestors(rel):
        path = os.path.join(root, anc.lstrip("/"), filename)
        res = read_file(name, path)
        if res.ok:
            found.append((path, res.text, parse_memory_max(res.text)))
    if not found:
        return ProbeResult(name, "missing", detail=f"no {filename} for this process (root cgroup or no memory controller)")
    limited = [f for f in found if f[2] is not None]
    path, text, _ = min(limited, key=lambda f: f[2]) if limited else found[0]  # type: ignore[arg-type, return-value]
    return ProbeResult(name, "ok", text, detail=path)


def probe_cgroup_v2() -> ProbeResult:
    name = "cgroup-memory.max"
    root = "/sys/fs/cgroup"
    if not os.path.exists(os.path.join(root, "cgroup.controllers")):
        return ProbeResult(name, "missing", detail="cgroup v2 is not the mounted hierarchy")
    rel = _cgroup_paths().get("", "/")
    return _tightest(name, root, rel, "memory.max")


def probe_cgroup_v1() -> ProbeResult:
    name = "cgroup-memory.limit_in_bytes"
    root = "/sys/fs/cgroup/memory"
    if not os.path.isdir(root):
        return ProbeResult(name, "missing", detail="no cgroup v1 memory controller")
    rel = _cgroup_paths().get("memory", "/")
    return _tightest(name, root, rel, "memory.limit_in_bytes")


def probe_nvidia_query(timeout: float) -> ProbeResult:
    argv = ["nvidia-smi", f"--query-gpu={NVIDIA_QUERY_FIELDS}", "--format=csv"]
    res = run_command("nvidia-smi-query", argv, timeout)
    if res.status == "error" and "compute_cap" in (res.detail or "") + res.text:
        # drivers before ~510 do not know compute_cap
        fields = NVIDIA_QUERY_FIELDS.replace(",compute_cap", "")
        res = run_command("nvidia-smi-query", ["nvidia-smi", f"--query-gpu={fields}", "--format=csv"], timeout)
    return res


def probe_kubectl(timeout: float) -> ProbeResult:
    name = "kubectl-nodes"
    if shutil.which("kubectl") is None:
        return ProbeResult(name, "missing", detail="kubectl not found on PATH")
    kubeconfig = os.environ.get("KUBECONFIG")
    default = os.path.join(os.path.expanduser("~"), ".kube", "config")
    in_cluster = bool(os.environ.get("KUBERNETES_SERVICE_HOST"))
    has_config = any(os.path.exists(p) for p in (kubeconfig or "").split(os.pathsep) if p) or os.path.exists(default)
    if not (has_config or in_cluster):
        return ProbeResult(name, "missing", detail="kubectl found, but no kubeconfig (no cluster configured)")
    secs = max(1, int(timeout))
    return run_command(name, ["kubectl", "get", "nodes", "-o", "json", f"--request-timeout={secs}s"], timeout)


def probe_ray(timeout: float) -> ProbeResult:
    res = run_command("ray-status", ["ray", "status"], timeout)
    if res.status == "error" and "could not find any running ray instance" in ((res.detail or "") + res.text).lower():
        return ProbeResult("ray-status", "missing", detail="ray installed, no running Ray cluster")
    return res


def probe_nvml() -> ProbeResult:
    """NVIDIA GPUs via NVML (package nvidia-ml-py, module ``pynvml``) as JSON text for ``nvml.json``."""
    name = "nvml"
    try:
        import pynvml  # type: ignore[import-not-found]
    except Exception:
        return ProbeResult(name, "missing", detail="pynvml (nvidia-ml-py) not installed")
    start = time.monotonic()

    def text(value) -> Optional[str]:
        if value is None:
            return None
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)

    def attempt(fn, *args):
        try:
            return fn(*args)
        except Exception:
            return None

    try:
        pynvml.nvmlInit()
    except Exception as exc:
        msg = str(exc) or type(exc).__name__
        status = "missing" if "not found" in msg.lower() or "libnvidia-ml" in msg.lower() else "error"
        return ProbeResult(name, status, detail=f"nvmlInit failed: {msg}")
    try:
        data: dict = {
            "driver": text(attempt(pynvml.nvmlSystemGetDriverVersion)),
            "cuda_driver_version": attempt(pynvml.nvmlSystemGetCudaDriverVersion),
            "devices": [],
        }
        count = pynvml.nvmlDeviceGetCount()
        for i in range(count):
            h = pynvml.nvmlDeviceGetHandleByIndex(i)
            mem = attempt(pynvml.nvmlDeviceGetMemoryInfo, h)
            cc = attempt(pynvml.nvmlDeviceGetCudaComputeCapability, h)
            mig = attempt(pynvml.nvmlDeviceGetMigMode, h)
            dev = {
                "index": i,
                "uuid": text(attempt(pynvml.nvmlDeviceGetUUID, h)),
                "name": text(attempt(pynvml.nvmlDeviceGetName, h)),
                "memory_total": int(mem.total) if mem is not None else None,
                "compute_capability": list(cc) if cc else None,
                "mig_current": (mig[0] if isinstance(mig, (list, tuple)) else mig) if mig is not None else None,
                "mig_instances": [],
            }
            if dev["mig_current"]:
                n = attempt(pynvml.nvmlDeviceGetMaxMigDeviceCount, h) or 0
                for j in range(int(n)):
                    mh = attempt(pynvml.nvmlDeviceGetMigDeviceHandleByIndex, h, j)
                    if mh is None:
                        continue
                    mmem = attempt(pynvml.nvmlDeviceGetMemoryInfo, mh)
                    dev["mig_instances"].append({
                        "name": text(attempt(pynvml.nvmlDeviceGetName, mh)),
                        "uuid": text(attempt(pynvml.nvmlDeviceGetUUID, mh)),
                        "memory_total": int(mmem.total) if mmem is not None else None,
                    })
            data["devices"].append(dev)
        detail = f"{count} device(s)" if count else "no devices"
        return ProbeResult(name, "ok", json.dumps(data, indent=1), detail=detail,
                           seconds=round(time.monotonic() - start, 3))
    except Exception as exc:
        return ProbeResult(name, "error", detail=f"NVML: {exc or type(exc).__name__}")
    finally:
        attempt(pynvml.nvmlShutdown)


def _windows_cpu_in_process() -> ProbeResult:
    """wmic is gone from recent Windows 11: the same facts in wmic's list format, read in-process
    (registry for the name, psutil for the counts). PowerShell would be too slow to start."""
    lines: list[str] = []
    try:
        import winreg  # type: ignore[import-not-found]

        key = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"HARDWARE\DESCRIPTION\System\CentralProcessor\0")
        name, _ = winreg.QueryValueEx(key, "ProcessorNameString")
        lines.append(f"Name={str(name).strip()}")
    except Exception:
        pass
    try:
        import psutil

        cores, threads = psutil.cpu_count(logical=False), psutil.cpu_count(logical=True)
        if cores:
            lines.append(f"NumberOfCores={cores}")
        if threads:
            lines.append(f"NumberOfLogicalProcessors={threads}")
    except Exception:
        pass
    if not lines:
        return ProbeResult("wmic-cpu", "missing", detail="wmic not found; registry and psutil gave nothing")
    return ProbeResult("wmic-cpu", "ok", "\n".join(lines) + "\n", detail="wmic not found: registry + psutil")


def probe_windows_cpu(timeout: float) -> ProbeResult:
    res = run_command("wmic-cpu", ["wmic", "cpu", "get", "Name,NumberOfCores,NumberOfLogicalProcessors",
                                   "/format:list"], timeout)
    return _windows_cpu_in_process() if res.status == "missing" else res


def probe_windows_memory(timeout: float) -> ProbeResult:
    res = run_command("wmic-memory", ["wmic", "ComputerSystem", "get", "TotalPhysicalMemory", "/format:list"], timeout)
    if res.status != "missing":
        return res
    try:
        import psutil

        total = int(psutil.virtual_memory().total)
        return ProbeResult("wmic-memory", "ok", f"TotalPhysicalMemory={total}\n", detail="wmic not found: psutil")
    except Exception as exc:
        return ProbeResult("wmic-memory", "missing", detail=f"wmic not found; psutil failed: {exc}")


def probe_cim_video(timeout: float) -> ProbeResult:
    """PowerShell's view of the display adapters, only where wmic is gone (PowerShell starts slowly)."""
    if shutil.which("wmic") is not None:
        return ProbeResult("cim-videocontroller", "missing", detail="not run: wmic is available")
    return run_command(
        "cim-videocontroller",
        ["powershell", "-NoProfile", "-NonInteractive", "-Command",
         "Get-CimInstance Win32_VideoController | Format-List Name,AdapterRAM,DeviceID,DriverVersion"], timeout)


# ---------------------------------------------------------------------------------------------
# plans
# ---------------------------------------------------------------------------------------------

CLUSTER_PROBES = ("kubectl-nodes", "ray-status", "scontrol-show-node", "sinfo")
"""Probes that may contact another machine (a Kubernetes API server, a Ray head, slurmctld):
run only when asked (``--cluster``), never on a plain detection."""


def _not_asked(name: str) -> Task:
    return lambda: ProbeResult(name, "missing", detail="not run: cluster tools may contact remote hosts; "
                                                       "pass --cluster to ask them")


def _cluster_tasks(t: float, cluster: bool = False) -> dict[str, Task]:
    if not cluster:
        return {name: _not_asked(name) for name in CLUSTER_PROBES}
    return {
        "kubectl-nodes": lambda: probe_kubectl(t),
        "ray-status": lambda: probe_ray(t),
        "scontrol-show-node": lambda: run_command("scontrol-show-node", ["scontrol", "show", "node"], t),
        "sinfo": lambda: run_command("sinfo", ["sinfo", "-N", "-o", "%N %c %m %G"], t),
    }


def _nvidia_tasks(t: float) -> dict[str, Task]:
    return {
        "nvidia-smi-q-x": lambda: run_command("nvidia-smi-q-x", ["nvidia-smi", "-q", "-x"], t),
        "nvidia-smi-query": lambda: probe_nvidia_query(t),
        # cheap; names MIG slices by profile (the XML gives only their memory)
        "nvidia-smi-L": lambda: run_command("nvidia-smi-L", ["nvidia-smi", "-L"], t),
    }


def plan(timeout: float = 2.0, system: Optional[str] = None, *, cluster: bool = False) -> dict[str, Task]:
    """The probes for this OS (``system``: 'linux', 'darwin', 'win32'; default: this one).

    Cluster tools (kubectl, ray, scontrol, sinfo) run only with ``cluster``: they talk to other
    machines. Every other probe stays on this machine.
    """
    t = timeout
    system = system or platform_name()
    tasks: dict[str, Task] = {"uname": probe_uname}
    if system == "linux":
        tasks.update({
            "proc-cpuinfo": lambda: read_file("proc-cpuinfo", "/proc/cpuinfo"),
            "lscpu": lambda: run_command("lscpu", ["lscpu"], t),
            "proc-meminfo": lambda: read_file("proc-meminfo", "/proc/meminfo"),
            "cgroup-memory.max": probe_cgroup_v2,
            "cgroup-memory.limit_in_bytes": probe_cgroup_v1,
            **_nvidia_tasks(t),
            "rocm-smi-json": lambda: run_command(
                "rocm-smi-json", ["rocm-smi", "--showproductname", "--showmeminfo", "vram", "--json"], t),
            "amd-smi-static": lambda: run_command("amd-smi-static", ["amd-smi", "static", "--json"], t),
            "xpu-smi-discovery": lambda: run_command("xpu-smi-discovery", ["xpu-smi", "discovery"], t),
            "sycl-ls": lambda: run_command("sycl-ls", ["sycl-ls"], t),
            "nv_tegra_release": lambda: read_file("nv_tegra_release", "/etc/nv_tegra_release"),
            **_cluster_tasks(t, cluster),
        })
    elif system == "darwin":
        tasks.update({
            "sysctl": lambda: run_command(
                "sysctl", ["sysctl", "hw", "machdep", "iogpu", "kern.hv_vmm_present", "sysctl.proc_translated"], t,
                partial_ok=True),
            "sw_vers": lambda: run_command("sw_vers", ["sw_vers"], t),
            "system_profiler-SPHardwareDataType": lambda: run_command(
                "system_profiler-SPHardwareDataType", ["system_profiler", "SPHardwareDataType", "-json"], t),
            "system_profiler-SPDisplaysDataType": lambda: run_command(
                "system_profiler-SPDisplaysDataType", ["system_profiler", "SPDisplaysDataType", "-json"], t),
            **_cluster_tasks(t, cluster),
        })
    elif system == "win32":
        tasks.update({
            "wmic-cpu": lambda: probe_windows_cpu(t),
            "wmic-memory": lambda: probe_windows_memory(t),
            "wmic-videocontroller": lambda: run_command(
                "wmic-videocontroller",
                ["wmic", "path", "win32_VideoController", "get", "AdapterRAM,DeviceID,Name,VideoArchitecture"], t),
            "cim-videocontroller": lambda: probe_cim_video(t),
            **_nvidia_tasks(t),
        })
    return tasks


def collect(timeout: float = 2.0, *, tasks: Optional[dict[str, Task]] = None, nvml: bool = True,
            cluster: bool = False) -> dict[str, ProbeResult]:
    """Run the probes for this OS concurrently; return within about ``timeout + 0.5`` s.

    When ``CUDA_VISIBLE_DEVICES`` is set, a ``cuda-visible-devices`` result carries its value so
    that the profile (and a recording) shows only the NVIDIA GPUs this process may use.
    """
    deadline = time.monotonic() + timeout + 0.4
    tasks = dict(tasks if tasks is not None else plan(timeout, cluster=cluster))
    results: dict[str, ProbeResult] = {}

    # NVML runs in-process and cannot be killed: a daemon thread that is abandoned if it hangs.
    nvml_box: dict[str, ProbeResult] = {}
    nvml_thread: Optional[threading.Thread] = None
    if nvml and platform_name() in ("linux", "win32"):
        def _nvml() -> None:
            nvml_box["r"] = probe_nvml()

        nvml_thread = threading.Thread(target=_nvml, name="pickrt-nvml", daemon=True)
        nvml_thread.start()

    pool = ThreadPoolExecutor(max_workers=max(1, len(tasks)), thread_name_prefix="pickrt-probe")
    futures = {}
    try:
        for name, task in tasks.items():
            futures[pool.submit(_safe, name, task)] = name
        wait(list(futures), timeout=max(0.0, deadline - time.monotonic()))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    for fut, name in futures.items():
        if fut.done() and not fut.cancelled():
            results[name] = fut.result()
        else:
            results[name] = ProbeResult(name, "timeout", detail=f"no answer within {timeout:g} s")

    if nvml_thread is not None:
        nvml_thread.join(max(0.0, deadline - time.monotonic()))
        results["nvml"] = nvml_box.get("r") or ProbeResult("nvml", "timeout", detail=f"NVML did not answer within {timeout:g} s")

    cvd = os.environ.get("CUDA_VISIBLE_DEVICES")
    if cvd is not None:
        results["cuda-visible-devices"] = ProbeResult(
            "cuda-visible-devices", "ok", cvd, detail=f"CUDA_VISIBLE_DEVICES={cvd!r}")
    return results


def _safe(name: str, task: Task) -> ProbeResult:
    try:
        res = task()
        if res.name != name:
            res.name = name
        return res
    except Exception as exc:  # a probe never stops detection
        return ProbeResult(name, "error", detail=f"{type(exc).__name__}: {exc}")


__all__ = ["collect", "plan", "probe_nvml", "probe_uname"]
