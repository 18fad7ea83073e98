"""The pool: prices, observed latency from call records, and ``olp pool``."""

import json

import pytest
from rl_fakes import FakeGateway, pool_data

from olp.cli import main
from olp.errors import ConfigError
from olp.poolfile import load_pool
from olp.types import CallRecord
from role_rl.pool import LatencyStats, Pool, PoolStats


def test_latency_mean_follows_recent_calls_and_p95_sees_the_tail():
    s = LatencyStats(alpha=0.5, window=100)
    for ms in [100.0] * 19 + [1000.0]:
        s.add(ms)
    assert s.ewma_ms == pytest.approx(550.0)  # the newest slow call weighs half
    assert s.p95_ms == 100.0  # 19 of 20 calls were fast
    s.add(1000.0)
    assert s.p95_ms == 1000.0


def test_stats_observe_every_call_record_and_round_trip(tmp_path):
    stats = PoolStats()
    stats.on_call(CallRecord(role="topic_finder", model="m", latency_ms=120.0, cost_usd=0.01))
    stats.on_call(CallRecord(role="judge", model="m", latency_ms=80.0, ok=False, error="timeout"))
    path = tmp_path / "stats.json"
    stats.save(path)
    back = PoolStats.load(path).get("m")
    assert back.calls == 2 and back.errors == 1 and back.cost_usd == pytest.approx(0.01)
    assert back.ewma_ms == stats.get("m").ewma_ms and back.p95_ms == 120.0


def test_bad_stats_file_is_a_config_error(tmp_path):
    bad = tmp_path / "stats.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="delete it"):
        PoolStats.load(bad)


def test_prices_from_the_pool_file():
    gw = FakeGateway(pool_data({"a": 2e-6, "b": 5e-8}, ["a"]), {})
    pool = Pool(gw.pool, gateway=gw)
    assert pool.price_per_million("a") == pytest.approx((2.0, 2.0))
    assert pool.price("b", 1000, 1000) == pytest.approx(1e-4)
    assert pool.price_source("a") == "pool file"


def test_olp_pool_shows_dashes_without_stats_and_latency_with(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    missing = tmp_path / "none.json"
    assert main(["pool", "--stats", str(missing), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["models"]
    config = load_pool(None)
    assert [r["model"] for r in rows] == config.names
    assert all(r["latency_ms"] is None for r in rows)
    assert main(["pool", "--stats", str(missing)]) == 0
    assert "—" in capsys.readouterr().out

    stats = PoolStats()
    stats.on_call(CallRecord(role="topic_finder", model=config.names[0], latency_ms=1234.0))
    saved = tmp_path / "stats.json"
    stats.save(saved)
    assert main(["pool", "--stats", str(saved)]) == 0
    assert "1,234" in capsys.readouterr().out


def test_olp_pool_shows_a_checkpoints_assignment(tmp_path, capsys):
    config = load_pool(None)
    other = config.names[0]
    ckpt = tmp_path / "ckpt.json"
    ckpt.write_text(json.dumps({"assignment": {"topic_finder": other}}), encoding="utf-8")
    assert main(["pool", "--checkpoint", str(ckpt), "--json"]) == 0
    rows = {r["model"]: r for r in json.loads(capsys.readouterr().out)["models"]}
    assert "topic_finder" in rows[other]["roles"]
