"""The Python declarations name every field of every core shape the binding exposes.

``bindings/shared/shapes.json`` is generated from the Rust types (``splants::typescript::
description()``, kept current by ``tests/binding_shapes.rs``). This test parses the stub
``_splants.pyi``, the wrapper ``__init__.py`` and the typed dicts of ``_shapes.py`` with
``ast`` and fails when a core field has no Python declaration where that shape lives: a
property of its class, a keyword of the call that takes it, or a key of its typed dict.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent / "python" / "splants"
SHAPES = HERE.parent.parent / "shared" / "shapes.json"

# Where each core shape is declared in Python: `pyi:Class` (its properties), `pyi:Class.method`
# / `init:Class.method` (the method's parameters), `shapes:Name` (the keys of a typed dict).
WHERE: dict[str, list[str]] = {
    "CallerContext": ["pyi:RequestContext.__new__"],
    "ContentRequest": ["pyi:ContentRequest", "pyi:ContentRequest.__new__"],
    "GeneratedContent": ["pyi:GeneratedContent"],
    "ContentMetadata": ["pyi:ContentMetadata"],
    "Readability": ["pyi:Readability"],
    "Assessment": ["pyi:Assessment"],
    "RepairNote": ["pyi:RepairNote"],
    "Usage": ["pyi:Usage"],
    "TemplateRef": ["pyi:TemplateRef"],
    "Quote": ["pyi:Quote"],
    "QuoteTarget": ["pyi:QuoteTarget"],
    "BatchResult": ["pyi:BatchResult"],
    "BatchItem": ["pyi:BatchItem"],
    "BatchError": ["pyi:BatchError"],
    "ContentQuery": ["pyi:ContentEngine.list_content", "init:ContentEngine.list_content"],
    "ContentPage": ["pyi:ContentPage"],
    "NewEvent": ["shapes:NewEvent"],
    "ReportRange": ["pyi:ContentEngine.engagement", "init:ContentEngine.engagement"],
    "Overview": ["pyi:Overview"],
    "PlatformCount": ["shapes:PlatformCount"],
    "TypeStat": ["shapes:TypeStat"],
    "DayStat": ["shapes:DayStat"],
    "UsageTotals": ["shapes:UsageTotals"],
    "EngagementReport": ["pyi:EngagementReport"],
    "EngagementCounts": ["shapes:EngagementCounts"],
    "PlatformEngagement": ["shapes:PlatformEngagement"],
    "TypeRank": ["shapes:TypeRank"],
    "HourRank": ["shapes:HourRank"],
    "RoiReport": ["pyi:RoiReport"],
    "RoiTypeLine": ["shapes:RoiTypeLine"],
    "BudgetStatus": ["pyi:BudgetStatus"],
    "Template": ["pyi:Template"],
    "TemplateVariable": ["pyi:TemplateVariable"],
    "TemplateOverrides": ["shapes:TemplateOverrides"],
    "PostedPart": ["shapes:PostedPart"],
    "ScheduledPost": ["pyi:ScheduledPost"],
    "SchedulePage": ["pyi:SchedulePage"],
    "ScheduleQuery": ["pyi:ContentEngine.list_schedule", "init:ContentEngine.list_schedule"],
    "PublishRequest": ["pyi:ContentEngine.publish", "init:ContentEngine.publish"],
    "AccountInfo": ["pyi:AccountInfo"],
    "ApiKeyInfo": ["pyi:ApiKeyInfo"],
    "NewKey": ["pyi:ContentEngine.create_key", "init:ContentEngine.create_key"],
    "IssuedKey": ["pyi:IssuedKey"],
    "RotatedKey": ["pyi:RotatedKey"],
    "Health": ["pyi:Health"],
    "ComponentHealth": ["pyi:ComponentHealth"],
    "SystemHealth": ["pyi:SystemHealth"],
    "ShutdownReport": ["pyi:ShutdownReport"],
}

# Core shapes Python does not expose, and why.
NOT_IN_PYTHON: dict[str, str] = {}


def core_shapes() -> dict[str, list[str]]:
    data = json.loads(SHAPES.read_text(encoding="utf-8"))
    return {s["shape"]: s["fields"] for s in data["shapes"]}


def _parameters(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    args = fn.args
    return {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]} - {"self", "cls"}


def _is_property(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "property" for d in fn.decorator_list)


def _classes(path: Path, prefix: str) -> dict[str, set[str]]:
    """`prefix:Class` → its properties and annotated attributes (with those of base classes
    in the same file); `prefix:Class.method` → the method's parameters."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    own: dict[str, set[str]] = {}
    bases: dict[str, list[str]] = {}
    out: dict[str, set[str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        fields: set[str] = set()
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if _is_property(item):
                    fields.add(item.name)
                else:
                    out[f"{prefix}:{node.name}.{item.name}"] = _parameters(item)
            elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                fields.add(item.target.id)
        own[node.name] = fields
        bases[node.name] = [b.id for b in node.bases if isinstance(b, ast.Name)]

    def all_fields(name: str) -> set[str]:
        inherited = set().union(*(all_fields(b) for b in bases.get(name, []) if b in own))
        return own[name] | inherited

    for name in own:
        out[f"{prefix}:{name}"] = all_fields(name)
    return out


def python_declarations() -> dict[str, set[str]]:
    return {
        **_classes(PACKAGE / "_splants.pyi", "pyi"),
        **_classes(PACKAGE / "__init__.py", "init"),
        **_classes(PACKAGE / "_shapes.py", "shapes"),
    }


def missing_declarations(shapes: dict[str, list[str]], declared: dict[str, set[str]]) -> list[str]:
    """Every core field without its Python declaration, as `Shape.field (in place)`."""
    problems = []
    for shape, fields in shapes.items():
        if shape in NOT_IN_PYTHON:
            continue
        places = WHERE.get(shape)
        if places is None:
            problems.append(f"{shape}: a core shape with no Python declaration (add it to WHERE or NOT_IN_PYTHON)")
            continue
        for place in places:
            if place not in declared:
                problems.append(f"{shape}: {place} does not exist")
                continue
            problems.extend(f"{shape}.{f} (not in {place})" for f in fields if f not in declared[place])
    return problems


def test_every_core_field_has_its_python_declaration() -> None:
    problems = missing_declarations(core_shapes(), python_declarations())
    assert not problems, "Python lacks declarations of core fields:\n  " + "\n  ".join(problems)


def test_the_table_names_only_core_shapes() -> None:
    shapes = core_shapes()
    assert set(WHERE) | set(NOT_IN_PYTHON) == set(shapes), set(WHERE) ^ set(shapes)


def test_a_missing_declaration_is_caught() -> None:
    # The check above fails for a field the core adds without its Python declaration, for a
    # declaration that goes missing, and for a shape the table does not place.
    shapes = core_shapes()
    declared = python_declarations()
    assert missing_declarations(shapes, declared) == []
    grown = {**shapes, "GeneratedContent": [*shapes["GeneratedContent"], "brand_new_field"]}
    assert missing_declarations(grown, declared) == ["GeneratedContent.brand_new_field (not in pyi:GeneratedContent)"]
    shrunk = {**declared, "init:ContentEngine.list_content": declared["init:ContentEngine.list_content"] - {"owner"}}
    assert missing_declarations(shapes, shrunk) == ["ContentQuery.owner (not in init:ContentEngine.list_content)"]
    inherited = {**declared, "shapes:TypeRank": declared["shapes:TypeRank"] - {"clicks"}}
    assert missing_declarations(shapes, inherited) == ["TypeRank.clicks (not in shapes:TypeRank)"]
    assert missing_declarations({**shapes, "Brand": ["x"]}, declared) == [
        "Brand: a core shape with no Python declaration (add it to WHERE or NOT_IN_PYTHON)"
    ]
