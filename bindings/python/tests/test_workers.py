"""Two uvicorn worker processes of the FastAPI example (examples/fastapi_app) on one PostgreSQL
schema and one Redis, configured from the environment as the original app is: a storm of
concurrent requests through both never overspends the one budget, and one key's quota holds
across both."""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from conftest import BLOG, MODEL, PRICES, FakeProvider

import splants
from test_postgres_redis import REDIS, database  # noqa: F401 - the fixture

# A key of its own per run: Redis keeps a quota's state between runs.
KEY = f"spl_workers_{uuid.uuid4().hex}"
APP_DIR = pathlib.Path(__file__).resolve().parents[3] / "examples" / "fastapi_app"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def workers(env: dict[str, str], tmp: pathlib.Path, n: int = 2) -> Iterator[list[str]]:
    """Starts `n` uvicorn processes of the example with `env`; yields their base URLs."""
    procs: list[subprocess.Popen[bytes]] = []
    urls = []
    try:
        for _ in range(n):
            port = free_port()
            cmd = [sys.executable, "-m", "uvicorn", "--factory", "app:create_app", "--app-dir", str(APP_DIR)]
            cmd += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
            # The working directory is empty: no `.env` of the repository is read.
            procs.append(subprocess.Popen(cmd, env={**os.environ, **env}, cwd=tmp))
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        for url, proc in zip(urls, procs):
            while True:
                assert proc.poll() is None, f"worker {url} exited with {proc.returncode}"
                try:
                    if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, f"worker {url} did not start"
                time.sleep(0.1)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def environment(fake: FakeProvider, database: str, budget: float, per_hour: int) -> dict[str, str]:
    return {
        "SPLANTS_PROVIDER": "compatible",
        "OPENAI_BASE_URL": fake.base_url,
        "SPLANTS_MODEL": MODEL,
        "SPLANTS_PRICES": json.dumps(PRICES),
        "SPLANTS_PROVIDER_MAX_ATTEMPTS": "1",
        "MONTHLY_AI_BUDGET": str(budget),
        "DATABASE_URL": database,
        "REDIS_URL": REDIS,
        "API_KEY": KEY,
        "SPLANTS_RATE_STANDARD_PER_HOUR": str(per_hour),
        "SPLANTS_RATE_PER_MINUTE": "0",
    }


async def storm(urls: list[str], n: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=60) as client:
        return await asyncio.gather(
            *(
                client.post(f"{urls[i % len(urls)]}/v1/content/generate", json=BLOG, headers={"X-API-Key": KEY})
                for i in range(n)
            )
        )


def test_two_workers_share_one_budget_and_never_overspend_it(
    fake_provider: FakeProvider,
    database: str,  # noqa: F811 - the fixture
    tmp_path: pathlib.Path,
) -> None:
    budget = 1.0
    for urls in workers(environment(fake_provider, database, budget, 1_000_000), tmp_path):
        responses = asyncio.run(storm(urls, 80))
        codes = [r.status_code for r in responses]
        assert set(codes) <= {200, 402}, codes
        paid = [r.json()["cost_usd"] for r in responses if r.status_code == 200]
        assert 0 < len(paid) < 80, f"{len(paid)} of 80 paid"
        assert len(fake_provider.requests) == len(paid), "every provider call was paid for and returned"
    # A third instance on the same database reads the one ledger both workers wrote.
    reader = splants.ContentEngine(provider="offline", database_url=database, monthly_budget=budget)
    [status] = asyncio.run(reader.budget_status())
    assert status.spent <= budget, f"overspent: {status.spent} > {budget}"
    assert status.spent == pytest.approx(sum(paid), abs=1e-9)
    assert (status.reserved, status.in_flight) == (0.0, 0)


def test_two_workers_share_one_quota(
    fake_provider: FakeProvider,
    database: str,  # noqa: F811 - the fixture
    tmp_path: pathlib.Path,
) -> None:
    for urls in workers(environment(fake_provider, database, 100.0, 5), tmp_path):

        async def sequential() -> list[int]:
            codes = []
            async with httpx.AsyncClient(timeout=60) as client:
                for i in range(8):
                    r = await client.post(f"{urls[i % 2]}/v1/content/generate", json=BLOG, headers={"X-API-Key": KEY})
                    codes.append(r.status_code)
            return codes

        assert asyncio.run(sequential()) == [200] * 5 + [429] * 3
