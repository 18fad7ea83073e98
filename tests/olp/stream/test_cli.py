"""``olp worker / produce / consume`` refuse bad flags and unreachable brokers with one line and status 2."""

from __future__ import annotations

import pytest

from olp.cli import main


@pytest.fixture
def transcript(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("hello there\nthis wig is $89\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["produce", "nope.txt", "--stream-id", "s"], "olp produce: error: nope.txt: no such file"),
        (["produce", "{t}", "--stream-id", "s", "--rate", "0"], "--rate must be a positive number"),
        (["produce", "{t}", "--stream-id", " "], "--stream-id must not be blank"),
        (
            ["produce", "{t}", "--stream-id", "s", "--broker", "kafka://127.0.0.1:1"],
            "cannot reach the Kafka broker at 127.0.0.1:1",
        ),
        (["produce", "{t}", "--stream-id", "s", "--profile", "nope"], "unknown profile 'nope'"),
        (["consume", "--broker", "127.0.0.1"], "must look like kafka://HOST:PORT"),
        (["consume", "--idle-timeout", "0"], "--idle-timeout must be a positive number"),
        (["consume", "--broker", "kafka://127.0.0.1:1"], "cannot reach the Kafka broker at 127.0.0.1:1"),
        (["worker", "--profile", "nope"], "unknown profile 'nope'"),
        (["worker", "--pool", "missing.yaml"], "pool file 'missing.yaml' not found"),
        (["worker", "--manager", "oracle"], "unknown"),
        (["worker", "--chunk-size", "1"], "--chunk-size must be at least 2"),
        (["worker", "--broker", "kafka://127.0.0.1:1"], "cannot reach the Kafka broker at 127.0.0.1:1"),
        (["worker", "--broker", "kafka://127.0.0.1:1", "--partitions", "0"], "--partitions must be at least 1"),
    ],
)
def test_bad_invocations_print_one_line_and_exit_2(argv, message, transcript, capsys):
    argv = [a.replace("{t}", transcript) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert len(err.splitlines()) == 1, err
