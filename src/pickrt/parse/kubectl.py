"""Parse ``kubectl get nodes -o json`` into a :class:`~pickrt.profile.Cluster`.

Pure; never raises. Reads each node's ``status.capacity`` (``cpu``, ``memory``, ``nvidia.com/gpu``,
``amd.com/gpu``, ``gpu.intel.com/*``, MIG ``nvidia.com/mig-<profile>``) and the labels of NVIDIA's
GPU feature discovery (``nvidia.com/gpu.product``, ``.memory`` in MiB, ``.count``,
``.compute.major/minor``, ``cuda.driver.*``, ``mig.strategy``) and of AMD's node labeller
(``amd.com/gpu.product-name``, ``amd.com/gpu.vram``).
Also accepts one node object, or just a node's labels (``jq '.items[].metadata.labels'``), even
when the JSON was trimmed by hand ("..." lines).
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from pickrt.profile_plain import GPU, Cluster, ClusterNode, Mig, MigInstance

_PAIR = re.compile(r'"([^"\\]+)"\s*:\s*"((?:[^"\\]|\\.)*)"')
_QTY = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?(?:[eE][0-9]+)?)\s*([A-Za-z]*)\s*$")
_BIN = {"ki": 2**10, "mi": 2**20, "gi": 2**30, "ti": 2**40, "pi": 2**50, "ei": 2**60}
_DEC = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12, "p": 10**15, "e": 10**18}
_MIG_PROFILE = re.compile(r"(\d+g\.\d+gb(?:\+me)?)", re.IGNORECASE)


def quantity_bytes(value: Any) -> Optional[float]:
    """Kubernetes memory quantity ('263576844Ki', '512Gi', '128G', '1e9', 1000) -> bytes."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        return None
    m = _QTY.match(value)
    if not m:
        return None
    number = float(m.group(1))
    suffix = m.group(2)
    if suffix.lower() in _BIN and len(suffix) == 2:
        return number * _BIN[suffix.lower()]
    if suffix == "m":  # milli
        return number / 1000
    if suffix.lower() in _DEC and len(suffix) <= 1:
        return number * _DEC[suffix.lower()]
    return None


def _cpus(value: Any) -> Optional[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        v = value.strip()
        try:
            if v.endswith("m"):
                return int(float(v[:-1]) / 1000)
            return int(float(v))
        except (ValueError, OverflowError):
            return None
    return None


def _int(value: Any) -> Optional[int]:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _gib(n_bytes: Optional[float]) -> Optional[float]:
    return round(n_bytes / 2**30, 2) if n_bytes is not None and n_bytes > 0 else None


def _amd_vram(value: Any) -> Optional[float]:
    """AMD node labeller's 'amd.com/gpu.vram' ('64G', '16G', '512M'): binary units -> GiB."""
    if not isinstance(value, str):
        return None
    m = re.match(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGT])i?B?\s*$", value, re.IGNORECASE)
    if not m:
        return None
    power = "KMGT".index(m.group(2).upper()) + 1
    return round(float(m.group(1)) * 1024**power / 2**30, 2) or None


def _nodes_from_json(text: str) -> Optional[list[dict[str, Any]]]:
    try:
        data = json.loads(text)
    except (ValueError, TypeError):
        return None
    if isinstance(data, dict):
        if isinstance(data.get("items"), list):
            return [n for n in data["items"] if isinstance(n, dict)]
        if data.get("kind") == "Node" or "metadata" in data or "status" in data:
            return [data]
        # a bare labels map
        if all(isinstance(v, str) for v in data.values()):
            return [{"metadata": {"labels": data}}]
    if isinstance(data, list):
        nodes: list[dict[str, Any]] = []
        for item in data:
            if isinstance(item, dict) and ("metadata" in item or "status" in item):
                nodes.append(item)
            elif isinstance(item, dict) and all(isinstance(v, str) for v in item.values()):
                nodes.append({"metadata": {"labels": item}})
        return nodes
    return None


def _node(obj: dict[str, Any]) -> tuple[ClusterNode, int]:
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    labels = meta.get("labels") if isinstance(meta.get("labels"), dict) else {}
    status = obj.get("status") if isinstance(obj.get("status"), dict) else {}
    capacity = status.get("capacity") if isinstance(status.get("capacity"), dict) else {}
    if not capacity and isinstance(status.get("allocatable"), dict):
        capacity = status["allocatable"]
    name = meta.get("name") if isinstance(meta.get("name"), str) else labels.get("kubernetes.io/hostname")

    gpus: list[GPU] = []
    schedulable = 0

    # ---- NVIDIA -----------------------------------------------------------------------------
    nv_count = _int(capacity.get("nvidia.com/gpu"))
    label_count = _int(labels.get("nvidia.com/gpu.count"))
    product = labels.get("nvidia.com/gpu.product")
    mem_mib = _int(labels.get("nvidia.com/gpu.memory"))
    major, minor = labels.get("nvidia.com/gpu.compute.major"), labels.get("nvidia.com/gpu.compute.minor")
    cc = f"{major}.{minor}" if _int(major) is not None and _int(minor) is not None else None
    drv = [labels.get(f"nvidia.com/cuda.driver.{k}") for k in ("major", "minor", "rev")]
    driver = ".".join(d for d in drv if d) if drv[0] and drv[1] else None
    rt = labels.get("nvidia.com/cuda.runtime.major"), labels.get("nvidia.com/cuda.runtime.minor")
    cuda = f"{rt[0]}.{rt[1]}" if rt[0] and rt[1] else None
    count = nv_count if nv_count is not None else label_count

    mig_in_product = bool(product and "-MIG-" in product.upper())
    if count and mig_in_product:
        # mig.strategy=single: every advertised "GPU" is a MIG slice of the product's GPU.
        base, _, prof = product.partition("-MIG-")
        prof_m = _MIG_PROFILE.search(prof)
        inst_mem = round(mem_mib / 1024, 2) if mem_mib else None
        instances = [MigInstance(profile=prof_m.group(1) if prof_m else prof or None, memory_gb=inst_mem)
                     for _ in range(count)]
        gpus.append(GPU(vendor="nvidia", name=base or None, compute_capability=cc, driver=driver,
                        cuda_version=cuda, mig=Mig(enabled=True, instances=instances)))
        schedulable += count
    elif count:
        gpus.append(GPU(vendor="nvidia", name=product or None,
                        vram_gb=round(mem_mib / 1024, 2) if mem_mib else None,
                        compute_capability=cc, driver=driver, cuda_version=cuda, count=count))
        schedulable += count

    # mig.strategy=mixed: resources nvidia.com/mig-<profile>
    mixed: list[MigInstance] = []
    for key, value in capacity.items():
        if isinstance(key, str) and key.startswith("nvidia.com/mig-"):
            n = _int(value) or 0
            prof = key[len("nvidia.com/mig-"):]
            mib = _int(labels.get(f"nvidia.com/mig-{prof}.memory"))
            mixed.extend(MigInstance(profile=prof, memory_gb=round(mib / 1024, 2) if mib else None) for _ in range(n))
            schedulable += n
    if mixed:
        base = product.partition("-MIG-")[0] if product else None
        gpus.append(GPU(vendor="nvidia", name=base, compute_capability=cc, driver=driver, cuda_version=cuda,
                        mig=Mig(enabled=True, instances=mixed)))

    # ---- AMD ----------------------------------------------------------------------------------
    amd_count = _int(capacity.get("amd.com/gpu"))
    if amd_count is None:
        amd_count = _int(labels.get("amd.com/gpu.count") or labels.get("beta.amd.com/gpu.count"))
    if amd_count:
        amd_name = None
        for key, value in labels.items():
            if key.endswith("amd.com/gpu.product-name") or key.endswith("amd.com/gpu.product-name.value"):
                amd_name = value
                break
        vram = None
        for key, value in labels.items():
            if key.endswith("amd.com/gpu.vram"):
                vram = _amd_vram(value)
                break
        family = None
        for key, value in labels.items():
            if key.endswith("amd.com/gpu.family"):
                family = value
        gpus.append(GPU(vendor="amd", name=amd_name or family, vram_gb=vram, count=amd_count))
        schedulable += amd_count

    # ---- Intel ----------------------------------------------------------------------------------
    for key, value in capacity.items():
        if isinstance(key, str) and key.startswith("gpu.intel.com/") and key.endswith(("i915", "xe")):
            n = _int(value)
            if n:
                gpus.append(GPU(vendor="intel", count=n))
                schedulable += n

    node = ClusterNode(
        name=name if isinstance(name, str) else None,
        gpus=gpus,
        cpus=_cpus(capacity.get("cpu")),
        memory_gb=_gib(quantity_bytes(capacity.get("memory"))),
    )
    return node, schedulable


def parse_nodes(json_text: str) -> Cluster:
    """kubectl nodes JSON -> Cluster(source="kubectl", nodes, gpus_total = schedulable GPU units)."""
    try:
        objs = _nodes_from_json(json_text)
        if objs is None:
            labels: dict[str, str] = {}
            for key, value in _PAIR.findall(json_text or ""):
                labels.setdefault(key, value)
            objs = [{"metadata": {"labels": labels}}] if labels else []
        nodes: list[ClusterNode] = []
        total = 0
        for obj in objs:
            node, n = _node(obj)
            nodes.append(node)
            total += n
        return Cluster(source="kubectl", nodes=nodes, gpus_total=total if nodes else None)
    except Exception:  # pragma: no cover
        return Cluster(source="kubectl")


__all__ = ["parse_nodes", "quantity_bytes"]
