"""``olp bench llm``'s pieces that need no server: the pool variants and the server's timings."""

from __future__ import annotations

from olp.bench.llm import NO_SCHEMA, fixed, llm_pool, render, server_perf
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
llama_perf_context_print:       total time =    1160.30 ms /     9 tokens
"""


def test_server_perf_reads_one_entry_per_request_after_the_offset(tmp_path):
    log = tmp_path / "server.log"
    log.write_text("old line\n" + LOG)
    # generation: the total less the prompt (grammar sampling included, which "eval time" leaves out)
    assert server_perf(log, len("old line\n")) == [(4017.91, 739, 40920.98 - 4017.91, 91), (0.0, 1, 1160.30, 8)]
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


def test_render_merges_the_parts_of_a_run():
    row = {"calls": 4, "answers": {"valid": 3, "unparsable": 1, "fallback": 1}, "latency_ms_p50": 1200.0,
           "prompt_tok_s": 180.0,
           "gen_tok_s": 20.5}
    text = render({"per_role": {"topic_finder": {"llm": row}}, "recall_with_one_role": {"topic_finder": {"llm": 0.25}},
                   "configurations": {"Role-RL (bandit)": {
                       "recall": 0.5, "precision": float("nan"), "documents": 2, "calls": 9, "cost_usd": 1e-4,
                       "latency_ms_p50": 3.0, "wall_s": 12.0, "assignment": {"topic_finder": "llm"},
                       "calls_by_role": {"topic_finder": {"llm": 2, "local-fast": 1}}}}})
    assert "| topic_finder | llm | 4 | 75% | 0% | 25% | 0.25 | 1200 | 180 | 20 |" in text
    assert "| Role-RL (bandit) | 0.50 | nan | 2 | 9 | 1.00e-04 | 3 | 12.0 |" in text
    assert "assignment at the end: topic_finder=llm" in text and "topic_finder: llm 2, local-fast 1" in text
