"""Concurrency: the budget under 200 concurrent calls, the GIL released while Rust works, one
engine shared by threads and event loops."""

from __future__ import annotations

import asyncio
import threading

import pytest
from conftest import TWEET, FakeProvider, paid_engine

import splants
from splants import _splants

CALLS = 200
AFFORDABLE = 37  # the budget holds this many worst-case reservations, not one more


async def test_200_concurrent_generates_never_overspend(fake_provider: FakeProvider) -> None:
    probe = paid_engine(fake_provider)
    estimate = (await probe.quote(TWEET)).estimate
    limit = round(estimate * (AFFORDABLE + 0.5), 9)
    engine = paid_engine(fake_provider, monthly_budget=limit)

    results = await asyncio.gather(*(engine.generate(TWEET) for _ in range(CALLS)), return_exceptions=True)

    pieces = [r for r in results if isinstance(r, splants.GeneratedContent)]
    refused = [r for r in results if isinstance(r, splants.BudgetExceededError)]
    others = [r for r in results if not isinstance(r, (splants.GeneratedContent, splants.BudgetExceededError))]
    assert others == []
    assert len(pieces) + len(refused) == CALLS
    assert len(pieces) >= 1 and len(refused) >= 1
    assert len(fake_provider.requests) == len(pieces)  # nobody refused reached the provider

    [status] = await engine.budget_status()
    spent = sum(p.cost_usd for p in pieces)
    assert status.spent <= limit
    assert status.spent == pytest.approx(spent, abs=1e-9)
    assert (status.reserved, status.in_flight, status.overshoot_count) == (0.0, 0, 0)
    # Each success cost its actual usage, at most its estimate; the budget admitted calls only
    # while a worst case still fitted, so it never admitted more than AFFORDABLE at once.
    assert all(p.cost_usd <= estimate for p in pieces)
    for e in refused:
        assert e.details["limit"] == pytest.approx(limit)
        assert e.details["spent"] + e.details["reserved"] + e.details["requested"] > limit
    assert _splants.in_flight() == 0


async def test_create_builds_off_the_event_loop() -> None:
    engine = await splants.ContentEngine.create(provider="offline", monthly_budget=5.0)
    assert isinstance(engine, splants.ContentEngine)
    [status] = await engine.budget_status()
    assert status.limit == 5.0
    assert (engine.provider_name, engine.storage_backend) == ("offline", "memory")
    assert engine.default_model and repr(engine).startswith("ContentEngine(")


def test_two_threads_progress_at_once_with_the_gil_released(fake_provider: FakeProvider) -> None:
    """Both calls wait inside Rust at the same time while a pure-Python thread counts: the
    provider answers only once both requests arrived and the counter ran, so a call that held
    the GIL while waiting would stall the server and the counter (and the test would time out)."""
    arrived = threading.Barrier(3, timeout=60)
    counted = threading.Event()
    ticks = 0

    def answer() -> None:
        arrived.wait()  # both provider requests are in flight at once
        assert counted.wait(60)

    def count() -> None:
        nonlocal ticks
        arrived.wait()
        while ticks < 200_000:
            ticks += 1
        counted.set()

    fake_provider.before_answer = answer
    engine = paid_engine(fake_provider)
    results: dict[str, splants.GeneratedContent] = {}
    errors: list[BaseException] = []

    def call(name: str) -> None:
        try:
            # Each thread runs its own event loop against the same engine.
            results[name] = asyncio.run(engine.generate({**TWEET, "topic": f"Thread {name}"}))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=call, args=(n,)) for n in ("a", "b")]
    counter = threading.Thread(target=count)
    for t in [*threads, counter]:
        t.start()
    for t in [*threads, counter]:
        t.join(90)
    assert errors == []
    assert sorted(results) == ["a", "b"]
    assert results["a"].topic == "Thread a" and results["b"].topic == "Thread b"
    assert ticks == 200_000


def test_one_engine_serves_several_event_loops(engine: splants.ContentEngine) -> None:
    first = asyncio.run(engine.generate(TWEET))
    second = asyncio.run(engine.get_content(first.id))
    assert second.id == first.id
    loop = asyncio.new_event_loop()
    try:
        page = loop.run_until_complete(engine.list_content())
    finally:
        loop.close()
    assert [p.id for p in page.items] == [first.id]


async def test_tasks_and_cancellation(stalled_engine: tuple[splants.ContentEngine, threading.Event]) -> None:
    engine, release = stalled_engine
    task = asyncio.create_task(engine.generate(TWEET))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()
    assert _splants.settle(30.0) is True
    assert _splants.in_flight() == 0


@pytest.fixture
def stalled_engine(fake_provider: FakeProvider) -> tuple[splants.ContentEngine, threading.Event]:
    release = threading.Event()
    fake_provider.before_answer = lambda: release.wait(30)
    return paid_engine(fake_provider), release


async def test_a_call_whose_caller_timed_out_still_lands(fake_provider: FakeProvider) -> None:
    """`asyncio.wait_for` gives up after 0.1 s; the provider answers after 0.3 s. A request that
    was sent is billed, so the engine completes it: the piece is stored, settled at its cost."""
    import time

    engine = paid_engine(fake_provider, monthly_budget=10.0)
    await engine.generate(TWEET)  # a patient call first: nothing to warm up after it
    fake_provider.before_answer = lambda: time.sleep(0.3)
    for i in range(5):
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(engine.generate({**TWEET, "topic": f"Spring sale {i}"}), timeout=0.1)
    answered = len(fake_provider.requests) - 1
    assert answered == 5, "every request was sent before its caller gave up"
    pieces: list[splants.GeneratedContent] = []
    for _ in range(100):
        pieces = (await engine.list_content(limit=100)).items
        if len(pieces) == answered + 1:
            break
        await asyncio.sleep(0.05)
    assert len(pieces) == answered + 1, "every answered call has its piece in the library"
    left = (await engine.list_content(caller_left=True, limit=100)).items
    assert len(left) == answered and all(p.caller_left for p in left)
    [budget] = await engine.budget_status()
    for _ in range(100):
        if budget.in_flight == 0:
            break
        await asyncio.sleep(0.05)
        [budget] = await engine.budget_status()
    assert budget.reserved == 0 and budget.in_flight == 0
    assert budget.spent == pytest.approx(sum(p.cost_usd for p in pieces), abs=1e-9)
