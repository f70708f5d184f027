"""Parse Slurm's ``scontrol show node`` and ``sinfo`` into a :class:`~pickrt.profile.Cluster`.

Pure; never raises. ``RealMemory`` is in MiB (Slurm's "MB"); ``Gres=gpu[:type]:N[(S:..)]``.
"""

from __future__ import annotations

import re
from typing import Optional

from pickrt.profile_plain import GPU, Cluster, ClusterNode

_KEY = re.compile(r"(?:^|(?<=\s))([A-Za-z][A-Za-z0-9_]*)=")
_NV = ("a100", "a10", "a30", "a40", "a6000", "a5000", "a4000", "h100", "h200", "h800", "b100", "b200",
       "gb200", "gh200", "v100", "p100", "t4", "l4", "l40", "rtx", "gtx", "titan", "tesla", "quadro", "k80",
       "p40", "nvidia", "geforce")
_AMD = ("mi", "amd", "radeon", "instinct")
_INTEL = ("intel", "pvc", "max1", "arc", "gaudi")


def _vendor(gres_type: Optional[str]) -> str:
    t = (gres_type or "").lower()
    if not t:
        return "other"
    if t.startswith(_NV):
        return "nvidia"
    if t.startswith(_AMD):
        return "amd"
    if t.startswith(_INTEL):
        return "intel"
    return "other"


def _int(value: Optional[str]) -> Optional[int]:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _split_top(value: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in value:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def parse_gres(value: Optional[str]) -> list[GPU]:
    """'gpu:a100:4(S:0-3),lscratch:3200' -> [GPU(vendor="nvidia", name="a100", count=4)]."""
    gpus: list[GPU] = []
    if not value or value.strip() in ("(null)", "N/A", "none"):
        return gpus
    for entry in _split_top(value):
        entry = re.sub(r"\(.*\)$", "", entry).strip()
        fields = entry.split(":")
        if not fields or fields[0].lower() != "gpu":
            continue
        count: Optional[int] = None
        gtype: Optional[str] = None
        if len(fields) >= 3:
            gtype, count = fields[1] or None, _int(fields[-1])
        elif len(fields) == 2:
            count = _int(fields[1])
            if count is None:
                gtype, count = fields[1], 1
        if count is None:
            # "gpu:a100:4" with a suffix we did not expect (e.g. "4K"): unknown
            continue
        if count > 0:
            gpus.append(GPU(vendor=_vendor(gtype), name=gtype, count=count))
    return gpus


def _tres_gpus(value: Optional[str]) -> list[GPU]:
    """CfgTRES 'cpu=64,mem=253400M,gres/gpu=4,gres/gpu:a100=4' -> GPUs (typed entries preferred)."""
    if not value:
        return []
    typed: list[GPU] = []
    plain: Optional[int] = None
    for item in value.split(","):
        key, _, num = item.partition("=")
        key = key.strip()
        if key == "gres/gpu":
            plain = _int(num)
        elif key.startswith("gres/gpu:"):
            n = _int(num)
            if n:
                gtype = key.split(":", 1)[1]
                typed.append(GPU(vendor=_vendor(gtype), name=gtype, count=n))
    if typed:
        return typed
    return [GPU(vendor="other", count=plain)] if plain else []


def _records(text: str) -> list[dict[str, str]]:
    """Split scontrol output into one {key: value} dict per NodeName=... record."""
    records: list[dict[str, str]] = []
    current: Optional[dict[str, str]] = None
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        matches = list(_KEY.finditer(line))
        for i, m in enumerate(matches):
            key = m.group(1)
            end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
            value = line[m.end():end].strip()
            if key == "NodeName":
                current = {}
                records.append(current)
            if current is None:
                continue
            current.setdefault(key, value)
    return records


def _mib_to_gib(value: Optional[str]) -> Optional[float]:
    n = _int(value)
    return round(n / 1024, 2) if n and n > 0 else None


def parse_scontrol_nodes(text: str) -> Cluster:
    """``scontrol show node`` (one or many nodes, indented or flattened) -> Cluster(source="slurm")."""
    try:
        nodes: list[ClusterNode] = []
        for rec in _records(text):
            gpus = parse_gres(rec.get("Gres")) or _tres_gpus(rec.get("CfgTRES"))
            nodes.append(ClusterNode(
                name=rec.get("NodeName") or None,
                gpus=gpus,
                cpus=_int(rec.get("CPUTot")),
                memory_gb=_mib_to_gib(rec.get("RealMemory")),
            ))
        return Cluster(source="slurm", nodes=nodes,
                       gpus_total=sum(g.count for n in nodes for g in n.gpus) if nodes else None)
    except Exception:  # pragma: no cover
        return Cluster(source="slurm")


def expand_hostlist(value: str) -> list[str]:
    """'cn[1001-1003,1005],gpu01' -> ['cn1001', 'cn1002', 'cn1003', 'cn1005', 'gpu01'] (one bracket level)."""
    names: list[str] = []
    for part in re.findall(r"[^,\[]+(?:\[[^\]]*\][^,\[]*)*", value or ""):
        part = part.strip().strip(",")
        if not part:
            continue
        m = re.match(r"^(.*?)\[([^\]]*)\](.*)$", part)
        if not m:
            names.append(part)
            continue
        prefix, ranges, suffix = m.groups()
        for r in ranges.split(","):
            lo, _, hi = r.partition("-")
            if hi and lo.isascii() and hi.isascii() and lo.isdigit() and hi.isdigit() and int(hi) >= int(lo) and int(hi) - int(lo) < 100000:
                width = len(lo)
                names.extend(f"{prefix}{str(i).zfill(width)}{suffix}" for i in range(int(lo), int(hi) + 1))
            elif lo:
                names.append(f"{prefix}{lo}{suffix}")
    return names


def parse_sinfo(text: str) -> Cluster:
    """``sinfo`` -> Cluster(source="slurm").

    The default layout (PARTITION AVAIL TIMELIMIT NODES STATE NODELIST) gives node names only;
    a node-oriented layout with CPUS / MEMORY (MiB) / GRES columns (``sinfo -N -o "%N %c %m %G"``)
    gives their resources too. A node listed in several partitions counts once.
    """
    try:
        header: Optional[list[str]] = None
        nodes: dict[str, ClusterNode] = {}
        unnamed = 0
        for raw in (text or "").splitlines():
            words = raw.split()
            if not words:
                continue
            upper = [w.upper() for w in words]
            if header is None:
                if any(w in upper for w in ("NODELIST", "HOSTNAMES", "NODES")):
                    header = upper
                continue
            if len(words) != len(header):
                continue
            row = dict(zip(header, words))
            names = expand_hostlist(row.get("NODELIST") or row.get("HOSTNAMES") or "")
            gpus = parse_gres(row.get("GRES"))
            cpus = _int(row.get("CPUS"))
            mem = _mib_to_gib(re.sub(r"[^0-9]", "", row.get("MEMORY", "")) or None)
            if not names:
                n = _int(row.get("NODES")) or 0
                unnamed += n
                continue
            for name in names:
                if name in nodes:
                    continue
                nodes[name] = ClusterNode(name=name, gpus=[g.model_copy() for g in gpus], cpus=cpus, memory_gb=mem)
        node_list = list(nodes.values()) + [ClusterNode() for _ in range(unnamed)]
        has_gres = header is not None and "GRES" in header
        total = sum(g.count for n in node_list for g in n.gpus) if has_gres and node_list else None
        return Cluster(source="slurm", nodes=node_list, gpus_total=total)
    except Exception:  # pragma: no cover
        return Cluster(source="slurm")


__all__ = ["expand_hostlist", "parse_gres", "parse_scontrol_nodes", "parse_sinfo"]
