"""The README's promises about ``olp run``, checked as a user sees them: ``olp`` runs as a subprocess, and the
tests look at what reaches the terminal (stderr is one line, no traceback), the exit status, and the files
(the input untouched, nothing half-written left behind)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml


ENV = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
SAMPLE = Path(__file__).parents[3] / "olp" / "samples" / "live-commerce-en.txt"


@pytest.fixture(autouse=True)
def _cwd(tmp_path_factory, monkeypatch):
    """Runs start in a scratch folder: --stats (default .olp/pool-stats.json) is never written into the checkout."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


def olp(*args: str, stdin: bytes | None = None, timeout: float = 300):
    return subprocess.run([sys.executable, "-m", "olp", *args], input=stdin, capture_output=True, env=ENV,
                          timeout=timeout)


def one_error_line(proc, code: int = 2) -> str:
    """The process failed with ``code`` and wrote exactly one line, an ``olp ...: `` line, on stderr."""
    err = proc.stderr.decode()
    assert proc.returncode == code, err
    assert len(err.splitlines()) == 1 and err.endswith("\n"), err
    assert err.startswith(("olp: ", "olp run: ", "olp train: ")) and "Traceback" not in err
    return err


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


# ---------------------------------------------------------------- 1. the input is never overwritten
@pytest.mark.parametrize("link", ["same", "hard", "symlink", "dot"])
def test_out_that_is_the_input_is_refused_and_the_input_kept(tmp_path, link):
    src = tmp_path / "T.txt"
    src.write_bytes(SAMPLE.read_bytes())
    out = {"same": src, "hard": tmp_path / "H.txt", "symlink": tmp_path / "S.txt",
           "dot": tmp_path / "." / "T.txt"}[link]
    if link == "hard":
        os.link(src, out)
    elif link == "symlink":
        out.symlink_to(src)
    before = files(tmp_path)
    err = one_error_line(olp("run", str(src), "--out", str(out), "--quiet"))
    assert "is the input file" in err
    assert files(tmp_path) == before


# ---------------------------------------------------------------- 2. no tracebacks
def test_a_list_nested_a_thousand_deep_is_one_error(tmp_path):
    src = tmp_path / "deep.txt"
    src.write_text("[" * 1000 + "]" * 1000)
    assert "nested too deeply" in one_error_line(olp("run", str(src), "--out", str(tmp_path / "o"), "--quiet"))
    assert sorted(files(tmp_path)) == ["deep.txt"]


def test_closed_stdin_is_one_error():
    proc = subprocess.run(["sh", "-c", 'exec "$0" -m olp run - --quiet <&-', sys.executable], capture_output=True,
                          env=ENV, timeout=120)
    assert "stdin is closed" in one_error_line(proc)


@pytest.mark.parametrize("port, message", [("99999", "out of range"), ("http", "not a port number")])
def test_a_bad_metrics_port_is_one_error(port, message):
    assert message in one_error_line(olp("run", str(SAMPLE), "--metrics-port", port, "--quiet"))


# ---------------------------------------------------------------- 3. SIGINT / SIGTERM
@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.parametrize("when", ["waiting for input", "working"])
def test_a_signal_leaves_no_temp_file_one_line_and_the_conventional_status(tmp_path, sig, code, when):
    out = tmp_path / "docs.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "olp", "run", "-", "--out", str(out), "--chunk-size", "4"],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    lines = SAMPLE.read_bytes().splitlines(keepends=True)
    proc.stdin.write(b"".join(lines[:21]))  # 20 sentences are read before the temporary output exists
    proc.stdin.flush()
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".docs.jsonl.*.part")):
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
        time.sleep(0.05)
    if when == "working":
        proc.stdin.write(b"".join(lines[21:]) * 20)  # plenty to organize: the signal lands mid-work
        proc.stdin.flush()
        time.sleep(0.5)
    else:
        time.sleep(3)  # the run has caught up and blocks reading stdin
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    err = err.decode()
    assert proc.returncode == code, err
    assert err.splitlines() == [f"olp run: interrupted ({sig.name})"]
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- 4. a pool that cannot work
@pytest.mark.parametrize("params, reason", [
    ({"model": "openai/gpt-4o-mini", "api_base": "http://127.0.0.1:9", "api_key": "sk-olptest-0123456789abcdef"},
     "Connection error"),
    ({"model": "nosuchprovider/foo", "api_key": "sk-olptest-0123456789abcdef"}, "LLM Provider NOT provided"),
])
def test_a_pool_where_every_call_fails_is_an_error_not_an_empty_file(tmp_path, params, reason):
    pool = tmp_path / "pool.yaml"
    pool.write_text(yaml.safe_dump({"model_list": [{"model_name": "gpt-4o-mini", "litellm_params": params}],
                                    "olp": {"default_model": "gpt-4o-mini", "num_retries": 0, "timeout_s": 2}}))
    out = tmp_path / "docs.jsonl"
    err = one_error_line(olp("run", str(SAMPLE), "--pool", str(pool), "--out", str(out), "--stats",
                             str(tmp_path / "stats.json"), "--quiet"), code=1)
    assert err.startswith("olp run: error: every model call failed: gpt-4o-mini: ") and reason in err
    assert "0123456789abcdef" not in err  # API keys never appear
    assert sorted(files(tmp_path)) == ["pool.yaml"]


# ---------------------------------------------------------------- 5, 6. formats, encodings, usage
@pytest.mark.parametrize("first", ["[Music]", "{laughs}", "[applause] [laughter]", "[[Music]]"])
def test_plain_text_that_starts_with_a_bracket_is_text(tmp_path, first):
    src = tmp_path / "t.txt"
    src.write_text(first + "\n" + SAMPLE.read_text())
    proc = olp("run", str(src), "--quiet")
    assert proc.returncode == 0, proc.stderr.decode()
    docs = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    lines = src.read_text().splitlines()
    items = [it for d in docs for v in d["aspects"].values() for it in v]
    assert len(docs) >= 3 and all(it["text"] == lines[it["id"]] for it in items)  # one sentence per line


def test_a_truncated_pair_list_is_still_an_error(tmp_path):
    src = tmp_path / "t.txt"
    src.write_text("[[1, 'a'], [2,")
    assert "malformed list" in one_error_line(olp("run", str(src), "--quiet"))


def test_a_json_object_gets_told_the_formats(tmp_path):
    src = tmp_path / "t.json"
    src.write_text('{"a": 1}')
    err = one_error_line(olp("run", str(src), "--quiet"))
    assert "a list of [id, sentence] pairs, JSONL" in err and "plain text" in err


@pytest.mark.parametrize("bom, encoding", [("\ufeff", "utf-8"), ("\ufeff", "utf-16-le"), ("\ufeff", "utf-16-be"),
                                          ("\ufeff", "utf-32-le")])
def test_bom_encodings_read_like_utf8(tmp_path, bom, encoding):
    src = tmp_path / "live-commerce-en.txt"
    src.write_bytes((bom + SAMPLE.read_text()).encode(encoding))
    proc = olp("run", str(src), "--quiet")
    assert proc.returncode == 0, proc.stderr.decode()
    docs = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    lines = SAMPLE.read_text().splitlines()
    items = [it for d in docs for v in d["aspects"].values() for it in v]
    assert docs and items and "\ufeff" not in proc.stdout.decode()
    assert all(it["text"] == lines[it["id"]] for it in items)  # every sentence decoded, the first without a BOM


def test_utf16_without_a_bom_says_so(tmp_path):
    src = tmp_path / "t.txt"
    src.write_bytes("hello there\nsecond line\n".encode("utf-16-le"))
    err = one_error_line(olp("run", str(src), "--quiet"))
    assert "UTF-16 without a byte-order mark: convert it to UTF-8 (iconv -f UTF-16LE -t UTF-8)" in err


@pytest.mark.parametrize("args, message", [
    ([], "the following arguments are required: INPUT|-"),
    (["x.txt", "--format", "pdf"], "argument --format: invalid choice: 'pdf'"),
    (["x.txt", "--bogus"], "unrecognized arguments: --bogus"),
    (["x.txt", "--chunk-size", "many"], "argument --chunk-size: invalid int value"),
])
def test_usage_errors_are_one_line(args, message):
    err = one_error_line(olp("run", *args))
    assert err.startswith("olp run: error: ") and message in err and "(see olp run --help)" in err


def test_no_command_is_one_line_listing_the_commands():
    err = one_error_line(olp())
    commands = "run, worker, produce, consume, bench, train, pool"
    assert err == f"olp: error: a command is needed: {commands} (see olp --help)\n"


def test_help_stays_full():
    proc = olp("run", "--help")
    assert proc.returncode == 0 and proc.stdout.decode().startswith("usage: olp run")
    assert "--renumber" in proc.stdout.decode() and len(proc.stdout.decode().splitlines()) > 10


# ---------------------------------------------------------------- 7. ids that restart
RESTARTING = [[21981, "first up we have this ceramic pour over coffee set"], [21982, "it is only $34 tonight"],
              [21983, "grab it now before it sells out"], [21981, "next up is blanket number 2"],
              [21982, "blanket number 2 is $45"], [21983, "so soft and warm, order now"]]


def test_ids_that_restart_need_renumber_and_keep_their_ids(tmp_path):
    src = tmp_path / "blocks.txt"
    src.write_text(repr(RESTARTING))
    err = one_error_line(olp("run", str(src), "--quiet"))
    assert "sentence ids must increase" in err and "--renumber" in err
    proc = olp("run", str(src), "--renumber", "--quiet", "--chunk-size", "3")
    assert proc.returncode == 0, proc.stderr.decode()
    docs = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    written = sorted((it["id"], it["text"]) for d in docs for v in d["aspects"].values() for it in v)
    assert written and set(written) <= {tuple(p) for p in RESTARTING}  # the original ids, with their sentences
    proc = olp("run", str(src), "--renumber", "--quiet", "--chunk-size", "3", "--format", "olp-text")
    assert proc.returncode == 0 and "[21981, 'next up is blanket number 2']" in proc.stdout.decode()


# ---------------------------------------------------------------- 8. optional torch
@pytest.mark.parametrize("args", [["train"], ["run", str(SAMPLE), "--manager", "ppo", "--quiet"]])
def test_without_torch_ppo_says_to_run_setup_rl(args, tmp_path):
    try:
        import stable_baselines3  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("stable-baselines3 is installed")
    err = one_error_line(olp(*args, "--out", str(tmp_path / "x")))
    assert "scripts/setup --rl" in err
    assert list(tmp_path.iterdir()) == []


def test_on_a_terminal_an_interrupt_clears_the_live_display_leaving_one_line(tmp_path):
    import pty
    import threading

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "olp", "run", "-", "--out", str(tmp_path / "d.jsonl")],
                            stdin=subprocess.PIPE, stdout=slave, stderr=slave, env={**ENV, "COLUMNS": "80"})
    seen = bytearray()

    def read() -> None:  # a terminal must be read, else the display blocks on a full buffer
        while True:
            try:
                block = os.read(master, 65536)
            except OSError:
                return
            if not block:
                return
            seen.extend(block)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    proc.stdin.write(SAMPLE.read_bytes())
    proc.stdin.flush()
    deadline = time.monotonic() + 120
    while b"sentences read" not in seen:  # the live display is up
        assert proc.poll() is None and time.monotonic() < deadline, bytes(seen)
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    time.sleep(0.3)
    os.close(slave)
    reader.join(timeout=5)
    os.close(master)
    # rich erases the display's lines (cursor up, erase line) before the one line is printed
    assert bytes(seen).endswith(b"\x1b[1A\x1b[2Kolp run: interrupted (SIGINT)\r\n"), bytes(seen[-300:])
    assert list(tmp_path.iterdir()) == []
