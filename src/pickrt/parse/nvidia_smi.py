"""Parsers for ``nvidia-smi`` outputs: XML, ``-q``, the default table, ``-L``, CSV queries, MIG listings.

Pure functions of text: no I/O, never raise on odd input. One ``GPU`` per physical device;
MIG slices go under ``GPU.mig``. Memory is reported by nvidia-smi in MiB and returned in GiB.
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Optional

from pickrt.profile_plain import GPU, Mig, MigInstance

__all__ = [
    "DEFAULT_CSV_FIELDS",
    "parse_csv",
    "parse_list",
    "parse_mig_lgi",
    "parse_mig_lgi_by_gpu",
    "parse_q",
    "parse_table",
    "parse_version",
    "parse_xml",
]

_NA = {
    "", "n/a", "[n/a]", "na", "not supported", "[not supported]", "not available",
    "unknown error", "[unknown error]", "insufficient permissions", "[insufficient permissions]",
}
_NO_GPU_MARKERS = (
    "no devices were found",
    "nvidia-smi has failed",
    "failed to initialize nvml",
    "couldn't communicate with the nvidia driver",
)
_UNIT_BYTES = {
    "b": 1, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
    "kb": 2**10, "mb": 2**20, "gb": 2**30, "tb": 2**40,  # nvidia-smi's "MB" means MiB
}
_VERSION_RE = re.compile(r"\d{1,6}(?:\.\d{1,10}){0,4}")
_CC_RE = re.compile(r"\d{1,3}\.\d{1,3}")
_SIZE_RE = re.compile(r"(\d{1,15}(?:\.\d{1,6})?)\s*([KMGT]i?B|B)?", re.IGNORECASE)


def _clean(value: Optional[str]) -> Optional[str]:
    """Strip a raw value; the tool's "not available" spellings become None."""
    if value is None:
        return None
    value = value.strip()
    if value.lower() in _NA:
        return None
    return value


def _version(value: Optional[str]) -> Optional[str]:
    """A dotted version number, dropping suffixes like ``[Deprecated; ...]``; None otherwise."""
    value = _clean(value)
    if value is None:
        return None
    value = re.sub(r"\s*\[.*$", "", value)
    return value if _VERSION_RE.fullmatch(value) else None


def _compute_cap(value: Optional[str]) -> Optional[str]:
    value = _clean(value)
    return value if value is not None and _CC_RE.fullmatch(value) else None


def _name(value: Optional[str]) -> Optional[str]:
    value = _clean(value)
    return value if value is not None and re.search(r"[A-Za-z]", value) else None


def _gib(value: Optional[str], default_unit: str = "MiB") -> Optional[float]:
    """``"24564 MiB"`` (or a bare number in ``default_unit``) -> GiB rounded to 2 decimals."""
    value = _clean(value)
    if value is None:
        return None
    match = _SIZE_RE.fullmatch(value)
    if match is None:
        return None
    unit = (match.group(2) or default_unit).lower()
    size = float(match.group(1)) * _UNIT_BYTES[unit]
    return round(size / 2**30, 2) if size > 0 else None


def _mig(enabled: Optional[bool], instances: list[MigInstance]) -> Optional[Mig]:
    """A Mig when MIG mode is on (or slices are listed, which implies it); None otherwise."""
    if enabled or instances:
        return Mig(enabled=True, instances=instances)
    return None


def _mig_mode(value: Optional[str]) -> Optional[bool]:
    value = _clean(value)
    if value is None:
        return None
    return {"enabled": True, "disabled": False}.get(value.lower())


def _unified(name: Optional[str]) -> Optional[bool]:
    """Tegra iGPUs (``Orin (nvgpu)``) share system memory."""
    return True if name and name.endswith("(nvgpu)") else None


def _no_gpus(text: str) -> bool:
    lowered = text.lower()
    return any(marker in lowered for marker in _NO_GPU_MARKERS)


# ---------------------------------------------------------------------------
# nvidia-smi -q -x
# ---------------------------------------------------------------------------


def parse_xml(text: str) -> list[GPU]:
    """Parse ``nvidia-smi -q -x``; malformed XML gives ``[]``."""
    try:
        root = ET.fromstring(text)
    except (ET.ParseError, ValueError):
        return []
    if root.tag != "nvidia_smi_log":
        return []
    driver = _version(root.findtext("kmd_version")) or _version(root.findtext("driver_version"))
    cuda = _version(root.findtext("cuda_umd_version")) or _version(root.findtext("cuda_version"))
    gpus = []
    for node in root.findall("gpu"):
        instances = [
            MigInstance(memory_gb=_gib(dev.findtext("fb_memory_usage/total")))
            for dev in node.findall("mig_devices/mig_device")
        ]
        name = _name(node.findtext("product_name"))
        gpus.append(GPU(
            vendor="nvidia",
            name=name,
            vram_gb=_gib(node.findtext("fb_memory_usage/total")),
            compute_capability=_compute_cap(node.findtext("compute_cap")),
            driver=driver,
            cuda_version=cuda,
            mig=_mig(_mig_mode(node.findtext("mig_mode/current_mig")), instances),
            unified_memory=_unified(name),
        ))
    return gpus


# ---------------------------------------------------------------------------
# nvidia-smi -q
# ---------------------------------------------------------------------------

_Q_LINE = re.compile(r"(?P<key>\S.*?)\s+:\s?(?P<value>.*)")


@dataclass
class _Node:
    key: str
    value: Optional[str] = None
    indent: int = -1
    children: list["_Node"] = field(default_factory=list)

    def child(self, key: str) -> Optional["_Node"]:
        return next((c for c in self.children if c.key == key), None)

    def get(self, *path: str) -> Optional[str]:
        """Value at a path of child keys, or None."""
        node: Optional[_Node] = self
        for key in path:
            node = node.child(key) if node is not None else None
        return node.value if node is not None else None

    def all(self, key: str) -> list["_Node"]:
        return [c for c in self.children if c.key == key]


def _indent_tree(text: str) -> _Node:
    """``key : value`` lines nested by indentation (the ``-q`` layout)."""
    root = _Node("")
    stack = [root]
    for raw in text.expandtabs().splitlines():
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("="):
            continue
        indent = len(line) - len(line.lstrip())
        match = _Q_LINE.fullmatch(line.strip())
        node = (
            _Node(match["key"], match["value"], indent) if match else _Node(line.strip(), None, indent)
        )
        while stack[-1].indent >= indent:
            stack.pop()
        stack[-1].children.append(node)
        stack.append(node)
    return root


def parse_q(text: str) -> list[GPU]:
    """Parse ``nvidia-smi -q`` (human-readable full query)."""
    root = _indent_tree(text)
    driver = _version(root.get("KMD Version")) or _version(root.get("Driver Version"))
    cuda = _version(root.get("CUDA UMD Version")) or _version(root.get("CUDA Version"))
    gpus = []
    for node in root.children:
        if node.value is not None or not node.key.startswith("GPU "):
            continue
        instances = [
            MigInstance(
                memory_gb=_gib(dev.get("Shared FB Memory Usage", "Total") or dev.get("FB Memory Usage", "Total"))
            )
            for dev in node.all("MIG Device")
        ]
        name = _name(node.get("Product Name"))
        gpus.append(GPU(
            vendor="nvidia",
            name=name,
            vram_gb=_gib(node.get("FB Memory Usage", "Total")),
            driver=driver,
            cuda_version=cuda,
            mig=_mig(_mig_mode(node.get("MIG Mode", "Current")), instances),
            unified_memory=_unified(name),
        ))
    return gpus


# ---------------------------------------------------------------------------
# nvidia-smi (default table)
# ---------------------------------------------------------------------------

_TABLE_DRIVER = re.compile(r"(?:Driver|KMD) Version:\s*(\S+)")
_TABLE_CUDA = re.compile(r"CUDA (?:UMD )?Version:\s*(\S+)")
_TABLE_GPU = re.compile(r"\s*(\d{1,4})\s+(.+?)\s+(?:On|Off|WDDM|TCC|MCDM|N/A)\s*")
_TABLE_MEM = re.compile(r"(\d{1,9})\s*MiB\s*/\s*(\d{1,9})\s*MiB")
_TABLE_MIG = re.compile(r"\s*(\d{1,4})\s+(?:\d{1,4}|N/A)\s+(?:\d{1,4}|N/A)\s+\d{1,4}\s*")


@dataclass
class _TableGPU:
    index: int
    name: Optional[str]
    memory: Optional[str] = None
    mig_mode: Optional[bool] = None
    instances: list[MigInstance] = field(default_factory=list)


def parse_table(text: str) -> list[GPU]:
    """Parse the bare ``nvidia-smi`` table, including its ``MIG devices`` section."""
    driver_match = _TABLE_DRIVER.search(text)
    cuda_match = _TABLE_CUDA.search(text)
    driver = _version(driver_match.group(1)) if driver_match else None
    cuda = _version(cuda_match.group(1)) if cuda_match else None

    rows: list[_TableGPU] = []
    section = None
    for line in text.splitlines():
        stripped = line.strip()
        if "Bus-Id" in line:
            section = "gpu-header"
        elif "MIG devices:" in line:
            section = "mig-header"
        elif "Processes:" in line:
            section = "processes"
        elif stripped.startswith("|="):
            section = {"gpu-header": "gpus", "mig-header": "mig"}.get(section or "", section)
        elif not stripped.startswith(("|", "+")):
            section = None
        elif section == "gpus":
            _table_gpu_line(stripped.split("|"), rows)
        elif section == "mig":
            _table_mig_line(stripped.split("|"), rows)

    return [
        GPU(
            vendor="nvidia",
            name=row.name,
            vram_gb=_gib(row.memory),
            driver=driver,
            cuda_version=cuda,
            mig=_mig(row.mig_mode, row.instances),
            unified_memory=_unified(row.name),
        )
        for row in rows
    ]


def _table_gpu_line(cells: list[str], rows: list[_TableGPU]) -> None:
    if len(cells) < 3:
        return
    match = _TABLE_GPU.fullmatch(cells[1])
    if match:
        rows.append(_TableGPU(int(match.group(1)), _name(match.group(2))))
        return
    if not rows:
        return
    current = rows[-1]
    for cell in cells:
        mem = _TABLE_MEM.search(cell)
        if mem and current.memory is None:
            current.memory = mem.group(2)
    if len(cells) >= 4:
        mode = _mig_mode(cells[3])
        if mode is not None:
            current.mig_mode = mode


def _table_mig_line(cells: list[str], rows: list[_TableGPU]) -> None:
    if len(cells) < 3:
        return
    match = _TABLE_MIG.fullmatch(cells[1])
    mem = _TABLE_MEM.search(cells[2])
    if not match:
        return
    gpu = next((row for row in rows if row.index == int(match.group(1))), None)
    if gpu is not None:
        gpu.instances.append(MigInstance(memory_gb=_gib(mem.group(2)) if mem else None))


# ---------------------------------------------------------------------------
# nvidia-smi -L
# ---------------------------------------------------------------------------

_LIST_GPU = re.compile(r"GPU\s+(\d{1,4}):\s*(.*?)\s*(?:\(UUID:[^)]*\))?\s*")
_LIST_MIG = re.compile(r"\s+MIG\s+(\S+)\s+Device\s+\d{1,4}:.*")


def parse_list(text: str) -> list[GPU]:
    """Parse ``nvidia-smi -L``: names only; ``MIG ... Device`` lines go under their GPU."""
    if _no_gpus(text):
        return []
    entries: list[tuple[Optional[str], list[MigInstance]]] = []
    for line in text.splitlines():
        gpu = _LIST_GPU.fullmatch(line.rstrip())
        if gpu:
            entries.append((_name(gpu.group(2)), []))
            continue
        mig = _LIST_MIG.fullmatch(line.rstrip())
        if mig and entries:
            entries[-1][1].append(MigInstance(profile=mig.group(1)))
    return [
        GPU(vendor="nvidia", name=name, mig=_mig(None, instances), unified_memory=_unified(name))
        for name, instances in entries
    ]


# ---------------------------------------------------------------------------
# nvidia-smi --query-gpu=... --format=csv[,noheader][,nounits]
# ---------------------------------------------------------------------------

DEFAULT_CSV_FIELDS = ("name", "memory.total", "driver_version", "compute_cap")
_HEADER_CELL = re.compile(r"[A-Za-z][\w.]*(?:\s*\[[^\]]*\])?")
_KNOWN_FIELDS = {
    "name", "gpu_name", "memory.total", "driver_version", "kmd_version", "compute_cap",
    "index", "uuid", "gpu_uuid", "count", "pci.bus_id", "mig.mode.current", "timestamp",
}


def _header_key(cell: str) -> tuple[str, Optional[str]]:
    """``"memory.total [MiB]"`` -> ``("memory.total", "MiB")``."""
    match = re.fullmatch(r"(.*?)\s*\[([^\]]*)\]", cell.strip())
    if match:
        return match.group(1).lower(), match.group(2)
    return cell.strip().lower(), None


def parse_csv(text: str, fields: Optional[list[str]] = None) -> list[GPU]:
    """Parse ``--query-gpu=... --format=csv``, with or without header/units.

    Headerless output is read with ``fields`` as its column order
    (default: ``name,memory.total,driver_version,compute_cap``).
    """
    if _no_gpus(text):
        return []
    try:
        rows = [row for row in csv.reader(text.splitlines(), skipinitialspace=True) if any(c.strip() for c in row)]
    except csv.Error:
        return []
    if not rows:
        return []
    first = [_header_key(cell) for cell in rows[0]]
    has_header = all(_HEADER_CELL.fullmatch(cell.strip()) for cell in rows[0]) and any(
        key in _KNOWN_FIELDS for key, _ in first
    )
    if has_header:
        keys = [key for key, _ in first]
        units = {key: unit for key, unit in first if unit}
        rows = rows[1:]
    else:
        keys = [key.lower() for key in (fields or DEFAULT_CSV_FIELDS)]
        units = {}

    gpus = []
    for row in rows:
        values = dict(zip(keys, row))
        name = _name(values.get("name") or values.get("gpu_name"))
        if not has_header and len(row) < len(keys) and (len(row) < 2 or _gib(values.get("memory.total"), "MiB") is None):
            continue  # without a header, a row needs every column or a memory size that parses: not junk text
        gpus.append(GPU(
            vendor="nvidia",
            name=name,
            vram_gb=_gib(values.get("memory.total"), units.get("memory.total") or "MiB"),
            compute_capability=_compute_cap(values.get("compute_cap")),
            driver=_version(values.get("kmd_version")) or _version(values.get("driver_version")),
            mig=_mig(_mig_mode(values.get("mig.mode.current")), []),
            unified_memory=_unified(name),
        ))
    return gpus


# ---------------------------------------------------------------------------
# nvidia-smi --version, nvidia-smi mig -lgi
# ---------------------------------------------------------------------------


def parse_version(text: str) -> dict[str, Optional[str]]:
    """Parse ``nvidia-smi --version`` into ``nvidia_smi``, ``nvml``, ``driver``, ``cuda_version``."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            found.setdefault(key.strip().lower(), value.strip())
    return {
        "nvidia_smi": _version(found.get("nvidia-smi version")),
        "nvml": _version(found.get("nvml version")),
        "driver": _version(found.get("kmd version")) or _version(found.get("driver version")),
        "cuda_version": _version(found.get("cuda umd version")) or _version(found.get("cuda version")),
    }


_LGI_ROW = re.compile(r"\|\s*(\d{1,4})\s+MIG\s+(\S+)\s+\d{1,4}\s+\d{1,4}\s+\d{1,4}:\d{1,4}\s*\|")


def parse_mig_lgi_by_gpu(text: str) -> dict[int, list[MigInstance]]:
    """Parse ``nvidia-smi mig -lgi``: GPU instances keyed by physical GPU index."""
    by_gpu: dict[int, list[MigInstance]] = {}
    for line in text.splitlines():
        match = _LGI_ROW.fullmatch(line.strip())
        if match:
            by_gpu.setdefault(int(match.group(1)), []).append(MigInstance(profile=match.group(2)))
    return by_gpu


def parse_mig_lgi(text: str) -> list[MigInstance]:
    """Parse ``nvidia-smi mig -lgi``: all GPU instances, in listing order."""
    return [inst for instances in parse_mig_lgi_by_gpu(text).values() for inst in instances]
