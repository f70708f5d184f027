"""The guide's steps, in the order things happen: install, start the server, get the model, serve, verify."""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING

from pickrt.render.guide.api import api_facts
from pickrt.render.guide.text import cap, nodot
from pickrt.render.markdown import autolink, bullets, fence

if TYPE_CHECKING:
    from pickrt.catalog.models import Step
    from pickrt.engine.guide_plan import GuidePlan


def step_md(s: Step, lang: str) -> str:
    if s.run:
        return fence(s.run, lang)
    text = nodot(s.text or "")
    return f"{text}: <{s.url}>." if s.url else f"{text}."


def install(p: GuidePlan) -> str:
    rt = p.rt
    out = ["## Install", ""]
    if p.install_missing_backend:
        out += [
            f"> **Warning:** the catalog's {p.os_name} install steps for {rt.name} are for other hardware, not for "
            f"{_backend_name(p.backend)}; see "
            + (f"<{rt.homepage}>" if rt.homepage else "the project's documentation")
            + " for a build that runs here.",
            "",
        ]
    elif not p.install:
        out.append(
            f"The catalog has no {p.os_name} install steps for {rt.name}: see "
            + (f"<{rt.homepage}>." if rt.homepage else "the project's documentation.")
        )
    for s in p.install:
        out += [step_md(s, p.lang), ""]
    if rt.detect.version_command and any(s.run for s in p.install):
        out += ["Check that it is installed:", "", fence(rt.detect.version_command, p.lang), ""]
    if p.docker:
        out += ["### Or run it in a container", "", _docker_pre(p), ""]
        for cmd in p.docker:
            out += [fence(cmd, p.lang), ""]
        if any("127.0.0.1:" in c for c in p.docker):
            out.append("The `-p 127.0.0.1:…` mapping publishes the port on this machine only.")
    return "\n".join(out)


def _backend_name(b: str | None) -> str:
    return {
        "cuda": "NVIDIA CUDA",
        "rocm": "AMD ROCm",
        "metal": "the Apple GPU",
        "intel": "Intel GPUs",
        "vulkan": "Vulkan",
        "cpu": "a CPU-only machine",
    }.get(b or "", "this hardware")


def _docker_pre(p: GuidePlan) -> str:
    if p.os == "macos":
        return (
            "Docker Desktop runs containers in a Linux VM without access to the Apple GPU: this path runs "
            "on the CPU only. Prefer the native install above."
        )
    if p.os == "windows":
        return "Needs Docker Desktop with its WSL2 backend" + (
            "; `--gpus` also needs the NVIDIA driver's WSL support." if p.docker_gpu else "."
        )
    pre = "Needs Docker" + (
        " and the NVIDIA Container Toolkit (for `--gpus` / `--runtime nvidia`)." if p.docker_gpu else "."
    )
    if p.backend == "cuda" and not p.docker_gpu:
        pre += " As written this container gets no GPU (no `--gpus` flag): it runs on the CPU."
    return pre


def _with_env(p: GuidePlan, cmd: str) -> str:
    env = p.launch.env
    if not env:
        return cmd
    if p.os == "windows":
        return "; ".join(f'$env:{k} = "{v}"' for k, v in env.items()) + f"; {cmd}"
    return " ".join(f"{k}={shlex.quote(str(v))}" for k, v in env.items()) + f" {cmd}"


def _health(p: GuidePlan) -> str | None:
    if not (p.rt.api.health_path and p.port):
        return None
    return f"{'curl.exe' if p.os == 'windows' else 'curl'} http://127.0.0.1:{p.port}{p.rt.api.health_path}"


def serve(p: GuidePlan) -> str:
    rt, ln = p.rt, p.launch
    out = ["## Serve", ""]
    cmd = ln.serve
    if cmd is None:
        out.append(
            f"{rt.name} has no server command of its own"
            + (f": {nodot(rt.api.native_api)}." if rt.api.native_api else ".")
        )
        if p.wrappers:
            names = ", ".join(f"{w.name} (`pickrt guide --runtime {w.slug}`)" for w in p.wrappers)
            out += ["", f"For an HTTP API, serve it through {names}."]
        if p.successor:
            out += ["", f"Its successor is {p.successor.name}: `pickrt guide --runtime {p.successor.slug}`."]
        for s in p.install:
            if s.text and not s.run and ("helm" in s.text.lower() or "kubernetes" in s.text.lower()):
                out += ["", f"{nodot(s.text)}: <{s.url}>." if s.url else f"{nodot(s.text)}."]
        if p.port and rt.api.openai_compatible:
            out += ["", bullets(api_facts(p))]
        return "\n".join(out)
    cmd = _with_env(p, cmd)
    where = f", inside the `{p.workdir}` folder the install cloned" if p.workdir else ""
    if p.starts:
        out += _service_first(p, cmd)
    elif p.server_first:
        out += [
            f"{ln.get[0].split()[0] if ln.get else rt.name} talks to a running server: start it first{where}, "
            "in another terminal, and leave it running:",
            "",
            fence(cmd, p.lang),
            "",
        ]
    else:
        if ln.get_starts_server and not ln.have_file:
            out.append(
                "The command in [Get a model that fits](#get-a-model-that-fits) already serves the model. "
                f"To serve a model file you have{where}:"
            )
        else:
            out.append(f"Start the server{where}:")
        out += ["", fence(cmd, p.lang), ""]
        if ln.made_up_file and ln.made_up_file in cmd and not any(ln.made_up_file in g for g in ln.get):
            out += [_file_note(p), ""]
        if "  # " in cmd:
            out += ["The part after `#` describes the `config.yaml` the command loads.", ""]
    if ln.env:
        out += [
            "The variables before the command are the deployment's: "
            + ", ".join(f"`{k}={v}`" for k, v in ln.env.items())
            + ".",
            "",
        ]
    launch = []
    if ln.split:
        launch.append(f"**Split:** {ln.split}.")
    if ln.max_sequences and ln.context and ln.model:
        launch.append(
            f"**Capacity:** {ln.max_sequences} sequence{'s' if ln.max_sequences != 1 else ''} at once, up to "
            f"{ln.context} tokens each; further requests wait in the queue."
        )
    launch += [f"{cap(nodot(n))}." for n in ln.notes]
    if launch:
        out += [bullets(launch), ""]
    out.append(bullets(api_facts(p)))
    return "\n".join(out)


def _service_first(p: GuidePlan, cmd: str) -> list[str]:
    """A server the installer starts (a service, an app): check it; `serve` only when nothing serves yet."""
    out: list[str] = []
    health = _health(p)
    for st in p.starts:
        what = "service" if st.how == "service" else "app"
        note = f"{nodot(st.note)}." if st.note else f"The installer starts {p.rt.name} as a {what}."
        out += [f"**Is it already running?** {autolink(note)} Check:", "", fence(st.check or health or "", p.lang), ""]
        if st.check and health:
            out += [
                "or ask it directly" + (f" ({nodot(p.rt.api.health_note)})" if p.rt.api.health_note else "") + ":",
                "",
                fence(health, p.lang),
                "",
            ]
        if p.launch.env and st.env:
            out += [f"The {what} does not read your shell's variables: {autolink(nodot(st.env))}.", ""]
    why = (
        "no systemd: containers, some WSL set-ups"
        if any(st.how == "service" for st in p.starts)
        else "the app is not open, or you installed it another way"
    )
    out += [
        f"Only if nothing serves yet ({why}), start the server yourself in another terminal and leave it running:",
        "",
        fence(cmd, p.lang),
        "",
    ]
    return out


def _file_note(p: GuidePlan) -> str:
    ln = p.launch
    q = ln.values.get("quant", "")
    where = (
        f": download the {q} file from <https://huggingface.co/{ln.file_repo}> "
        f'(`hf download {ln.file_repo} --include "*{q}*" --local-dir .`)'
        if ln.file_repo
        else ""
    )
    return f"`{ln.made_up_file}` stands for the GGUF file{where}; use the name of the file you have."


def get_model(p: GuidePlan) -> str:
    rt, ln = p.rt, p.launch
    out = ["## Get a model that fits", ""]
    if rt.kind == "bridge":
        eng = p.engine_pick
        out.append(
            f"{rt.name} runs no model itself: pull one with the engine"
            + (f" ({eng[0]}: `pickrt guide --runtime {eng[1]}` shows how)." if eng else ".")
        )
        return "\n".join(out)
    if ln.model is None and not ln.default_model:
        out.append(
            f"pickrt found no model whose memory fit it can check for {rt.name} here"
            + (" (give `--memory` / `--vram`)." if p.hw.system_gb is None else ".")
        )
        return "\n".join(out)
    out += [_model_line(p), ""]
    if ln.have_file:
        out.append(f"You already have the weights: `{ln.file_arg}`. The serve command below loads that file.")
        return "\n".join(out)
    if ln.make:
        out += [f"No published {ln.quant} checkpoint is known for {ln.model or 'this model'}: {nodot(ln.make)}.", ""]
    wd = f", inside the `{p.workdir}` folder the install cloned" if p.workdir else ""
    if ln.get_prose:
        out.append(cap(nodot(ln.get_prose)) + ".")
    elif ln.get:
        lead = f"Get it with {rt.name}'s own command{wd}"
        if p.server_first:
            lead += " (the server from [Serve](#serve) must be running)"
        out += [lead + ":", ""]
        for g in ln.get:
            out += [fence(g, p.lang), ""]
        notes = []
        if any("hf download" in g and "--local-dir" not in g for g in ln.get):
            notes.append(
                "`hf download` saves into the Hugging Face cache (`~/.cache/huggingface`) and prints the path."
            )
        if ln.made_up_file and any(ln.made_up_file in g for g in ln.get):
            notes.append(_file_note(p))
        if ln.get_starts_server:
            notes.append(
                f"This command also starts the server on port {p.port}"
                + (": it downloads the model on first use, then serves it" if any(" -hf " in g for g in ln.get) else "")
                + " (see [Serve](#serve))."
            )
        for n in notes:
            out += [n, ""]
    elif rt.serve and re.search(r"\{(model|hf_repo|mlx_repo|gguf_repo|model_name)\}", rt.serve):
        out.append(
            f"{rt.name} has no download command of its own: the serve command below names the model and "
            "fetches it where it can."
        )
    elif rt.serve:
        out.append(f"{rt.name} chooses and downloads its models itself; the size above is what fits here.")
    elif ln.hf_download:
        out += [
            f"{rt.name} has no download command of its own; the weights are on Hugging Face:",
            "",
            fence(ln.hf_download, p.lang),
        ]
    sugg = suggestions(p)
    if sugg:
        out += ["", sugg]
    return "\n".join(out)


def _model_line(p: GuidePlan) -> str:
    ln, f = p.launch, p.launch.fit
    if ln.suggested is not None:
        sg = ln.suggested
        tps = f", about {sg.decode_tps[0]:.0f}-{sg.decode_tps[1]:.0f} tokens/s" if sg.decode_tps else ""
        return (
            f"You named no model (`--model`): pickrt launches **{sg.model}** ({sg.note}) at **{ln.quant}**, "
            f"{ln.why.split(':')[0]}: {sg.required_gb:.1f} of {sg.available_gb:.1f} GiB usable{tps}."
        )
    if ln.default_model:
        return (
            f"You named no model (`--model`), so the commands below use `{ln.request_model}`"
            + (f" at **{ln.quant}**" if ln.quant else "")
            + ", pickrt's small default for a first test (the same "
            "as in `pickrt --json`); pickrt checked no memory fit for it."
            + (" The models listed below fit here with this workload." if ln.suggestions else "")
        )
    name = f"**{ln.model}**" + (f" ({ln.repo})" if ln.repo else "")
    if f is None:
        return f"{name}" + (f" at **{ln.quant}**" if ln.quant else "") + f", {ln.why}."
    state = (
        "fits"
        if f.fits
        else "fits only by offloading layers to system RAM, several times slower"
        if f.offload
        else "does not fit"
    )
    users = f"{ln.users} user{'s' if ln.users != 1 else ''}"
    line = (
        f"{name} at **{f.quant}**, {ln.why}: {f.required_gb:.1f} GiB needed ({f.weights_gb:.1f} GiB weights + "
        f"{f.kv_cache_gb:.1f} GiB KV cache for {ln.context} tokens x {users} + "
        f"{f.overhead_gb:.1f} GiB runtime overhead) "
        f"of {f.available_gb:.1f} GiB usable: {state}."
    )
    return line + f"\n\n<details><summary>How pickrt sized it</summary>\n\n{f.detail}.\n\n</details>"


def suggestions(p: GuidePlan) -> str | None:
    ln = p.launch
    if not ln.suggestions or not (ln.default_model or (ln.fit is not None and not ln.fit.fits)):
        return None
    lead = (
        "Other models that fit here with this workload"
        if ln.suggested is not None
        else "Models that fit here with this workload"
        if ln.default_model
        else "Models that fit here instead"
    )
    items = []
    for s in ln.suggestions:
        tps = f", about {s.decode_tps[0]:.0f}-{s.decode_tps[1]:.0f} tokens/s" if s.decode_tps else ""
        get = f": `{s.get}`" if s.get and not re.match(r"^(open|download|visit|use)\b", s.get, re.I) else ""
        items.append(
            f"{s.model}" + (f", {s.note}," if s.note else "") + f" at {s.quant}: {s.required_gb:.1f} of "
            f"{s.available_gb:.1f} GiB{tps}{get}"
        )
    return f"{lead} (pickrt's suggestions, largest first):\n\n" + bullets(items)


__all__ = ["get_model", "install", "serve", "step_md", "suggestions"]
