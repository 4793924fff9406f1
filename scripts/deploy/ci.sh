#!/usr/bin/env bash
# The deployment files' check for make test: the Python kustomize renderer's tests, then
# scripts/deploy/validate.py (which also holds the renderer against kubectl's committed output). No
# kubectl, cluster or container engine needed; the binaries must be built (make test builds them first).
#
# The Python packages (requirements.txt) go into a virtual environment, .build/deploy-venv
# (SECURENETS_DEPLOY_VENV), because Debian's python3 refuses `pip install` outside one (PEP 668);
# `python3 -m venv` needs Debian's python3-venv, which infra/local/up installs. pip runs again only
# when requirements.txt changed. Arguments go to validate.py (e.g. --bin-dir).
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS
venv=${SECURENETS_DEPLOY_VENV:-.build/deploy-venv}
requirements=scripts/deploy/requirements.txt

# bin/pip is there only once a venv was made completely (ensurepip runs last).
if [[ ! -x $venv/bin/pip ]]; then
    python3 -m venv --clear "$venv" || {
        echo "deploy CI: python3 -m venv failed; on Debian install python3-venv (infra/local/up does)" >&2
        exit 1
    }
fi
if ! cmp -s "$requirements" "$venv/installed-requirements.txt"; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --requirement "$requirements"
    cp "$requirements" "$venv/installed-requirements.txt"
fi

"$venv/bin/python" -m unittest discover --start-directory scripts/deploy/tests
"$venv/bin/python" scripts/deploy/validate.py "$@"
echo "deploy CI: passed in $((SECONDS - started)) s"
