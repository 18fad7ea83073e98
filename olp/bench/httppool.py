"""A pool of scripted OpenAI-compatible chat models on 127.0.0.1 with a fixed latency, for ``olp bench streams``.

Every model answers ``POST /v1/chat/completions`` with what olp's ``fast`` local engine answers to the role prompt
(role and judge prompts alike), so the answers parse and documents come out; the two models differ in price only
(the ``quality`` engine would make this server, not the worker under test, the bottleneck),
and the answer leaves exactly ``latency_s`` after the request arrived (the engine's own time included; an
``api_base`` of ``.../lat/<seconds>/v1`` asks for another latency). It runs in its own process
(``python -m olp.bench.httppool``), so its CPU is not charged to the worker being measured.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: pool model name -> local engine that writes its answers
MODELS: dict[str, str] = {"http-fast": "fast", "http-quality": "fast"}


def chat_completion(n: int, model: str, text: str, messages: list) -> dict[str, Any]:
    """An OpenAI chat completion answering ``text``, with token counts estimated at 4 characters a token."""
    prompt = sum(len(str(m.get("content", ""))) for m in messages) // 4 + 1
    completion = len(text) // 4 + 1
    return {
        "id": f"chatcmpl-{n}", "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
    }


def send_json(handler: BaseHTTPRequestHandler, status: int, data: dict[str, Any]) -> None:
    """Send ``data`` as a JSON response; a client that gave up (its timeout) is no error."""
    raw = json.dumps(data).encode()
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(raw)))
        handler.end_headers()
        handler.wfile.write(raw)
    except (BrokenPipeError, ConnectionResetError):
        pass


def serve(port: int, latency_s: float) -> ThreadingHTTPServer:
    """Start the server in a background thread; the bound port is ``server.server_address[1]``."""
    from olp.engines.provider import answer

    lock = threading.Lock()
    counts = {"requests": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # small answers must not wait ~40 ms for a delayed ACK

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            started = time.perf_counter()
            latency = latency_s
            if self.path.startswith("/lat/"):
                latency = float(self.path.split("/")[2])
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            name = str(body.get("model", "http-fast")).split("/")[-1]
            messages = body.get("messages") or []
            try:
                with lock:  # one engine call at a time: the engines are not meant to be shared across threads
                    text = answer(f"olp-local/{MODELS.get(name, 'fast')}", messages)
                    counts["requests"] += 1
            except Exception as exc:  # a prompt the engines cannot read: a 400, as an API would answer
                return self._send(400, {"error": {"message": str(exc), "type": "invalid_request_error"}})
            time.sleep(max(0.0, latency - (time.perf_counter() - started)))
            self._send(200, chat_completion(counts["requests"], name, text, messages))

        def _send(self, status: int, data: dict[str, Any]) -> None:
            send_json(self, status, data)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 1024  # hundreds of streams open connections at once

        def handle_error(self, request: Any, client_address: Any) -> None:
            if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that went away is no error here
                super().handle_error(request, client_address)

    server = Server(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


#: USD per input and output token: a small and a large hosted model
PRICES: dict[str, tuple[float, float]] = {"http-fast": (1.5e-7, 6.0e-7), "http-quality": (2.5e-6, 1.0e-5)}


def pool_dict(base_url: str, timeout_s: float = 30.0) -> dict[str, Any]:
    """A pool (as parsed YAML) of the scripted models at ``base_url``."""
    return {
        "model_list": [
            {"model_name": name, "litellm_params": {"model": f"openai/{name}", "api_base": base_url,
                                                    "api_key": "scripted"},
             "model_info": {"input_cost_per_token": PRICES[name][0], "output_cost_per_token": PRICES[name][1]}}
            for name in MODELS
        ],
        "olp": {"default_model": "http-fast", "judges": ["http-quality"], "timeout_s": timeout_s, "num_retries": 1},
    }


class ServerProcess:
    """The server in a child process; ``url`` is its ``api_base``. Use as a context manager."""

    def __init__(self, latency_s: float) -> None:
        self.latency_s = latency_s
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def __enter__(self) -> "ServerProcess":
        self.proc = subprocess.Popen([sys.executable, "-m", "olp.bench.httppool", "--latency", str(self.latency_s)],
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.strip().isdigit():
            self.proc.kill()
            raise RuntimeError(f"the scripted model server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line)}/v1"
        return self

    def url_for(self, latency_s: float) -> str:
        """An ``api_base`` whose answers take ``latency_s`` seconds."""
        return self.url.replace("/v1", f"/lat/{latency_s:g}/v1")

    def __exit__(self, *exc: Any) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def _main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--latency", type=float, default=0.5, help="seconds per answer (default 0.5)")
    args = p.parse_args(argv)
    server = serve(args.port, args.latency)
    print(server.server_address[1], flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    _main()
