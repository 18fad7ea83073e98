"""``olp bench NAME``: run a benchmark and print its table (``--json`` for one JSON object)."""

from __future__ import annotations

import argparse
import importlib

# name -> (module with add_arguments(parser) and run(args) -> int, help)
BENCHMARKS: dict[str, tuple[str, str]] = {
    "replay": ("role_rl.bench_replay", "Role-RL managers on the authors' recorded LLM answers and judgments"),
    "longbench": ("olp.bench.longbench", "LongBench-OLP: the authors' similarity, beside their stored outputs"),
    "qmsum": ("olp.bench.qmsum", "QMSum meetings: topic recall against gold topic spans"),
    "olp-mini": ("olp.bench.olp_mini", "OLP-MINI labelled transcripts: product recall, cost and latency per configuration"),
    "olp-mini-cv": ("olp.bench.olp_mini_cv", "the local engines' segmentation settings, cross-validated by live stream"),
    "judge": ("olp.bench.judge_agreement", "the local judge's verdicts on finder and locator answers against the OLP-MINI labels"),
    "throughput": ("olp.bench.throughput", "pipeline overhead: sentences/s, CPU per sentence, peak memory"),
    "scale": ("olp.bench.scale", "100 synthetic transcripts with a calibrated simulated pool"),
    "llm": ("olp.bench.llm", "a real LLM (scripts/llm-dev) against the local engines per role, and Role-RL's choice"),
    "streams": ("olp.bench.streams", "live streams per core: one pinned worker process, local and HTTP models"),
}


def add_parser(sub, name: str, help_text: str) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_text, description=help_text)
    benches = p.add_subparsers(dest="bench", metavar="BENCHMARK", required=True)
    for bench, (module, bench_help) in BENCHMARKS.items():
        bp = benches.add_parser(bench, help=bench_help, description=bench_help)
        try:
            importlib.import_module(module).add_arguments(bp)
        except ModuleNotFoundError as exc:  # a benchmark whose optional dependency is missing
            bp.set_defaults(_missing=str(exc))
    return p


def run(args: argparse.Namespace) -> int:
    from olp.errors import ConfigError

    if getattr(args, "_missing", None):
        raise ConfigError(f"benchmark {args.bench!r} is unavailable: {args._missing} (run scripts/setup)")
    return int(importlib.import_module(BENCHMARKS[args.bench][0]).run(args) or 0)
