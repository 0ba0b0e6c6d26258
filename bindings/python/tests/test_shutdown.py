"""`await engine.shutdown(grace_seconds)`: background generations finish or are aborted and
settled, nothing stays held, and a bad grace is a `ValidationError` naming it."""

from __future__ import annotations

import asyncio
import math
import threading
from typing import Any

import pytest

import splants
from splants import _splants

from conftest import TWEET, FakeProvider, paid_engine


async def _leave_while_answering(engine: splants.ContentEngine, fake: FakeProvider, answered: threading.Event) -> None:
    """Starts a paid generation and cancels its task once the upstream has the request."""
    task = asyncio.create_task(engine.generate(TWEET))
    for _ in range(500):
        if fake.requests:
            break
        await asyncio.sleep(0.01)
    assert fake.requests, "the upstream never got the request"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The cancel reaches the tokio task asynchronously: wait until the engine's future has been
    # dropped there (the call moved to the background), or shutdown may run before it did.
    for _ in range(500):
        if _splants.in_flight() == 0:
            break
        await asyncio.sleep(0.01)
    assert _splants.in_flight() == 0, "the cancelled call was never dropped on the runtime"
    assert not answered.is_set()


async def test_an_idle_engine_shuts_down_with_nothing_to_report(engine: splants.ContentEngine) -> None:
    await engine.generate(TWEET)
    report = await engine.shutdown()
    assert (report.completed, report.aborted, report.unsettled, report.unpublished) == (0, 0, 0, 0)
    assert report.to_dict() == {"completed": 0, "aborted": 0, "unsettled": 0, "unpublished": 0}


async def test_shutdown_waits_for_a_generation_whose_caller_left(fake_provider: FakeProvider) -> None:
    answered = threading.Event()
    release = threading.Event()

    def slow() -> None:
        release.wait(5)
        answered.set()

    fake_provider.before_answer = slow
    engine = paid_engine(fake_provider, monthly_budget=10.0)
    await _leave_while_answering(engine, fake_provider, answered)
    threading.Timer(0.2, release.set).start()
    report = await engine.shutdown(grace_seconds=10)
    assert (report.completed, report.aborted) == (1, 0), report
    [status] = await engine.budget_status()
    assert (status.reserved, status.in_flight) == (0.0, 0), status
    # Settled at what the upstream billed, and the piece was kept for nobody: marked.
    page = await engine.list_content(caller_left=True)
    assert len(page.items) == 1
    assert math.isclose(status.spent, page.items[0].cost_usd)


async def test_shutdown_aborts_what_outlives_the_grace_and_holds_its_estimate(fake_provider: FakeProvider) -> None:
    answered = threading.Event()
    release = threading.Event()

    def stuck() -> None:
        release.wait(10)
        answered.set()

    fake_provider.before_answer = stuck
    engine = paid_engine(fake_provider, monthly_budget=10.0)
    estimate = (await engine.quote(TWEET)).estimate
    await _leave_while_answering(engine, fake_provider, answered)
    report = await engine.shutdown(grace_seconds=0.2)
    release.set()
    assert (report.completed, report.aborted) == (0, 1), report
    [status] = await engine.budget_status()
    assert (status.reserved, status.in_flight) == (0.0, 0), status
    assert math.isclose(status.spent, estimate), (status.spent, estimate)


@pytest.mark.parametrize("bad", [-1, -0.001, math.nan, math.inf, 3600.5, "30", [1]])
async def test_a_bad_grace_names_the_argument(engine: splants.ContentEngine, bad: Any) -> None:
    with pytest.raises(splants.ValidationError) as info:
        await engine.shutdown(grace_seconds=bad)
    assert info.value.details["field"] == "grace_seconds"
