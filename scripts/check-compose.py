#!/usr/bin/env python3
"""Checks Compose files against the Compose Specification JSON schema, without Docker.

    scripts/check-compose.py [--schema deploy/compose-spec.json] compose.yaml [...]

Each file is read with PyYAML (duplicate keys refused, as Compose refuses them) and validated
with jsonschema against the schema (draft 2020-12); then a few references the schema cannot
see are checked: every `depends_on` names a service of the file, every named volume a service
mounts is declared under `volumes:`, every relative bind-mount source, build context and
Dockerfile exists, and `deploy.replicas` / `scale` are whole numbers unless interpolated. Prints every problem and exits 1 if there is one. `${VAR}` interpolation is not
performed: values are checked as written, which the schema allows for (strings where numbers
may be interpolated).

PyYAML reads YAML 1.1, where unquoted yes/no/on/off are booleans; Compose reads YAML 1.2,
where they are strings. Quote such values (`restart: "no"`), as Compose's own docs do.
Run by scripts/lint-deploy.sh (`make lint`), in its venv (jsonschema, pyyaml).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import yaml


class UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a mapping with the same key twice."""


def _construct_mapping(loader: UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f"found duplicate key {key!r}", key_node.start_mark
            )
        seen[key] = key_node
    return loader.construct_mapping(node, deep=deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def where(path: Any) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def references(doc: dict[str, Any], base: Path) -> list[str]:
    """What the schema cannot check: names and paths that must exist."""
    problems: list[str] = []
    services = doc.get("services") or {}
    volumes = doc.get("volumes") or {}
    for name, service in services.items():
        if not isinstance(service, dict):
            continue
        depends = service.get("depends_on") or []
        for dep in depends if isinstance(depends, list) else depends.keys():
            if dep not in services:
                problems.append(f"services.{name}.depends_on: `{dep}` is not a service of this file")
        # The schema takes a string wherever a number may come from `${VAR}`; a literal string
        # there is a mistake Compose reports only at `up`.
        for field, value in (("deploy.replicas", (service.get("deploy") or {}).get("replicas")), ("scale", service.get("scale"))):
            if isinstance(value, str) and "$" not in value and not value.strip().isdigit():
                problems.append(f"services.{name}.{field}: {value!r} is neither a whole number nor a ${{VAR}} interpolation")
        build = service.get("build")
        if isinstance(build, str):
            build = {"context": build}
        if isinstance(build, dict):
            context = build.get("context", ".")
            dockerfile = build.get("dockerfile", "Dockerfile")
            if "://" in context or "$" in context:
                pass  # a Git URL or an interpolated path: nothing to look at here
            elif not (base / context).is_dir():
                problems.append(f"services.{name}.build.context: `{context}` is not a directory")
            elif "$" not in dockerfile and not (base / context / dockerfile).is_file():
                problems.append(f"services.{name}.build.dockerfile: `{dockerfile}` does not exist in `{context}`")
        for mount in service.get("volumes") or []:
            if isinstance(mount, str):
                source = mount.split(":", 1)[0] if ":" in mount else None  # `/path` alone: an anonymous volume
            else:
                source = mount.get("source") if isinstance(mount, dict) else None
            if not isinstance(source, str) or "$" in source:
                continue
            if source.startswith((".", "/", "~")):
                if source.startswith(".") and not (base / source).exists():
                    problems.append(f"services.{name}.volumes: bind-mount source `{source}` does not exist")
            elif source not in volumes:
                problems.append(f"services.{name}.volumes: named volume `{source}` is not declared under `volumes:`")
    return problems


def check(path: Path, validator: jsonschema.protocols.Validator) -> list[str]:
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except (OSError, yaml.YAMLError) as e:
        return [f"cannot read it: {e}"]
    if not isinstance(doc, dict):
        return ["the top level is not a mapping"]
    errors = sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    problems = []
    for error in errors:
        # A oneOf/anyOf failure's own message is vague: name the alternatives' reasons too.
        detail = "; ".join(sorted({c.message for c in error.context})) if error.context else ""
        problems.append(f"{where(error.absolute_path)}: {error.message}" + (f" ({detail})" if detail else ""))
    if not problems:
        problems = references(doc, path.parent)
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schema", type=Path, default=Path(__file__).resolve().parent.parent / "deploy" / "compose-spec.json")
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()

    schema = json.loads(args.schema.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)

    failed = False
    for path in args.files:
        problems = check(path, validator)
        for problem in problems:
            print(f"{path}: {problem}", file=sys.stderr)
        if problems:
            failed = True
        else:
            print(f"{path}: valid against {args.schema.name} ({cls.__name__})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
