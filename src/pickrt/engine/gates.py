"""Hardware and format gates: can this runtime run here at all? Each failure is a sentence."""

from __future__ import annotations

from typing import Optional

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pickrt.catalog.models import Runtime
from pickrt.engine.hardware import HwView
from pickrt.engine.workload import Workload

OS_NAME = {"linux": "Linux", "macos": "macOS", "windows": "Windows"}


def _platform_gate(rt: Runtime, hw: HwView) -> Optional[str]:
    if not hw.os:
        return None
    on_os = [p for p in rt.platforms if p.os == hw.os]
    native = [p for p in on_os if p.native]
    if hw.arch and native:
        arch = "arm64" if hw.arch in ("arm64", "aarch64") else "x86_64" if hw.arch in ("x86_64", "amd64") else hw.arch
        if not any(p.arch == arch for p in native):
            have = ", ".join(sorted({p.arch for p in native}))
            return f"no {OS_NAME[hw.os]} {arch} build (only {have})"
    if native:
        return None
    oses = sorted({OS_NAME[p.os] for p in rt.platforms if p.native})
    only = f"runs natively on {' and '.join(oses)} only" if oses else "no native build for this OS"
    if hw.os == "windows":
        if any(p.os == "linux" for p in rt.platforms if p.native):
            return f"Linux-only ({only}): on Windows run it inside WSL2 (Ubuntu) with the GPU driver's WSL support"
        return f"{only}; not on Windows"
    if hw.os == "macos":
        note = next((p.note for p in on_os if p.note), None)
        what = "a CUDA/ROCm server" if rt.accelerators.cuda.supported or rt.accelerators.rocm.supported else "not built for macOS"
        return f"{what}: {only}" + (f" (on a Mac: {note})" if note else "")
    return only


def backend_for(rt: Runtime, hw: HwView) -> tuple[Optional[str], Optional[str]]:
    """(backend, None) when the runtime can use this hardware, else (None, reason)."""
    a = rt.accelerators
    label = hw.label
    if hw.accel == "apple":
        if a.metal.supported:
            return "metal", None
        if rt.kind == "engine" and (a.cuda.supported or a.rocm.supported or a.intel.supported):
            return None, f"needs an NVIDIA (CUDA){' or AMD (ROCm)' if a.rocm.supported else ''} GPU; {label} has Metal, which it does not support"
        if a.cpu.supported:
            return "cpu", None
        return None, f"no Metal (Apple GPU) backend; {label} cannot run it"
    if hw.accel == "nvidia":
        if a.cuda.supported:
            need = a.cuda.min_compute_capability
            have = hw.min_cc
            if need and have and have < tuple(int(x) for x in need.split(".")):
                g = next(g for g in hw.gpus if g.cc_tuple == have)
                return None, f"needs CUDA compute capability >= {need}; {g.name} is {g.cc}"
            return "cuda", None
        if a.vulkan.supported:
            return "vulkan", None
        return None, f"no CUDA backend: it cannot use {label}"
    if hw.accel == "amd":
        off = _unlisted_gfx(a.rocm.gfx_targets, hw) if a.rocm.supported else None
        if a.rocm.supported and off is None:
            return "rocm", None
        if a.vulkan.supported:
            return "vulkan", None
        if off is not None:
            g, listed = off
            return None, (f"its ROCm build does not list {g.gfx} ({g.name}); it lists {listed}")
        why = "NVIDIA-only (CUDA)" if a.cuda.supported else "no ROCm backend"
        return None, f"{why}: it cannot use {label} (AMD)"
    if hw.accel == "intel":
        if a.intel.supported:
            return "intel", None
        if a.vulkan.supported:
            return "vulkan", None
        why = "NVIDIA-only (CUDA)" if a.cuda.supported and not a.rocm.supported else "no Intel GPU (SYCL/XPU) backend"
        return None, f"{why}: it cannot use {label}"
    # CPU only
    if a.cpu.supported:
        return "cpu", None
    gpu = "an NVIDIA GPU (CUDA)" if a.cuda.supported and not (a.rocm.supported or a.metal.supported) else "a GPU"
    return None, f"needs {gpu}; this machine has no usable GPU (CPU only)"


def _gfx_listed(gfx: str, targets: list[str]) -> bool:
    """``gfx1100`` against a list that may hold exact targets or families ending in X (``gfx110X``)."""
    g = gfx.lower().split(":")[0]  # gfx90a:sramecc+:xnack- -> gfx90a
    for t in targets:
        t = t.lower()
        if g == t or (t.endswith("x") and g.startswith(t[:-1]) and len(g) == len(t)):
            return True
    return False


def _unlisted_gfx(targets: Optional[list[str]], hw: HwView):
    """(first GPU whose known gfx target is not listed, the list as text), or None when all pass or the
    runtime publishes no list. A GPU with an unknown target passes: unknown is not a reason to reject."""
    if not targets:
        return None
    for g in hw.gpus:
        if g.gfx and not _gfx_listed(g.gfx, targets):
            return g, ", ".join(targets)
    return None


def quant_gate(rt: Runtime, hw: HwView, fmt: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """(rejection, warning) for the requested quant format on this runtime and hardware."""
    if fmt is None or rt.kind == "bridge":
        return None, None
    if fmt not in rt.quant_formats:
        loads = ", ".join(f for f in rt.quant_formats if f != "other") or "its own format"
        return f"does not load {fmt.upper()} models (loads {loads})", None
    if hw.accel in ("nvidia", "amd", "intel") and fmt in ("fp8", "nvfp4", "mxfp4"):
        native = "fp8-native" in hw.classes if fmt == "fp8" else "fp4-native" in hw.classes
        if fmt == "mxfp4" and not native:
            # MXFP4 runs weight-only almost everywhere (Marlin/Triton kernels); native only on Blackwell / CDNA4.
            return None, None
        if not native:
            g = hw.gpus[0] if hw.gpus else None
            need = ("compute capability >= 8.9 (Ada, Hopper, Blackwell) or AMD MI300" if fmt == "fp8"
                    else "Blackwell: compute capability 10.0/12.0 (B200, RTX 50, RTX PRO 6000)")
            have = f"{g.name} is {g.cc or g.spec and g.spec.gfx or 'older'}" if g else "this GPU is older"
            if fmt in rt.quant_fallbacks and hw.accel == "nvidia":  # Marlin weight-only kernels are CUDA
                return None, (f"{fmt.upper()} needs {need} for native tensor-core math; {have}: {rt.name} falls back to "
                              "weight-only kernels (Marlin), which work but lose the speed advantage")
            return f"{fmt.upper()} needs {need}; {have}", None
    return None, None


def platform_gate(rt: Runtime, hw: HwView) -> Optional[str]:
    return _platform_gate(rt, hw)


__all__ = ["backend_for", "platform_gate", "quant_gate"]
