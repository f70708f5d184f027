"""The guide's closing sections: next steps (a chat UI, operator notes, failures) and sources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pickrt.render.guide.steps import step_md
from pickrt.render.guide.text import nodot
from pickrt.render.markdown import autolink, bullets, fence, ref_text, source_text

if TYPE_CHECKING:
    from pickrt.engine.guide_plan import GuidePlan


def next_steps(p: GuidePlan) -> str:
    rt = p.rt
    out = ["## Next steps", ""]
    if rt.kind == "engine":
        comp = _companion(p)
        if comp:
            out += [comp, ""]
    elif p.engine_pick:
        name, slug, ert = p.engine_pick
        ep, native = p.engine_endpoint, p.engine_native
        if p.rt_connect_var:
            how = (
                f"Start {rt.name} with `{p.rt_connect_var}={native or ep}`" if (native or ep) else f"Start {rt.name}"
            ) + " in its environment, or add the connection under Admin Settings → Connections."
        else:
            how = "In its settings choose the LLM provider: " + (
                f"Ollama with base URL {native}, or Generic OpenAI with {ep}."
                if native
                else f"Generic OpenAI with base URL {ep}."
                if ep
                else "the engine's API."
            )
        out += [
            "### Connect it to an engine",
            "",
            f"Install and start {name} (`pickrt guide --runtime {slug}`). {how}",
            "",
        ]
        if p.docker:
            out += [
                "From inside a container, 127.0.0.1 is the container itself: use `host.docker.internal` "
                "for the host (on Linux add `--add-host=host.docker.internal:host-gateway`, and the engine "
                "must listen on an address the container can reach).",
                "",
            ]
    notes = [
        autolink(nodot(t))
        + "."
        + (f" (source: {ref_text(src)}" + (f"; as of {asof}" if asof else "") + ")" if src else "")
        for t, src, asof in p.notes
    ]
    if notes:
        out += ["### Operator notes", "", bullets(notes), ""]
    if rt.common_failures:
        fl = [
            f"**{nodot(f.symptom)}** → {nodot(f.fix)}." + (f" (source: {ref_text(f.source)})" if f.source else "")
            for f in rt.common_failures
        ]
        out += ["### If the first run fails", "", bullets(fl), ""]
    if p.other_runtimes:
        out += [
            "### Other runtimes that run here",
            "",
            bullets(f"{name}: `pickrt guide --runtime {slug}`" for name, slug in p.other_runtimes),
        ]
    return "\n".join(out)


def _companion(p: GuidePlan) -> str | None:
    c = p.companion
    if c is None:
        return None
    comp, rt = c.rt, p.rt
    out = [f"### A chat UI: {comp.name}", "", comp.summary.rstrip() if comp.summary else comp.name, ""]
    for s in c.steps:
        out += [step_md(s, p.lang), ""]
    if c.serve:
        if c.target:
            cmd = f'$env:{c.var} = "{c.target}"; {c.serve}' if p.os == "windows" else f"{c.var}={c.target} {c.serve}"
        else:
            cmd = c.serve
        out += [
            f"Start it pointed at {rt.name}"
            + (f" (the pip install wants Python {c.python})" if c.python else "")
            + ":",
            "",
            fence(cmd, p.lang),
            "",
            f"Then open http://127.0.0.1:{c.port}: the first account you create is the admin."
            + ("" if c.target else f" Add {rt.name}'s endpoint under Admin Settings → Connections."),
        ]
    else:
        line = (
            f"In {comp.name}'s settings choose the LLM provider "
            + ("Ollama" if c.var == "OLLAMA_BASE_URL" else "Generic OpenAI")
            + (f" with base URL {c.target}." if c.target else ".")
        )
        if comp.api.default_port and comp.api.default_port == p.port:
            line += f" Both default to port {p.port}: move one of them."
        out.append(line)
    if c.others:
        out += ["", "Also: " + ", ".join(f"{o.name} (`pickrt guide --runtime {o.slug}`)" for o in c.others) + "."]
    return "\n".join(out)


def sources(p: GuidePlan) -> str:
    rt = p.rt
    out = ["## Sources", ""]
    items = [source_text(s) for s in rt.sources]
    if rt.status.source:
        items.append(
            f"Project state ({rt.status.state}): {ref_text(rt.status.source)}"
            + (f" (as of {rt.status.as_of})" if rt.status.as_of else "")
        )
    if rt.latest_release and rt.latest_release.source:
        items.append(
            f"Latest release {rt.latest_release.version or ''}: {ref_text(rt.latest_release.source)}".replace("  ", " ")
        )
    starts = [s for s in p.starts if s.source]
    for s in starts:
        items.append(f"What the installer starts: {ref_text(s.source)}")
    if items:
        out += [bullets(items), ""]
    out.append(
        f"Catalog entry `{rt.slug}` last checked {rt.as_of}; re-check facts older than six months against the sources. "
        "`pickrt knowledge show " + rt.slug + "` prints everything pickrt knows about it."
    )
    return "\n".join(out)


__all__ = ["next_steps", "sources"]
