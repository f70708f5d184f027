"""Make a recording safe to attach to a public bug report (``detect --record``, default on).

Removed, from every recorded file and from ``probes.json``:
- serial numbers, board/UDID/UUID fields (any key naming serial, uuid or udid) and every UUID-shaped
  value (GPU and MIG UUIDs become ``GPU-00000000-0000-0000-0000-00000000000N``, consistently
  across the files, so ``CUDA_VISIBLE_DEVICES`` by UUID still replays);
- the list of processes on the GPUs (PIDs and command lines: ``nvidia-smi -q -x``, ``-q``, table);
- IPv4/IPv6 and MAC addresses (``192.0.2.N``, ``2001:db8::N``, ``02:00:00:00:00:NN``), long hex IDs
  (container, node and boot IDs), this machine's host name, and the cluster's node names (kept as
  ``node-N``), Kubernetes annotations, non-GPU labels, images, addresses and provider IDs;
- user names in paths (``/home/USER``, ``/Users/USER``, ``C:\\Users\\USER``), Slurm drain reasons.

Kept: everything sizing needs: GPU names, memory, counts, drivers, compute capability, MIG
profiles, CPU model, flags and topology, memory sizes, cgroup limits, OS and architecture. The CPU's
vulnerability list and the kernel version are kept (they describe the machine, not its owner).
"""

from __future__ import annotations

import json
import re
import socket
from typing import Any, Callable

REDACTED = "REDACTED"

_UUID = re.compile(r"\b((?:GPU|MIG)-)?([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\b")
_SECRET_KEY = r"[\w .\-]*(?:serial|uuid|udid|guid|machine.?id|boot.?id)[\w .\-]*"
_JSON_SECRET = re.compile(r'("' + _SECRET_KEY + r'"\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d+)', re.IGNORECASE)
_XML_SECRET = re.compile(r"<(\w*(?:serial|uuid|udid|guid)\w*)>([^<]*)</\1>", re.IGNORECASE)
_COLON_SECRET = re.compile(r"^(\s*" + _SECRET_KEY + r"\s*[:=]\s*)(.+)$", re.IGNORECASE | re.MULTILINE)
_XML_PROCESSES = re.compile(r"<processes>.*?</processes>", re.DOTALL)
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_MAC = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}(?![\w:])")
_LONG_HEX = re.compile(r"\b[0-9a-fA-F]{24,}\b")
_HOME = re.compile(r"(/home/|/Users/|/var/home/|[A-Za-z]:\\Users\\|[A-Za-z]:/Users/)([^/\\\s\"'<>:]+)")
_SLURM_NODE_KEYS = re.compile(r"\b(NodeName|NodeAddr|NodeHostName)=(\S+)")
_SLURM_REASON = re.compile(r"\b(Reason=).*$", re.MULTILINE)


class Redactor:
    """One recording's redaction: the same value gets the same placeholder in every file."""

    def __init__(self) -> None:
        self.uuids: dict[str, str] = {}
        self.ips: dict[str, str] = {}
        self.hosts: dict[str, str] = {}
        try:
            host = socket.gethostname()  # a local system call, no lookup
        except OSError:  # pragma: no cover
            host = ""
        for name in {host, host.split(".")[0]}:
            if len(name) >= 3 and name.lower() not in ("localhost", "linux", "ubuntu", "debian"):
                self.hosts[name] = "HOST"

    # -- placeholders -----------------------------------------------------------------------
    def _uuid(self, m: re.Match) -> str:
        prefix, value = m.group(1) or "", m.group(2).lower()
        if value.strip("0-") == "":
            return m.group(0)
        if value not in self.uuids:
            self.uuids[value] = f"00000000-0000-0000-0000-{len(self.uuids) + 1:012d}"
        return prefix + self.uuids[value]

    def _ip(self, m: re.Match) -> str:
        ip = m.group(0)
        if ":" in ip:
            if "::" not in ip and not re.search(r"[A-Fa-f]", ip) or ip.count(":") < 2:
                return ip  # a time (10:17:41) or a ratio, not an address
            if ip in ("::1", "::"):
                return ip
            key, fmt = ip.lower(), "2001:db8::{}"
        else:
            parts = [int(p) for p in ip.split(".")]
            if any(p > 255 for p in parts) or ip.startswith(("127.", "0.")) or ip == "255.255.255.255":
                return ip
            key, fmt = ip, "192.0.2.{}"
        if key not in self.ips:
            self.ips[key] = fmt.format(len(self.ips) + 1)
        return self.ips[key]

    def host(self, name: str) -> str:
        if not name or name in ("(null)", "N/A"):
            return name
        if name not in self.hosts:
            self.hosts[name] = f"node-{sum(1 for v in self.hosts.values() if v != 'HOST') + 1}"
        return self.hosts[name]

    # -- passes -----------------------------------------------------------------------------
    def text(self, text: str, probe: str = "") -> str:
        """Redact one recorded file (``probe`` is its probe name) or a probe's detail."""
        if not text:
            return text
        special: dict[str, Callable[[str], str]] = {
            "kubectl-nodes": self._kubectl, "scontrol-show-node": self._scontrol, "sinfo": self._sinfo,
            "nvidia-smi-q": self._smi_q_processes, "nvidia-smi": self._smi_table_processes,
        }
        if probe in special:
            text = special[probe](text)
        text = _XML_PROCESSES.sub("<processes></processes>", text)
        text = _UUID.sub(self._uuid, text)  # placeholders first: a UUID field keeps its (fake) UUID
        text = _XML_SECRET.sub(lambda m: m.group(0) if _keep(m.group(2)) else f"<{m.group(1)}>{REDACTED}</{m.group(1)}>", text)
        text = _JSON_SECRET.sub(lambda m: m.group(0) if _keep(m.group(2).strip('"')) else m.group(1) + f'"{REDACTED}"', text)
        text = _COLON_SECRET.sub(lambda m: m.group(0) if _keep(m.group(2)) else m.group(1) + REDACTED, text)
        text = _MAC.sub(lambda m: "02:00:00:00:00:00", text)
        text = _IPV6.sub(self._ip, text)
        text = _IPV4.sub(self._ip, text)
        text = _LONG_HEX.sub(lambda m: "0" * len(m.group(0)), text)
        text = _HOME.sub(lambda m: m.group(1) + "USER", text)
        for name, alias in sorted(self.hosts.items(), key=lambda kv: -len(kv[0])):
            if len(name) >= 3:
                text = re.sub(r"(?<![\w.-])" + re.escape(name) + r"(?![\w-])", alias, text)
        return text

    def _smi_q_processes(self, text: str) -> str:
        out, in_procs, indent = [], False, 0
        for line in text.splitlines(keepends=True):
            stripped = line.strip()
            if stripped == "Processes" or stripped.startswith("Processes "):
                in_procs, indent = True, len(line) - len(line.lstrip())
                out.append(line.rstrip("\n") + " : " + REDACTED + "\n" if stripped == "Processes" else line)
                continue
            if in_procs:
                if stripped and len(line) - len(line.lstrip()) <= indent:
                    in_procs = False
                else:
                    continue
            out.append(line)
        return "".join(out)

    def _smi_table_processes(self, text: str) -> str:
        out, in_procs = [], False
        for line in text.splitlines(keepends=True):
            if "Processes:" in line:
                in_procs = True
            elif in_procs and line.startswith("|") and re.search(r"\d+\s+\S+\s+\S+\s+\d+\s", line):
                line = "|  " + REDACTED + " process line" + "\n"
            out.append(line)
        return "".join(out)

    def _scontrol(self, text: str) -> str:
        text = _SLURM_NODE_KEYS.sub(lambda m: f"{m.group(1)}={self.host(m.group(2))}", text)
        return _SLURM_REASON.sub(lambda m: m.group(1) + REDACTED, text)

    def _sinfo(self, text: str) -> str:
        out = []
        for line in text.splitlines(keepends=True):
            parts = line.split(" ", 1)
            if len(parts) == 2 and parts[0] and not parts[0].upper().startswith(("NODELIST", "HOSTNAMES")):
                line = self.host(parts[0]) + " " + parts[1]
            out.append(line)
        return "".join(out)

    def _kubectl(self, text: str) -> str:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return text  # the generic passes still apply
        items = data.get("items") if isinstance(data, dict) and isinstance(data.get("items"), list) else [data]
        for node in items:
            if not isinstance(node, dict):
                continue
            meta = node.get("metadata")
            if isinstance(meta, dict):
                if isinstance(meta.get("name"), str):
                    meta["name"] = self.host(meta["name"])
                for k in ("uid", "resourceVersion", "creationTimestamp", "managedFields", "annotations"):
                    meta.pop(k, None)
                labels = meta.get("labels")
                if isinstance(labels, dict):
                    meta["labels"] = {k: v for k, v in labels.items() if _gpu_label(k)}
            spec = node.get("spec")
            if isinstance(spec, dict):
                spec.pop("providerID", None)
                spec.pop("podCIDR", None)
                spec.pop("podCIDRs", None)
            status = node.get("status")
            if isinstance(status, dict):
                for k in ("addresses", "images", "conditions", "volumesAttached", "volumesInUse", "daemonEndpoints"):
                    status.pop(k, None)
                info = status.get("nodeInfo")
                if isinstance(info, dict):
                    for k in ("machineID", "systemUUID", "bootID"):
                        info.pop(k, None)
        return json.dumps(data, indent=1)

    def manifest_detail(self, detail: Any) -> Any:
        return self.text(detail) if isinstance(detail, str) else detail


def _gpu_label(key: str) -> bool:
    k = key.lower()
    return any(s in k for s in ("gpu", "nvidia.com", "amd.com", "intel.com", "accelerator", "instance-type",
                                "kubernetes.io/arch", "kubernetes.io/os"))


def _keep(value: str) -> bool:
    """Values that are not secrets: N/A and the like, and UUID placeholders."""
    v = value.strip().strip("[]").strip()
    if v.lower() in ("n/a", "", "none", "not supported", "null", REDACTED.lower()):
        return True
    m = _UUID.fullmatch(v)
    return bool(m and m.group(2).startswith("00000000-0000-0000-0000-"))


__all__ = ["REDACTED", "Redactor"]
