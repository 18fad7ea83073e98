"""``olp run INPUT|-``: organize a transcript into topic documents, online, with no key and no broker needed."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import os
import signal
from pathlib import Path

from olp.errors import ConfigError, Interrupted, ModelCallError
from olp.observer import Observer

FORMATS = ("jsonl", "markdown", "olp-text")
RENUMBER_HINT = "; pass --renumber to accept ids that restart (documents keep the original ids)"


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is out of range (0-65535)")
    return port


def add_parser(sub, name: str, help_text: str) -> argparse.ArgumentParser:
    from olp.profiles import PROFILES

    p = sub.add_parser(name, help=help_text, description=help_text)
    p.add_argument("input", metavar="INPUT|-", help="transcript file (OLP-MINI list, JSON, JSONL, text) or - for stdin")
    p.add_argument("--profile", help=f"one of {', '.join(PROFILES)} (default: e-commerce in the input's language)")
    p.add_argument("--pool", help="pool file (litellm model_list YAML); default: the offline local engines")
    p.add_argument("--out", help="write documents here (appears only when complete) instead of stdout")
    p.add_argument("--format", default="jsonl", choices=FORMATS, help="output format (default jsonl)")
    p.add_argument("--chunk-size", type=int, help="sentences per chunk (default: the profile's)")
    p.add_argument("--stream-id", help="stream id written into documents (default: the input file's stem)")
    p.add_argument("--manager", help="let Role-RL assign models online: qlearning, bandit or ppo")
    p.add_argument("--checkpoint", help="with --manager: resume Role-RL from this JSON file if it exists, save to it at the end")
    p.add_argument("--stats", default=".olp/pool-stats.json",
                   help="observed latency per model, updated by this run and shown by `olp pool` (default %(default)s)")
    p.add_argument("--renumber", action="store_true",
                   help="accept sentence ids that restart or go back (e.g. LongBench-OLP's blocks): number them in "
                        "order inside, write the original ids in the documents")
    p.add_argument("--metrics-port", type=_port, help="serve Prometheus metrics on 127.0.0.1:PORT while running")
    p.add_argument("--metrics-host", default="127.0.0.1", help=argparse.SUPPRESS)
    p.add_argument("--quiet", action="store_true", help="no progress display")
    return p


def run(args: argparse.Namespace) -> int:
    _refuse_overwriting_input(args)
    with _signals_interrupt():
        return asyncio.run(_run(args))


@contextlib.contextmanager
def _signals_interrupt():
    """SIGINT and SIGTERM raise ``Interrupted`` wherever the run is (even in a blocking read of stdin), so the
    temporary --out file is removed; further signals are ignored while that cleanup runs."""
    wanted = (signal.SIGINT, signal.SIGTERM)

    def interrupt(signum, _frame):
        for s in wanted:
            signal.signal(s, signal.SIG_IGN)
        raise Interrupted(signum)

    previous = {s: signal.getsignal(s) for s in wanted}
    for s in wanted:
        if previous[s] is not signal.SIG_IGN:  # a signal ignored by whoever started us (nohup, &) stays ignored
            signal.signal(s, interrupt)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _refuse_overwriting_input(args: argparse.Namespace) -> None:
    """The input is never touched: refuse an output path that is the input file (links and hard links too)."""
    if args.input == "-":
        return
    for flag, path in (("--out", args.out), ("--stats", args.stats), ("--checkpoint", args.checkpoint)):
        if path and path != "-" and _same_file(args.input, path):
            raise ConfigError(f"{flag} {path} is the input file, which olp never overwrites; choose another path")


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # either does not exist (yet)
        return False


class _CallWatch(Observer):
    """Counts model calls, to fail a run in which no call ever succeeded (a pool that cannot work at all).

    The gateway's per-model warnings are held until a call succeeds: if none does, the one error line says it.
    """

    def __init__(self, pool: list[str], console) -> None:
        self.pool, self.console = set(pool), console
        self.ok = 0
        self.first_error = ""
        self.failed_models: set[str] = set()
        self.held: list[str] = []
        self.handler = _HeldWarnings(self)

    def on_call(self, record) -> None:
        if record.ok:
            self.ok += 1
            self.release()
            return
        self.failed_models.update(m for m in (record.model, record.fallback_from) if m)
        if not self.first_error:
            self.first_error = f"{record.model}: {record.error or 'failed'}"

    def warn(self, message: str) -> None:
        if self.ok:
            self.console.print(message, highlight=False, markup=False)
        else:
            self.held.append(message)

    def release(self) -> None:
        for message in self.held:
            self.console.print(message, highlight=False, markup=False)
        self.held.clear()

    def check(self, final: bool = False) -> None:
        """Raise when calls were made and none succeeded: at the end, or as soon as every pool model has failed."""
        if self.ok or not self.failed_models or not (final or (self.pool and self.pool <= self.failed_models)):
            return
        raise ModelCallError(f"every model call failed: {self.first_error[:300]} "
                             "(check the pool file's model names, API keys and api_base)")


class _HeldWarnings(logging.Handler):
    def __init__(self, watch: _CallWatch) -> None:
        super().__init__(logging.WARNING)
        self.watch = watch

    def emit(self, record: logging.LogRecord) -> None:
        self.watch.warn(record.getMessage())


async def _run(args: argparse.Namespace) -> int:
    from olp.io import AtomicOutput, format_document, read_sentences, restore_ids
    from olp.observer import Observers
    from olp.pipeline import build_pipeline
    from olp.profiles import detect_profile, get_profile
    from olp.progress import ProgressObserver
    from olp.settings import PipelineSettings

    profile = get_profile(args.profile) if args.profile else None
    if args.chunk_size is not None and args.chunk_size < 2:
        raise ConfigError("--chunk-size must be at least 2")
    sentences = read_sentences(args.input, increasing=not args.renumber, ids_hint=RENUMBER_HINT)
    ids = None
    if args.renumber:
        from olp.io import Renumbering

        ids = Renumbering()
        sentences = ids.apply(sentences)
    head = list(itertools.islice(sentences, 20))  # reads (and validates) the start before any output exists
    if profile is None:
        profile = detect_profile([s.text for s in head])
    settings = PipelineSettings.for_chunk(args.chunk_size or profile.chunk_size)
    stream = args.stream_id or ("stdin" if args.input == "-" else Path(args.input).stem)

    progress = ProgressObserver()
    observers = Observers(progress)
    if args.metrics_port is not None:
        from olp.metrics import PrometheusObserver, serve_metrics

        metrics = PrometheusObserver()
        try:
            serve_metrics(metrics.registry, args.metrics_port, host=args.metrics_host)
        except OSError as exc:  # the port's range is checked by the flag's type
            raise ConfigError(f"cannot serve metrics on {args.metrics_host}:{args.metrics_port}: "
                              f"{getattr(exc, 'strerror', None) or exc}") from None
        observers.add(metrics)
    checkpoint = _read_checkpoint(args.checkpoint) if args.checkpoint else None
    if args.checkpoint and not args.manager:
        raise ConfigError("--checkpoint needs --manager (it holds what a Role-RL manager learned)")
    from role_rl.pool import PoolStats

    stats = PoolStats.load(args.stats) if args.stats and Path(args.stats).is_file() else PoolStats()
    observers.add(stats)
    pipe = build_pipeline(stream, profile, args.pool, settings, observers, manager=args.manager, checkpoint=checkpoint)
    pool = getattr(getattr(pipe.caller, "gateway", None), "pool", None)
    watch = _CallWatch(list(getattr(pool, "names", [])), progress.console)
    observers.add(watch)
    aspects = profile.aspect_labels

    def write(docs) -> None:
        for doc in docs:
            d = doc.to_dict()
            out.write(format_document(restore_ids(d, ids) if ids else d, args.format, aspects))

    gateway_log = logging.getLogger("olp.gateway")
    gateway_log.addHandler(watch.handler)
    propagate, gateway_log.propagate = gateway_log.propagate, False
    out = None
    try:
        out = AtomicOutput(args.out)
        with progress if not args.quiet else _nothing():
            for s in itertools.chain(head, sentences):
                write(await pipe.feed(s))
                watch.check()
            write(await pipe.flush())
            watch.check(final=True)
        out.commit()
    except BaseException:
        if out is not None:
            out.abort()
        raise
    finally:
        gateway_log.removeHandler(watch.handler)
        gateway_log.propagate = propagate
    watch.release()
    if args.checkpoint:
        _write_json(args.checkpoint, pipe.caller.state_dict())
    if args.stats:
        Path(args.stats).parent.mkdir(parents=True, exist_ok=True)
        stats.save(args.stats)
    if not args.quiet:
        progress.console.print(progress.summary(), highlight=False)
    return 0


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def _read_checkpoint(path: str) -> dict | None:
    import json

    p = Path(path)
    if not p.exists():
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        raise ConfigError(f"checkpoint {path!r} is not a readable JSON file") from None


def _write_json(path: str, value: dict) -> None:
    """Write atomically: a crash mid-write never leaves a half checkpoint."""
    import json
    import os
    import tempfile

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(value, fh)
    os.replace(tmp, target)
