"""``olp pool``: the model pool, prices, observed latencies and the current assignment, as a table."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

#: Where runs save observed latency by default (``role_rl.pool.PoolStats.save``).
DEFAULT_STATS = Path(".olp") / "pool-stats.json"


def add_parser(subparsers, name: str, help_text: str) -> argparse.ArgumentParser:
    p = subparsers.add_parser(name, help=help_text, description=(
        "Show the model pool: prices per million tokens, observed latency (mean and p95) and the assignment."))
    p.add_argument("--pool", default=None, help="pool file (default: the bundled offline pool)")
    p.add_argument("--stats", default=str(DEFAULT_STATS),
                   help=f"saved latency statistics (default {DEFAULT_STATS}; '—' is shown when absent)")
    p.add_argument("--checkpoint", default=None,
                   help="a Role-RL checkpoint (JSON): show its learned assignment instead of the pool file's")
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    return p


def run(args: argparse.Namespace) -> int:
    from olp.errors import ConfigError
    from olp.poolfile import load_pool
    from role_rl.pool import Pool, PoolStats

    config = load_pool(args.pool)
    stats = PoolStats.load(args.stats) if args.stats and Path(args.stats).is_file() else PoolStats()
    assignment = dict(config.assignment)
    if args.checkpoint:
        try:
            state = json.loads(Path(args.checkpoint).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"checkpoint {args.checkpoint!r} cannot be read ({exc.__class__.__name__})") from None
        assignment.update(state.get("assignment") or {})
    pool = Pool(config, stats=stats)
    rows = []
    for name in pool.names:
        p_in, p_out = pool.price_per_million(name)
        lat = pool.latency(name)
        rows.append({
            "model": name, "litellm": config.spec(name).litellm_model, "input_per_m": round(p_in, 10),
            "output_per_m": round(p_out, 10),
            "price_source": pool.price_source(name),
            "latency_ms": None if lat is None or lat.ewma_ms is None else round(lat.ewma_ms, 1),
            "p95_ms": None if lat is None or lat.p95_ms is None else round(lat.p95_ms, 1),
            "calls": 0 if lat is None else lat.calls,
            "answers": {} if lat is None else lat.outcomes(),  # valid / repaired / unparsable / fallback
            "judge": name in config.judges,
            "roles": [r for r, m in assignment.items() if m == name],
        })
    if args.json:
        print(json.dumps({"pool": config.source, "models": rows}, ensure_ascii=False))
        return 0
    _table(config.source, rows)
    return 0


def _table(source: str, rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    def ms(x: float | None) -> str:
        return "—" if x is None else f"{x:,.0f}"

    def answers(a: dict[str, int]) -> str:
        return "/".join(str(a.get(k, 0)) for k in ("valid", "repaired", "unparsable")) if a else "—"

    table = Table(title=f"model pool ({source})")
    for col in ("model", "litellm model", "$ / M in", "$ / M out", "latency ms (mean)", "p95 ms", "calls",
                "answers valid/repaired/bad", "judge", "assigned roles"):
        table.add_column(col, justify="right" if col.startswith(("$", "latency", "p95", "calls")) else "left")
    for r in rows:
        table.add_row(r["model"], r["litellm"], f"{r['input_per_m']:.4g}", f"{r['output_per_m']:.4g}",
                      ms(r["latency_ms"]), ms(r["p95_ms"]), str(r["calls"]) if r["calls"] else "—", answers(r["answers"]),
                      "yes" if r["judge"] else "", ", ".join(r["roles"]))
    Console().print(table)
