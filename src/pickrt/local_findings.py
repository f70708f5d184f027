"""What doctor sees on this machine, for host-mode advice (the CLI and the wizard alike).

Doctor is imported only when it is asked for: ``PICKRT_NO_DOCTOR`` keeps it off the start-up path.
"""

from __future__ import annotations

import os
from typing import Optional


def local_findings(catalog) -> Optional[dict]:
    """What doctor sees here, for host-mode advice (never for what-if hardware)."""
    if os.environ.get("PICKRT_NO_DOCTOR"):
        return None
    try:
        from pickrt.doctor.report import installed_slugs, run_doctor, running_slugs
    except ImportError:
        return None
    try:
        rep = run_doctor(catalog, timeout=0.3, quick=True)
    except Exception:  # doctor is advisory: never let it break the advice
        return None
    return {"installed": installed_slugs(rep), "running": running_slugs(rep)}


__all__ = ["local_findings"]
