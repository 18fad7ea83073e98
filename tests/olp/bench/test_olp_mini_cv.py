"""Cross-validation by live stream: folds keep a stream whole, and each fold is scored with a setting chosen
without it."""

from __future__ import annotations

import json
import subprocess
import sys

from olp.bench.olp_mini_cv import cross_validate, folds
from olp.evaluation.products import Counts


def _c(products: int, matched: int) -> Counts:
    return Counts(products=products, matched=matched, detected=matched, documents=products, precise=matched)


def test_files_of_one_stream_share_a_fold():
    streams = {"A1": "s1", "A2": "s1", "B1": "s2", "C1": "s3", "C2": "s3", "D1": "s4"}
    f = folds(list(streams), streams, k=2)
    assert f["A1"] == f["A2"] and f["C1"] == f["C2"]
    assert set(f.values()) == {0, 1}


def test_each_fold_is_scored_with_the_setting_the_other_folds_prefer():
    fold = {"x": 0, "y": 1}
    # "good" wins on y (the training fold for x) but loses on x; "bad" the other way round
    counts = {"good": {"x": _c(10, 1), "y": _c(10, 9)}, "bad": {"x": _c(10, 8), "y": _c(10, 2)}}
    held, chosen = cross_validate(counts, fold, k=2)
    assert chosen == ["good", "bad"]  # fold 0 (x) chosen on y, fold 1 (y) chosen on x
    assert (held.matched, held.products) == (1 + 2, 20)  # worse than either in-sample figure: no peeking


def test_the_command_reports_cross_validated_scores(shared_data):
    proc = subprocess.run([sys.executable, "-m", "olp", "bench", "olp-mini-cv", "--files", "2", "--settings", "2",
                           "--lang", "en", "--workers", "1", "--json"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    cv = out["cv"]["en"]
    assert set(cv) >= {"recall", "detected", "precision", "price_named", "empty_outputs", "chosen"}
    assert 0.0 <= cv["recall"] <= 1.0 and len(out["settings"]) == 2
