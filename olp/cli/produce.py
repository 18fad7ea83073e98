"""``olp produce INPUT|- --stream-id ID``: play a transcript into Kafka as a live feed."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from olp.types import Sentence


def add_parser(sub, name: str, help_text: str) -> argparse.ArgumentParser:
    from olp.settings import default_broker

    p = sub.add_parser(name, help=help_text, description=help_text)
    p.add_argument("input", metavar="INPUT|-", help="transcript file (OLP-MINI list, JSON, JSONL, text) or - for stdin")
    p.add_argument("--stream-id", required=True, help="the stream id (message key; documents carry it)")
    p.add_argument("--rate", type=float, help="sentences per second (default: as fast as possible)")
    p.add_argument("--broker", default=default_broker(), help="kafka://HOST:PORT (default: $OLP_BROKER or %(default)s)")
    p.add_argument("--profile", help="profile for the worker to use (default: detected from the input's language)")
    p.add_argument("--keep-open", action="store_true", help="do not send the end-of-stream marker at the end")
    p.add_argument("--quiet", action="store_true", help="no summary line on stderr")
    return p


class NonBlank:
    """The sentences that have text; counts the empty (whitespace-only) ones it leaves out.

    OLP-MINI lists hold empty sentences; sent, each would only land in the dead-letter topic.
    """

    def __init__(self, sentences: Iterable[Sentence]) -> None:
        self.sentences = sentences
        self.skipped = 0

    def __iter__(self) -> Iterator[Sentence]:
        for s in self.sentences:
            if s.text.strip():
                yield s
            else:
                self.skipped += 1


def run(args: argparse.Namespace) -> int:
    from olp.stream.kafka import quiet_kafka_client
    from olp.errors import BadInputError, ConfigError
    from olp.io import read_sentences
    from olp.profiles import detect_profile, get_profile
    from olp.stream.produce import produce
    from olp.stream.settings import parse_broker

    if args.rate is not None and not args.rate > 0:
        raise ConfigError("--rate must be a positive number of sentences per second")
    if not args.stream_id.strip():
        raise ConfigError("--stream-id must not be blank")
    parse_broker(args.broker)
    kept = NonBlank(read_sentences(args.input))
    sentences = iter(kept)
    head = list(itertools.islice(sentences, 20))  # validates the start of the input before anything is sent
    if not head:
        raise BadInputError(f"{args.input}: no sentence has any text ({kept.skipped} empty)")
    profile = get_profile(args.profile).name if args.profile else detect_profile([s.text for s in head]).name
    quiet_kafka_client()
    start = time.monotonic()
    sent = asyncio.run(
        produce(
            itertools.chain(head, sentences),
            args.stream_id,
            args.broker,
            rate=args.rate,
            profile=profile,
            end=not args.keep_open,
        )
    )
    if not args.quiet:
        took = time.monotonic() - start
        skipped = f", skipped {kept.skipped} empty" if kept.skipped else ""
        print(f"olp produce: sent {sent} sentences of stream {args.stream_id!r} in {took:.1f} s{skipped}",
              file=sys.stderr)
    return 0
