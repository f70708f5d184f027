"""The server's API as the guide shows it: port, endpoint, health, binding; and the Verify section."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pickrt.render.guide.text import AUTH, nodot
from pickrt.render.markdown import autolink, fence

if TYPE_CHECKING:
    from pickrt.engine.guide_plan import GuidePlan


def api_facts(p: GuidePlan) -> list[str]:
    rt = p.rt
    facts = []
    if p.port:
        facts.append(f"**Port:** {p.port} (the catalog's default for {rt.name}).")
    if p.endpoint and (rt.api.openai_compatible or rt.kind == "bridge"):
        kind = "OpenAI-compatible API" if rt.api.openai_compatible else "web UI"
        facts.append(f"**Endpoint:** {p.endpoint} ({kind}).")
    elif rt.api.openai_compatible:
        facts.append("**Endpoint:** an OpenAI-compatible API under `/v1`, on the address it prints at start-up.")
    if rt.api.native_api and not rt.api.openai_compatible:
        facts.append(f"**API:** {nodot(rt.api.native_api)}.")
    if rt.api.health_path and p.port:
        facts.append(
            f"**Health:** http://127.0.0.1:{p.port}{rt.api.health_path}"
            + (f" ({nodot(rt.api.health_note)})." if rt.api.health_note else ".")
        )
    facts.append(bind_text(p))
    return facts


def bind_text(p: GuidePlan) -> str:
    rt, b, port = p.rt, p.bind, p.port
    if b.added and b.option:
        return (
            f"**Binding:** by default {rt.name} listens on every interface ({b.default}); the command above adds "
            f"`{b.option} 127.0.0.1` so only this machine can reach it. To serve other machines, use "
            f"`{b.option} 0.0.0.0` instead. {AUTH}"
        )
    if b.command_local:
        head = "**Binding:** the command binds 127.0.0.1, so only this machine can reach it"
        if b.default is not None and b.default not in ("127.0.0.1", "localhost", "::1"):
            head += f" (without it {rt.name} would listen on every interface)"
        return f"{head}. To serve other machines, replace 127.0.0.1 with 0.0.0.0 in it. {AUTH}"
    if b.how is None or b.default is None:
        check = (
            {
                "linux": f"`ss -ltnp | grep {port}`",
                "macos": f"`lsof -nP -iTCP:{port} -sTCP:LISTEN`",
                "windows": f"`Get-NetTCPConnection -LocalPort {port} -State Listen`",
            }[p.os]
            if port
            else None
        )
        s = "**Binding:** pickrt does not know which address it listens on by default"
        s += f": check with {check} once it runs; " if check else "; "
        s += (
            "0.0.0.0 or [::] means every network interface. If so, set its listen address to 127.0.0.1 "
            "(see its `--help`) or firewall the port."
        )
        return f"{s} {AUTH}"
    if b.default in ("127.0.0.1", "localhost", "::1"):
        expose = {
            "env": f"set `{b.option}=0.0.0.0:{port}` in the server's environment",
            "setting": f'turn on "{b.option}" in its server settings',
            "config": f"set {b.option}",
        }.get(b.how, f"pass `{b.option} 0.0.0.0`")
        return (
            f"**Binding:** it listens on {b.default} by default, so only this machine can reach it. To serve other "
            f"machines, {expose}. {AUTH}"
        )
    return (
        f"**Binding:** by default it listens on every interface ({b.default}): pass `{b.option} 127.0.0.1` to keep "
        f"it on this machine. {AUTH}"
    )


def verify(p: GuidePlan) -> str:
    rt, port, ln = p.rt, p.port, p.launch
    out = ["## Verify", ""]
    win = p.os == "windows"
    curl = "curl.exe" if win else "curl"
    if rt.kind == "bridge":
        if port:
            out += [
                f"Open http://127.0.0.1:{port} in a browser (or the port you published with Docker) and create "
                "the first (admin) account."
            ]
            if rt.api.health_path:
                out += [
                    "",
                    "Or check from a terminal:",
                    "",
                    fence(f"{curl} http://127.0.0.1:{port}{rt.api.health_path}", p.lang),
                ]
        else:
            out.append(f"Open {rt.name} and check that it lists the engine's models.")
        return "\n".join(out)
    ep = p.endpoint
    if rt.api.openai_compatible and ep:
        if rt.api.health_path:
            out += [
                "Is it up?" + (f" ({nodot(rt.api.health_note)})" if rt.api.health_note else ""),
                "",
                fence(f"{curl} http://127.0.0.1:{port}{rt.api.health_path}", p.lang),
                "",
            ]
        out += [
            'Which models does it serve? The answer is `{"object": "list", "data": [{"id": ...}]}`; '
            f"use an `id` from it as the `model` of a request (here `{ln.request_model}`).",
            "",
            fence(f"{curl} {ep}/models", p.lang),
            "",
        ]
        body = json.dumps({"model": ln.request_model, "messages": [{"role": "user", "content": "Say hello"}]})
        out += [
            "Ask for a chat completion. A working server answers with JSON whose reply is in "
            '`"choices": [{"message": {"role": "assistant", "content": "Hello! ..."}}]` '
            "(the first request can take a while: it loads the model).",
            "",
        ]
        if win:
            out.append(
                fence(
                    f'Invoke-RestMethod {ep}/chat/completions -Method Post -ContentType "application/json" '
                    f"-Body '{body}' | ConvertTo-Json -Depth 5",
                    p.lang,
                )
            )
        elif ln.verify:
            out.append(fence(ln.verify, p.lang))
        else:
            out.append(fence(f"curl {ep}/chat/completions -H \"Content-Type: application/json\" -d '{body}'", p.lang))
        return "\n".join(out)
    if rt.api.health_path and port:
        out += ["Is it up?", "", fence(f"{curl} http://127.0.0.1:{port}{rt.api.health_path}", p.lang), ""]
    if rt.detect.version_command:
        out += ["Check the installation:", "", fence(rt.detect.version_command, p.lang), ""]
    if rt.api.native_api:
        out.append(f"How you use it: {autolink(nodot(rt.api.native_api))}.")
    if not rt.detect.version_command and not rt.api.native_api and not rt.api.health_path:
        home = rt.homepage or rt.repo
        out.append(
            f"{rt.name} exposes no API pickrt can check; see <{home}>."
            if home
            else f"{rt.name} exposes no API pickrt can check."
        )
    return "\n".join(out)


__all__ = ["api_facts", "bind_text", "verify"]
