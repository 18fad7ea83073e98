"""``olp run INPUT|-``: organize a transcript into topic documents, online, with no key and no broker needed."""

from __future__ import annotations

import argparse
import asyncio
import itertools
from pathlib import Path

from olp.errors import ConfigError

FORMATS = ("jsonl", "markdown", "olp-text")


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
    p.add_argument("--metrics-port", type=int, help="serve Prometheus metrics on 127.0.0.1:PORT while running")
    p.add_argument("--metrics-host", default="127.0.0.1", help=argparse.SUPPRESS)
    p.add_argument("--quiet", action="store_true", help="no progress display")
    return p


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from olp.io import AtomicOutput, format_document, read_sentences
    from olp.observer import Observers
    from olp.pipeline import build_pipeline
    from olp.profiles import detect_profile, get_profile
    from olp.progress import ProgressObserver
    from olp.settings import PipelineSettings

    profile = get_profile(args.profile) if args.profile else None
    if args.chunk_size is not None and args.chunk_size < 2:
        raise ConfigError("--chunk-size must be at least 2")
    sentences = read_sentences(args.input)
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
        serve_metrics(metrics.registry, args.metrics_port, host=args.metrics_host)
        observers.add(metrics)
    checkpoint = _read_checkpoint(args.checkpoint) if args.checkpoint else None
    if args.checkpoint and not args.manager:
        raise ConfigError("--checkpoint needs --manager (it holds what a Role-RL manager learned)")
    from role_rl.pool import PoolStats

    stats = PoolStats.load(args.stats) if args.stats and Path(args.stats).is_file() else PoolStats()
    observers.add(stats)
    pipe = build_pipeline(stream, profile, args.pool, settings, observers, manager=args.manager, checkpoint=checkpoint)
    out = AtomicOutput(args.out)
    aspects = profile.aspect_labels
    try:
        with progress if not args.quiet else _nothing():
            for s in itertools.chain(head, sentences):
                for doc in await pipe.feed(s):
                    out.write(format_document(doc.to_dict(), args.format, aspects))
            for doc in await pipe.flush():
                out.write(format_document(doc.to_dict(), args.format, aspects))
    except BaseException:
        out.abort()
        raise
    out.commit()
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
