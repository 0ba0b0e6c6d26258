"""The wheel carries the `postgres` and `redis` features: engines on the test environment's
PostgreSQL (127.0.0.1:5432, database `test`, a fresh schema per test) and Redis (127.0.0.1:6379)
share one budget and one rate limit, as the workers of one app do."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections.abc import Iterator

import pytest
from conftest import BLOG, FakeProvider, paid_engine

import splants

# The same servers as the Rust tests (scripts/services.sh starts them).
POSTGRES = os.environ.get("SPLANTS_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS = "redis://127.0.0.1:6379"


def psql(sql: str) -> None:
    subprocess.run(["psql", POSTGRES, "-q", "-c", sql], check=True, timeout=30)


@pytest.fixture
def database() -> Iterator[str]:
    """A fresh schema of the test database, dropped afterwards."""
    name = f"py_{uuid.uuid4().hex[:16]}"
    psql(f"CREATE SCHEMA {name}")
    try:
        yield f"{POSTGRES}?options[search_path]={name}"
    finally:
        psql(f"DROP SCHEMA {name} CASCADE")


async def test_two_engines_on_one_postgres_share_one_budget_without_overspending(
    fake_provider: FakeProvider, database: str
) -> None:
    first = paid_engine(fake_provider, database_url=database, monthly_budget=1.0)
    second = paid_engine(fake_provider, database_url=database, monthly_budget=1.0)
    assert first.storage_backend == second.storage_backend == "postgres"
    estimate = (await first.quote(BLOG)).estimate
    limit = 1.0

    async def one(engine: splants.ContentEngine) -> float | None:
        try:
            return (await engine.generate(BLOG)).cost_usd
        except splants.BudgetExceededError:
            return None

    costs = await asyncio.gather(*(one(first if i % 2 else second) for i in range(60)))
    paid = [c for c in costs if c is not None]
    assert paid and len(paid) < 60, f"{len(paid)} of 60 paid at {estimate} each"
    [a] = await first.budget_status()
    [b] = await second.budget_status()
    assert a.spent == pytest.approx(b.spent, abs=1e-9), "one ledger"
    assert a.spent <= limit and a.spent == pytest.approx(sum(paid), abs=1e-9)
    assert (a.reserved, a.in_flight) == (0.0, 0)
    page = await second.list_content()
    assert len(page.items) == min(len(paid), 20), "one library"


async def test_two_engines_on_one_redis_share_one_rate_limit(database: str) -> None:
    engines = [
        splants.ContentEngine(provider="offline", database_url=database, redis_url=REDIS) for _ in range(2)
    ]
    ctx = splants.RequestContext(key_id=f"key-{uuid.uuid4().hex}", quota=(5, 3600))
    outcomes = []
    for i in range(8):
        try:
            await engines[i % 2].generate({"content_type": "social_media", "topic": "shared quota"}, ctx)
            outcomes.append("ok")
        except splants.RateLimitError:
            outcomes.append("limited")
    assert outcomes == ["ok"] * 5 + ["limited"] * 3, outcomes
