"""Role-RL: learning which model plays each role of the OLP pipeline, while the stream flows.

* ``role_rl.pool``: the pool's models, prices and observed latency (``PoolStats`` observes every call).
* ``role_rl.board``: the advisory board (judge prompts and replies, weighted verdicts, the authors' election).
* ``role_rl.audit``: how often the board judges (every call, a fixed share, or a share that adapts).
* ``role_rl.reward``: r = v·k − k1·cost − k2·latency, with role-specific correctness k; presets ``olp`` and
  ``paper``.
* ``role_rl.managers``: ``qlearning`` (the paper's), ``bandit`` (contextual Thompson sampling, the default),
  ``linucb``, ``ppo`` (stable-baselines3); one interface, checkpoints as JSON.
* ``role_rl.caller``: ``RLCaller``, the pipeline's role caller with Role-RL (``build_rl_caller`` builds one).
* ``role_rl.env``: ``RoleAssignmentEnv``, registered as ``olp/RoleAssignment-v0``.
* ``role_rl.replay`` / ``role_rl.replay_provider``: the authors' recorded runs, as data and as a litellm
  provider ``olp-replay/<model>``.
* ``role_rl.bench_replay``: ``olp bench replay``.

Importing ``role_rl`` imports none of these; torch and stable-baselines3 load only for the ``ppo`` manager.
"""
