"""``olp worker``: a faust worker that organizes the transcripts topic into the olp-documents topic."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys


def add_parser(sub, name: str, help_text: str) -> argparse.ArgumentParser:
    from olp.settings import default_broker

    p = sub.add_parser(name, help=help_text, description=help_text)
    p.add_argument("--broker", default=default_broker(), help="kafka://HOST:PORT (default: $OLP_BROKER or %(default)s)")
    p.add_argument("--pool", help="pool file (litellm model_list YAML); default: the offline local engines")
    p.add_argument("--profile", default="ecommerce-en", help="profile of streams whose messages name none")
    p.add_argument("--chunk-size", type=int, help="sentences per chunk (default: the profile's)")
    p.add_argument("--manager", help="let Role-RL assign models online (a manager name, e.g. qlearning or bandit); "
                                     "one learner for all streams and workers, shared through the olp-feedback topic")
    p.add_argument("--audit", choices=("all", "fixed", "adaptive", "settling"), default="settling",
                   help="with --manager: when the board judges (default %(default)s: a role and model pair less often "
                        "the more verdicts the deployment has on it, down to 5%% of its calls or about one check a "
                        "minute per worker, whichever is fewer)")
    p.add_argument("--metrics-port", type=int, help="serve Prometheus metrics on 127.0.0.1:PORT")
    p.add_argument("--metrics-host", default="127.0.0.1", help="address for --metrics-port (default %(default)s)")
    p.add_argument("--exactly-once", action="store_true", help="faust's exactly_once guarantee (Kafka transactions)")
    p.add_argument("--partitions", type=int, default=4, help="partitions of topics created by olp (default 4)")
    p.add_argument("--group", default="", help="consumer group / app id (default: olp-worker)")
    p.add_argument("--session-timeout", type=float, default=10.0, help=argparse.SUPPRESS)
    p.add_argument("--log-level", default="warning", choices=("debug", "info", "warning", "error"))
    return p


def run(args: argparse.Namespace) -> int:
    from olp.errors import ConfigError
    from olp.observer import Observer
    from olp.stream.app import pipeline_factory
    from olp.stream.kafka import ensure_topics
    from olp.stream.settings import WorkerSettings

    if args.metrics_port is not None and not 0 <= args.metrics_port < 65536:
        raise ConfigError("--metrics-port must be between 0 and 65535")
    settings = WorkerSettings(
        broker=args.broker,
        app_id=args.group,
        partitions=args.partitions,
        exactly_once=args.exactly_once,
        profile=args.profile,
        pool=args.pool,
        chunk_size=args.chunk_size,
        manager=args.manager,
        audit=args.audit,
        session_timeout_s=args.session_timeout,
    )
    # A pipeline built now checks --profile, --pool, --manager and --chunk-size before anything connects.
    pipeline_factory(settings)("olp-check", settings.profile, Observer())
    # The state changelog must have as many partitions as the transcripts topic, whoever created it.
    partitions = asyncio.run(ensure_topics(settings.broker, settings.topics, settings.partitions))
    if partitions != settings.partitions:
        from dataclasses import replace

        settings = replace(settings, partitions=partitions)
    return serve(settings, args.metrics_port, args.metrics_host, args.log_level)


def serve(settings, metrics_port: int | None, metrics_host: str, log_level: str) -> int:
    """Run the worker until SIGTERM / SIGINT; returns the exit status."""
    import faust

    from olp.metrics import PrometheusObserver, new_registry, serve_metrics
    from olp.stream.app import create_app
    from olp.stream.learner import SharedLearner

    observer = PrometheusObserver(new_registry())
    # One Role-RL learner for every stream of this worker, shared with the other workers through Kafka.
    learner = SharedLearner(settings, observer) if settings.manager else None
    if metrics_port is not None:
        serve_metrics(observer.registry, metrics_port, host=metrics_host)
    # faust (mode) sets up its own logging from the worker's loglevel; litellm is noisy at INFO.
    logging.getLogger("LiteLLM").setLevel(logging.WARNING)
    app = create_app(settings, observer=observer, learner=learner)
    worker = faust.Worker(app, loglevel=log_level.upper(), quiet=True, redirect_stdouts=False, logfile=sys.stderr,
                          logging_config=_plain_unless_terminal())
    # faust's start-up spinner writes cursor codes and backspaces: into redirected logs, and over the shell's
    # prompt when the worker runs in the background (`olp worker &`); the worker's log says enough.
    worker.spinner = None
    logging.getLogger("aiokafka.consumer.group_coordinator").addFilter(_drop_retried_coordinator_lookup)
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def _plain_unless_terminal() -> dict:
    """mode's logging config, with colours only when stderr (where the logs go) is a terminal.

    mode writes its logs to stderr but asks stdout whether to colour them, so ``olp worker 2>worker.log`` run
    from a terminal filled the file with colour codes.
    """
    from mode.utils.logging import DEFAULT_FORMATTERS

    return {"merge": True, "formatters": {"colored": {**DEFAULT_FORMATTERS["colored"], "stream": sys.stderr}}}


def _drop_retried_coordinator_lookup(record: logging.LogRecord) -> bool:
    """Leave out aiokafka's ERROR for a group-coordinator lookup it retries (a fresh broker has no coordinator
    for a few seconds): the retry is no error, and the first start of the README's walkthrough printed it."""
    err = record.args[0] if isinstance(record.args, tuple) and record.args else None
    return not (str(record.msg).startswith("Group Coordinator Request failed") and getattr(err, "retriable", False))
