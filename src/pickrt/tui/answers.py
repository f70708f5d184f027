"""The wizard's answers: form values as typed, and the same engine calls ``--json`` makes.

No rule lives here: a hardware form becomes :func:`pickrt.engine.hardware.whatif_profile`, a
workload form becomes :func:`pickrt.engine.workload.build_workload`, and both become
:func:`pickrt.engine.advise.advise`. This module imports no Textual, so it is tested on its own.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field, fields
from typing import Optional

from pickrt.errors import InputError

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pickrt.profile import Profile


TRAFFIC_HELP = {
    "chat": "one person, interactive",
    "diverse": "many users, unrelated prompts",
    "shared-prefix": "many requests share a long prompt",
    "structured": "JSON or grammar-constrained output",
    "agent-loop": "an agent re-sends a growing context in a loop",
    "batch": "offline jobs: throughput over latency",
}
NEEDS_HELP = {
    "gui": "a desktop app",
    "single-file": "one executable file",
    "openai-api": "an OpenAI-compatible API",
    "multimodal": "images as input",
    "hf-hub": "models from Hugging Face",
    "kubernetes": "deploy on Kubernetes",
    "chat-ui": "a web chat UI for people",
    "rag": "chat with documents",
}
GOAL_HELP = {
    "": "auto: easy for one user, throughput for many",
    "easy": "easy: least setup",
    "throughput": "throughput: most tokens per second in total",
    "latency": "latency: fastest answer for each request",
}


def _num(text: str, label: str, kind: type = int) -> Optional[float]:
    s = (text or "").strip()
    if not s:
        return None
    try:
        v = kind(s)
    except ValueError:
        what = "a whole number" if kind is int else "a number of GiB"
        raise InputError(f"{label}: {s!r} is not {what}") from None
    if not v > 0:
        raise InputError(f"{label} must be more than 0, not {s}")
    return v


OSES = ("linux", "macos", "windows")
INTERCONNECTS = ("ethernet", "infiniband", "thunderbolt5", "internet")


def _one_of(text: str, values: tuple[str, ...], label: str) -> Optional[str]:
    """A typed value of a short list, forgiving case and punctuation; '' is None."""
    s = (text or "").strip()
    if not s:
        return None
    from pickrt.catalog.spelling import did_you_mean, pick

    hit = pick(s, values)
    if hit is None:
        raise InputError(f"{label}: {s!r} is not one of {', '.join(values)}{did_you_mean(s, values)}")
    return hit


def _fmt_gb(v: Optional[float]) -> str:
    return "" if v is None else f"{v:g}"


def chip_family(chip: Optional[str]) -> str:
    """'Apple M3 Max' -> 'M3 Max' (display only; the engine parses what it is given)."""
    return re.sub(r"^\s*apple\s+", "", chip or "", flags=re.I).strip()


@dataclass
class HardwareForm:
    """The hardware step's fields, as text, exactly like the what-if options."""

    gpu: str = ""
    gpus: str = ""
    vram: str = ""
    apple: str = ""
    memory: str = ""
    os: str = ""
    nodes: str = ""
    interconnect: str = ""

    @classmethod
    def from_args(cls, a: argparse.Namespace) -> "HardwareForm":
        return cls(
            gpu=getattr(a, "gpu", None) or "", gpus=str(a.gpus) if getattr(a, "gpus", None) else "",
            vram=_fmt_gb(getattr(a, "vram", None)), apple=getattr(a, "apple", None) or "",
            memory=_fmt_gb(getattr(a, "memory", None)), os=getattr(a, "os", None) or "",
            nodes=str(a.nodes) if getattr(a, "nodes", None) else "", interconnect=getattr(a, "interconnect", None) or "",
        )

    @classmethod
    def from_profile(cls, p: Profile, catalog) -> "HardwareForm":
        f = cls(os=p.os or "", memory=_fmt_gb(p.memory_gb))
        gpus = [g for g in p.gpus if g.vendor != "apple"]
        if gpus:
            f.gpu = gpus[0].name or ""
            n = sum(max(1, g.count) for g in gpus)
            f.gpus = str(n) if n > 1 else ""
            if f.gpu and catalog.find_gpu(f.gpu) is None and gpus[0].vram_gb is not None:
                f.vram = _fmt_gb(gpus[0].vram_gb)
        if p.apple and p.apple.chip:
            fam = chip_family(p.apple.chip)
            f.apple = f"{fam} {p.apple.gpu_cores}-core" if p.apple.gpu_cores else fam
            f.gpu, f.gpus, f.vram = "", "", ""
            if p.apple.memory_gb is not None:
                f.memory = _fmt_gb(p.apple.memory_gb)
        if p.cluster and len(p.cluster.nodes) > 1:
            f.nodes = str(len(p.cluster.nodes))
            f.interconnect = p.cluster.interconnect if p.cluster.interconnect in (
                "ethernet", "infiniband", "thunderbolt5", "internet") else ""
        return f

    def as_dict(self) -> dict:
        return {x.name: getattr(self, x.name).strip() for x in fields(self)}

    def profile(self, catalog) -> Profile:
        """A fully simulated profile, as ``pickrt --gpu ... --memory ...`` would build it."""
        from pickrt.engine.hardware import whatif_profile

        nodes = _num(self.nodes, "Nodes")
        interconnect = _one_of(self.interconnect, INTERCONNECTS, "Link")
        os_name = _one_of(self.os, OSES, "OS")
        if interconnect and not (nodes and nodes > 1):
            raise InputError("Interconnect needs Nodes of 2 or more (the machines it connects)")
        return whatif_profile(
            catalog, gpu=self.gpu.strip() or None, gpus=_num(self.gpus, "Count"),
            vram=_num(self.vram, "VRAM", float), apple=self.apple.strip() or None,
            memory=_num(self.memory, "Memory", float), os=os_name,
            cpu_only=False, nodes=nodes, interconnect=interconnect,
        )


@dataclass
class WorkloadForm:
    """The workload step's fields, as text, exactly like the work options."""

    traffic: str = "chat"
    users: str = "1"
    model: str = ""
    quant: str = "any"
    context: str = "8192"
    goal: str = ""  # "" = let the engine choose (easy for one user, throughput for many)
    needs: list[str] = field(default_factory=list)
    runtime: str = ""

    @classmethod
    def from_workload(cls, wl, args: Optional[argparse.Namespace] = None) -> "WorkloadForm":
        quant = getattr(args, "quant", None) or wl.quant
        goal = getattr(args, "goal", None) if args is not None else wl.goal
        return cls(traffic=wl.traffic, users=str(wl.users), model=wl.model_arg or "", quant=quant,
                   context=str(wl.context), goal=goal or "", needs=list(wl.needs), runtime=wl.runtime or "")

    def workload(self, catalog):
        from pickrt.engine.workload import build_workload

        return build_workload(
            catalog, traffic=self.traffic, users=int(_num(self.users, "Users") or 1),
            quant=self.quant.strip() or "any", model=self.model.strip() or None,
            context=int(_num(self.context, "Context") or 8192), goal=self.goal or None,
            needs=list(self.needs), runtime=self.runtime or None,
        )


_FIELD_NAMES = [
    ("--interconnect", "Link"), ("--hardware", "Profile file"), ("--cpu-only", "CPU only"), ("--context", "Context"),
    ("--traffic", "Traffic"), ("--runtime", "Runtime"), ("--memory", "Memory"), ("--apple", "Apple"),
    ("--nodes", "Nodes"), ("--users", "Users"), ("--model", "Model"), ("--quant", "Quant"), ("--goal", "Goal"),
    ("--need", "Needs"), ("--gpus", "Count"), ("--vram", "VRAM"), ("--gpu", "GPU"), ("--os", "OS"),
]


def form_message(msg: str) -> str:
    """An engine message about options, worded for the form: '--vram GB' -> 'VRAM'."""
    for opt, label in _FIELD_NAMES:
        msg = re.sub(re.escape(opt) + r"(?: (?:GB|N))?(?![\w-])", label, msg)
    return msg


def compute_advice(profile: Profile, wl, catalog, local: Optional[dict] = None):
    """Exactly what ``pickrt --json`` prints, as the Advice object."""
    from pickrt.engine.advise import advise

    return advise(profile, wl, catalog, local=local)


def install_commands(advice, os_name: Optional[str]) -> list[str]:
    """The recommendation's install commands for this OS (comments dropped), for the clipboard."""
    rec = advice.recommendation if advice is not None else None
    if rec is None or not rec.install:
        return []
    cmds = rec.install.get(os_name or "") or rec.install.get("linux") or next(iter(rec.install.values()))
    return [c for c in cmds if c.strip() and not c.lstrip().startswith("#")]


def whatif_given(a: argparse.Namespace) -> bool:
    return any(getattr(a, k, None) not in (None, False) for k in
               ("gpu", "gpus", "vram", "apple", "memory", "os", "cpu_only", "nodes", "interconnect"))


def initial_profile(a: argparse.Namespace, catalog) -> Optional[Profile]:
    """The profile the options describe, as ``pickrt --json`` builds it; None: detect this host."""
    if getattr(a, "hardware", None):
        from pickrt.profile_file import load_profile

        prof = load_profile(a.hardware)
        if getattr(a, "os", None):
            prof.os = a.os
        return prof
    if whatif_given(a):
        from pickrt.engine.hardware import whatif_profile

        if a.interconnect and not a.nodes:
            raise InputError("--interconnect needs --nodes N (how many machines it connects)")
        return whatif_profile(
            catalog, gpu=a.gpu, gpus=a.gpus, vram=a.vram, apple=a.apple, memory=a.memory, os=a.os,
            cpu_only=a.cpu_only, nodes=a.nodes, interconnect=a.interconnect,
        )
    return None


def serve_command(rec) -> Optional[str]:
    """The deployment's serve command (``recommendation.serve`` equals it)."""
    if rec is None:
        return None
    dep = getattr(rec, "deployment", None)
    cmds = getattr(dep, "commands", None) if dep is not None else None
    return getattr(cmds, "serve", None) or rec.serve


def fitting_models(advice) -> list:
    """The models that fit here, as the advice lists them (suggestions), best first."""
    if advice is None:
        return []
    return list(getattr(advice, "suggestions", None) or getattr(advice, "model_suggestions", None) or [])


def _q(s: str) -> str:
    import shlex

    return shlex.quote(s)


def command_line(hw: Optional[HardwareForm], wl: WorkloadForm, *, hardware_file: Optional[str] = None,
                 sub: str = "") -> str:
    """The ``pickrt`` command that repeats these answers. ``hw`` None: this host, detected."""
    argv = ["pickrt"] + ([sub] if sub else [])
    if hardware_file:
        argv += ["--hardware", _q(hardware_file)]
    elif hw is not None:
        h = hw.as_dict()
        for key, opt in (("gpu", "--gpu"), ("gpus", "--gpus"), ("vram", "--vram"), ("apple", "--apple"),
                         ("memory", "--memory"), ("os", "--os"), ("nodes", "--nodes"),
                         ("interconnect", "--interconnect")):
            if h[key]:
                argv += [opt, _q(h[key])]
        if len(argv) == 1 + bool(sub):  # every field empty: a bare what-if, not this host
            argv.append("--cpu-only")
    w = wl
    if w.traffic and w.traffic != "chat":
        argv += ["--traffic", w.traffic]
    if w.users.strip() and w.users.strip() != "1":
        argv += ["--users", _q(w.users.strip())]
    if w.model.strip():
        argv += ["--model", _q(w.model.strip())]
    if w.quant.strip() and w.quant.strip() != "any":
        argv += ["--quant", _q(w.quant.strip())]
    if w.context.strip() and w.context.strip() != "8192":
        argv += ["--context", _q(w.context.strip())]
    if w.goal:
        argv += ["--goal", w.goal]
    for n in w.needs:
        argv += ["--need", n]
    if w.runtime:
        argv += ["--runtime", w.runtime]
    return " ".join(argv)


def exit_summary(advice, hw: Optional[HardwareForm], wl: WorkloadForm, *, hardware_file: Optional[str] = None) -> str:
    """What the wizard leaves on the terminal: the pick, the model, the serve command, and the
    command lines that repeat it (advice and guide). Reads the advice; decides nothing."""
    lines: list[str] = []
    rec = advice.recommendation if advice is not None else None
    if advice is not None:
        if rec is None:
            lines.append("pickrt: no runtime can serve this workload on this hardware (see `--json` for why).")
        else:
            lines.append(f"pickrt: {rec.name} ({rec.runtime}, zone {rec.zone})")
        fit = advice.model_fit
        model = advice.workload.model
        if model and fit is not None:
            verdict = ("fits" if fit.fits else "fits only by offloading to system RAM" if fit.offload
                       else "does NOT fit")
            lines.append(f"  model     {model} at {fit.quant}: {verdict} ({fit.required_gb:.1f} of "
                         f"{fit.available_gb:.1f} GiB usable)")
        elif model:
            lines.append(f"  model     {model}")
        else:
            lines.append("  model     none given (no memory-fit check)")
        fitting = fitting_models(advice)
        if fitting and (fit is None or not fit.fits):
            lines.append("  fits here " + ", ".join(f"{x.model} ({x.quant})" for x in fitting[:3]))
        serve = serve_command(rec)
        if serve:
            lines.append(f"  serve     {serve}")
        if rec is not None and rec.endpoint:
            lines.append(f"  endpoint  {rec.endpoint}")
    again = command_line(hw, wl, hardware_file=hardware_file)
    lines.append(f"  again     {again}")
    if rec is not None:
        lines.append(f"  guide     {command_line(hw, wl, hardware_file=hardware_file, sub='guide')}")
    return "\n".join(lines) + "\n"


__all__ = ["GOAL_HELP", "HardwareForm", "NEEDS_HELP", "TRAFFIC_HELP", "WorkloadForm", "chip_family",
           "command_line", "compute_advice", "exit_summary", "fitting_models", "form_message", "initial_profile",
           "install_commands", "serve_command", "whatif_given"]
