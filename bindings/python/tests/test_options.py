"""The Python declaration of the engine options is the core's table, field for field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import splants
from splants import _splants
from splants._options import EngineOptions


def expected_block() -> str:
    return "".join(f'    {name}: {annotation}\n    """{doc}"""\n' for name, annotation, doc in _splants._engine_options())


def test_engine_options_declare_every_core_option_with_its_type() -> None:
    core = {name: annotation for name, annotation, _ in _splants._engine_options()}
    # Annotations are kept as text (`from __future__ import annotations`; TypedDict wraps it).
    declared = {k: getattr(v, "__forward_arg__", v) for k, v in EngineOptions.__annotations__.items()}
    hint = "splants/_options.py differs from the core's options; its generated block should be:\n" + expected_block()
    assert set(declared) == set(core), hint
    for name, annotation in core.items():
        assert declared[name] == annotation, f"{name}: {declared[name]!r} != {annotation!r}\n{hint}"


def test_a_missing_declaration_is_caught() -> None:
    # The check above compares names both ways: an option the core adds without its Python
    # declaration makes the sets differ.
    core = {name for name, _, _ in _splants._engine_options()}
    assert "monthly_budget" in core and "monthly_budget" in EngineOptions.__annotations__
    assert core - {"monthly_budget"} != set(EngineOptions.__annotations__)


def _bad_options() -> list[dict[str, Any]]:
    path = Path(__file__).resolve().parents[2] / "shared" / "bad-options.json"
    cases: list[dict[str, Any]] = json.loads(path.read_text())["cases"]
    return cases


@pytest.mark.parametrize("case", _bad_options(), ids=lambda c: f"{c['option']}={c['value']!r}")
def test_a_bad_option_gets_the_shared_error(case: dict[str, Any]) -> None:
    # The same table runs in the core and in the Node tests: the same bad value, the same error.
    with pytest.raises(splants.ConfigError) as raised:
        splants.ContentEngine(**{case["option"]: case["value"]})
    assert raised.value.code == "config_error"
    assert raised.value.details == {"field": case["field"], "reason": case["reason"]}
