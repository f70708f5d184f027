"""Readable text for a newcomer: detect names what a person expects on this OS and hides the rest
behind -v; doctor ends with one summary line and a next step."""

from __future__ import annotations

from pickrt.doctor.report import render_table, summary_line
from pickrt.profile_plain import GPU, Probe, Profile
from pickrt.render.detect_text import render

LAPTOP_MISSING = ["nvidia-smi-q-x", "nvidia-smi-query", "nvidia-smi-L", "rocm-smi-json", "amd-smi-static",
                  "xpu-smi-discovery", "sycl-ls", "nv_tegra_release", "kubectl-nodes", "ray-status",
                  "scontrol-show-node", "sinfo", "nvml", "cgroup-memory.max"]


def _laptop(**kw) -> Profile:
    probes = [Probe(name="uname", status="ok"), Probe(name="proc-meminfo", status="ok")]
    probes += [Probe(name=n, status="missing", detail=f"{n.split('-')[0]} not found on PATH") for n in LAPTOP_MISSING]
    return Profile(os="linux", arch="x86_64", memory_gb=16.0, probes=probes, **kw)


def test_detect_hides_internal_probe_ids_by_default():
    text = render(_laptop())
    for internal in ("scontrol-show-node", "nv_tegra_release", "kubectl-nodes", "nvidia-smi-q-x", "nvml"):
        assert internal not in text, internal
    assert "no GPU tool installed (nvidia-smi, rocm-smi, amd-smi, xpu-smi, sycl-ls)" in text
    assert "7 optional probes found nothing" in text and "`pickrt detect -v`" in text


def test_detect_verbose_lists_every_probe():
    text = render(_laptop(), verbose=True)
    for name in LAPTOP_MISSING:
        assert name in text, name


def test_detect_with_a_gpu_does_not_mention_gpu_tools():
    prof = _laptop(gpus=[GPU(vendor="nvidia", name="NVIDIA GeForce RTX 4090", vram_gb=24.0)])
    text = render(prof)
    assert "no GPU tool" not in text
    assert f"{len(LAPTOP_MISSING)} optional probes found nothing" in text


def _report(*rows):
    return {"runtimes": [dict(runtime=s, installed=i, running=r, endpoint=e, version=None, where=None, models=[],
                              detail="") for s, i, r, e in rows], "warnings": []}


def test_doctor_summary_nothing_installed():
    rep = _report(("ollama", False, False, None), ("vllm", False, False, None))
    text = render_table(rep)
    last = text.rstrip("\n").splitlines()[-1]
    assert last == summary_line(rep)
    assert last.startswith("Summary: 0 of 2 runtimes installed, none running. Next: run `pickrt`")


def test_doctor_summary_installed_not_running():
    rep = _report(("ollama", True, False, None), ("vllm", False, False, None))
    assert summary_line(rep) == ("Summary: 1 of 2 runtimes installed (ollama), none running. "
                                 "Next: start one (`pickrt guide --runtime ollama` shows how).")


def test_doctor_summary_running():
    rep = _report(("ollama", True, True, "http://127.0.0.1:11434"), ("vllm", False, False, None))
    line = summary_line(rep)
    assert "1 running" in line and "ollama at http://127.0.0.1:11434" in line
