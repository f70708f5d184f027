"""``pickrt doctor``: which runtimes are installed on this machine and which are running.

Public API: :func:`run_doctor` (a JSON-ready dict), :func:`render_table` (text for people), and
:func:`installed_slugs` / :func:`running_slugs` (for the engine to prefer what is already here).
"""

from pickrt.doctor.report import SCHEMA_VERSION, installed_slugs, render_table, run_doctor, running_slugs

__all__ = ["SCHEMA_VERSION", "installed_slugs", "render_table", "run_doctor", "running_slugs"]
