"""Per-call cost of `await engine.generate(...)` from Python (offline provider, memory store).

N sequential awaits on one event loop, after a warm-up; prints mean / median / p90 in µs for

- `generate` with a `ContentRequest` object and with a plain dict (the conversion's cost),
- `get_template`, a call that does almost nothing in Rust: the floor of the round trip
  (argument conversion, hop to the tokio runtime, result delivery to the asyncio loop).

Compare `generate` with the same call in Rust (`ContentEngine::generate`, same brief) to get
the binding's overhead. Run with the release wheel installed:

    bindings/python/.venv/bin/python bindings/python/bench/overhead.py -n 5000
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import splants

BRIEF = {
    "content_type": "social_media",
    "topic": "Quick marketing tip of the day",
    "keywords": ["marketing", "growth"],
    "tone": "casual",
    "platform": "twitter",
    "length": 40,
}


async def measure(n: int, warmup: int, call: Callable[[], Awaitable[Any]]) -> list[float]:
    for _ in range(warmup):
        await call()
    samples = []
    for _ in range(n):
        start = time.perf_counter_ns()
        await call()
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p90 = ordered[int(len(ordered) * 0.9)]
    print(
        f"{name:<32} n={len(samples):<6} mean {statistics.fmean(samples):8.1f} µs   "
        f"median {statistics.median(samples):8.1f} µs   p90 {p90:8.1f} µs"
    )


async def main(n: int, warmup: int) -> None:
    engine = splants.ContentEngine(provider="offline", database_url="memory://")
    request = splants.ContentRequest.from_dict(BRIEF)
    report("generate(ContentRequest)", await measure(n, warmup, lambda: engine.generate(request)))
    report("generate(dict)", await measure(n, warmup, lambda: engine.generate(BRIEF)))
    report("get_template (round-trip floor)", await measure(n, warmup, lambda: engine.get_template("blog_post")))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=2000, help="measured calls per case (default 2000)")
    parser.add_argument("--warmup", type=int, default=200, help="calls before measuring (default 200)")
    args = parser.parse_args()
    asyncio.run(main(args.n, args.warmup))
