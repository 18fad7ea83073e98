"""Broker URLs and topic names."""

from __future__ import annotations

import pytest

from olp.errors import ConfigError
from olp.stream.settings import Topics, WorkerSettings, bootstrap, parse_broker


def test_broker_url_forms():
    assert parse_broker("kafka://127.0.0.1:9092") == ("127.0.0.1", 9092)
    assert bootstrap("localhost:19092") == "localhost:19092"


@pytest.mark.parametrize("url", ["kafka://127.0.0.1", "http://x:1", "kafka://:9092", "kafka://h:99999", "a:1,b:2"])
def test_bad_broker_urls_are_config_errors(url):
    with pytest.raises(ConfigError, match="must look like kafka://HOST:PORT"):
        parse_broker(url)


def test_default_broker_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("OLP_BROKER", "kafka://10.0.0.5:9093")
    assert WorkerSettings().broker == "kafka://10.0.0.5:9093"


def test_topic_prefix_applies_to_every_topic_and_the_group(monkeypatch):
    monkeypatch.setenv("OLP_TOPIC_PREFIX", "t1-")
    topics = Topics()
    assert (topics.transcripts, topics.documents, topics.assignments, topics.dead_letters) == (
        "t1-transcripts",
        "t1-olp-documents",
        "t1-olp-assignments",
        "t1-olp-dead-letters",
    )
    assert WorkerSettings(topics=topics).group == "t1-olp-worker"
