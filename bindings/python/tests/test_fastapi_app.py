"""The FastAPI example (examples/fastapi_app) through FastAPI's TestClient."""

from __future__ import annotations

import importlib.util
import pathlib
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from conftest import BLOG, TWEET, FakeProvider, paid_engine
from fastapi.testclient import TestClient

import splants

KEY = "spl_example_key_0123456789"
AUTH = {"X-API-Key": KEY}
APP_PATH = pathlib.Path(__file__).resolve().parents[3] / "examples" / "fastapi_app" / "app.py"


@pytest.fixture(scope="module")
def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fastapi_example_app", APP_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves the models' annotations through it
    spec.loader.exec_module(module)
    return module


def client_for(example: ModuleType, engine: splants.ContentEngine) -> Iterator[TestClient]:
    with TestClient(example.create_app(engine)) as client:
        yield client


@pytest.fixture
def client(example: ModuleType) -> Iterator[TestClient]:
    yield from client_for(example, splants.ContentEngine(provider="offline", api_key=KEY))


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["components"]["engine"] == {
        "status": "healthy",
        "provider": "offline",
        "model": "offline-draft-1",
        "storage": "memory",
    }


def test_generate_needs_a_valid_key(client: TestClient) -> None:
    missing = client.post("/v1/content/generate", json=BLOG)
    assert missing.status_code == 403
    assert missing.json()["type"] == "AuthenticationError" and missing.json()["code"] == "unauthorized"
    wrong = client.post("/v1/content/generate", json=BLOG, headers={"X-API-Key": "spl_nope_0123456789"})
    assert wrong.status_code == 403

    ok = client.post("/v1/content/generate", json=BLOG, headers=AUTH)
    assert ok.status_code == 200
    body = ok.json()
    assert body["content_type"] == "blog" and body["topic"] == BLOG["topic"]
    assert set(body) >= {"id", "content", "quality_score", "seo_score", "metadata", "cost_usd", "created_at"}
    assert body["request"]["keywords"] == BLOG["keywords"]


def test_validation_errors_are_422_and_name_the_field(client: TestClient) -> None:
    response = client.post("/v1/content/generate", json={**BLOG, "tone": "snarky"}, headers=AUTH)
    assert response.status_code == 422
    body = response.json()
    assert (body["type"], body["code"], body["details"]["field"]) == ("ValidationError", "validation_error", "tone")


def test_batch_keeps_the_original_shape(client: TestClient) -> None:
    response = client.post("/v1/content/batch", json=[BLOG, TWEET, {**TWEET, "length": 5}], headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["successful"], body["failed"]) == (3, 2, 1)
    assert [r["status"] for r in body["results"]] == ["success", "success", "error"]
    assert body["results"][2]["error"]["details"]["field"] == "length"
    too_many = client.post("/v1/content/batch", json=[TWEET] * 11, headers=AUTH)
    assert too_many.status_code == 422 and too_many.json()["details"]["field"] == "requests"


def test_templates_and_from_template(client: TestClient) -> None:
    listed = client.get("/v1/templates", headers=AUTH)
    assert listed.status_code == 200 and "product_launch" in listed.json()["templates"]
    one = client.get("/v1/templates/product_launch", headers=AUTH)
    assert one.status_code == 200 and one.json()["name"] == "product_launch"
    assert client.get("/v1/templates/nope", headers=AUTH).status_code == 404

    variables: dict[str, Any] = {
        "product_name": "Splants Pro",
        "features": "budget guard, templates",
        "audience": "marketing teams",
        "launch_date": "2026-03-01",
    }
    made = client.post("/v1/content/from-template?template_name=product_launch", json=variables, headers=AUTH)
    assert made.status_code == 200
    assert made.json()["template"]["name"] == "product_launch"
    bad = client.post("/v1/content/from-template?template_name=product_launch", json={"x": 1}, headers=AUTH)
    assert bad.status_code == 422 and bad.json()["type"] == "TemplateError"
    unknown = client.post("/v1/content/from-template?template_name=nope", json={}, headers=AUTH)
    assert unknown.status_code == 404 and unknown.json()["type"] == "NotFoundError"


def test_rate_limit_is_429_with_retry_after(example: ModuleType) -> None:
    engine = splants.ContentEngine(provider="offline", api_key=KEY, rate_limits={"standard": 1})
    for client in client_for(example, engine):
        assert client.post("/v1/content/generate", json=TWEET, headers=AUTH).status_code == 200
        limited = client.post("/v1/content/generate", json=TWEET, headers=AUTH)
        assert limited.status_code == 429
        assert limited.json()["type"] == "RateLimitError"
        assert int(limited.headers["Retry-After"]) >= 1


def test_budget_and_provider_errors(example: ModuleType, fake_provider: FakeProvider) -> None:
    for client in client_for(example, paid_engine(fake_provider, api_key=KEY, monthly_budget=0.0)):
        over = client.post("/v1/content/generate", json=TWEET, headers=AUTH)
        assert over.status_code == 402
        body = over.json()
        assert body["type"] == "BudgetExceededError"
        assert set(body["details"]) >= {"current_usage", "budget", "remaining_days"}

    fake_provider.status = 503
    for client in client_for(example, paid_engine(fake_provider, api_key=KEY)):
        failed = client.post("/v1/content/generate", json=TWEET, headers=AUTH)
        assert failed.status_code == 502
        assert failed.json()["type"] == "AIProviderError"
        assert failed.json()["details"]["status"] == 503
