"""The README's "Live transcripts via Kafka" walkthrough, run as written (subprocesses, the real broker): what a
user sees from ``olp consume`` is the sample show's four products, with exit status 0 and no traceback.

The commands are read from the README itself, so the test follows the README when it changes. Only the
broker (``OLP_BROKER``, as the README allows), the topic prefix (``OLP_TOPIC_PREFIX``), the metrics port and
``--rate`` (faster, to keep the test short) differ from what a user types.
"""

from __future__ import annotations

import asyncio
import json
import os
import pty
import re
import shlex
import signal
import subprocess
import sys
import time

import pytest
from olp_harness import REPO, base_env, free_port, wait_for

PRODUCTS = ["coffee: $34", "blanket number 2: $45", "cast iron skillet: $29.99", "bamboo cutting board: $19"]
RATE = "50"  # sentences per second (the README says 5: 54 sentences would take 11 s)


def readme_commands() -> dict[str, list[str]]:
    """The ``olp`` commands of the README's Kafka walkthrough, by subcommand, as argument lists."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Live transcripts via Kafka"):]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    commands = {}
    for line in block.splitlines():
        line = line.split("#", 1)[0].strip().removesuffix("&").strip()
        if line.startswith("olp "):
            argv = shlex.split(line)
            commands[argv[1]] = argv[1:]
    assert set(commands) == {"worker", "produce", "consume"}, block
    return commands


def olp(argv: list[str], env: dict[str, str], **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "olp", *argv], cwd=REPO, env=env, text=True, **kw)


def with_option(argv: list[str], option: str, value: str) -> list[str]:
    """``argv`` with ``option``'s value replaced (or the option added)."""
    if option in argv:
        i = argv.index(option)
        return [*argv[: i + 1], value, *argv[i + 2:]]
    return [*argv, option, value]


def metric(port: int, name: str) -> float:
    import urllib.request

    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
    except OSError:
        return 0.0
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " ") or
               line.startswith(name + "{"))


@pytest.fixture
def env(broker, prefix) -> dict[str, str]:
    return base_env(OLP_BROKER=broker, OLP_TOPIC_PREFIX=prefix)


@pytest.fixture
def readme_worker(env, tmp_path):
    """``olp worker --metrics-port N &`` as the README starts it, joined to its group; stopped with SIGTERM."""
    port = free_port()
    argv = with_option(readme_commands()["worker"], "--metrics-port", str(port))
    log = (tmp_path / "worker.err").open("w")
    proc = olp(argv, env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    err = lambda: (tmp_path / "worker.err").read_text()[-3000:]  # noqa: E731
    wait_for(lambda: proc.poll() is not None or metric(port, "olp_assigned_partitions") >= 4, 90,
             "the worker to join", on_fail=err)
    assert proc.poll() is None, err()
    yield proc, err
    proc.terminate()  # the README's `kill %1`
    try:
        rc = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
    assert rc == 0, err()
    assert "Traceback" not in err(), err()


def test_the_readme_walkthrough_shows_the_four_products(env, readme_worker, tmp_path):
    _worker, worker_err = readme_worker
    cmds = readme_commands()
    consume = cmds["consume"]
    assert "--idle-timeout" in consume and "--stream-id" in consume
    # A consumer started before the transcript is played (no idle timeout: the first document can take longer
    # than 15 s to come; Ctrl-C ends it).
    i = consume.index("--idle-timeout")
    early = olp([*consume[:i], *consume[i + 2:], "--json"], env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(2)
    produced = subprocess.run([sys.executable, "-m", "olp", *with_option(cmds["produce"], "--rate", RATE)],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert produced.returncode == 0, produced.stderr
    assert re.fullmatch(r"olp produce: sent 54 sentences of stream 'live-1' in [\d.]+ s\n", produced.stderr)
    # Then the README's consume as written (rich panels for a person), and with --json (for a program).
    rich = olp(consume, env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    as_json = olp([*consume, "--json"], env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    rich_out, rich_err = rich.communicate(timeout=180)
    json_out, json_err = as_json.communicate(timeout=180)
    early.send_signal(signal.SIGINT)
    early_out, early_err = early.communicate(timeout=30)

    assert rich.returncode == 0 and rich_err == "", rich_err
    for product in PRODUCTS:
        assert product in rich_out, rich_out + worker_err()
    assert rich_out.index(PRODUCTS[0]) < rich_out.index(PRODUCTS[-1])
    assert "live-1:0" in rich_out and "Price" in rich_out

    for out, err, code in ((json_out, json_err, as_json.returncode), (early_out, "", 0)):
        assert code == 0 and err == "", err
        docs = [json.loads(line) for line in out.splitlines()]
        assert [d["topic"] for d in docs] == PRODUCTS, worker_err()
        assert {d["stream"] for d in docs} == {"live-1"}
        assert len({d["key"] for d in docs}) == len(docs)  # no duplicates
    assert early.returncode == 130 and re.fullmatch(r"olp consume: interrupted[^\n]*\n", early_err), early_err


def test_consume_on_an_empty_topic_waits_then_exits_quietly(env):
    """Before any worker or producer: the topics are created, nothing arrives, and the idle timeout ends it."""
    done = subprocess.run([sys.executable, "-m", "olp", "consume", "--stream-id", "live-1", "--idle-timeout", "2",
                           "--new-only"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_ctrl_c_stops_consume_with_one_line(env):
    # SIGINT as the terminal sends it (a shell without job control starts background commands ignoring it)
    proc = olp(["consume", "--json"], env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    wait_for(lambda: proc.poll() is not None or _reads_topic(env), 30, "consume to read the documents topic")
    time.sleep(1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert re.fullmatch(r"olp consume: interrupted[^\n]*\n", err), err  # one line, no traceback


def _reads_topic(env: dict[str, str]) -> bool:
    """The documents topic exists (consume creates it before it reads)."""
    from aiokafka.admin import AIOKafkaAdminClient

    async def go() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=env["OLP_BROKER"].removeprefix("kafka://"))
        await admin.start()
        try:
            return env["OLP_TOPIC_PREFIX"] + "olp-documents" in await admin.list_topics()
        finally:
            await admin.close()

    return asyncio.run(go())


def test_worker_log_is_plain_text_when_stderr_is_a_file(env, tmp_path):
    """Run from a terminal with ``2>worker.log``: the file gets no colour codes, no spinner, no cursor codes."""
    port = free_port()
    log_path = tmp_path / "worker.log"
    primary, replica = pty.openpty()  # stdout on a terminal, as in an interactive shell
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "olp", "worker", "--metrics-port", str(port),
                                 "--log-level", "info"], cwd=REPO, env=env, stdout=replica, stderr=log,
                                start_new_session=True)
        os.close(replica)
        try:
            wait_for(lambda: proc.poll() is not None or metric(port, "olp_assigned_partitions") >= 4, 90,
                     "the worker to join", on_fail=lambda: log_path.read_text(errors="replace")[-3000:])
        finally:
            proc.terminate()
            proc.wait(30)
            terminal = b""
            try:
                while chunk := os.read(primary, 65536):
                    terminal += chunk
            except OSError:  # the worker closed its end
                pass
            os.close(primary)
    data = log_path.read_bytes()
    assert b"[INFO]" in data  # the log is there...
    assert b"\x1b[" not in data and b"\x08" not in data, data[:2000]  # ...and plain
    assert b"\x08" not in terminal and b"\x1b[?25" not in terminal, terminal[:2000]  # no spinner on the terminal


def test_only_retried_coordinator_lookups_leave_the_worker_log():
    """A fresh broker has no group coordinator for a few seconds; aiokafka logs each retried lookup as an ERROR."""
    import logging

    from aiokafka.errors import GroupCoordinatorNotAvailableError, UnknownMemberIdError

    from olp.cli.worker import _drop_retried_coordinator_lookup

    def record(msg: str, *args) -> logging.LogRecord:
        return logging.LogRecord("aiokafka.consumer.group_coordinator", logging.ERROR, __file__, 1, msg, args, None)

    assert not _drop_retried_coordinator_lookup(record("Group Coordinator Request failed: %s",
                                                       GroupCoordinatorNotAvailableError()))
    assert _drop_retried_coordinator_lookup(record("Group Coordinator Request failed: %s", UnknownMemberIdError()))
    assert _drop_retried_coordinator_lookup(record("Error sending JoinGroupRequest_v5 to node 1"))
