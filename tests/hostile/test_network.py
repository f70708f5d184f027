"""No network beyond loopback: host advice and detection open no socket elsewhere, run no cluster
tool unless asked, and doctor's container commands never see a remote DOCKER_HOST."""

from __future__ import annotations

import ipaddress
import os
import socket
import stat
from pathlib import Path

import pytest

from pickrt.cli import main

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX shell scripts as fake tools")


def _tool(folder: Path, name: str, body: str) -> None:
    p = folder / name
    p.write_text("#!/bin/sh\n" + body)
    p.chmod(p.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Fake cluster and container tools that note each run, a kubeconfig, remote DOCKER_HOST, and
    a socket layer that records every address connected to."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    runs = tmp_path / "runs"
    for tool in ("kubectl", "ray", "scontrol", "sinfo"):
        _tool(bin_dir, tool, f'echo {tool} >> {runs}\necho "{{}}"\n')
    _tool(bin_dir, "docker", f'echo "docker DOCKER_HOST=$DOCKER_HOST CONTEXT=$DOCKER_CONTEXT" >> {runs}\n')
    _tool(bin_dir, "podman", f'echo "podman CONTAINER_HOST=$CONTAINER_HOST" >> {runs}\n')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    kc = tmp_path / "kc.yaml"
    kc.write_text("apiVersion: v1\nclusters:\n- cluster: {server: 'https://203.0.113.7:6443'}\n  name: c\n")
    monkeypatch.setenv("KUBECONFIG", str(kc))
    monkeypatch.setenv("DOCKER_HOST", "tcp://203.0.113.7:2375")
    monkeypatch.setenv("CONTAINER_HOST", "ssh://root@203.0.113.7/run/podman.sock")
    monkeypatch.setenv("DOCKER_CONTEXT", "remote")
    monkeypatch.delenv("PICKRT_NO_DOCTOR", raising=False)  # host advice asks the quick doctor too

    seen: list = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self, address):
        seen.append((self.family, address))
        if not _loopback(self.family, address):
            raise OSError("network unreachable (test)")
        return real_connect(self, address)

    def connect_ex(self, address):
        seen.append((self.family, address))
        if not _loopback(self.family, address):
            return 101
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    return {"runs": runs, "seen": seen}


def _loopback(family, address) -> bool:
    if family == getattr(socket, "AF_UNIX", None):
        return True
    host = address[0]
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _ran(world) -> list[str]:
    return world["runs"].read_text().splitlines() if world["runs"].exists() else []


@posix_only
def test_host_advice_and_detect_touch_only_loopback(world, capsys) -> None:
    assert main(["--json"]) in (0, 3)
    assert main(["detect", "--json"]) == 0
    capsys.readouterr()
    ran = _ran(world)
    assert not [r for r in ran if r.split()[0] in ("kubectl", "ray", "scontrol", "sinfo")], ran
    bad = [a for f, a in world["seen"] if not _loopback(f, a)]
    assert bad == []


@posix_only
def test_cluster_tools_run_only_when_asked(world, capsys) -> None:
    assert main(["detect", "--json", "--cluster"]) == 0
    out = capsys.readouterr().out
    assert {"kubectl", "ray", "scontrol", "sinfo"} <= {r.split()[0] for r in _ran(world)}
    assert '"kubectl-nodes"' in out


@posix_only
def test_not_asked_cluster_probes_say_how_to_ask(world, capsys) -> None:
    assert main(["detect", "--json"]) == 0
    import json

    probes = {p["name"]: p for p in json.loads(capsys.readouterr().out)["probes"]}
    assert probes["kubectl-nodes"]["status"] == "missing"
    assert "--cluster" in probes["kubectl-nodes"]["detail"]


@posix_only
def test_doctor_scrubs_remote_container_hosts(world, capsys) -> None:
    assert main(["doctor", "--json"]) == 0
    capsys.readouterr()
    lines = [r for r in _ran(world) if r.startswith(("docker", "podman"))]
    assert lines, "docker/podman were not asked at all"
    for line in lines:
        assert "203.0.113.7" not in line
    assert any("CONTEXT=default" in r for r in lines if r.startswith("docker"))
    assert [a for f, a in world["seen"] if not _loopback(f, a)] == []
