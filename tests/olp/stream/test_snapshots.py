"""Snapshots at chunk boundaries plus replay from Kafka give the documents of a worker that never stopped (and of
``olp run``), on the real pipeline and local engines (issue 13: same results before and after)."""

from __future__ import annotations

import pytest

from olp.stream.messages import EndOfStream, Utterance
from olp.stream.processor import StreamProcessor, decode_state, encode_state

CHUNK = 20  # small chunks: many boundaries in a short transcript


def make_pipeline(stream, profile, observer):
    from olp.pipeline import build_pipeline
    from olp.settings import PipelineSettings

    return build_pipeline(stream, profile, None, PipelineSettings(chunk_size=CHUNK, max_carry=CHUNK // 2), observer)


def comparable(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in ("latency_ms", "time_to_document_ms")}


async def run_once(sentences) -> list[dict]:
    """What ``olp run`` makes of the transcript: one pipeline, no worker."""
    from olp.observer import Observer

    pipe = make_pipeline("s", "ecommerce-en", Observer())
    docs = [d for s in sentences for d in await pipe.feed(s)] + await pipe.flush()
    return [comparable(d.to_dict()) for d in docs]


async def run_with_crashes(sentences, every: int) -> tuple[list[dict], int, int]:
    """The worker's processor, killed after every ``every`` messages: the next one starts from the changelog (the
    last snapshot, encoded as in Kafka) and reads back from the watermark. Returns the documents (first copy of
    each key), the changelog bytes written and the number of messages read back."""
    log = [Utterance(s.text, s.id, s.ts) for s in sentences] + [EndOfStream()]
    changelog: dict[str, bytes] = {}
    docs: dict[str, dict] = {}
    written = replayed = 0
    proc, at, mark, crash = StreamProcessor(make_pipeline), 0, -1, every
    while at < len(log):
        out = await proc.handle("s", log[at], at, decode_state(changelog.get("s")))
        for d in out.documents:
            docs.setdefault(d.key, comparable(d.to_dict()))
        if out.state is not None:
            changelog["s"] = encode_state(out.state)
            written += len(changelog["s"])
            proc.saved("s", at)
        oldest = proc.oldest_unsaved(0)
        mark = at if oldest is None else oldest - 1  # the watermark the worker would write now
        at += 1
        if at == crash and at < len(log):  # kill -9: memory gone; read back from the watermark
            replayed += at - (mark + 1)
            proc, at, crash = StreamProcessor(make_pipeline), mark + 1, at + every
    return list(docs.values()), written, replayed


def sample_sentences():
    from olp.io import read_sentences

    return list(read_sentences("olp/samples/live-commerce-en.txt"))


def synthetic_sentences():
    from olp.datasets.synthetic import generate

    return generate(300, lang="en", seed=11).sentences


@pytest.mark.parametrize("source", [sample_sentences, synthetic_sentences], ids=["bundled-sample", "synthetic"])
@pytest.mark.parametrize("every", [7, 23, 10_000], ids=["crash-every-7", "crash-every-23", "no-crash"])
async def test_documents_are_those_of_olp_run_through_snapshots_and_replays(source, every):
    from olp.types import Sentence

    sentences = [Sentence(s.id, s.text, 1000.0 + s.id) for s in source()]
    want = await run_once(sentences)
    got, written, replayed = await run_with_crashes(sentences, every)
    assert len(want) >= 3 and got == want
    if every < len(sentences):
        assert replayed > 0  # the crashes did lose unsaved sentences from memory, and they came back from the log


async def test_the_changelog_takes_under_2_bytes_per_byte_of_transcript_at_the_worker_defaults():
    from olp.datasets.synthetic import generate
    from olp.pipeline import build_pipeline
    from olp.profiles import get_profile
    from olp.settings import PipelineSettings

    def default_pipeline(stream, profile, observer):  # as olp.stream.app.pipeline_factory without --chunk-size
        return build_pipeline(stream, profile, None, PipelineSettings.for_chunk(get_profile(profile).chunk_size),
                              observer)

    sentences = generate(600, lang="en", seed=12).sentences
    proc, written, snapshots = StreamProcessor(default_pipeline), 0, 0
    for offset, s in enumerate(sentences):
        out = await proc.handle("s", Utterance(s.text, s.id, 1.7e9 + offset / 2), offset, None)
        if out.state is not None:
            written, snapshots = written + len(encode_state(out.state)), snapshots + 1
    text = sum(len(s.text.encode()) for s in sentences)
    assert 5 <= snapshots < len(sentences) / 10  # one per chunk, not one per sentence
    assert written < 2 * text, written / text
