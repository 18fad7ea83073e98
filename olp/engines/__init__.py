"""Local engines: classical-NLP implementations of every role, served to litellm as the ``olp-local`` provider.

``register()`` makes ``litellm.acompletion(model="olp-local/fast", ...)`` and ``olp-local/quality`` work offline.
Nothing heavy is imported here: litellm, jieba and numpy load when first needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from olp.errors import unknown_name

if TYPE_CHECKING:
    from olp.engines.engine import LocalEngine

PROVIDER = "olp-local"

#: engine name -> "module:Class" (loaded lazily)
ENGINES: dict[str, str] = {
    "fast": "olp.engines.engine:FastEngine",
    "quality": "olp.engines.engine:QualityEngine",
}

_instances: dict[str, "LocalEngine"] = {}


def get_engine(name: str) -> "LocalEngine":
    """The engine called ``name``; a ConfigError listing the valid names otherwise."""
    if name not in ENGINES:
        raise unknown_name("local engine", name, list(ENGINES))
    if name not in _instances:
        import importlib

        module, cls = ENGINES[name].split(":")
        _instances[name] = getattr(importlib.import_module(module), cls)()
    return _instances[name]


def warm_up(language: str = "zh") -> None:
    """Load what the engines load lazily (jieba's dictionary and POS model for Chinese, ~1 s), e.g. before a stream
    starts, so that the first Chinese call does not pay for it."""
    if language == "zh":
        from olp.engines.text import zh_pos

        zh_pos("预热")  # loads the dictionary and the part-of-speech model


def register() -> None:
    """Register the ``olp-local`` provider with litellm (idempotent)."""
    from olp.engines.provider import register as _register

    _register()


__all__ = ["ENGINES", "PROVIDER", "get_engine", "register", "warm_up"]
