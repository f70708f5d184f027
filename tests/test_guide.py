"""`pickrt guide`: the first-install guide, for every runtime on every OS it supports (and refuses the rest).

Golden files live in tests/golden/guide-*.md; regenerate them with PICKRT_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from pickrt.catalog import load_catalog
from pickrt.catalog.models import Runtime
from pickrt.cli import main
from pickrt.engine.commands import endpoint_for

GOLDEN = Path(__file__).parent / "golden"
PLACEHOLDER = re.compile(r"\{[a-z][a-z0-9_]*\}")
LEFTOVER = re.compile(r"\b(MODEL|PORT|MODEL_NAME|HF_REPO)\b")
OSES = ("linux", "macos", "windows")
SECTIONS = [
    "What you are installing and why", "Prerequisites", "Install", "Get a model that fits", "Serve", "Verify",
    "Next steps", "Sources",
]

CATALOG = load_catalog(use_user_overlay=False, use_cache=False)


@pytest.fixture(autouse=True)
def _env(monkeypatch, tmp_path):
    monkeypatch.setenv("PICKRT_NO_DOCTOR", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("PICKRT_KNOWLEDGE", raising=False)


# ---- helpers ------------------------------------------------------------------------------------


def _native(rt: Runtime, os_: str) -> list[str]:
    return sorted({p.arch for p in rt.platforms if p.os == os_ and p.native})


def _hw_args(rt: Runtime, os_: str, tmp_path: Path) -> list[str]:
    """What-if hardware that suits the runtime on this OS."""
    archs = _native(rt, os_) or ["arm64" if os_ == "macos" else "x86_64"]
    a = rt.accelerators
    if os_ == "macos":
        if "arm64" in archs:
            return ["--apple", "M3 Max", "--memory", "64", "--os", "macos"]
        return ["--cpu-only", "--memory", "32", "--os", "macos"]
    if "x86_64" not in archs:  # an arm64-only build: a profile file says so
        prof = tmp_path / "arm64.json"
        prof.write_text(json.dumps({"os": os_, "arch": "arm64", "memory_gb": 32, "simulated": True}))
        return ["--hardware", str(prof), "--os", os_]
    if a.cuda.supported:
        gpu = "H100 SXM" if rt.zone in ("high-throughput", "distributed") else "RTX 4090"
        return ["--gpu", gpu, "--os", os_]
    if a.rocm.supported:
        return ["--gpu", "MI300X", "--os", os_]
    return ["--cpu-only", "--memory", "32", "--os", os_]


def _run(capsys, args: list[str]) -> tuple[int, str, str]:
    try:
        code = main(args)
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def _fences(text: str) -> list[tuple[str, str]]:
    return [(t.info.strip(), t.content) for t in MarkdownIt("commonmark").parse(text) if t.type == "fence"]


def _h(text: str, level: str) -> list[str]:
    toks = MarkdownIt("commonmark").parse(text)
    return [toks[i + 1].content for i, t in enumerate(toks) if t.type == "heading_open" and t.tag == level]


def _section(text: str, title: str) -> str:
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert m, f"no section {title!r}"
    return m.group(1)


def _sections(rt: Runtime) -> list[str]:
    """The sections in the order things happen: a download that talks to the server comes after Serve."""
    if rt.get_model_needs_server:
        return ["What you are installing and why", "Prerequisites", "Install", "Serve", "Get a model that fits",
                "Verify", "Next steps", "Sources"]
    return SECTIONS


def _steps_for(rt: Runtime, os_: str, text: str) -> list:
    """The OS's install steps for the accelerator the guide's Prerequisites name."""
    backend = ("cuda" if "**NVIDIA driver and CUDA:**" in text else "rocm" if "**AMD ROCm:**" in text
               else "cpu" if "runs on the CPU here" in text else None)
    steps = rt.install.get(os_, [])
    if backend is None:
        return steps
    return [s for s in steps if not s.backends or backend in s.backends]


SUPPORTED = [(s, o) for s, rt in CATALOG.runtimes.items() for o in OSES if _native(rt, o)]
UNSUPPORTED = [(s, o) for s, rt in CATALOG.runtimes.items() for o in OSES if not _native(rt, o)]


# ---- every runtime on every OS it supports --------------------------------------------------------


@pytest.mark.parametrize("slug,os_", SUPPORTED, ids=[f"{s}-{o}" for s, o in SUPPORTED])
def test_guide_for_every_supported_runtime_and_os(capsys, tmp_path, slug, os_):
    rt = CATALOG.runtimes[slug]
    code, out, err = _run(capsys, ["guide", "--runtime", slug, *_hw_args(rt, os_, tmp_path)])
    assert code == 0, err
    assert err == ""
    # Markdown that parses, with one title and the sections in order
    h1 = _h(out, "h1")
    assert len(h1) == 1 and h1[0].startswith(f"{rt.name} on "), h1
    h2 = _h(out, "h2")
    assert [x for x in h2 if x in SECTIONS] == _sections(rt), h2
    fences = _fences(out)
    assert fences, "no fenced commands"
    lang = "powershell" if os_ == "windows" else "sh"
    assert all(info in (lang, "json") for info, _ in fences), {i for i, _ in fences}
    # every catalog `run` step for this OS and accelerator, verbatim, in its own fenced block
    blocks = [body.strip() for _, body in fences]
    for step in _steps_for(rt, os_, out):
        if step.run:
            assert step.run.strip() in blocks, f"install step missing: {step.run}"
        if step.url:
            assert step.url in out
    # port and endpoint agree with the catalog
    if rt.api.default_port:
        assert f"**Port:** {rt.api.default_port}" in out
    ep = endpoint_for(rt)
    if ep and rt.api.openai_compatible:
        assert f"**Endpoint:** {ep}" in out
        verify = _section(out, "Verify")
        assert f"{ep}/models" in verify and f"{ep}/chat/completions" in verify
    # no unfilled template variables, no MODEL / PORT leftovers in commands
    assert not PLACEHOLDER.search(out), PLACEHOLDER.findall(out)
    for _, body in fences:
        assert not LEFTOVER.search(body), body
    # sources with their as-of date close the guide
    assert h2[-1] == "Sources"
    assert rt.as_of in _section(out, "Sources")
    if rt.kind == "bridge":
        assert "not an inference engine" in out
    if rt.status.state in ("dead", "archived") or rt.superseded_by:
        assert "> **Warning:**" in out


@pytest.mark.parametrize("slug,os_", UNSUPPORTED, ids=[f"{s}-{o}" for s, o in UNSUPPORTED])
def test_guide_refuses_an_unsupported_os(capsys, tmp_path, slug, os_):
    rt = CATALOG.runtimes[slug]
    hw = ["--os", os_] if os_ != "macos" else ["--apple", "M3 Max", "--memory", "64"]
    code, out, err = _run(capsys, ["guide", "--runtime", slug, *hw])
    assert code == 3
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert f"{rt.name} cannot run on" in lines[0]
    assert {"linux": "Linux", "macos": "macOS", "windows": "Windows"}[os_] in lines[0]


# ---- the done-when checks -------------------------------------------------------------------------


def test_mac_guide_ends_verify_with_a_working_curl(capsys):
    code, out, err = _run(capsys, ["guide", "--apple", "M3 Max", "--memory", "64", "--model", "llama-3.1-8b"])
    assert code == 0, err
    title = _h(out, "h1")[0]
    assert title.startswith(("Ollama on", "MLX LM on")), title
    verify = _section(out, "Verify")
    last = _fences(verify)[-1][1].strip()
    assert re.match(r"curl (-s )?http://127\.0\.0\.1:", last) and "/v1/chat/completions" in last
    assert re.search(r"""-H ["']Content-Type: application/json["']""", last)
    body = json.loads(re.search(r"-d '(.*?)'", last).group(1))
    assert body["messages"][0]["role"] == "user" and body["messages"][0]["content"].startswith("Say hello") and body["model"]
    assert '"choices": [{"message":' in verify
    assert "/v1/models" in verify
    assert re.search(r"\*\*Memory:\*\* llama-3\.1-8b at \S+ needs [\d.]+ GiB; [\d.]+ GiB usable .*: fits", out)


def test_tensorrt_llm_on_macos_exits_3_and_says_why(capsys):
    code, out, err = _run(capsys, ["guide", "--runtime", "tensorrt-llm", "--os", "macos"])
    assert code == 3 and out == ""
    assert err.count("\n") == 1
    assert "TensorRT-LLM cannot run on macOS" in err and "Linux" in err and "instead" in err


def test_no_runtime_at_all_exits_3_with_the_first_warning(capsys):
    code, out, err = _run(capsys, ["guide", "--cpu-only", "--memory", "8", "--model", "llama-3.1-405b"])
    assert code == 3 and out == ""
    assert err.startswith("pickrt: ") and "llama-3.1-405b" in err and err.count("\n") == 1


# ---- behaviour ----------------------------------------------------------------------------------


def test_bridge_guide_points_at_an_engine(capsys):
    code, out, err = _run(capsys, ["guide", "--runtime", "open-webui", "--apple", "M3 Max", "--memory", "64"])
    assert code == 0, err
    assert "companion, not an inference engine" in out
    assert "OLLAMA_BASE_URL=http://127.0.0.1:11434" in out  # the engine pickrt picks here is Ollama


def test_os_override_picks_the_install_steps(capsys):
    code, out, _ = _run(capsys, ["guide", "--runtime", "ollama", "--gpu", "RTX 4090", "--os", "windows"])
    assert code == 0
    assert "```powershell\nirm https://ollama.com/install.ps1 | iex\n```" in out
    assert "install.sh" not in out
    assert "Invoke-RestMethod http://127.0.0.1:11434/v1/chat/completions" in out


def test_os_name_overrides_the_profile_os(catalog):
    from pickrt.engine.hardware import whatif_profile
    from pickrt.engine.workload import build_workload
    from pickrt.guide import guide_for

    prof = whatif_profile(catalog, gpu="RTX 4090", os="linux")
    text = guide_for(prof, build_workload(catalog, runtime="ollama"), catalog, os_name="windows")
    assert "/ Windows" in text.splitlines()[0] and "irm https://ollama.com/install.ps1 | iex" in text


def test_server_that_binds_every_interface_is_kept_on_localhost(capsys):
    code, out, _ = _run(capsys, ["guide", "--gpu", "H100 SXM", "--users", "16", "--model", "llama-3.1-8b"])
    assert code == 0
    serve = _section(out, "Serve")
    cmd = _fences(serve)[0][1].strip()
    assert cmd.startswith("vllm serve meta-llama/Llama-3.1-8B-Instruct --port 8000") and "--host 127.0.0.1" in cmd
    assert "every interface" in serve and "authentication" in serve


def test_library_without_server_points_to_its_server(capsys):
    code, out, _ = _run(capsys, ["guide", "--runtime", "exllamav3", "--gpu", "RTX 4090", "--os", "linux"])
    assert code == 0
    assert "TabbyAPI (`pickrt guide --runtime tabbyapi`)" in _section(out, "Serve")
    assert "hf download turboderp/" in _section(out, "Get a model that fits")


def test_without_a_model_the_guide_uses_the_advice_commands_and_lists_what_fits(capsys):
    """No model named: the guide installs what the advice's commands name, and lists the advice's suggestions."""
    code, out, _ = _run(capsys, ["guide", "--runtime", "ollama", "--gpu", "RTX 4090", "--os", "linux"])
    assert code == 0
    code, js, _ = _run(capsys, ["--json", "--runtime", "ollama", "--gpu", "RTX 4090", "--os", "linux"])
    adv = json.loads(js)
    section = _section(out, "Get a model that fits")
    gets = adv["recommendation"]["deployment"]["commands"]["get"]
    assert "You named no model" in section and gets and all(g in out for g in gets)
    for s in adv["model_suggestions"][1:]:
        assert s["model"] in section and (s["get"] is None or f"`{s['get']}`" in section)


# ---- golden files -------------------------------------------------------------------------------

GOLDENS = {
    "guide-ollama-macos.md": ["--apple", "M3 Max", "--memory", "64", "--model", "llama-3.1-8b", "--runtime", "ollama"],
    "guide-vllm-linux.md": ["--gpu", "H100 SXM", "--users", "16", "--model", "llama-3.1-8b"],
    "guide-mlx-lm-macos.md": ["--apple", "M3 Max", "--memory", "64", "--model", "llama-3.1-8b", "--runtime", "mlx-lm"],
}


@pytest.mark.parametrize("name", sorted(GOLDENS))
def test_golden(capsys, name):
    code, out, err = _run(capsys, ["guide", *GOLDENS[name]])
    assert code == 0, err
    path = GOLDEN / name
    if os.environ.get("PICKRT_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(out)
    assert path.is_file(), f"{path} missing: run with PICKRT_UPDATE_GOLDEN=1"
    assert out == path.read_text(), f"{name} changed: review, then regenerate with PICKRT_UPDATE_GOLDEN=1"
