"""``olp bench olp-mini`` on a tiny made-up data folder: every configuration plus the oracle, per language."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import pytest

from olp.bench import olp_mini

TEXTS = ["hi everyone welcome", "let me show you this silk scarf", "the silk scarf is only twenty dollars",
         "it is so soft", "add the scarf to your cart", "okay next", "now this leather wallet",
         "the leather wallet is fifteen dollars", "six card slots", "buy the wallet now", "thank you", "bye"]
LABELS = {"EN950": {"n_sentences": 12, "notes": "made up", "stream": "EN-s950", "products": [
    {"name": "silk scarf", "price": "$20", "priced": True, "segments": [[1, 4]]},
    {"name": "leather wallet", "price": "$15", "priced": True, "segments": [[6, 9]]}]}}


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    (tmp_path / "olp-mini" / "EN_").mkdir(parents=True)
    (tmp_path / "olp-mini" / "EN_" / "EN950.txt").write_text(repr([[i, t] for i, t in enumerate(TEXTS)]))
    (tmp_path / "olp-mini" / "EN_" / "EN951.txt").write_text(repr([[0, "not labelled"]]))
    (tmp_path / "olp-mini-labels").mkdir()
    (tmp_path / "olp-mini-labels" / "en.json").write_text(json.dumps(LABELS))
    monkeypatch.setenv("OLP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("OLP_MINI_DIR", raising=False)
    return tmp_path


def _args(*extra: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    olp_mini.add_arguments(parser)
    return parser.parse_args(["--lang", "en", "--workers", "1", "--json", *extra])


def test_every_configuration_and_the_oracle_report_the_five_metrics(data_dir, capsys):
    assert olp_mini.labelled_files("en") == ["EN950"]  # EN951 has no labels
    assert olp_mini.run(_args()) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["files"] == {"en": ["EN950"]}
    names = list(out["configurations"])
    assert names[:2] == ["all local-fast", "all local-quality"] and names[-1] == "oracle (labels)"
    assert {"random assignment", "Role-RL (bandit)", "fixed window (300 words)"} <= set(names)
    for entry in out["configurations"].values():
        assert {"recall", "detected", "precision", "price_named", "empty_outputs", "cost_usd", "calls"} \
            <= set(entry["en"])
    oracle = out["configurations"]["oracle (labels)"]["en"]
    assert (oracle["recall"], oracle["detected"], oracle["price_named"], oracle["empty_outputs"]) == (1.0, 1.0, 1.0, 0)


def test_a_missing_labels_folder_is_one_error_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "OLP_MINI_DIR"}
    env.update(OLP_DATA_DIR=str(tmp_path), LITELLM_LOCAL_MODEL_COST_MAP="True")
    proc = subprocess.run([sys.executable, "-m", "olp", "bench", "olp-mini"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "labels folder" in proc.stderr and "OLP_DATA_DIR" in proc.stderr
