"""Who listens on a TCP port, and on which address (psutil; skipped where not permitted)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

ALL_INTERFACES = ("0.0.0.0", "::", "")


@dataclass(frozen=True)
class Listener:
    port: int
    ip: str
    pid: Optional[int]
    cmdline: tuple[str, ...] = ()

    @property
    def all_interfaces(self) -> bool:
        return self.ip in ALL_INTERFACES


def listeners(ports: Iterable[int]) -> dict[int, list[Listener]]:
    """port -> listening sockets on it, for the ports asked; {} when psutil cannot tell.

    ``psutil.net_connections`` needs privileges on macOS (AccessDenied): doctor then skips the
    checks that need it, silently. The owning process's command line is read where permitted.
    """
    wanted = set(ports)
    if not wanted:
        return {}
    try:
        import psutil
    except Exception:
        return {}
    try:
        conns = psutil.net_connections(kind="tcp")
    except Exception:  # AccessDenied, or anything else: skip silently
        return {}
    out: dict[int, list[Listener]] = {}
    cmdlines: dict[int, tuple[str, ...]] = {}
    for c in conns:
        if getattr(c, "status", None) != psutil.CONN_LISTEN or not c.laddr:
            continue
        port = c.laddr.port if hasattr(c.laddr, "port") else c.laddr[1]
        if port not in wanted:
            continue
        ip = c.laddr.ip if hasattr(c.laddr, "ip") else c.laddr[0]
        pid = c.pid
        if pid and pid not in cmdlines:
            try:
                cmdlines[pid] = tuple(psutil.Process(pid).cmdline())
            except Exception:
                cmdlines[pid] = ()
        out.setdefault(port, []).append(Listener(port, ip or "", pid, cmdlines.get(pid, ()) if pid else ()))
    return out
