"""Timings of `engine.generate_stream(...)` from Python, for `cargo bench --bench stream`.

Against the OpenAI-format upstream at ``--base-url`` (which streams 500 chunks), runs the
same brief ``--runs`` times after ``--warmup`` runs on one event loop and prints one line per
run: microseconds from the call to the first delta, to the last delta, and to the finished
piece. The benchmark compares them with a direct read of the upstream.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import splants

BRIEF = {"content_type": "blog", "topic": "streaming benchmark", "keywords": ["stream"], "length": 600}


async def one(engine: splants.ContentEngine) -> tuple[float, float, float]:
    t0 = time.perf_counter_ns()
    first = last = 0.0
    async for event in engine.generate_stream(BRIEF):
        now = (time.perf_counter_ns() - t0) / 1e3
        if event.kind == "delta":
            last = now
            if not first:
                first = now
        else:
            return first, last, now
    raise RuntimeError("the stream ended without its piece")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    engine = splants.ContentEngine(
        provider="openai",
        openai_api_key="sk-bench-0000000000000000",
        openai_base_url=args.base_url,
        model="gpt-4o-mini",
        max_attempts=1,
        monthly_budget=1_000_000.0,
    )
    for _ in range(args.warmup):
        await one(engine)
    lines = []
    for _ in range(args.runs):
        first, last, done = await one(engine)
        lines.append(f"{first:.1f} {last:.1f} {done:.1f}")
    print("\n".join(lines))


asyncio.run(main())
