"""Parse ``ray status`` (current and Ray 1.x legacy layouts) and the Python repr of
``ray.nodes()`` into a :class:`~pickrt.profile.Cluster`. Pure; never raises.

``ray status`` gives cluster totals, not per-node resources. Totals are split over the nodes only
when every node is of one node type (Ray gives all nodes of a type the same resources) and the
split is exact; otherwise per-node fields stay None and only ``gpus_total`` is set.
Ray's ``memory`` resource is the heap Ray may schedule (about 70% of free RAM at start), not the
node's RAM; it is what ``memory_gb`` reports here.
"""

from __future__ import annotations

import ast
import re
from typing import Any, Optional

from pickrt.profile_plain import GPU, Cluster, ClusterNode

_USAGE = re.compile(r"^\s*([0-9.]+)\s*([KMGTP]i?B|B)?\s*/\s*([0-9.]+)\s*([KMGTP]i?B|B)?\s+(\S+)\s*$")
_NODE_LINE = re.compile(r"^\s*(\d+)\s+(\S+)\s*$")
_LEGACY = re.compile(r"^\s*(\d+)\s+node\(s\)\s+with\s+resources:\s*(\{.*\})\s*$")
_UNIT = {"b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "pb": 1e15,
         "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40, "pib": 2**50}


def _gib_value(number: str, unit: Optional[str]) -> Optional[float]:
    try:
        value = float(number)
    except ValueError:
        return None
    if unit is None:
        return None
    mult = _UNIT.get(unit.lower())
    return round(value * mult / 2**30, 2) if mult else None


def _count(value: Any) -> Optional[int]:
    """A finite, non-negative resource amount as an int; anything else -> None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if value != value or value in (float("inf"), float("-inf")) or value < 0:
        return None
    return int(value)


def _gpu_name(resources: dict[str, Any]) -> Optional[str]:
    for key in resources:
        if isinstance(key, str) and key.startswith("accelerator_type:"):
            return key.split(":", 1)[1] or None
    return None


def _vendor(name: Optional[str]) -> str:
    n = (name or "").lower()
    if n.startswith(("mi", "amd")):
        return "amd"
    if "intel" in n or n.startswith(("max", "arc", "gaudi")):
        return "intel"
    return "nvidia" if n else "other"


def parse_status(text: str) -> Cluster:
    """``ray status`` -> Cluster(source="ray"). A Python repr of ``ray.nodes()`` is accepted too."""
    try:
        stripped = (text or "").lstrip()
        if stripped.startswith("[") and "Resources" in stripped:
            return parse_nodes_repr(stripped)
        return _parse_status(text or "")
    except Exception:  # pragma: no cover
        return Cluster(source="ray")


def _parse_status(text: str) -> Cluster:
    section = None
    groups: list[tuple[int, str]] = []            # (count, node type or id)
    legacy: list[tuple[int, dict[str, Any]]] = []  # (count, resources)
    totals: dict[str, float] = {}
    memory_gb: Optional[float] = None
    gpu_names: list[str] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        low = line.strip().lower()
        if not low or set(low) <= set("-="):
            continue
        if low.startswith("=") or low.startswith("node status") or low.startswith("resources"):
            section = None
        if low in ("healthy:", "active:", "idle:"):
            section = "nodes"
            continue
        if low.endswith(":") and low not in ("healthy:", "active:", "idle:"):
            section = "usage" if "usage" in low else None
            continue
        m = _LEGACY.match(line)
        if m:
            try:
                res = ast.literal_eval(m.group(2))
            except (ValueError, SyntaxError):
                res = {}
            if isinstance(res, dict):
                legacy.append((int(m.group(1)), res))
            continue
        if section == "nodes":
            m = _NODE_LINE.match(line)
            if m:
                groups.append((int(m.group(1)), m.group(2)))
            continue
        if section == "usage" or section is None:
            m = _USAGE.match(line)
            if m:
                name = m.group(5)
                if name == "memory":
                    memory_gb = _gib_value(m.group(3), m.group(4))
                elif name.startswith("accelerator_type:"):
                    gpu_names.append(name.split(":", 1)[1])
                elif m.group(4) is None:
                    try:
                        totals[name] = float(m.group(3))
                    except ValueError:
                        pass

    nodes: list[ClusterNode] = []
    gpu_name = gpu_names[0] if len(gpu_names) == 1 else None
    if legacy:
        for count, res in legacy:
            gname = _gpu_name(res) or gpu_name
            gpus_n = _count(res.get("GPU")) or 0
            for _ in range(count):
                nodes.append(ClusterNode(
                    name=None,
                    cpus=_count(res.get("CPU")),
                    gpus=[GPU(vendor=_vendor(gname), name=gname, count=gpus_n)] if gpus_n else [],
                    memory_gb=round(memory_gb / sum(c for c, _ in legacy), 2)
                    if memory_gb is not None and len(legacy) == 1 else None,
                ))
    else:
        n_nodes = sum(c for c, _ in groups)
        one_type = len(groups) == 1 or n_nodes == 1
        cpu_total = totals.get("CPU")
        gpu_total = totals.get("GPU")

        def share(total: Optional[float]) -> Optional[int]:
            if total is None or not n_nodes or not one_type:
                return None
            per = total / n_nodes
            return int(per) if per == int(per) else None

        for count, label in groups:
            for _ in range(count):
                per_gpu = share(gpu_total)
                nodes.append(ClusterNode(
                    name=label if count == 1 else None,
                    cpus=share(cpu_total),
                    gpus=[GPU(vendor=_vendor(gpu_name), name=gpu_name, count=per_gpu)] if per_gpu else [],
                    memory_gb=round(memory_gb / n_nodes, 2) if memory_gb is not None and one_type and n_nodes else None,
                ))
    if "GPU" in totals:
        gpus_total: Optional[int] = int(totals["GPU"])
    elif nodes:
        gpus_total = sum(g.count for n in nodes for g in n.gpus)
    else:
        gpus_total = None
    return Cluster(source="ray", nodes=nodes, gpus_total=gpus_total)


def parse_nodes_repr(text: str) -> Cluster:
    """``print(ray.nodes())`` (a Python literal list of dicts) -> Cluster; dead nodes are skipped."""
    try:
        return _parse_nodes_repr(text)
    except Exception:  # pragma: no cover - a parser never raises
        return Cluster(source="ray")


def _parse_nodes_repr(text: str) -> Cluster:
    try:
        data = ast.literal_eval((text or "").strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return Cluster(source="ray")
    if not isinstance(data, list):
        return Cluster(source="ray")
    nodes: list[ClusterNode] = []
    total = 0
    for item in data:
        if not isinstance(item, dict):
            continue
        if item.get("Alive") is False or item.get("alive") is False:
            continue
        res = item.get("Resources") if isinstance(item.get("Resources"), dict) else {}
        gname = _gpu_name(res)
        n_gpu = _count(res.get("GPU")) or 0
        total += n_gpu
        mem = res.get("memory")
        nodes.append(ClusterNode(
            name=item.get("NodeManagerHostname") or item.get("NodeName") or item.get("NodeManagerAddress"),
            cpus=_count(res.get("CPU")),
            gpus=[GPU(vendor=_vendor(gname), name=gname, count=n_gpu)] if n_gpu else [],
            memory_gb=round(_count(mem) / 2**30, 2) if _count(mem) else None,
        ))
    return Cluster(source="ray", nodes=nodes, gpus_total=total)


__all__ = ["parse_nodes_repr", "parse_status"]
