"""Hostile streams: tools that flood, hang, print junk or leave grandchildren; FIFOs and devices."""

from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path

import pytest

from pickrt.probes import files
from pickrt.probes.runner import MAX_OUTPUT, read_file, run_command

posix_only = pytest.mark.skipif(os.name != "posix", reason="uses POSIX shell scripts, FIFOs and /dev/zero")


def make_tool(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    return folder


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _peak_rss_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 2**20


@posix_only
@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_flooding_tool_is_stopped_at_the_cap(fake_bin: Path, stream: str) -> None:
    redirect = "" if stream == "stdout" else " 1>&2"
    make_tool(fake_bin, "flood", f"exec cat /dev/zero{redirect}\n")
    before = _peak_rss_mb()
    start = time.monotonic()
    res = run_command("flood", ["flood"], 10.0)
    elapsed = time.monotonic() - start
    assert res.status == "error"
    assert "MiB" in (res.detail or "") and "killed" in (res.detail or "")
    assert elapsed < 5.0, elapsed  # stopped at the cap, not at the timeout
    assert len(res.text) <= MAX_OUTPUT
    assert _peak_rss_mb() - before < 200  # bounded: at most two capped buffers and their copies


@posix_only
def test_grandchild_holding_the_pipe_does_not_hold_us(fake_bin: Path, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    make_tool(fake_bin, "leaver", f"sleep 30 &\necho $! > {pids}\necho 'GPU 0: fine'\nexit 0\n")
    start = time.monotonic()
    res = run_command("leaver", ["leaver"], 5.0)
    assert time.monotonic() - start < 2.0
    assert res.status == "ok" and "GPU 0: fine" in res.text
    time.sleep(0.2)
    assert not _alive(int(pids.read_text().split()[0])), "the grandchild survived"


@posix_only
def test_hanging_tool_with_grandchildren_is_killed(fake_bin: Path, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    make_tool(fake_bin, "hang", f"sleep 30 &\necho $! >> {pids}\nsh -c 'sleep 30' &\necho $! >> {pids}\nsleep 30\n")
    start = time.monotonic()
    res = run_command("hang", ["hang"], 0.5)
    assert res.status == "timeout"
    assert time.monotonic() - start < 2.0
    time.sleep(0.2)
    for pid in pids.read_text().split():
        assert not _alive(int(pid))


@posix_only
def test_junk_output_and_slow_drip(fake_bin: Path) -> None:
    make_tool(fake_bin, "junk", "printf '\\033]0;x\\007\\377\\376 hello, world\\n'; exit 0\n")
    res = run_command("junk", ["junk"], 2.0)
    assert res.status == "ok" and "hello, world" in res.text
    make_tool(fake_bin, "drip", "while true; do echo x; sleep 0.05; done\n")
    start = time.monotonic()
    res = run_command("drip", ["drip"], 0.5)
    assert res.status == "timeout" and time.monotonic() - start < 2.0


@posix_only
def test_read_file_refuses_fifos_and_devices(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    start = time.monotonic()
    res = read_file("x", str(fifo))
    assert res.status == "error" and "FIFO" in (res.detail or "")
    res = read_file("x", "/dev/zero")
    assert res.status == "error" and "device" in (res.detail or "")
    assert time.monotonic() - start < 1.0


@posix_only
def test_read_regular(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(files.FileRejected, match="FIFO"):
        files.read_regular(fifo, 10)
    link = tmp_path / "z.yaml"
    link.symlink_to("/dev/zero")
    with pytest.raises(files.FileRejected, match="device"):
        files.read_regular(link, 10)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 11)
    with pytest.raises(files.FileRejected, match="larger than"):
        files.read_regular(big, 10)
    assert files.read_regular(big, 11) == b"x" * 11
    with pytest.raises(files.FileRejected, match="directory"):
        files.read_regular(tmp_path, 10)
    with pytest.raises(FileNotFoundError):
        files.read_regular(tmp_path / "none", 10)


@posix_only
def test_junk_nvidia_smi_is_no_gpu(fake_bin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pickrt.detect import detect_host

    make_tool(fake_bin, "nvidia-smi", "echo 'hello, world'\necho 'Segmentation fault (core dumped)'\nexit 0\n")
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    prof = detect_host(timeout=2.0)
    assert [g for g in prof.gpus if g.vendor == "nvidia"] == []


@posix_only
def test_escape_sequences_never_reach_the_terminal(tmp_path: Path, capsys) -> None:
    from pickrt.cli import main

    (tmp_path / "uname.txt").write_text("Linux x86_64\n")
    (tmp_path / "nvidia-smi-L.txt").write_text("GPU 0: NVIDIA \x1b]0;pwned\x07\x1b[2J\x9b31m H100 (UUID: GPU-1)\n")
    assert main(["detect", "--replay", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "H100" in out and not any(c in out for c in "\x1b\x07\x9b")
