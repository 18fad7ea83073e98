"""The engines on the staged data: OLP-MINI products, LongBench-OLP stories, QMSum agenda items (skipped without
the data). The thresholds sit below the numbers measured by ``python -m olp.engines.eval_engines``."""

from __future__ import annotations

import pytest

from olp.engines import eval_engines as EV


def _mini(shared_data, sub, stem):
    path = EV.olp_mini_dir() / sub / f"{stem}.txt"
    if not path.exists():
        pytest.skip(f"{path} not found")
    return EV.read_pairs(path)


def test_en001_wigs_by_number(shared_data):
    rows = _mini(shared_data, "EN_", "EN001")
    names = [n for n, _, _ in EV.segments_online("quality", rows, "ecommerce-en", 60)]
    found = [x for x in EV.MINI_EXPECTED["EN001"] if any(EV._names_product(n, x) for n in names)]
    assert len(found) >= 6, names
    assert "wig number 13: $83" in names and "wig number 52: $111" in names
    fast = [n for n, _, _ in EV.segments_online("fast", rows, "ecommerce-en", 60)]
    assert sum(any(EV._names_product(n, x) for n in fast) for x in EV.MINI_EXPECTED["EN001"]) >= 4, fast


@pytest.mark.parametrize("engine", ["fast", "quality"])
def test_cn001_sells_tea(shared_data, engine):
    rows = _mini(shared_data, "CN_", "CN001")
    names = [n for n, _, _ in EV.segments_online(engine, rows, "ecommerce-zh", 120)]
    # the tea is on link 76: the number is the link, not its price (no price is said for it)
    assert any(n.split(":")[0] == "大鱼海棠" for n in names), names


def test_finder_locator_round_trip_on_news(shared_data):
    sets = list(EV.longbench_sets())
    if not sets:
        pytest.skip("LongBench-OLP not found")
    for task, profile, rows, _, topics in sets:
        gold = [set(t.ids) for t in topics]
        assert EV.recall_at_iou(gold, EV.segments_whole("quality", rows, profile), rows) >= 0.7
        # the locator returns the finder's own segments: they tile the input without overlap
        segs = EV.segments_whole("fast", rows, profile)
        assert all(a <= b for _, a, b in segs) and all(segs[k][2] < segs[k + 1][1] for k in range(len(segs) - 1))


@pytest.mark.slow
def test_qmsum_beats_fixed_windows(shared_data):
    meetings = list(EV.qmsum_meetings())[:12]
    if not meetings:
        pytest.skip("QMSum not found")
    base = sum(EV.recall_at_iou(g, EV.fixed_window(r), r) for _, r, g in meetings)
    for engine in ("fast", "quality"):
        ours = sum(EV.recall_at_iou(g, EV.segments_whole(engine, r, "meeting-en"), r) for _, r, g in meetings)
        assert ours > base
