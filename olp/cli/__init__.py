"""The ``olp`` command. Each subcommand lives in its own module with ``add_parser(subparsers)`` and ``run(args)``.

Modules are imported only when their subcommand runs, so ``olp run`` never imports faust, torch or matplotlib.
Errors that olp raises on purpose (``OlpError``) and usage errors print as one line on stderr with exit status 2
(1 when the input was fine but every model call failed); no traceback. SIGINT / SIGTERM print one line and exit
130 / 143. ``--help`` prints the full usage.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# subcommand -> (module, one-line help). Order is the order of ``olp --help``.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("olp.cli.run", "organize a transcript (file or stdin) into topic documents"),
    "worker": ("olp.cli.worker", "run a faust worker: transcripts topic in, olp-documents out"),
    "produce": ("olp.cli.produce", "play a transcript into Kafka as a live feed"),
    "consume": ("olp.cli.consume", "show topic documents as they arrive from Kafka"),
    "bench": ("olp.cli.bench", "run a benchmark (replay, longbench, qmsum, olp-mini, olp-mini-cv, judge, throughput, scale, streams, llm)"),
    "train": ("olp.cli.train", "train a role-assignment policy and save it"),
    "pool": ("olp.cli.pool", "show the model pool, prices, observed latencies and the assignment"),
}


# optional modules -> how to get them (pyproject's extras; scripts/setup --core leaves them out)
EXTRAS: dict[str, str] = {
    "torch": "the ppo manager and olp train need torch and stable-baselines3: run scripts/setup --rl",
    "stable_baselines3": "the ppo manager and olp train need torch and stable-baselines3: run scripts/setup --rl",
    "matplotlib": "plots need matplotlib: run scripts/setup (without --core)",
}


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (``olp run: error: ...``), not the usage block."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _load(name: str):
    return importlib.import_module(COMMANDS[name][0])


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    parser = Parser(prog="olp", description="Online Long-context Processing with Role-RL.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = next((a for a in argv if not a.startswith("-")), None)
    for name, (_module, help_text) in COMMANDS.items():
        if name == wanted:
            _load(name).add_parser(sub, name, help_text)  # full options only for the command asked for
        else:
            sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C while the command is still being loaded
        print("olp: interrupted (SIGINT)", file=sys.stderr)
        return 130


def _main(argv: list[str] | None) -> int:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch litellm's price map
    from olp.errors import ModelCallError, OlpError

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args, extra = parser.parse_known_args(argv)
    if extra:  # argparse would blame the top-level parser; name the command the option was given to
        prog = f"olp {args.command}" if args.command else "olp"
        parser.exit(2, f"{prog}: error: unrecognized arguments: {' '.join(extra)} (see {prog} --help)\n")
    if not args.command:
        parser.exit(2, f"olp: error: a command is needed: {', '.join(COMMANDS)} (see olp --help)\n")
    try:
        return int(_load(args.command).run(args) or 0)
    except OlpError as exc:
        print(f"olp {args.command}: error: {exc}", file=sys.stderr)
        return 1 if isinstance(exc, ModelCallError) else 2  # 2: the input or a flag is wrong; 1: models failed
    except KeyboardInterrupt as exc:
        import signal

        signum = getattr(exc, "signum", signal.SIGINT)
        print(f"olp {args.command}: interrupted ({signal.Signals(signum).name})", file=sys.stderr)
        return 128 + signum
    except ModuleNotFoundError as exc:
        hint = EXTRAS.get((exc.name or "").split(".")[0])
        if hint is None:
            raise
        print(f"olp {args.command}: error: {hint}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
