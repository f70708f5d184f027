"""`detect --record`: never loses a user's files, never half-written, redacted by default."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pickrt.cli import main
from pickrt.detect import build_profile
from pickrt.probes.redact import Redactor
from pickrt.probes.replay import MARKER, RecordError, load_dir, record_dir
from pickrt.probes.runner import ProbeResult

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "probes"


def _slot(name: str) -> str | None:
    n = name.lower()
    rules = [(".xml", "nvidia-smi-q-x"), ("__q.txt", "nvidia-smi-q"), ("__table.txt", "nvidia-smi"),
             ("__l.txt", "nvidia-smi-L"), ("query-gpu", "nvidia-smi-query"), ("scontrol-show-node", "scontrol-show-node"),
             ("sinfo", "sinfo"), ("ray-status", "ray-status"), ("kubectl", "kubectl-nodes"),
             ("spdisplaysdatatype", "system_profiler-SPDisplaysDataType"),
             ("sphardwaredatatype.json", "system_profiler-SPHardwareDataType"), ("sysctl", "sysctl"),
             ("amd-smi-static", "amd-smi-static"), ("rocm-smi.txt", "rocm-smi"), ("lscpu", "lscpu"),
             ("cpuinfo", "proc-cpuinfo"), ("meminfo", "proc-meminfo")]
    for needle, slot in rules:
        if needle in n:
            return slot
    return None


CASES = [(p, _slot(p.name)) for p in sorted(FIXTURES.rglob("*")) if p.is_file() and _slot(p.name)]


def _summary(prof) -> dict:
    d = prof.model_dump()
    gpus = [(g["vendor"], g["name"], g["vram_gb"], g["compute_capability"], g["count"],
             json.dumps(g["mig"], sort_keys=True)) for g in d["gpus"]]
    cl = d["cluster"]
    return {"gpus": gpus, "os": d["os"], "cpu": d["cpu"], "memory": d["memory_gb"], "apple": d["apple"],
            "cluster": cl and (cl["source"], len(cl["nodes"]), cl["gpus_total"],
                               sorted((sum(g["count"] for g in n["gpus"]), n["cpus"], n["memory_gb"]) for n in cl["nodes"]))}


@pytest.mark.parametrize("path, slot", CASES, ids=[p.name for p, _ in CASES])
def test_redaction_keeps_what_sizing_needs(path: Path, slot: str) -> None:
    uname = "Darwin arm64\n" if slot.startswith(("sys", "system_profiler")) else "Linux x86_64\n"
    text = path.read_text(encoding="utf-8", errors="replace")
    plain = {"uname": ProbeResult("uname", "ok", uname), slot: ProbeResult(slot, "ok", text)}
    r = Redactor()
    red = {k: ProbeResult(k, "ok", r.text(v.text, k)) for k, v in plain.items()}
    assert _summary(build_profile(red)) == _summary(build_profile(plain))


def test_redaction_removes_sentinels() -> None:
    r = Redactor()
    xml = ("<gpu><serial>1320221044915</serial><uuid>GPU-6a2a9b4e-1b2c-4d5e-8f90-123456789abc</uuid>"
           "<processes><process_info><pid>4242</pid><process_name>/home/alice/SENTINEL-PROJECT/train.py "
           "--api-key sk-SENTINEL</process_name></process_info></processes></gpu>")
    out = r.text(xml, "nvidia-smi-q-x")
    assert "SENTINEL" not in out and "1320221044915" not in out and "6a2a9b4e" not in out and "4242" not in out
    assert "<uuid>GPU-00000000-0000-0000-0000-000000000001</uuid>" in out
    q = ("    Serial Number                         : 1564720004631\n    GPU UUID                              : "
         "GPU-6a2a9b4e-1b2c-4d5e-8f90-123456789abc\n    Processes\n        Process ID : 77\n"
         "            Name : /home/alice/SENTINEL/x.py\n    Capabilities\n")
    out = r.text(q, "nvidia-smi-q")
    assert "SENTINEL" not in out and "1564720004631" not in out and "GPU-00000000-0000-0000-0000-000000000001" in out
    sp = json.dumps({"SPHardwareDataType": [{"serial_number": "C02XK0SENTQ6LR", "platform_UUID":
                     "12345678-ABCD-1234-ABCD-1234567890AB", "provisioning_UDID": "00008112-001A2C3D4E5F601E",
                     "chip_type": "Apple M2 Max", "physical_memory": "96 GB"}]})
    out = r.text(sp, "system_profiler-SPHardwareDataType")
    assert "C02XK0SENTQ6LR" not in out and "12345678-ABCD" not in out.upper()
    assert "001A2C3D4E5F601E" not in out and "Apple M2 Max" in out
    kube = json.dumps({"items": [{"metadata": {"name": "gpu-node-sentinel.corp.example", "labels": {
        "nvidia.com/gpu.product": "H100", "team": "secret-team"}, "annotations": {"x": "y"}},
        "status": {"addresses": [{"address": "10.1.2.3"}], "capacity": {"nvidia.com/gpu": "8"},
        "images": [{"names": ["registry/secret:1"]}]}, "spec": {"providerID": "aws:///us-east-1a/i-0abc"}}]})
    out = r.text(kube, "kubectl-nodes")
    assert "sentinel" not in out and "secret" not in out and "10.1.2.3" not in out and "i-0abc" not in out
    assert "nvidia.com/gpu.product" in out
    detail = r.text("/home/alice/.local/bin/tool: exit 1 at 203.0.113.7", "")
    assert "alice" not in detail and "203.0.113.7" not in detail


def test_record_refuses_user_folder_and_file(tmp_path: Path, capsys) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for name, text in (("sinfo.txt", "mine"), ("uname.txt", "mine"), ("thesis.txt", "mine")):
        (notes / name).write_text(text)
    src = tmp_path / "src"
    src.mkdir()
    (src / "uname.txt").write_text("Linux x86_64\n")
    assert_exit2(["detect", "--replay", str(src), "--record", str(notes)], capsys, "not a pickrt recording")
    assert {p.name: p.read_text() for p in notes.iterdir()} == {"sinfo.txt": "mine", "uname.txt": "mine", "thesis.txt": "mine"}
    afile = tmp_path / "afile"
    afile.write_text("precious")
    assert_exit2(["detect", "--record", str(afile), "--timeout", "0.5"], capsys, "not a folder")
    assert afile.read_text() == "precious"


def assert_exit2(argv: list[str], capsys, words: str) -> None:
    with pytest.raises(SystemExit) as ei:
        main(argv)
    cap = capsys.readouterr()
    assert ei.value.code == 2 and words in cap.err and cap.out == ""
    assert len(cap.err.strip().splitlines()) == 1


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() == 0, reason="root ignores permissions")
def test_record_under_read_only_folder(tmp_path: Path, capsys) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    assert_exit2(["detect", "--record", str(ro / "rec"), "--timeout", "0.5"], capsys, "cannot write")


def test_record_write_failure_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    from pickrt.probes import replay

    calls = {"n": 0}
    real = replay._write_file

    def failing(target, data):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        real(target, data)

    monkeypatch.setattr(replay, "_write_file", failing)
    res = {"uname": ProbeResult("uname", "ok", "Linux x86_64\n"), "lscpu": ProbeResult("lscpu", "ok", "x")}
    with pytest.raises(RecordError, match="No space left"):
        record_dir(res, tmp_path / "rec")
    assert list(tmp_path.iterdir()) == []


KILLER = r"""
import sys, time
from pickrt.probes import replay
from pickrt.probes.runner import ProbeResult, ALL_FILES
real = replay._write_file
def slow(target, data):
    real(target, data)
    time.sleep(0.02)
replay._write_file = slow
res = {n: ProbeResult(n, "ok", "NEW " + n) for n in ALL_FILES}
print("go", flush=True)
replay.record_dir(res, sys.argv[1], redact=False)
print("done", flush=True)
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_kill_mid_record_leaves_the_old_recording(tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    old = {"uname": ProbeResult("uname", "ok", "Darwin arm64\n"), "sysctl": ProbeResult("sysctl", "ok", "hw.memsize: 1\n")}
    record_dir(old, rec, redact=False)
    before = {p.name: p.read_bytes() for p in rec.iterdir()}
    outcomes = set()
    for delay in (0.05, 0.15, 0.25, 0.35, 0.5, 0.8):
        proc = subprocess.Popen([sys.executable, "-c", KILLER, str(rec)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "go"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = {p.name: p.read_bytes() for p in rec.iterdir()}
        if now == before:
            outcomes.add("old")
        else:  # the new recording, complete: never a mix
            assert all(v.startswith(b"NEW ") for k, v in now.items() if k not in ("probes.json", MARKER))
            from pickrt.probes.runner import ALL_FILES

            assert set(now) == set(ALL_FILES.values()) | {"probes.json", MARKER}
            outcomes.add("new")
            record_dir(old, rec, redact=False)
            before = {p.name: p.read_bytes() for p in rec.iterdir()}
        assert load_dir(rec)["uname"].status == "ok"
    assert "old" in outcomes


def test_detect_record_cli_round_trip(tmp_path: Path, capsys) -> None:
    rec = tmp_path / "rec"
    assert main(["detect", "--json", "--record", str(rec), "--timeout", "1"]) == 0
    live = json.loads(capsys.readouterr().out)
    assert (rec / MARKER).is_file()
    assert main(["detect", "--json", "--record", str(rec), "--timeout", "1"]) == 0  # an earlier recording: replaced
    capsys.readouterr()
    assert main(["detect", "--json", "--replay", str(rec)]) == 0
    replayed = json.loads(capsys.readouterr().out)
    assert replayed["gpus"] == live["gpus"] and replayed["cpu"] == live["cpu"]


def test_record_permission_denied_is_one_line(tmp_path: Path, monkeypatch, capsys) -> None:
    from pickrt.probes import replay

    def denied(path, mode=0o777):
        raise PermissionError(13, "Permission denied")

    src = tmp_path / "src"
    src.mkdir()
    (src / "uname.txt").write_text("Linux x86_64\n")
    monkeypatch.setattr(replay.os, "mkdir", denied)
    assert_exit2(["detect", "--replay", str(src), "--record", str(tmp_path / "rec")], capsys, "Permission denied")
    assert [p.name for p in tmp_path.iterdir()] == ["src"]
