"""The exceptions olp raises. Messages say what went wrong and what to do; the CLI prints them as one line."""

from __future__ import annotations


class OlpError(Exception):
    """Base class: every error olp raises on purpose."""


class ConfigError(OlpError):
    """A setting, pool file, profile or flag is wrong."""


class BadInputError(OlpError):
    """The input transcript cannot be read (binary, bad encoding, malformed list, empty)."""


class ModelCallError(OlpError):
    """A model call failed after its retries and fallbacks."""


class ModelTimeoutError(ModelCallError):
    """A model call took longer than its timeout."""


class RateLimitError(ModelCallError):
    """The provider refused the call for rate or quota reasons."""


class BadModelOutputError(OlpError):
    """A model's answer could not be parsed or repaired into the role's answer shape."""


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM stopped a command; the CLI exits with 128 + the signal number (130, 143)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def unknown_name(kind: str, name: str, valid: list[str] | tuple[str, ...]) -> ConfigError:
    """A ConfigError for an unknown registry name, with a close match and the valid names."""
    import difflib

    close = difflib.get_close_matches(name, list(valid), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return ConfigError(f"unknown {kind} {name!r}{hint}; choose one of: {', '.join(sorted(valid))}")
