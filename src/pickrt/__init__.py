"""pickrt: pick a local LLM inference runtime for your hardware and workload."""

__version__ = "0.1.0"
__all__ = ["__version__"]
