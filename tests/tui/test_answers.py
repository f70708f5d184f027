"""The wizard's answers map onto exactly the engine calls the command line makes (no Textual here)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pickrt.engine.hardware import whatif_profile
from pickrt.engine.workload import build_workload
from pickrt.errors import InputError
from pickrt.tui.answers import HardwareForm, WorkloadForm, initial_profile, install_commands
from tui_snapshot_app import fake_host, parse


@pytest.mark.parametrize("argv, kw", [
    (["--apple", "M3 Max", "--memory", "64"], dict(apple="M3 Max", memory=64.0)),
    (["--gpu", "H100 SXM", "--gpus", "8", "--nodes", "2", "--interconnect", "infiniband"],
     dict(gpu="H100 SXM", gpus=8, nodes=2, interconnect="infiniband")),
    (["--gpu", "Mystery 1", "--vram", "12"], dict(gpu="Mystery 1", vram=12.0)),
    (["--memory", "32", "--os", "windows"], dict(memory=32.0, os="windows")),
])
def test_form_from_args_builds_the_cli_profile(catalog, argv, kw):
    args = parse(argv)
    expected = whatif_profile(catalog, **kw)
    assert initial_profile(args, catalog) == expected
    assert HardwareForm.from_args(args).profile(catalog) == expected


def test_no_hardware_options_means_detect(catalog):
    assert initial_profile(parse(["--model", "8b"]), catalog) is None


def test_interconnect_needs_nodes(catalog):
    with pytest.raises(InputError):
        initial_profile(parse(["--gpu", "A100 80GB SXM", "--interconnect", "ethernet"]), catalog)
    form = HardwareForm(gpu="A100 80GB SXM", interconnect="ethernet")
    with pytest.raises(InputError, match="Nodes"):
        form.profile(catalog)


def test_bad_numbers_are_input_errors(catalog):
    for form in (HardwareForm(gpus="two", gpu="RTX 4090"), HardwareForm(memory="-3"), HardwareForm(vram="x", gpu="X")):
        with pytest.raises(InputError):
            form.profile(catalog)


def test_form_from_detected_profile(catalog):
    form = HardwareForm.from_profile(fake_host(), catalog)
    assert form.gpu == "NVIDIA GeForce RTX 4090" and form.vram == "" and form.os == "linux"
    prof = form.profile(catalog)
    assert prof.simulated and prof.gpus[0].name == catalog.find_gpu("RTX 4090").name


def test_workload_form_round_trip(catalog):
    args = parse(["--traffic", "agent-loop", "--users", "4", "--model", "qwen3-32b", "--quant", "q5_k_m",
                  "--context", "32768", "--need", "openai-api", "--need", "rag"])
    wl = build_workload(catalog, traffic="agent-loop", users=4, model="qwen3-32b", quant="q5_k_m", context=32768,
                        needs=["openai-api", "rag"])
    form = WorkloadForm.from_workload(wl, args)
    assert form.goal == ""  # not given: the engine picks, and picks again when users change
    again = form.workload(catalog)
    for f in ("traffic", "users", "quant", "context", "goal", "needs", "runtime", "model_arg"):
        assert getattr(again, f) == getattr(wl, f), f


def test_workload_form_errors(catalog):
    with pytest.raises(InputError):
        WorkloadForm(users="many").workload(catalog)
    with pytest.raises(InputError):
        WorkloadForm(model="not-a-model-xyz").workload(catalog)


def test_install_commands_drop_comments(catalog):
    from pickrt.engine.advise import advise

    adv = advise(whatif_profile(catalog, apple="M3 Max", memory=64.0), build_workload(catalog, model="8b"), catalog)
    cmds = install_commands(adv, "macos")
    assert cmds and not any(c.startswith("#") for c in cmds)
    assert set(cmds) <= set(adv.recommendation.install["macos"])


def test_answers_do_not_import_textual():
    code = "import sys, pickrt.tui.answers; assert 'textual' not in sys.modules, 'textual imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
