"""The shared table of bad inputs (``bindings/shared/bad-inputs.json``): each case gets exactly
the error the core and the Node binding give for it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import splants

TABLE = Path(__file__).resolve().parent.parent.parent / "shared" / "bad-inputs.json"
CASES: list[dict[str, Any]] = json.loads(TABLE.read_text(encoding="utf-8"))["cases"]


def keyword_values(value: Any) -> Any:
    """JSON arrays as tuples, the type the keyword arguments take (`quota=(limit, period)`)."""
    return tuple(keyword_values(v) for v in value) if isinstance(value, list) else value


async def call(engine: splants.ContentEngine, kind: str, value: Any) -> object:
    """Passes a case's input the way a Python caller passes that shape."""
    if kind == "context":
        context = splants.RequestContext(**{k: keyword_values(v) for k, v in value.items()})
        return await engine.budget_status(context)
    if kind == "request":
        return await engine.generate(value)
    if kind == "query":
        return await engine.list_content(**value)
    if kind == "events":
        return await engine.record_events(value)
    raise AssertionError(f"no Python runner for cases of kind {kind!r}: add one here")


@pytest.mark.parametrize("case", CASES, ids=[f"{c['kind']}-{json.dumps(c['input'])}" for c in CASES])
async def test_a_bad_input_gets_the_shared_error(engine: splants.ContentEngine, case: dict[str, Any]) -> None:
    with pytest.raises(splants.SplantsError) as info:
        await call(engine, case["kind"], case["input"])
    e = info.value
    assert (e.code, e.details.get("field"), e.details.get("reason")) == (case["code"], case["field"], case["reason"])


def test_the_table_covers_every_shape_kind() -> None:
    assert {c["kind"] for c in CASES} >= {"context", "request", "query", "events"}
