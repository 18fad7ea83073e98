"""``olp bench llm``'s pieces that need no server: the pool variants and the server's timings."""

from __future__ import annotations

from olp.bench.llm import NO_SCHEMA, fixed, llm_pool, server_perf
from olp.structured import model_response_format
from olp.types import ROLES

LOG = """\
INFO:     127.0.0.1:1 - "POST /v1/chat/completions HTTP/1.1" 200 OK
Llama.generate: 88 prefix-match hit, remaining 1093 prompt tokens to eval
llama_perf_context_print:        load time =       0.29 ms
llama_perf_context_print: prompt eval time =    4017.91 ms /   739 tokens (    5.44 ms per token,   183.93 tokens per second)
llama_perf_context_print:        eval time =    7524.66 ms /    91 runs   (   82.69 ms per token,    12.09 tokens per second)
llama_perf_context_print:       total time =   40920.98 ms /   830 tokens
llama_perf_context_print: prompt eval time =       0.00 ms /     1 tokens (    0.00 ms per token,      inf tokens per second)
llama_perf_context_print:        eval time =     379.83 ms /     8 runs   (   47.48 ms per token,    21.06 tokens per second)
"""


def test_server_perf_reads_one_entry_per_request_after_the_offset(tmp_path):
    log = tmp_path / "server.log"
    log.write_text("old line\n" + LOG)
    assert server_perf(log, len("old line\n")) == [(4017.91, 739, 7524.66, 91), (0.0, 1, 379.83, 8)]
    assert server_perf(tmp_path / "missing.log", 0) == [] and server_perf(None, 0) == []


def test_the_pool_gets_the_llm_without_its_schema_beside_it():
    pool = llm_pool(None, "llm", "http://127.0.0.1:9999/v1")
    assert pool.names == ["local-fast", "local-quality", "llm", "llm" + NO_SCHEMA]
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}, "strict": False}}
    assert model_response_format(pool.spec("llm"), fmt) == {"type": "json_object", "schema": {"type": "object"}}
    assert model_response_format(pool.spec("llm" + NO_SCHEMA), fmt) is None
    assert pool.spec("llm" + NO_SCHEMA).litellm_params["api_base"] == "http://127.0.0.1:9999/v1"
    assert pool.spec("llm" + NO_SCHEMA).litellm_params["max_tokens"] == 256  # no grammar: a small model rambles on
    one = fixed(pool, {"topic_finder": "llm"})
    assert one.assignment == {r: "llm" if r == "topic_finder" else "local-quality" for r in ROLES} and not one.fallbacks
