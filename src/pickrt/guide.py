"""``pickrt guide``: a first-install guide, as Markdown, for the recommended runtime or the one named.

Everything comes from the advice (engine) and the catalog entry of the runtime: install steps per
OS exactly as the catalog has them, the runtime's own model and serve commands (filled by
:mod:`pickrt.render.commands`), its port, endpoint, operator notes, common failures and sources.
The few facts the catalog does not model (how each server is told which address to bind) sit in
one small table below, with where they come from.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from typing import Optional

from pickrt.advice import Advice, Recommendation
from pickrt.catalog import Catalog
from pickrt.catalog.models import ModelSpec, Runtime, Step
from pickrt.engine.advise import advise
from pickrt.engine.fit import Fit, choose_quant, compute_fit
from pickrt.engine.gates import OS_NAME, backend_for, platform_gate
from pickrt.engine.hardware import HwView, view
from pickrt.engine.workload import ModelRef, Workload
from pickrt.errors import NoRuntimeError
from pickrt.profile import Profile
from pickrt.render.commands import endpoint_for, fill, model_values, serve_line
from pickrt.render.markdown import autolink, bullets, fence, link, ref_text, source_text

# How a server is told which address to listen on, and what it listens on when not told.
# (how, option, default bind); default None means pickrt does not know, and the guide says how to check.
_BIND: dict[str, tuple[str, str, Optional[str]]] = {
    "ollama": ("env", "OLLAMA_HOST", "127.0.0.1"),  # catalog api.bind_default; docs/faq.mdx
    "llama-cpp": ("flag", "--host", "127.0.0.1"),  # tools/server/README.md: --host (default: 127.0.0.1)
    "llamafile": ("flag", "--host", "127.0.0.1"),  # llama.cpp server options
    "mlx-lm": ("flag", "--host", "127.0.0.1"),  # mlx_lm/SERVER.md: "port 8080 of the localhost"
    "vllm": ("flag", "--host", "0.0.0.0"),  # binds (args.host or "", port): every interface
    "sglang": ("flag", "--host", "127.0.0.1"),  # ServerArgs.host = "127.0.0.1"
    "tensorrt-llm": ("flag", "--host", None),  # the catalog's serve command passes --host 127.0.0.1
    "tgi": ("flag", "--hostname", "0.0.0.0"),  # text-generation-launcher --hostname default 0.0.0.0
    "lmdeploy": ("flag", "--server-name", "0.0.0.0"),  # lmdeploy serve api_server --server-name default 0.0.0.0
    "tabbyapi": ("flag", "--host", "127.0.0.1"),  # catalog api.bind_default
    "localai": ("flag", "--address", "0.0.0.0"),  # default ":8080"; the catalog's serve command binds 127.0.0.1
    "open-webui": ("flag", "--host", "0.0.0.0"),  # open_webui/__init__.py: serve(host="0.0.0.0", port=8080)
    "lm-studio": ("setting", "Serve on Local Network", "127.0.0.1"),  # lmstudio.ai/docs/developer/core/server/serve-on-network
    "ray-serve": ("config", "`host: 0.0.0.0` under `http_options` in config.yaml", "127.0.0.1"),  # Serve HTTPOptions.host
}

_LOCAL = ("127.0.0.1", "localhost", "::1")
_PIP = re.compile(r"(?:^|&&|;|\|)\s*(?:sudo\s+)?(?:uv\s+pip|pip3?|python3?\s+-m\s+pip)\s+install\b")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_PROSE_START = re.compile(r"^(open|download|visit|go to|use|place|click|see)\s+(the|a|an|to)\b", re.I)


@dataclass
class _Model:
    """The model the guide installs, with its fit for the chosen runtime."""

    ref: ModelRef
    wl: Workload
    fit: Optional[Fit]
    why: str
    have_file: bool = False


@dataclass
class _Ctx:
    rt: Runtime
    adv: Advice
    hw: HwView
    os: str
    catalog: Catalog
    wl: Workload
    forced: bool
    rec: Optional[Recommendation]
    backend: Optional[str]
    lifecycle: list[str] = field(default_factory=list)
    model: Optional[_Model] = None
    vals: dict[str, str] = field(default_factory=dict)
    local: Optional[dict] = None
    bind_added: bool = False

    @property
    def lang(self) -> str:
        return "powershell" if self.os == "windows" else "sh"

    @property
    def port(self) -> Optional[int]:
        return self.rt.api.default_port

    @property
    def where(self) -> str:
        return f"{OS_NAME.get(self.os, self.os)} ({_hw_label(self.hw)})"


# ---- entry point ------------------------------------------------------------------------------


def guide_for(profile: Profile, wl: Workload, catalog: Catalog, *, os_name: Optional[str] = None,
              local: Optional[dict] = None) -> str:
    """The Markdown guide; raises :class:`NoRuntimeError` (exit 3) when nothing can be guided here."""
    if os_name and profile.os != os_name:
        profile = profile.model_copy(update={"os": os_name})
    hw = view(profile, catalog)
    os_ = os_name or profile.os or ("macos" if hw.accel == "apple" else "linux")
    adv = advise(profile, wl, catalog, local=local)
    ctx = _choose(adv, hw, os_, catalog, wl, local)
    ctx.model = _pick_model(ctx)
    ctx.vals = _vals(ctx, ctx.model.wl if ctx.model else None, ctx.model.fit if ctx.model else None)
    parts = [
        _title(ctx), _why(ctx), _prerequisites(ctx), _install(ctx), _get_model(ctx), _serve(ctx),
        _verify(ctx), _next_steps(ctx), _sources(ctx),
    ]
    text = "\n\n".join(p.strip("\n") for p in parts if p and p.strip()) + "\n"
    return re.sub(r"\n{3,}", "\n\n", text)


# ---- which runtime ----------------------------------------------------------------------------


def _choose(adv: Advice, hw: HwView, os_: str, catalog: Catalog, wl: Workload, local: Optional[dict]) -> _Ctx:
    rec = adv.recommendation
    if wl.runtime:
        rt = catalog.runtimes[wl.runtime]
        where = f"{OS_NAME.get(os_, os_)} ({_hw_label(hw)})"
        if rec is not None and rec.runtime == rt.slug:
            backend, _ = backend_for(rt, hw)
            state = rt.status.state
            lifecycle = [f"{'unmaintained' if state == 'dead' else state} ({state}"
                         f"{', since ' + rt.status.since if rt.status.since else ''}): {rt.status.evidence or ''}"] \
                if state in ("dead", "archived") else []
            return _Ctx(rt, adv, hw, os_, catalog, wl, True, rec, backend, lifecycle=lifecycle, local=local)
        if rt.kind == "bridge":
            gate = platform_gate(rt, hw)
            if gate:
                raise NoRuntimeError(f"{rt.name} cannot run on {where}: {gate}{_instead(adv)}")
            return _Ctx(rt, adv, hw, os_, catalog, wl, True, None, None, local=local)
        listed = next((x for x in adv.rejected if x.runtime == rt.slug), None)
        reasons = [_strip_installed(r, rt) for r in (listed.reasons if listed else [])]
        gate = platform_gate(rt, hw)
        hard = [r for r in reasons if not _is_lifecycle(r, rt)]
        if gate and gate not in hard:
            hard.insert(0, gate)
        if hard or not reasons:
            why = hard[0] if hard else "it cannot serve this workload here"
            raise NoRuntimeError(f"{rt.name} cannot run on {where}: {why}{_instead(adv)}")
        backend, _ = backend_for(rt, hw)
        return _Ctx(rt, adv, hw, os_, catalog, wl, True, None, backend, lifecycle=reasons, local=local)
    if rec is None:
        msg = adv.warnings[0] if adv.warnings else "no runtime in the catalog can serve this workload on this hardware"
        raise NoRuntimeError(msg)
    rt = catalog.runtimes[rec.runtime]
    backend, _ = backend_for(rt, hw)
    return _Ctx(rt, adv, hw, os_, catalog, wl, False, rec, backend, local=local)


def _instead(adv: Advice) -> str:
    if adv.alternatives:
        a = adv.alternatives[0]
        return f"; use {a.name} instead (`pickrt guide --runtime {a.runtime}`)"
    return "; no other runtime in the catalog can serve this workload here either"


def _is_lifecycle(reason: str, rt: Runtime) -> bool:
    """Rejections for the project's state (dead, archived, superseded), not for this machine."""
    r = reason.lower()
    return (r.startswith(("unmaintained", "archived", f"{rt.status.state}:", f"{rt.status.state} ("))
            or bool(re.match(r"^\w+: superseded by", r)))


def _strip_installed(reason: str, rt: Runtime) -> str:
    prefix = f"{rt.name} is installed here, but it is a poor fit: "
    return reason[len(prefix):] if reason.startswith(prefix) else reason


def _hw_label(hw: HwView) -> str:
    if hw.accel == "apple":
        mem = hw.profile.apple.memory_gb if hw.profile.apple else None
        label = re.sub(r"^(Apple )+", "Apple ", hw.label)
        return f"{label}, {_gib(mem)} GiB unified memory" if mem else label
    if hw.gpus:
        vram = hw.gpus[0].vram_gb
        base = hw.label + (f", {_gib(vram)} GiB VRAM" + (" each" if len(hw.gpus) > 1 else "") if vram else "")
        return base + (f", {hw.nodes} nodes" if hw.nodes > 1 else "")
    return "CPU only" + (f", {_gib(hw.system_gb)} GiB RAM" if hw.system_gb else "")


def _gib(x: float) -> str:
    return f"{x:g}" if float(x).is_integer() else f"{x:.1f}"


# ---- filling command templates ----------------------------------------------------------------


def _vals(ctx: _Ctx, mwl: Optional[Workload], fit: Optional[Fit]) -> dict[str, str]:
    """Template values for this runtime and model (:func:`model_values`), with bits per weight
    written as EXL repos name their branches (``4.0bpw``, ``4.65bpw``)."""
    v = model_values(ctx.rt, mwl, ctx.catalog, fit)
    try:
        b = f"{float(v.get('bits', '')):.2f}".rstrip("0")
        v["bits"] = b + "0" if b.endswith(".") else b
    except ValueError:
        pass
    return v


def _fill(template: Optional[str], vals: dict[str, str]) -> Optional[str]:
    """:func:`fill`, then any placeholder with a digit in its name (``{exl3_repo}``)."""
    out = fill(template, vals)
    if out is None:
        return None
    return re.sub(r"\{([a-z][a-z0-9_]*)\}", lambda m: vals.get(m.group(1), m.group(0)), out)


def _workdir(ctx: _Ctx) -> Optional[str]:
    """The folder a `git clone` install leaves you in (where relative commands must run)."""
    import posixpath

    runs = [s.run for s in ctx.rt.install.get(ctx.os, []) if s.run]
    if not any("git clone" in r for r in runs):
        return None
    cwd = "."
    for r in runs:
        for m in re.finditer(r"\bcd\s+([^\s;&|]+)", r):
            cwd = posixpath.normpath(posixpath.join(cwd, m.group(1)))
    return None if cwd in (".", "") else cwd


# ---- the model --------------------------------------------------------------------------------


def _templates(rt: Runtime) -> str:
    return " ".join(x for x in (rt.get_model, rt.serve) if x)


def _needed_fields(rt: Runtime) -> list[str]:
    """Model-table fields the runtime's commands need (so a model without them is not offered)."""
    used = set(_PLACEHOLDER.findall(_templates(rt) + " " + " ".join(s.run or "" for s in rt.install.get("docker", []))))
    need = {"hf_repo"}
    for ph, f in (("ollama_tag", "ollama_tag"), ("gguf_repo", "gguf_repo"), ("mlx_repo", "mlx_repo")):
        if ph in used:
            need.add(f)
    if "model" in used and (rt.zone == "apple-silicon" or rt.slug == "exo"):
        need.add("mlx_repo")
    return sorted(need)


def _with_model(wl: Workload, spec: ModelSpec) -> Workload:
    return dataclasses.replace(wl, model=ModelRef(spec=spec, label=spec.id), model_arg=spec.id)


def _fit_for(ctx: _Ctx, mwl: Workload) -> Optional[Fit]:
    if ctx.backend is None or mwl.model is None:
        return None
    q = choose_quant(ctx.catalog, ctx.rt, mwl)
    if q is None:
        return None
    return compute_fit(ctx.catalog, ctx.rt, ctx.hw, mwl, ctx.backend, q)


def _fitting(ctx: _Ctx) -> list[tuple[ModelSpec, Workload, Fit]]:
    """Reference models this runtime can fetch by name and whose whole workload fits here."""
    need = _needed_fields(ctx.rt)
    out = []
    for m in ctx.catalog.models:
        if not all(getattr(m, f, None) for f in need):
            continue
        mwl = _with_model(ctx.wl, m)
        f = _fit_for(ctx, mwl)
        if f is not None and f.fits:
            out.append((m, mwl, f))
    return out


def _pick_model(ctx: _Ctx) -> Optional[_Model]:
    rt, wl = ctx.rt, ctx.wl
    if rt.kind == "bridge" or ctx.backend is None:
        return None
    ref = wl.model
    need = _needed_fields(rt)
    if ref is not None:
        import os.path

        if ref.file_gb is not None and wl.model_arg and os.path.exists(os.path.expanduser(wl.model_arg)):
            return _Model(ref, wl, _fit_for(ctx, wl), "the model file you gave", have_file=True)
        if ref.exact and all(getattr(ref.spec, f, None) for f in need):
            return _Model(ref, wl, _fit_for(ctx, wl), "the model you asked for")
    cands = _fitting(ctx)
    if not cands:
        if ref is not None:
            return _Model(ref, wl, _fit_for(ctx, wl), "the model you asked for")
        return None
    if ref is not None:
        target = ref.spec.params_b
        m, mwl, f = min(cands, key=lambda c: (abs(math.log(c[0].params_b / target)), -c[0].params_b))
        return _Model(mwl.model, mwl, f, f"a concrete model the size you gave ({ref.label}) that fits")
    m, mwl, f = max(cands, key=lambda c: c[0].params_b)
    return _Model(mwl.model, mwl, f, "the largest reference model that fits this runtime here")


def _smaller_first(ctx: _Ctx) -> Optional[tuple[ModelSpec, str, str]]:
    """Another model worth naming: one that fits entirely when the asked-for one does not, or a
    quick ~8B first test when the guide picked a big model on its own."""
    mm = ctx.model
    if mm is None or mm.have_file or not ctx.rt.get_model:
        return None
    if mm.fit is not None and not mm.fit.fits:
        cands = [c for c in _fitting(ctx) if c[0].params_b < mm.ref.spec.params_b]
        why = "Fits entirely in {mem} instead".format(mem="GPU memory" if mm.fit.pool.kind == "vram" else "memory")
    elif ctx.wl.model is None and mm.ref.spec.params_b > 16:
        cands = [c for c in _fitting(ctx) if 6 <= c[0].params_b <= 10]
        why = "For a quicker first test, a smaller model"
    else:
        return None
    if not cands:
        return None
    m, mwl, f = max(cands, key=lambda c: c[0].params_b)
    line = _fill(ctx.rt.get_model, _vals(ctx, mwl, f))
    return (m, line, f"{why} ({m.id} at {f.quant.id}, {f.required_gb:.1f} GiB)") if line else None


# ---- sections ---------------------------------------------------------------------------------


def _title(ctx: _Ctx) -> str:
    rt = ctx.rt
    out = [f"# {rt.name} on {_hw_label(ctx.hw)} / {OS_NAME.get(ctx.os, ctx.os)}", ""]
    facts = []
    if rt.summary:
        facts.append(rt.summary.rstrip())
    rel = rt.latest_release
    state = f"Project state: {rt.status.state}"
    if rel and rel.version:
        state += f"; latest release {rel.version}" + (f" ({rel.date})" if rel.date else "")
    if rt.license:
        state += f"; licence {rt.license}"
    facts.append(state + ".")
    links = [link("homepage", rt.homepage) if rt.homepage else "", link("repository", rt.repo) if rt.repo and rt.repo != rt.homepage else ""]
    links = [x for x in links if x]
    if links:
        facts.append(" · ".join(links))
    out.append("\n\n".join(facts))
    out.append("")
    out.append(f"Generated by `pickrt guide` from its catalog entry (checked {rt.as_of}). Commands for "
               f"{OS_NAME.get(ctx.os, ctx.os)}" + (" (PowerShell)" if ctx.os == "windows" else "") + ".")
    return "\n".join(out)


def _why(ctx: _Ctx) -> str:
    rt, adv = ctx.rt, ctx.adv
    out = ["## What you are installing and why", ""]
    if rt.kind == "bridge":
        out.append(f"You asked for {rt.name} with `--runtime {rt.slug}`. It is a companion, not an inference "
                   "engine: it runs no model itself and needs an engine with an OpenAI-compatible (or Ollama) "
                   "API to talk to.")
        comp = next((c for c in adv.companions if c.runtime == rt.slug), None)
        if comp:
            out += ["", bullets(_cap(r) for r in comp.reasons)]
        eng = _engine_pick(ctx)
        if eng:
            out += ["", f"The engine pickrt recommends here is **{eng[0]}**: its guide is `pickrt guide --runtime {eng[1]}`."]
        return "\n".join(out)
    if ctx.rec is not None:
        reasons = list(ctx.rec.reasons)
        if ctx.forced and not any(r.startswith("you asked for") for r in reasons):
            reasons.insert(0, f"you asked for {rt.name} with --runtime")
        lead = f"**{rt.name}** ({rt.zone} zone)" + (", the one you asked for." if ctx.forced else ", pickrt's pick for this hardware and workload.")
        out += [lead, "", bullets(_cap(r) for r in reasons)]
    else:
        out += [f"**{rt.name}** ({rt.zone} zone): you asked for it with `--runtime {rt.slug}`; pickrt would not pick it."]
    if ctx.lifecycle:
        instead = f" Prefer {adv.alternatives[0].name} (`pickrt guide --runtime {adv.alternatives[0].runtime}`)." if adv.alternatives else ""
        succ = ctx.catalog.runtimes.get(rt.superseded_by) if rt.superseded_by else None
        if succ:
            instead = f" Its successor is {succ.name} (`pickrt guide --runtime {succ.slug}`)." + instead
        out += ["", f"> **Warning:** {autolink(_nodot(_cap(_dedupe_text(ctx.lifecycle)[0])))}.{instead}"]
    runner = _runner_up(ctx)
    if runner:
        out += ["", runner]
    warns = [w for w in adv.warnings if not (rt.kind == "engine" and w.startswith(f"{rt.name} cannot serve"))]
    for w in warns:
        out += ["", f"> **Note:** {autolink(w)}"]
    if ctx.local:
        if rt.slug in ctx.local.get("running", set()):
            out += ["", f"{rt.name} is already running on this machine: skip to [Verify](#verify)."]
        elif rt.slug in ctx.local.get("installed", set()):
            out += ["", f"{rt.name} is already installed on this machine: skip to [Get a model that fits](#get-a-model-that-fits)."]
    return "\n".join(out)


def _runner_up(ctx: _Ctx) -> Optional[str]:
    alts = [a for a in ctx.adv.alternatives if a.runtime != ctx.rt.slug]
    if not alts:
        return None
    a = alts[0]
    below = next((r for r in a.reasons if r.startswith("runs here, ranked below")), None)
    why = below or a.reasons[0]
    if why.startswith("pickrt's own pick") and len(a.reasons) > 1:
        why = f"{why}: {a.reasons[1]}"
    return f"**Why not {a.name}?** {_cap(why)}. (`pickrt guide --runtime {a.runtime}` writes its guide.)"


def _engine_pick(ctx: _Ctx) -> Optional[tuple[str, str, Runtime]]:
    for a in ctx.adv.alternatives:
        rt = ctx.catalog.runtimes.get(a.runtime)
        if rt is not None and rt.kind == "engine":
            return a.name, a.runtime, rt
    return None


def _prerequisites(ctx: _Ctx) -> str:
    rt, hw, os_ = ctx.rt, ctx.hw, ctx.os
    steps = rt.install.get(os_, [])
    runs = [s.run for s in steps if s.run]
    items: list[str] = []
    # the OS and architecture
    arch = _arch(hw.arch)
    plat = next((p for p in rt.platforms if p.os == os_ and p.native and (arch is None or p.arch == arch)), None)
    osn = OS_NAME.get(os_, os_)
    if plat is not None:
        items.append(f"**System:** {osn} {plat.arch}: {rt.name} ships a native build"
                     + (f" ({_nodot(plat.note)})." if plat.note else "."))
    else:
        items.append(f"**System:** {osn}" + (f" {arch}" if arch else "") + ".")
    if os_ == "windows":
        wsl = [s for s in steps if "wsl" in ((s.text or "") + (s.run or "")).lower()]
        if wsl:
            items.append(f"**WSL2:** required. {_nodot(wsl[0].text or wsl[0].run)}. Install it with `wsl --install` "
                         "in an administrator PowerShell, then follow the Linux steps inside Ubuntu.")
        elif rt.kind == "engine":
            items.append(f"**WSL2:** not needed: {rt.name} runs natively on Windows (Linux-only engines such as "
                         "vLLM or SGLang would need WSL2).")
    # the accelerator
    items.append(_accel_item(ctx))
    # memory and disk for the model
    mm = ctx.model
    if mm is not None and mm.fit is not None:
        f = mm.fit
        state = "fits" if f.fits else ("fits only by offloading layers to system RAM (slow)" if f.offload else "does NOT fit")
        if f.pool.gb is not None:
            items.append(f"**Memory:** {mm.ref.label} at {f.quant.id} needs {f.required_gb:.1f} GiB; "
                         f"{f.pool.gb:.1f} GiB usable ({f.pool.what}): {state}.")
        extra = ""
        if runs and any(_PIP.search(r) for r in runs) and ctx.backend in ("cuda", "rocm", "intel"):
            extra = "; a pip install of a GPU engine also pulls PyTorch and GPU libraries, several GiB more"
        items.append(f"**Disk:** about {math.ceil(f.weights_gb + 0.5)} GiB free for the weights "
                     f"({f.weights_gb:.1f} GiB of {mm.ref.label}, {f.quant.id}){extra}. pickrt does not check free disk.")
    elif rt.kind == "bridge":
        items.append("**Memory:** little of its own; the model's memory is the engine's business.")
    # Python and tools the steps use
    if any(_PIP.search(r) for r in runs):
        items.append(_python_item(ctx))
    tools = _tool_items(ctx, runs)
    items.extend(tools)
    if mm is not None and mm.ref.spec.gated and _uses_hf_repo(ctx):
        repo = mm.ref.spec.hf_repo
        items.append(f"**Hugging Face access:** {repo} is gated: accept its licence on "
                     f"<https://huggingface.co/{repo}>, then `hf auth login` (or set `HF_TOKEN`).")
    return "## Prerequisites\n\n" + bullets(items)


def _arch(a: Optional[str]) -> Optional[str]:
    if not a:
        return None
    return "arm64" if a in ("arm64", "aarch64") else "x86_64" if a in ("x86_64", "amd64") else a


def _accel_item(ctx: _Ctx) -> str:
    rt, hw, b = ctx.rt, ctx.hw, ctx.backend
    acc = rt.accelerators
    if rt.kind == "bridge":
        return f"**GPU:** none needed: {rt.name} only talks to an engine."
    if b == "cuda":
        g = hw.gpus[0] if hw.gpus else None
        need = acc.cuda.min_compute_capability
        s = "**NVIDIA driver and CUDA:** "
        if need:
            have = f"{g.name} is {g.cc}" if g and g.cc else "check yours with `nvidia-smi --query-gpu=name,compute_cap --format=csv`"
            ok = ": ok" if g and g.cc and g.cc_tuple and g.cc_tuple >= tuple(int(x) for x in need.split(".")) else ""
            s += f"{rt.name} needs compute capability {need} or newer; {have}{ok}."
        else:
            s += f"{rt.name} runs on NVIDIA GPUs the driver supports" + (f" ({g.name}, compute capability {g.cc})." if g and g.cc else ".")
        if acc.cuda.note:
            s += f" {_nodot(acc.cuda.note)}."
        drv = next((x.driver for x in hw.profile.gpus if x.driver), None)
        s += f" Detected driver: {drv}." if drv else " `nvidia-smi` shows the installed driver."
        return s
    if b == "rocm":
        s = f"**AMD ROCm:** {rt.name} uses ROCm on {hw.label}."
        return s + (f" {_nodot(acc.rocm.note)}." if acc.rocm.note else "") + " `rocm-smi` (or `amd-smi`) shows the driver."
    if b == "metal":
        s = f"**GPU:** the Apple GPU of the {_hw_label(hw).split(',')[0]} through Metal: nothing to install."
        return s + (f" {_nodot(acc.metal.note)}." if acc.metal.note else "")
    if b == "intel":
        return f"**Intel GPU:** drivers with Level Zero / oneAPI support." + (f" {_nodot(acc.intel.note)}." if acc.intel.note else "")
    if b == "vulkan":
        return f"**GPU:** a Vulkan driver for {hw.label}." + (f" {_nodot(acc.vulkan.note)}." if acc.vulkan.note else "")
    if b == "cpu":
        mem = f" ({_gib(hw.system_gb)} GiB RAM)" if hw.system_gb else ""
        return f"**GPU:** none needed: {rt.name} runs on the CPU here{mem}; expect a few tokens per second on large models." + (
            f" {_nodot(acc.cpu.note)}." if acc.cpu.note else "")
    return "**GPU:** see the project's documentation."


def _python_item(ctx: _Ctx) -> str:
    notes = " ".join(p.note or "" for p in ctx.rt.platforms) + " " + (ctx.rt.quant_note or "")
    m = re.search(r"Python (3\.\d+)", notes)
    ver = f"Python {m.group(1)}" if m else "a 64-bit Python 3 (3.10 to 3.12 is the safe range for most inference wheels)"
    act = r".venv\Scripts\Activate.ps1" if ctx.os == "windows" else "source .venv/bin/activate"
    py = "python" if ctx.os == "windows" else "python3"
    uses_uv = any(re.search(r"\buv\s+pip\b", s.run or "") for s in ctx.rt.install.get(ctx.os, []))
    uv_installs = any(re.search(r"\b(pip|brew)\s+install\b.*\buv\b", s.run or "") for s in ctx.rt.install.get(ctx.os, []))
    if uses_uv and not uv_installs:
        venv = f"`uv venv --python 3.12 --seed` then `{act}` (uv: <https://docs.astral.sh/uv/>; `uv pip` refuses to run outside a virtual environment)"
    else:
        venv = f"`{py} -m venv .venv` then `{act}`"
    s = f"**Python:** {ver}, in a fresh virtual environment: {venv}. pickrt cannot see your Python: check `{py} --version`."
    if ctx.backend == "metal" or ctx.hw.accel == "apple":
        s += " On a Mac it must be a native arm64 Python, not one under Rosetta."
    return s


def _tool_items(ctx: _Ctx, runs: list[str]) -> list[str]:
    os_ = ctx.os
    joined = "\n".join(runs)
    out = []
    installs = set(re.findall(r"\bbrew install ([\w.@ -]+)", joined))
    installed_by_steps = {w for grp in installs for w in grp.split()}
    if re.search(r"(^|\s|&&)brew\s", joined):
        if os_ == "macos":
            out.append("**Homebrew:** <https://brew.sh>; its installer also sets up the Xcode Command Line Tools "
                       "(`xcode-select --install` installs those alone).")
        else:
            out.append("**Homebrew:** the step below uses Homebrew on Linux (<https://brew.sh>).")
    if re.search(r"(^|\s|&&)git\s", joined) and "git" not in installed_by_steps:
        how = {"macos": "from the Xcode Command Line Tools (`xcode-select --install`)",
               "windows": "Git for Windows (`winget install Git.Git`)",
               "linux": "from your package manager (`sudo apt install git` on Debian/Ubuntu)"}[os_]
        out.append(f"**git:** {how}.")
    if re.search(r"(^|\s|&&)npm\s", joined) and "node" not in installed_by_steps:
        out.append("**Node.js and npm:** <https://nodejs.org>.")
    if re.search(r"(^|\s|&&)uv\s+run\b", joined) and "uv" not in installed_by_steps:
        out.append("**uv:** <https://docs.astral.sh/uv/>.")
    if re.search(r"\bapt-get\b|\bapt\s", joined):
        out.append("**Debian/Ubuntu:** a step uses `apt-get`; on other distributions install the same package with your package manager.")
    if re.search(r"(^|\s)winget\s", joined):
        out.append("**winget:** part of App Installer on current Windows 10 and 11.")
    if re.search(r"\bhf\s+download\b", ctx.rt.get_model or ""):
        out.append("**Hugging Face CLI:** `hf` comes with `huggingface_hub` (`pip install -U huggingface_hub`); "
                   "Python installs of the runtime usually bring it.")
    return out


def _uses_hf_repo(ctx: _Ctx) -> bool:
    t = _templates(ctx.rt)
    if "{hf_repo}" in t:
        return True
    return "{model}" in t and ctx.vals.get("model") == ctx.vals.get("hf_repo")


def _install(ctx: _Ctx) -> str:
    rt, os_ = ctx.rt, ctx.os
    out = ["## Install", ""]
    steps = rt.install.get(os_, [])
    if not steps:
        out.append(f"The catalog has no {OS_NAME.get(os_, os_)} install steps for {rt.name}: see "
                   + (f"<{rt.homepage}>." if rt.homepage else "the project's documentation."))
    for s in steps:
        out.append(_step_md(s, ctx.lang))
        out.append("")
    if rt.detect.version_command and any(s.run for s in steps):
        out += ["Check that it is installed:", "", fence(rt.detect.version_command, ctx.lang), ""]
    docker = _docker_steps(ctx)
    if docker:
        out += ["### Or run it in a container", ""]
        out.append(docker)
    return "\n".join(out)


def _step_md(s: Step, lang: str) -> str:
    if s.run:
        return fence(s.run, lang)
    text = _nodot(s.text or "")
    return f"{text}: <{s.url}>." if s.url else f"{text}."


def _docker_steps(ctx: _Ctx) -> str:
    steps = [s for s in ctx.rt.install.get("docker", []) if s.run]
    if not steps:
        return ""
    def nvidia(cmd: str) -> bool:
        return bool(re.search(r"--gpus\b|--runtime[ =]nvidia", cmd))
    if ctx.os == "macos":
        steps = [s for s in steps if not nvidia(s.run)]
        if not steps:
            return ""
        pre = ("Docker Desktop runs containers in a Linux VM without access to the Apple GPU: this path runs "
               "on the CPU only. Prefer the native install above.")
    else:
        gpu_steps = [s for s in steps if nvidia(s.run)]
        if ctx.backend == "cuda" and gpu_steps and len(gpu_steps) < len(steps):
            steps = gpu_steps
        elif ctx.backend != "cuda":
            steps = [s for s in steps if not nvidia(s.run)] or []
        if not steps:
            return ""
        if ctx.os == "windows":
            pre = "Needs Docker Desktop with its WSL2 backend" + (
                "; `--gpus` also needs the NVIDIA driver's WSL support." if any(nvidia(s.run) for s in steps) else ".")
        else:
            pre = "Needs Docker" + (" and the NVIDIA Container Toolkit (for `--gpus` / `--runtime nvidia`)."
                                    if any(nvidia(s.run) for s in steps) else ".")
        if ctx.backend == "cuda" and not any(nvidia(s.run) for s in steps):
            pre += " As written this container gets no GPU (no `--gpus` flag): it runs on the CPU."
    out = [pre, ""]
    for s in steps:
        cmd = fill(s.run, ctx.vals) or s.run
        out += [fence(cmd, ctx.lang), ""]
    if any("127.0.0.1:" in (s.run or "") for s in steps):
        out.append("The `-p 127.0.0.1:…` mapping publishes the port on this machine only.")
    return "\n".join(out)


def _get_model(ctx: _Ctx) -> str:
    rt = ctx.rt
    out = ["## Get a model that fits", ""]
    if rt.kind == "bridge":
        eng = _engine_pick(ctx)
        out.append(f"{rt.name} runs no model itself: pull one with the engine"
                   + (f" ({eng[0]}: `pickrt guide --runtime {eng[1]}` shows how)." if eng else "."))
        return "\n".join(out)
    mm = ctx.model
    if mm is None:
        out.append(f"pickrt found no reference model whose memory fit it can check for {rt.name} here"
                   + (" (give `--memory` / `--vram`)." if ctx.hw.system_gb is None else ".")
                   + (f" {_nodot(rt.api.native_api)}." if rt.api.native_api else ""))
        return "\n".join(out)
    spec, f = mm.ref.spec, mm.fit
    name = f"**{mm.ref.label}**" + (f" ({spec.hf_repo})" if spec.hf_repo and not mm.have_file else "")
    if f is not None:
        state = ("fits" if f.fits else "fits only by offloading layers to system RAM, several times slower"
                 if f.offload else "does not fit")
        users = f"{mm.wl.users} user{'s' if mm.wl.users != 1 else ''}"
        out.append(f"{name} at **{f.quant.id}**, {mm.why}: {f.required_gb:.1f} GiB needed "
                   f"({f.weights_gb:.1f} GiB weights + {f.kv_gb:.1f} GiB KV cache for {mm.wl.context} tokens x "
                   f"{users} + {f.overhead_gb:.1f} GiB runtime overhead) of "
                   + (f"{f.pool.gb:.1f} GiB usable ({f.pool.what}): {state}." if f.pool.gb is not None else "unknown memory."))
        out += ["", f"<details><summary>How pickrt sized it</summary>\n\n{f.detail}.\n\n</details>"]
    else:
        out.append(f"{name}, {mm.why}.")
    out.append("")
    if mm.have_file:
        out.append(f"You already have the weights: `{mm.wl.model_arg}`. The serve command below loads that file.")
        return "\n".join(out)
    line = _fill(rt.get_model, ctx.vals)
    wd = _workdir(ctx)
    if line and _is_prose(line):
        out.append(_cap(_nodot(line)) + ".")
    elif line:
        line = _os_cmd(ctx, line)
        out += [f"Get it with {rt.name}'s own command" + (f", inside the `{wd}` folder the install cloned" if wd else "") + ":",
                "", fence(line, ctx.lang)]
        notes = []
        if "hf download" in line and "--local-dir" not in line:
            notes.append("`hf download` saves into the Hugging Face cache (`~/.cache/huggingface`) and prints the path.")
        gguf = _gguf_note(ctx, line)
        if gguf:
            notes.append(gguf)
        if _starts_server(rt, line):
            notes.append(f"This command also starts the server on port {ctx.port}"
                         + (": it downloads the model on first use, then serves it" if " -hf " in line else "")
                         + " (see [Serve](#serve)).")
        for n in notes:
            out += ["", n]
    elif rt.serve and re.search(r"\{(model|hf_repo|mlx_repo|gguf_repo|model_name)\}", rt.serve):
        out.append(f"{rt.name} has no download command of its own: the serve command below names the model and "
                   "fetches it where it can.")
    elif rt.serve:
        out.append(f"{rt.name} chooses and downloads its models itself; the size above is what fits here.")
    elif "gguf" in rt.quant_formats and spec.gguf_repo:
        q = ctx.vals.get("quant", "")
        out += [f"{rt.name} has no download command of its own; the GGUF files are on Hugging Face:", "",
                fence(f'hf download {spec.gguf_repo} --include "*{q}*" --local-dir .', ctx.lang)]
    elif spec.hf_repo:
        out += [f"{rt.name} has no download command of its own; the weights are on Hugging Face:", "",
                fence(f"hf download {spec.hf_repo}", ctx.lang)]
    small = _smaller_first(ctx)
    if small:
        m, sline, lead = small
        if _is_prose(sline):
            out += ["", f"{lead}: {_nodot(sline)}."]
        else:
            out += ["", f"{lead}:", "", fence(_os_cmd(ctx, sline), ctx.lang)]
    return "\n".join(out)


def _gguf_note(ctx: _Ctx, line: str) -> Optional[str]:
    """Where the .gguf file a command names comes from, when pickrt made up its name."""
    model = ctx.vals.get("model", "")
    if not model.endswith(".gguf") or model not in line or (ctx.model and ctx.model.have_file):
        return None
    spec = ctx.model.ref.spec if ctx.model else None
    where = (f": download the {ctx.vals.get('quant', '')} file from <https://huggingface.co/{spec.gguf_repo}> "
             f"(`hf download {spec.gguf_repo} --include \"*{ctx.vals.get('quant', '')}*\" --local-dir .`)"
             if spec is not None and spec.gguf_repo else "")
    return f"`{model}` stands for the GGUF file{where}; use the name of the file you have."


def _is_prose(line: str) -> bool:
    return bool(_PROSE_START.match(line.strip()))


def _starts_server(rt: Runtime, line: str) -> bool:
    """Does the download command also start the server (``llama-server -hf ... --port``)?"""
    if not line or not rt.serve or "--port" not in line:
        return False
    return line.split()[0] == rt.serve.split()[0] or " --server" in line


def _os_cmd(ctx: _Ctx, cmd: str) -> str:
    """A command as typed on this OS (``./start.sh`` -> ``.\\start.bat`` on Windows)."""
    if ctx.os != "windows" or not cmd.startswith("./"):
        return cmd
    first, _, rest = cmd.partition(" ")
    name = first[2:]
    if name.endswith(".sh"):
        name = name[:-3] + ".bat"
    elif not name.lower().endswith((".exe", ".bat", ".cmd", ".ps1")):
        name += ".exe"
    return f".\\{name}" + (f" {rest}" if rest else "")


def _serve_cmd(ctx: _Ctx) -> Optional[str]:
    rt = ctx.rt
    line = _fill(rt.serve, ctx.vals) if rt.serve else None
    if not line:
        return None
    line = _fill_parallel(ctx, line)
    bind = _BIND.get(rt.slug)
    if bind and bind[0] == "flag" and bind[2] is not None and bind[2] not in _LOCAL and bind[1] not in line:
        cmd, sep, comment = line.partition("  # ")
        line = f"{cmd.rstrip()} {bind[1]} 127.0.0.1" + (f"  # {comment}" if sep else "")
        ctx.bind_added = True
    return _os_cmd(ctx, line)


def _fill_parallel(ctx: _Ctx, line: str) -> str:
    """Ray Serve's config hint names tensor/pipeline sizes N and M: give them this machine's numbers."""
    gpus = max(1, len(ctx.hw.gpus))
    line = re.sub(r'("tensor_parallel_size":\s*)N\b', lambda m: f"{m.group(1)}{gpus}", line)
    return re.sub(r'("pipeline_parallel_size":\s*)M\b', lambda m: f"{m.group(1)}{max(1, ctx.hw.nodes)}", line)


def _serve(ctx: _Ctx) -> str:
    rt = ctx.rt
    out = ["## Serve", ""]
    cmd = _serve_cmd(ctx)
    if cmd is None:
        wrappers = [r for r in ctx.catalog.runtimes.values() if rt.slug in r.engines]
        succ = ctx.catalog.runtimes.get(rt.superseded_by) if rt.superseded_by else None
        out.append(f"{rt.name} has no server command of its own" + (f": {_nodot(rt.api.native_api)}." if rt.api.native_api else "."))
        if wrappers:
            names = ", ".join(f"{w.name} (`pickrt guide --runtime {w.slug}`)" for w in wrappers)
            out += ["", f"For an HTTP API, serve it through {names}."]
        if succ:
            out += ["", f"Its successor is {succ.name}: `pickrt guide --runtime {succ.slug}`."]
        for s in rt.install.get(ctx.os, []):
            if s.text and not s.run and ("helm" in s.text.lower() or "kubernetes" in s.text.lower()):
                out += ["", f"{_nodot(s.text)}: <{s.url}>." if s.url else f"{_nodot(s.text)}."]
        if ctx.port and rt.api.openai_compatible:
            out += ["", bullets(_api_facts(ctx, ""))]
        return "\n".join(out)
    wd = _workdir(ctx)
    where = f", inside the `{wd}` folder the install cloned" if wd else ""
    gm = _fill(rt.get_model, ctx.vals) if rt.get_model else None
    if ctx.model and not ctx.model.have_file and gm and _starts_server(rt, gm):
        out.append(f"The command in [Get a model that fits](#get-a-model-that-fits) already serves the model. "
                   f"To serve a model file you have{where}:")
    else:
        out.append(f"Start the server{where}:")
    out += ["", fence(cmd, ctx.lang), ""]
    gguf = _gguf_note(ctx, cmd)
    if gguf and not (gm and gguf == _gguf_note(ctx, gm)):
        out += [gguf, ""]
    if "  # " in cmd:
        out += ["The part after `#` describes the `config.yaml` the command loads.", ""]
    out.append(bullets(_api_facts(ctx, cmd)))
    return "\n".join(out)


def _api_facts(ctx: _Ctx, cmd: str) -> list[str]:
    rt = ctx.rt
    facts = []
    if ctx.port:
        facts.append(f"**Port:** {ctx.port} (the catalog's default for {rt.name}).")
    ep = endpoint_for(rt)
    if ep and (rt.api.openai_compatible or rt.kind == "bridge"):
        kind = "OpenAI-compatible API" if rt.api.openai_compatible else "web UI"
        facts.append(f"**Endpoint:** {ep} ({kind}).")
    elif rt.api.openai_compatible:
        facts.append("**Endpoint:** an OpenAI-compatible API under `/v1`, on the address it prints at start-up.")
    if rt.api.native_api and not rt.api.openai_compatible:
        facts.append(f"**API:** {_nodot(rt.api.native_api)}.")
    if rt.api.health_path and ctx.port:
        facts.append(f"**Health:** http://127.0.0.1:{ctx.port}{rt.api.health_path}"
                     + (f" ({_nodot(rt.api.health_note)})." if rt.api.health_note else "."))
    facts.append(_bind_text(ctx, cmd))
    return facts


def _bind_text(ctx: _Ctx, cmd: str) -> str:
    rt = ctx.rt
    port = ctx.port
    bind = _BIND.get(rt.slug)
    auth = ("Before exposing it, put a reverse proxy with TLS and authentication (nginx, Caddy, Traefik: a password "
            "or an API key per user) in front, or limit the port to a trusted network with a firewall.")
    if ctx.bind_added and bind:
        return (f"**Binding:** by default {rt.name} listens on every interface ({bind[2]}); the command above adds "
                f"`{bind[1]} 127.0.0.1` so only this machine can reach it. To serve other machines, use "
                f"`{bind[1]} 0.0.0.0` instead. {auth}")
    if any(f"{h}:" in cmd or f" {h}" in cmd for h in _LOCAL):
        head = "**Binding:** the command binds 127.0.0.1, so only this machine can reach it"
        if bind and bind[2] not in _LOCAL and bind[2] is not None:
            head += f" (without it {rt.name} would listen on every interface)"
        head += ". To serve other machines, replace 127.0.0.1 with 0.0.0.0 in it."
        return f"{head} {auth}"
    if bind is None or bind[2] is None:
        check = {"linux": f"`ss -ltnp | grep {port}`", "macos": f"`lsof -nP -iTCP:{port} -sTCP:LISTEN`",
                 "windows": f"`Get-NetTCPConnection -LocalPort {port} -State Listen`"}[ctx.os] if port else None
        s = "**Binding:** pickrt does not know which address it listens on by default"
        s += f": check with {check} once it runs; " if check else "; "
        s += ("0.0.0.0 or [::] means every network interface. If so, set its listen address to 127.0.0.1 "
              "(see its `--help`) or firewall the port.")
        return f"{s} {auth}"
    how, opt, default = bind
    if default in _LOCAL:
        if how == "env":
            expose = f"set `{opt}=0.0.0.0:{port}` in the server's environment"
        elif how == "setting":
            expose = f"turn on \"{opt}\" in its server settings"
        elif how == "config":
            expose = f"set {opt}"
        else:
            expose = f"pass `{opt} 0.0.0.0`"
        return (f"**Binding:** it listens on {default} by default, so only this machine can reach it. To serve other "
                f"machines, {expose}. {auth}")
    return (f"**Binding:** by default it listens on every interface ({default}): pass `{opt} 127.0.0.1` to keep "
            f"it on this machine. {auth}")


def _request_model(ctx: _Ctx) -> str:
    """The "model" field a request names: the model argument of the serve (else the download) command."""
    rt, v = ctx.rt, ctx.vals
    for tpl in (rt.serve or "", rt.get_model or ""):
        for tok in tpl.split():
            if re.search(r"\{(model|model_name|hf_repo|mlx_repo|ollama_tag|localai_name|gguf_repo)\}", tok):
                if "{model_name}" in tok and tok == "{model_name}" and "--model-name" not in tpl:
                    continue
                val = (_fill(tok, v) or "").strip("\"',{}")
                if val:
                    return val
    return v.get("model", "default")


def _verify(ctx: _Ctx) -> str:
    rt, port = ctx.rt, ctx.port
    out = ["## Verify", ""]
    win = ctx.os == "windows"
    if rt.kind == "bridge":
        if port:
            out += [f"Open http://127.0.0.1:{port} in a browser (or the port you published with Docker) and create the first (admin) account."]
            if rt.api.health_path:
                out += ["", "Or check from a terminal:", "",
                        fence(f"{'curl.exe' if win else 'curl'} http://127.0.0.1:{port}{rt.api.health_path}", ctx.lang)]
        else:
            out.append(f"Open {rt.name} and check that it lists the engine's models.")
        return "\n".join(out)
    ep = endpoint_for(rt)
    if rt.api.openai_compatible and ep:
        curl = "curl.exe" if win else "curl"
        model = _request_model(ctx)
        if rt.api.health_path:
            out += ["Is it up?" + (f" ({_nodot(rt.api.health_note)})" if rt.api.health_note else ""), "",
                    fence(f"{curl} http://127.0.0.1:{port}{rt.api.health_path}", ctx.lang), ""]
        out += ["Which models does it serve? The answer is `{\"object\": \"list\", \"data\": [{\"id\": ...}]}`; "
                f"use an `id` from it as the `model` of a request (here `{model}`).", "",
                fence(f"{curl} {ep}/models", ctx.lang), ""]
        body = '{"model": "%s", "messages": [{"role": "user", "content": "Say hello"}]}' % model
        out.append("Ask for a chat completion. A working server answers with JSON whose reply is in "
                   "`\"choices\": [{\"message\": {\"role\": \"assistant\", \"content\": \"Hello! ...\"}}]` "
                   "(the first request can take a while: it loads the model).")
        out.append("")
        if win:
            out.append(fence(f"Invoke-RestMethod {ep}/chat/completions -Method Post -ContentType \"application/json\" "
                             f"-Body '{body}' | ConvertTo-Json -Depth 5", ctx.lang))
        else:
            out.append(fence(f"curl {ep}/chat/completions -H \"Content-Type: application/json\" -d '{body}'", ctx.lang))
        return "\n".join(out)
    # no OpenAI-compatible HTTP API
    if rt.api.health_path and port:
        out += ["Is it up?", "", fence(f"{'curl.exe' if win else 'curl'} http://127.0.0.1:{port}{rt.api.health_path}", ctx.lang), ""]
    if rt.detect.version_command:
        out += ["Check the installation:", "", fence(rt.detect.version_command, ctx.lang), ""]
    if rt.api.native_api:
        out.append(f"How you use it: {autolink(_nodot(rt.api.native_api))}.")
    if not rt.detect.version_command and not rt.api.native_api and not rt.api.health_path:
        out.append(f"{rt.name} exposes no API pickrt can check; see <{rt.homepage or rt.repo}>." if (rt.homepage or rt.repo)
                   else f"{rt.name} exposes no API pickrt can check.")
    return "\n".join(out)


def _next_steps(ctx: _Ctx) -> str:
    rt = ctx.rt
    out = ["## Next steps", ""]
    if rt.kind == "engine":
        comp = _companion_md(ctx)
        if comp:
            out += [comp, ""]
    else:
        eng = _engine_pick(ctx)
        if eng:
            name, slug, ert = eng
            ep = endpoint_for(ert)
            native = f"http://127.0.0.1:{ert.api.default_port}" if ert.api.probe_shape == "ollama" and ert.api.default_port else None
            if rt.slug == "open-webui":
                how = (f"Start {rt.name} with `OLLAMA_BASE_URL={native}`" if native else f"Start {rt.name} with `OPENAI_API_BASE_URL={ep}`"
                       if ep else f"Start {rt.name}") + " in its environment, or add the connection under Admin Settings → Connections."
            else:
                how = ("In its settings choose the LLM provider: "
                       + (f"Ollama with base URL {native}, or Generic OpenAI with {ep}." if native else
                          f"Generic OpenAI with base URL {ep}." if ep else "the engine's API."))
            out += ["### Connect it to an engine", "",
                    f"Install and start {name} (`pickrt guide --runtime {slug}`). {how}", ""]
            if any((s.run or "").startswith("docker") for s in rt.install.get("docker", [])):
                out += ["From inside a container, 127.0.0.1 is the container itself: use `host.docker.internal` "
                        "for the host (on Linux add `--add-host=host.docker.internal:host-gateway`, and the engine "
                        "must listen on an address the container can reach).", ""]
    notes = _notes(ctx)
    if notes:
        out += ["### Operator notes", "", bullets(notes), ""]
    if rt.common_failures:
        out += ["### If the first run fails", ""]
        fl = []
        for f in rt.common_failures:
            src = f" (source: {ref_text(f.source)})" if f.source else ""
            fl.append(f"**{_nodot(f.symptom)}** → {_nodot(f.fix)}.{src}")
        out += [bullets(fl), ""]
    alts = [a for a in ctx.adv.alternatives if a.runtime != rt.slug][:3]
    if alts:
        out += ["### Other runtimes that run here", "",
                bullets(f"{a.name}: `pickrt guide --runtime {a.runtime}`" for a in alts)]
    return "\n".join(out)


def _companion_md(ctx: _Ctx) -> Optional[str]:
    rt = ctx.rt
    comps = [ctx.catalog.runtimes[c.runtime] for c in ctx.adv.companions if c.runtime in ctx.catalog.runtimes]
    if not comps:
        return None
    if "rag" in ctx.wl.needs:
        comps.sort(key=lambda c: not c.features.rag)
    comp = next((c for c in comps if any(p.os == ctx.os and p.native for p in c.platforms)), None)
    if comp is None:
        return None
    ep = endpoint_for(rt)
    if not ep and not rt.api.openai_compatible:
        return None
    out = [f"### A chat UI: {comp.name}", ""]
    out.append(f"{comp.summary.rstrip()}" if comp.summary else comp.name)
    out.append("")
    steps = comp.install.get(ctx.os, [])
    is_ollama = rt.api.probe_shape == "ollama"
    target = (f"http://127.0.0.1:{ctx.port}" if is_ollama else ep) if ep else None
    if comp.slug == "open-webui" and any(s.run for s in steps):
        cport = comp.api.default_port or 8080
        if cport == ctx.port:
            cport = 3000
        for s in steps:
            out += [_step_md(s, ctx.lang), ""]
        var = "OLLAMA_BASE_URL" if is_ollama else "OPENAI_API_BASE_URL"
        serve = serve_line(comp, None, ctx.catalog, port=cport) or f"open-webui serve --port {cport}"
        serve += " --host 127.0.0.1" if "--host" not in serve else ""
        if target:
            if ctx.os == "windows":
                cmd = f'$env:{var} = "{target}"; {serve}'
            else:
                cmd = f"{var}={target} {serve}"
        else:
            cmd = serve
        py = re.search(r"Python (3\.\d+)", " ".join(p.note or "" for p in comp.platforms))
        out += [f"Start it pointed at {rt.name}" + (f" (the pip install wants Python {py.group(1)})" if py else "") + ":", "",
                fence(cmd, ctx.lang), "",
                f"Then open http://127.0.0.1:{cport}: the first account you create is the admin."]
        if not target:
            out[-1] += f" Add {rt.name}'s endpoint under Admin Settings → Connections."
    else:
        for s in steps:
            out += [_step_md(s, ctx.lang), ""]
        out.append(f"In {comp.name}'s settings choose the LLM provider "
                   + ("Ollama" if is_ollama else "Generic OpenAI") + (f" with base URL {target}." if target else "."))
        if comp.api.default_port and comp.api.default_port == ctx.port:
            out[-1] += f" Both default to port {ctx.port}: move one of them."
    other = [c for c in comps if c is not comp]
    if other:
        out += ["", "Also: " + ", ".join(f"{c.name} (`pickrt guide --runtime {c.slug}`)" for c in other) + "."]
    return "\n".join(out)


def _notes(ctx: _Ctx) -> list[str]:
    rt = ctx.rt
    cat = {n.text: n for n in rt.operator_notes}
    texts: list[str] = []
    if ctx.rec is not None:
        texts = [n for n in ctx.rec.operator_notes if not n.startswith("Listens on 127.0.0.1:")]
    else:
        texts = [n.text for n in rt.operator_notes]
    out = []
    for t in dict.fromkeys(texts):
        n = cat.get(t)
        src = ""
        if n is not None and n.source:
            src = f" (source: {ref_text(n.source)}" + (f"; as of {n.as_of}" if n.as_of else "") + ")"
        out.append(autolink(_nodot(t)) + "." + src)
    return out


def _sources(ctx: _Ctx) -> str:
    rt = ctx.rt
    out = ["## Sources", ""]
    items = [source_text(s) for s in rt.sources]
    if rt.status.source:
        items.append(f"Project state ({rt.status.state}): {ref_text(rt.status.source)}"
                     + (f" (as of {rt.status.as_of})" if rt.status.as_of else ""))
    if rt.latest_release and rt.latest_release.source:
        items.append(f"Latest release {rt.latest_release.version or ''}: {ref_text(rt.latest_release.source)}".replace("  ", " "))
    if items:
        out += [bullets(items), ""]
    out.append(f"Catalog entry `{rt.slug}` last checked {rt.as_of}; re-check facts older than six months against the sources. "
               "`pickrt knowledge show " + rt.slug + "` prints everything pickrt knows about it.")
    return "\n".join(out)


# ---- small text helpers -------------------------------------------------------------------------


def _nodot(s: Optional[str]) -> str:
    s = " ".join((s or "").split())
    return s[:-1] if s.endswith(".") else s


def _cap(s: str) -> str:
    """Capitalise a sentence, but not one that starts with a name (llama-3.1-8b, pickrt's, vLLM)."""
    first = s.split(" ", 1)[0] if s else ""
    return s[:1].upper() + s[1:] if first.isalpha() and first.islower() else s


def _dedupe_text(xs: list[str]) -> list[str]:
    return list(dict.fromkeys(xs))


__all__ = ["guide_for"]
