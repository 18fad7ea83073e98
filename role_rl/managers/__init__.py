"""Role managers by short name. Heavy ones (PPO: torch, stable-baselines3) load only when asked for."""

from __future__ import annotations

import importlib
from typing import Any

from olp.errors import ConfigError, unknown_name
from role_rl.managers.base import Choice, Feedback, Manager, Outcome, feature_vector

#: short name -> "module:Class". The default manager is the one that meets the replay benchmark's bar.
MANAGERS: dict[str, str] = {
    "qlearning": "role_rl.managers.qlearning:QLearningManager",
    "bandit": "role_rl.managers.bandit:ThompsonManager",
    "linucb": "role_rl.managers.linucb:LinUCBManager",
    "ppo": "role_rl.managers.ppo:PPOManager",
}
DEFAULT_MANAGER = "bandit"
#: managers that need an optional package (installed by ``scripts/setup --rl``): name -> module
NEEDS: dict[str, str] = {"ppo": "stable_baselines3"}


def available(name: str) -> bool:
    """Whether manager ``name`` can run here (its optional packages are installed)."""
    import importlib.util

    need = NEEDS.get(name)
    return need is None or importlib.util.find_spec(need) is not None


def manager_class(name: str) -> type[Manager]:
    """The class registered as ``name`` (imports its module)."""
    if name not in MANAGERS:
        raise unknown_name("manager", name, list(MANAGERS))
    module, cls = MANAGERS[name].split(":")
    try:
        return getattr(importlib.import_module(module), cls)
    except ImportError as exc:
        raise ConfigError(f"manager {name!r} needs a missing package ({exc.name}); install olp[rl]") from None


def make_manager(name: str, models: list[str] | tuple[str, ...], **kwargs: Any) -> Manager:
    """A fresh manager ``name`` over ``models`` (keyword options go to its constructor)."""
    return manager_class(name)(list(models), **kwargs)


def restore_manager(state: dict[str, Any], **kwargs: Any) -> Manager:
    """A manager rebuilt from its ``state_dict()`` (a restarted run keeps what it learned)."""
    name = state.get("manager")
    if not isinstance(name, str):
        raise ConfigError("not a manager checkpoint: it has no 'manager' field")
    roles = tuple(state.get("roles") or ())
    options = {**(state.get("params") or {}), **({"roles": roles} if roles else {}), **kwargs}
    manager = make_manager(name, state.get("models") or [], **options)
    manager.load_state_dict(state)
    return manager


__all__ = ["Choice", "DEFAULT_MANAGER", "Feedback", "MANAGERS", "Manager", "NEEDS", "Outcome", "available",
           "feature_vector", "make_manager", "manager_class", "restore_manager"]
