"""An OpenAI-compatible chat server on 127.0.0.1 for tests and benchmarks: olp's local engine writes the answers,
and a script adds latency, HTTP 500s and hangs. litellm reaches it through a pool entry's ``api_base``.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from olp.bench.httppool import chat_completion, send_json


class ScriptedLLM:
    """A scripted model endpoint.

    Args:
        latency_s: added to every answer.
        fail_first: the first this many requests get HTTP 500.
        hang_first: the next this many requests get no answer for ``hang_s`` seconds (a client timeout).
        engine: the local engine that writes the answers (``quality`` or ``fast``).
    """

    def __init__(
        self, latency_s: float = 0.0, fail_first: int = 0, hang_first: int = 0, hang_s: float = 5.0,
        engine: str = "quality",
    ) -> None:
        self.latency_s, self.fail_first, self.hang_first, self.hang_s = latency_s, fail_first, hang_first, hang_s
        self.engine = engine
        self.requests = self.failed = self.hung = self.answered = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> "ScriptedLLM":
        llm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # small JSON answers must not wait 40 ms for delayed ACKs

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                with llm._lock:
                    llm.requests += 1
                    n = llm.requests
                if n <= llm.fail_first:
                    with llm._lock:
                        llm.failed += 1
                    return self._send(500, {"error": {"message": "scripted failure", "type": "server_error"}})
                if n <= llm.fail_first + llm.hang_first:
                    with llm._lock:
                        llm.hung += 1
                    time.sleep(llm.hang_s)
                    return self._send(504, {"error": {"message": "scripted hang", "type": "timeout"}})
                time.sleep(llm.latency_s)
                from olp.engines.provider import answer

                text = answer(f"olp-local/{llm.engine}", body.get("messages") or [])
                with llm._lock:
                    llm.answered += 1
                self._send(200, chat_completion(n, body.get("model", "scripted"), text, body.get("messages") or []))

            def _send(self, status: int, data: dict[str, Any]) -> None:
                send_json(self, status, data)  # a client that gave up (its timeout) is the point of a hang

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def pool_yaml(models: dict[str, str], fallbacks: dict[str, list[str]] | None = None, default: str | None = None,
              timeout_s: float = 2.0, num_retries: int = 1) -> str:
    """A pool file for models ``{name: api_base}`` served by ScriptedLLM (priced like a small hosted model)."""
    lines = ["model_list:"]
    for name, base in models.items():
        lines += [
            f"  - model_name: {name}",
            f"    litellm_params: {{model: openai/{name}, api_base: '{base}', api_key: scripted}}",
            "    model_info: {input_cost_per_token: 1.5e-7, output_cost_per_token: 6.0e-7}",
        ]
    lines += ["olp:", f"  default_model: {default or next(iter(models))}", f"  timeout_s: {timeout_s}",
              f"  num_retries: {num_retries}"]
    if fallbacks:
        lines.append("  fallbacks:")
        lines += [f"    {k}: [{', '.join(v)}]" for k, v in fallbacks.items()]
    return "\n".join(lines) + "\n"
