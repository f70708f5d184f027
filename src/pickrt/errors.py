"""Exit codes and the one exception type that means "bad input" (exit 2)."""

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_NO_RUNTIME = 3


class InputError(Exception):
    """Bad input from the user: printed as one line on stderr, exit 2."""


class NoRuntimeError(Exception):
    """A runtime was requested that cannot run here: one line on stderr, exit 3."""
