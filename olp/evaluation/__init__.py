"""Metrics and benchmark runners.

Modules (imported on demand, so ``import olp.evaluation`` stays light):
    similarity: the authors' whole-file normalised Levenshtein with their hyphen rules (LongBench-OLP).
    checked_text: read and write the authors' checked-text layout (``olp run --format olp-text``).
    recall: topic recall (sentence-set IoU >= 0.5, greedy one-to-one) and aspect recall.
    latency: p50/p95 call latency per role, time to document.
    cost: USD from the token usage of call records.
    baselines: the fixed-window baseline (a new topic every 300 words).
    bench: runners ``evaluate_longbench``, ``evaluate_qmsum``, ``evaluate_synthetic`` and the tables.
"""
