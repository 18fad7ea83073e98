"""``olp bench throughput``: what the pipeline itself costs.

Sentences per second and CPU per sentence through the pipeline with the fastest local engine in every role,
and peak memory when the input grows tenfold (each size in a fresh interpreter, input generated before
tracing starts, so the figure is the pipeline's own working memory).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pool", help="pool file (default: the offline local engines)")
    p.add_argument("--model", default="local-fast", help="pool model for every role (default local-fast)")
    p.add_argument("--sentences", type=int, default=2000, help="base input size (default 2000; memory also at 10x)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)


def _measure(n: int, pool_path: str | None, model: str, seed: int, trace: bool) -> dict:
    import asyncio
    import resource
    import tracemalloc

    from olp.bench.common import run_stream, with_assignment
    from olp.datasets.synthetic import generate
    from olp.poolfile import load_pool

    transcript = generate(n, lang="en", seed=seed)
    pool = with_assignment(load_pool(pool_path), model)
    if trace:
        tracemalloc.start()
    result = asyncio.run(run_stream(transcript.sentences, "ecommerce-en", pool))
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    return {
        "sentences": n,
        "documents": len(result.docs),
        "calls": len(result.records),
        "wall_s": result.wall_s,
        "cpu_s": result.cpu_s,
        "sentences_per_s": n / result.wall_s,
        "cpu_ms_per_sentence": 1000 * result.cpu_s / n,
        "model_latency_ms_per_sentence": sum(r.latency_ms for r in result.records) / n,
        "traced_peak_mb": None if peak is None else peak / 2**20,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _child(args, n: int, trace: bool) -> dict:
    cmd = [sys.executable, "-m", "olp", "bench", "throughput", "--child", str(n), "--model", args.model,
           "--seed", str(args.seed)] + (["--pool", args.pool] if args.pool else []) + (["--json"] if trace else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run(args: argparse.Namespace) -> int:
    if args.child:
        print(json.dumps(_measure(args.child, args.pool, args.model, args.seed, trace=args.json)))
        return 0
    from olp.bench.common import emit, md_table

    speed = _child(args, args.sentences, trace=False)
    small = _child(args, args.sentences, trace=True)
    large = _child(args, 10 * args.sentences, trace=True)
    payload = {"model": args.model, "speed": speed, "memory_1x": small, "memory_10x": large,
               "traced_peak_ratio_10x": large["traced_peak_mb"] / small["traced_peak_mb"]}
    table = md_table(
        ["input", "sentences/s", "CPU ms/sentence", "engine ms/sentence", "docs", "traced peak MB", "max RSS MB"],
        [
            [f"{speed['sentences']} sentences (untraced)", speed["sentences_per_s"], speed["cpu_ms_per_sentence"],
             speed["model_latency_ms_per_sentence"], speed["documents"], "—", speed["max_rss_mb"]],
            [f"{small['sentences']} sentences (traced)", small["sentences_per_s"], small["cpu_ms_per_sentence"],
             small["model_latency_ms_per_sentence"], small["documents"], small["traced_peak_mb"], small["max_rss_mb"]],
            [f"{large['sentences']} sentences (traced)", large["sentences_per_s"], large["cpu_ms_per_sentence"],
             large["model_latency_ms_per_sentence"], large["documents"], large["traced_peak_mb"], large["max_rss_mb"]],
        ],
    )
    table += f"\n\npeak traced memory at 10x input / at 1x: {payload['traced_peak_ratio_10x']:.2f}"
    emit(args, table, payload)
    return 0
