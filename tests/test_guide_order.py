"""`pickrt guide` renders the advice: the same serve command and quant as `pickrt --json`, steps in the order
things happen on each OS and install path, `--os` changing only the commands' OS, and a terminal rendering."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from pickrt.catalog import load_catalog
from pickrt.cli import main

CATALOG = load_catalog(use_user_overlay=False, use_cache=False)
OSES = ("linux", "macos", "windows")


@pytest.fixture(autouse=True)
def _env(monkeypatch, tmp_path):
    monkeypatch.setenv("PICKRT_NO_DOCTOR", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("PICKRT_KNOWLEDGE", raising=False)


def _run(capsys, args: list[str]) -> tuple[int, str, str]:
    try:
        code = main(args)
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def _fences(text: str) -> list[str]:
    return [t.content.strip() for t in MarkdownIt("commonmark").parse(text) if t.type == "fence"]


def _section(text: str, title: str) -> str:
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert m, f"no section {title!r}"
    return m.group(1)


def _profile_file(tmp_path: Path, **fields) -> str:
    p = tmp_path / "host.json"
    p.write_text(json.dumps({"simulated": True, **fields}))
    return str(p)


# ---- the guide and --json agree (property) ------------------------------------------------------------

GPUS = ["RTX 4090", "RTX 3060", "H100 SXM", "A100 80GB", "L40S", "MI300X", "Arc B580", "RTX 5090", "T4"]
MODELS = [
    None,
    "llama-3.1-8b",
    "qwen3-32b",
    "llama-3.1-70b",
    "gpt-oss-20b",
    "deepseek-v3",
    "gemma-3-27b",
    "mixtral-8x7b",
]


@st.composite
def machine_and_work(draw):
    args = []
    kind = draw(st.sampled_from(["gpu", "apple", "cpu"]))
    if kind == "gpu":
        args += ["--gpu", draw(st.sampled_from(GPUS)), "--gpus", str(draw(st.sampled_from([1, 2, 4, 8])))]
        args += ["--os", draw(st.sampled_from(["linux", "windows"]))]
    elif kind == "apple":
        args += ["--apple", draw(st.sampled_from(["M1", "M2 Pro", "M3 Max", "M4 Max"]))]
    else:
        args += ["--cpu-only", "--os", draw(st.sampled_from(OSES))]
    if draw(st.booleans()) or kind == "cpu":
        args += ["--memory", str(draw(st.sampled_from([8, 16, 32, 64, 128, 512])))]
    m = draw(st.sampled_from(MODELS))
    if m:
        args += ["--model", m]
    args += ["--users", str(draw(st.sampled_from([1, 2, 8, 64])))]
    args += ["--traffic", draw(st.sampled_from(["chat", "diverse", "shared-prefix", "batch"]))]
    args += ["--quant", draw(st.sampled_from(["any", "gguf", "awq", "fp8", "mlx", "bf16", "q8_0"]))]
    args += ["--context", str(draw(st.sampled_from([2048, 8192, 32768])))]
    if draw(st.integers(0, 3)) == 0:
        args += ["--runtime", draw(st.sampled_from(["ollama", "llama-cpp", "vllm", "sglang", "mlx-lm", "lm-studio"]))]
    return args


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=machine_and_work())
def test_guide_and_json_agree_on_serve_command_and_quant(capsys, args):
    code_j, doc, err = _run(capsys, ["--json", *args])
    assert code_j in (0, 3), err
    code_g, guide, err_g = _run(capsys, ["guide", "--format", "markdown", *args])
    adv = json.loads(doc)
    rec = adv["recommendation"]
    if rec is None:
        assert code_g == 3 and guide == "", (args, guide[:200])
        return
    assert code_g == 0, (args, err_g)
    assert guide.splitlines()[0].startswith(f"# {rec['name']} on "), (args, guide.splitlines()[0])
    dep = rec.get("deployment")
    serve = dep["commands"]["serve"] if dep else rec["serve"]
    if serve and not serve.startswith("./"):
        # the deployment's environment prefix is written the OS's way ($env: lines on Windows)
        env = (dep or {}).get("env") or {}
        bare = serve
        for k, v in env.items():
            bare = bare.replace(f"{k}={v} ", "", 1).replace(f"{k}='{v}' ", "", 1)
        assert any(bare in body for body in _fences(guide)), (args, serve)
        assert all(k in guide for k in env), (args, env)
    fit = adv["model_fit"]
    quant = dep["quant"] if dep else (fit["quant"] if fit else None)
    if quant and adv["workload"]["model"]:
        assert f"at **{quant}**" in _section(guide, "Get a model that fits"), (args, quant)
        assert not re.search(
            rf"at \*\*(?!{re.escape(quant)}\*\*)[\w:.-]+\*\*", _section(guide, "Get a model that fits")
        )


# ---- order and OS of every step ---------------------------------------------------------------------------

# Commands that belong to another OS than the guide's (the container section is OS-neutral and skipped).
FOREIGN = {
    "linux": [
        r"^brew\b",
        r"\bwinget\b",
        r"\birm\b.*\biex\b",
        r"\.ps1\b",
        r"\blaunchctl\b",
        r"\bxcode-select\b",
        r"\$env:",
    ],
    "macos": [r"\bwinget\b", r"\birm\b.*\biex\b", r"\.ps1\b", r"\bsystemctl\b", r"\bapt(-get)?\b", r"\$env:"],
    "windows": [r"^brew\b", r"\bsystemctl\b", r"\blaunchctl\b", r"\bapt(-get)?\b", r"\|\s*(ba)?sh\b", r"^source\b"],
}


def _native(slug: str, os_: str) -> bool:
    return any(p.os == os_ and p.native for p in CATALOG.runtimes[slug].platforms)


def _hw(slug: str, os_: str) -> list[str]:
    rt = CATALOG.runtimes[slug]
    if os_ == "macos":
        arm = any(p.os == "macos" and p.native and p.arch == "arm64" for p in rt.platforms)
        return ["--apple", "M3 Max", "--memory", "64"] if arm else ["--cpu-only", "--memory", "32", "--os", "macos"]
    if rt.accelerators.cuda.supported:
        return ["--gpu", "RTX 4090", "--os", os_]
    return ["--cpu-only", "--memory", "32", "--os", os_]


CASES = [
    (s, o)
    for s, rt in CATALOG.runtimes.items()
    for o in OSES
    if _native(s, o) and rt.kind == "engine" and not rt.superseded_by
]


@pytest.mark.parametrize("slug,os_", CASES, ids=[f"{s}-{o}" for s, o in CASES])
def test_no_step_belongs_to_another_os(capsys, slug, os_):
    code, out, err = _run(capsys, ["guide", "--runtime", slug, "--model", "llama-3.1-8b", *_hw(slug, os_)])
    if code == 3:
        pytest.skip(err.strip())
    assert code == 0, err
    body = re.sub(r"^### Or run it in a container\n.*?(?=^## )", "", out, flags=re.S | re.M)
    for cmd in _fences(body):
        for line in cmd.splitlines():
            for pat in FOREIGN[os_]:
                assert not re.search(pat, line.strip()), f"{slug} on {os_}: {line!r} matches {pat}"


SERVER_FIRST = [(s, o) for s, o in CASES if CATALOG.runtimes[s].get_model_needs_server]


@pytest.mark.parametrize("slug,os_", SERVER_FIRST, ids=[f"{s}-{o}" for s, o in SERVER_FIRST])
def test_server_is_up_before_the_download(capsys, slug, os_):
    """A download that talks to the server comes after the server is up: a service or app the installer
    started is checked first, and the serve command is only for when nothing serves yet."""
    rt = CATALOG.runtimes[slug]
    code, out, err = _run(capsys, ["guide", "--runtime", slug, "--model", "llama-3.1-8b", *_hw(slug, os_)])
    assert code == 0, err
    fences = _fences(out)
    serve = next(i for i, f in enumerate(fences) if f.endswith(rt.serve.split("{")[0].strip()) or f == rt.serve)
    pull = next(i for i, f in enumerate(fences) if f.startswith(rt.get_model.split("{")[0].strip()))
    assert serve < pull, (serve, pull)
    starts = [s.starts for s in rt.install.get(os_, []) if s.starts is not None]
    if starts:
        section = _section(out, "Serve")
        check = starts[0].check or f"http://127.0.0.1:{rt.api.default_port}{rt.api.health_path}"
        assert section.index(check) < section.index(fences[serve]), "the installer's server is checked first"
        assert "Only if nothing serves yet" in section


def test_ollama_linux_checks_the_systemd_service_before_pull(capsys):
    code, out, _ = _run(
        capsys, ["guide", "--runtime", "ollama", "--gpu", "RTX 4090", "--os", "linux", "--model", "llama-3.1-8b"]
    )
    assert code == 0
    order = [
        out.index(x)
        for x in (
            "curl -fsSL https://ollama.com/install.sh | sh",
            "systemctl status ollama",
            "ollama serve\n",
            "ollama pull llama3.1:8b",
            "/v1/chat/completions",
        )
    ]
    assert order == sorted(order)


def test_ollama_macos_checks_the_app_and_windows_the_background_app(capsys):
    for args, check in (
        (["--apple", "M3 Max"], "curl http://127.0.0.1:11434/"),
        (["--gpu", "RTX 4090", "--os", "windows"], "curl.exe http://127.0.0.1:11434/"),
    ):
        code, out, _ = _run(capsys, ["guide", "--runtime", "ollama", *args])
        assert code == 0
        serve = _section(out, "Serve")
        assert "app" in serve and serve.index(check) < serve.index("ollama serve")
        assert out.index("## Serve") < out.index("## Get a model that fits")


def test_llama_cpp_on_linux_leads_with_a_linux_install(capsys):
    code, out, _ = _run(capsys, ["guide", "--runtime", "llama-cpp", "--gpu", "RTX 4090", "--os", "linux"])
    assert code == 0
    install = _section(out, "Install")
    assert "brew" not in install and "Homebrew" not in _section(out, "Prerequisites")
    # the official installer picks the CUDA, ROCm, Vulkan or CPU build for the machine (llama.cpp README)
    assert "llama.app/install.sh" in _fences(install)[0]
    code, out, _ = _run(capsys, ["guide", "--runtime", "llama-cpp", "--cpu-only", "--memory", "16", "--os", "linux"])
    install = _section(out, "Install")
    assert "brew" not in install and "llama.app/install.sh" in install


def test_vllm_on_a_cpu_gets_the_cpu_install(capsys):
    code, out, _ = _run(capsys, ["guide", "--runtime", "vllm", "--cpu-only", "--memory", "64", "--os", "linux"])
    assert code == 0
    install = _section(out, "Install")
    assert "--torch-backend=auto" not in install and "+cpu-" in install and "--torch-backend cpu" in install


def test_install_for_other_hardware_only_is_a_warning(capsys, tmp_path):
    """Steps for another accelerator only: a clear warning, not a wrong command."""
    d = tmp_path / "overlay" / "runtimes"
    d.mkdir(parents=True)
    src = (Path(__file__).parents[1] / "knowledge" / "runtimes" / "vllm.yaml").read_text()
    src = re.sub(
        r"  linux:\n(  - .*\n(    .*\n)*)+",
        "  linux:\n  - run: uv pip install vllm --torch-backend=auto\n    backends: [cuda]\n",
        src,
        count=1,
    )
    (d / "vllm.yaml").write_text(src)
    code, out, err = _run(
        capsys,
        [
            "guide",
            "--runtime",
            "vllm",
            "--cpu-only",
            "--memory",
            "64",
            "--os",
            "linux",
            "--knowledge",
            str(tmp_path / "overlay"),
        ],
    )
    assert code == 0, err
    install = _section(out, "Install")
    assert "> **Warning:**" in install and "a CPU-only machine" in install and "torch-backend=auto" not in install


# ---- --os changes the commands' OS only ---------------------------------------------------------------------


@pytest.mark.parametrize("runtime", ["mlx-lm", "lm-studio", "ollama"])
def test_os_macos_on_a_linux_machine_assumes_apple_silicon_and_says_so(capsys, tmp_path, runtime):
    host = _profile_file(tmp_path, os="linux", arch="x86_64", memory_gb=32)
    code, out, err = _run(capsys, ["guide", "--hardware", host, "--os", "macos", "--runtime", runtime])
    assert code == 0, err
    assert out.splitlines()[0].endswith("Apple Silicon, 32 GiB unified memory / macOS")
    assert "> **Assumed:** No Apple chip given" in out and "32 GiB of unified memory" in out
    assert "/api/generate" not in _section(out, "Get a model that fits")


def test_os_keeps_the_gpus_and_memory_given(capsys, tmp_path):
    host = _profile_file(
        tmp_path,
        os="linux",
        arch="x86_64",
        memory_gb=64,
        gpus=[{"vendor": "nvidia", "name": "GeForce RTX 4090", "vram_gb": 24, "compute_capability": "8.9"}],
    )
    code, out, err = _run(capsys, ["guide", "--hardware", host, "--os", "windows", "--runtime", "ollama"])
    assert code == 0, err
    assert out.splitlines()[0] == "# Ollama on GeForce RTX 4090, 24 GiB VRAM / Windows"
    assert "irm https://ollama.com/install.ps1 | iex" in out and "install.sh" not in out


def test_os_alone_keeps_the_detected_machine(capsys, monkeypatch):
    import pickrt.detect as detect
    from pickrt.records import record

    monkeypatch.setattr(detect, "detect_host", lambda **_: record("Profile", os="linux", arch="x86_64", memory_gb=48.0))
    code, out, err = _run(capsys, ["guide", "--os", "macos", "--runtime", "mlx-lm"])
    assert code == 0, err
    assert "48 GiB unified memory / macOS" in out.splitlines()[0]
    code, doc, _ = _run(capsys, ["--json", "--os", "macos", "--runtime", "mlx-lm"])
    hw = json.loads(doc)["hardware"]
    assert hw["os"] == "macos" and hw["memory_gb"] == 48.0 and hw["apple"]["chip"] == "Apple Silicon"


def test_os_macos_with_cpu_only_stays_an_intel_mac(capsys):
    code, out, err = _run(capsys, ["guide", "--os", "macos", "--cpu-only", "--memory", "32", "--runtime", "ollama"])
    assert code == 0, err
    assert "CPU only, 32 GiB RAM / macOS" in out.splitlines()[0] and "Assumed" not in out


# ---- reasons carry a kind -----------------------------------------------------------------------------------


def test_every_reason_has_a_kind(capsys):
    code, doc, _ = _run(capsys, ["--json", "--gpu", "RTX 4090", "--model", "llama-3.1-8b", "--runtime", "vllm"])
    adv = json.loads(doc)
    kinds = set()
    for item in [adv["recommendation"], *adv["alternatives"], *adv["rejected"], *adv["companions"]]:
        assert len(item["kinds"]) == len(item["reasons"]), item["runtime"]
        kinds |= set(item["kinds"])
    assert {"asked", "pick", "gate", "lifecycle"} <= kinds, kinds
    ft = next(x for x in adv["rejected"] if x["runtime"] == "fastertransformer")
    assert set(ft["kinds"]) == {"lifecycle"}


# ---- on a terminal -----------------------------------------------------------------------------------------


def test_terminal_format_renders_and_piped_output_is_markdown(capsys):
    args = ["guide", "--gpu", "RTX 4090", "--model", "llama-3.1-8b"]
    code, md, _ = _run(capsys, args)
    assert code == 0 and md.startswith("# ") and "```sh" in md
    code, term, _ = _run(capsys, [*args, "--format", "terminal"])
    assert code == 0
    assert "```" not in term and "<details>" not in term and "## " not in term
    assert "ollama pull llama3.1:8b" in term


def test_guide_imports_neither_textual_nor_pydantic(tmp_path):
    code = (
        "import sys, io, contextlib\nfrom pickrt.cli import main\n"
        "args = ['guide', '--gpu', 'RTX 4090', '--model', 'llama-3.1-8b']\n"
        "with contextlib.redirect_stdout(io.StringIO()): main(args)\n"
        "with contextlib.redirect_stdout(io.StringIO()): main(args + ['--format', 'terminal'])\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual')\n"
        "assert not bad, bad\n"
    )
    env = dict(os.environ, PICKRT_NO_DOCTOR="1", XDG_CACHE_HOME=str(tmp_path / "c"))
    subprocess.run(
        [sys.executable, "-c", "from pickrt.cli import main; main(['guide', '--gpu', 'RTX 4090'])"],
        env=env,
        check=True,
        capture_output=True,
    )  # warm the catalog cache
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            code.replace("main(args + ['--format', 'terminal'])", "None") + "assert 'pydantic' not in sys.modules\n",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
