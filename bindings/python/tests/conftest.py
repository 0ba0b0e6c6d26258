"""Shared fixtures: an offline engine, and a small OpenAI-format server on 127.0.0.1 that
stands in for a paid provider (answers chat completions with usage within `max_tokens`, and
streams them as OpenAI's server-sent events when asked to)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import splants

MODEL = "test-model"
# Dollars per million tokens; large so that a small budget holds only a few dozen calls.
PRICES: dict[str, dict[str, float]] = {MODEL: {"input": 100.0, "output": 200.0}}
PROMPT_TOKENS = 10


@dataclass
class FakeProvider:
    """Behaviour of the fake server; tests change it before calling."""

    base_url: str = ""
    status: int = 200
    text: str = "Grow your audience with three practical steps. Start your free trial today!"
    before_answer: Callable[[], object] | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Streaming: pause between word chunks, and whether the usage chunk is sent.
    stream_gap: float = 0.0
    stream_usage: bool = True
    # Per streamed answer: the words written before it ended, and whether its client left.
    streamed: list[tuple[int, bool]] = field(default_factory=list)

    def billed(self) -> float:
        """What the streamed answers cost for the tokens actually sent (PROMPT_TOKENS in, one
        token per word out), whether or not their client stayed to the end."""
        price = PRICES[MODEL]
        with self.lock:
            return sum((PROMPT_TOKENS * price["input"] + words * price["output"]) / 1_000_000 for words, _ in self.streamed)

    def cost_of(self, max_tokens: int) -> float:
        """What one answer costs at PRICES (usage: PROMPT_TOKENS in, max_tokens out)."""
        price = PRICES[MODEL]
        return (PROMPT_TOKENS * price["input"] + max_tokens * price["output"]) / 1_000_000


def _handler(fake: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            pass

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            with fake.lock:
                fake.requests.append(body)
            if fake.before_answer is not None:
                fake.before_answer()
            if body.get("stream") and fake.status == 200:
                self._stream(body)
                return
            payload: dict[str, Any]
            if fake.status != 200:
                payload = {"error": {"message": "upstream exploded", "type": "server_error"}}
            else:
                max_tokens = int(body.get("max_tokens") or body.get("max_completion_tokens") or 16)
                payload = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "model": body.get("model", MODEL),
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": fake.text}, "finish_reason": "stop"}
                    ],
                    "usage": {
                        "prompt_tokens": PROMPT_TOKENS,
                        "completion_tokens": max_tokens,
                        "total_tokens": PROMPT_TOKENS + max_tokens,
                    },
                }
            data = json.dumps(payload).encode()
            self.send_response(fake.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, body: dict[str, Any]) -> None:
            """OpenAI's chat completion chunks, one word each, ended by the connection close
            (HTTP/1.0); the usage chunk (`choices: []`) counts the words sent."""
            model = body.get("model", MODEL)
            words = fake.text.split(" ")
            sent = 0
            left = False
            try:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for i, word in enumerate(words):
                    if i and fake.stream_gap:
                        time.sleep(fake.stream_gap)
                    delta = {"content": word if i == 0 else " " + word}
                    self._event({"object": "chat.completion.chunk", "model": model, "choices": [{"index": 0, "delta": delta}]})
                    sent += 1
                self._event({"object": "chat.completion.chunk", "model": model, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                if fake.stream_usage:
                    usage = {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": sent, "total_tokens": PROMPT_TOKENS + sent}
                    self._event({"object": "chat.completion.chunk", "model": model, "choices": [], "usage": usage})
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                left = True
            with fake.lock:
                fake.streamed.append((sent, left))

        def _event(self, chunk: dict[str, Any]) -> None:
            self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            self.wfile.flush()

    return Handler


class _Server(ThreadingHTTPServer):
    # Hundreds of connections at once in the streaming tests: the default backlog of 5 would
    # drop connection attempts (each retried after a second or more).
    request_queue_size = 1024


@pytest.fixture
def fake_provider() -> Iterator[FakeProvider]:
    """A paid OpenAI-compatible provider on 127.0.0.1 (started per test, stopped after)."""
    fake = FakeProvider()
    server = _Server(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def paid_engine(fake: FakeProvider, **options: Any) -> splants.ContentEngine:
    """An engine that pays for every call at PRICES, through the fake provider."""
    options.setdefault("max_attempts", 1)
    return splants.ContentEngine(
        provider="compatible",
        openai_base_url=fake.base_url,
        model=MODEL,
        prices=PRICES,
        **options,
    )


@pytest.fixture
def engine() -> splants.ContentEngine:
    """The offline drafter with an in-memory library (no network, no cost)."""
    return splants.ContentEngine(provider="offline")


BLOG: dict[str, Any] = {
    "content_type": "blog",
    "topic": "10 AI Marketing Tips for Small Business Owners",
    "keywords": ["AI marketing", "small business"],
    "tone": "professional",
    "target_audience": "Small business owners with 1-10 employees",
    "platform": "blog",
    "length": 300,
    "seo_optimize": True,
    "include_hashtags": False,
}

TWEET: dict[str, Any] = {
    "content_type": "social_media",
    "topic": "Quick marketing tip of the day",
    "keywords": ["marketing", "growth"],
    "tone": "casual",
    "platform": "twitter",
    "length": 40,
    "include_hashtags": True,
}
