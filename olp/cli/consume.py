"""``olp consume``: show topic documents as they arrive (rich), or one JSON document per line."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys


def add_parser(sub, name: str, help_text: str) -> argparse.ArgumentParser:
    from olp.settings import default_broker

    p = sub.add_parser(name, help=help_text, description=help_text)
    p.add_argument("--stream-id", help="only this stream's documents (default: all streams)")
    p.add_argument("--broker", default=default_broker(), help="kafka://HOST:PORT (default: $OLP_BROKER or %(default)s)")
    p.add_argument("--json", action="store_true", help="one JSON document per line instead of the rich display")
    p.add_argument("--idle-timeout", type=float, metavar="SECONDS", help="exit after this long without a new document")
    p.add_argument("--new-only", action="store_true", help="skip documents already in the topic; show new ones")
    return p


def run(args: argparse.Namespace) -> int:
    from olp.errors import ConfigError
    from olp.stream.kafka import quiet_kafka_client
    from olp.stream.settings import parse_broker

    if args.idle_timeout is not None and not args.idle_timeout > 0:
        raise ConfigError("--idle-timeout must be a positive number of seconds")
    parse_broker(args.broker)
    quiet_kafka_client()
    return asyncio.run(_consume(args))


async def _consume(args: argparse.Namespace) -> int:
    from olp.stream.consume import documents, render

    console = None
    if not args.json:
        from rich.console import Console

        console = Console()
    async for doc in documents(args.broker, args.stream_id, args.idle_timeout, from_beginning=not args.new_only):
        if console is None:
            sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
            sys.stdout.flush()  # a pipe reader sees each document as it arrives
        else:
            console.print(render(doc))
    return 0
