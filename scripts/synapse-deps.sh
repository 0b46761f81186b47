#!/usr/bin/env bash
# Synapse (the Matrix homeserver) for the Matrix platform tests, in its OWN virtual environment.
# Synapse is AGPL-3.0: Tanggap never imports it; the tests run it as a separate process
# (tests/platforms/synapse.py). Idempotent and quick once the venv exists (cached in
# .synapse-venv, ignored by git). Never fails the run: without network it warns and the Matrix
# tests skip with a reason (or fail under TANGGAP_REQUIRE_SYSTEM_DEPS=1).
set -u
cd "$(dirname "$0")/.."
SYNAPSE_VERSION="${SYNAPSE_VERSION:-1.163.2}"
VENV="${TANGGAP_SYNAPSE_VENV:-.synapse-venv}"
PYTHON="${PYTHON:-python3}"

installed() {
    [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "
import importlib.metadata as m, sys
sys.exit(0 if m.version('matrix-synapse') == '$SYNAPSE_VERSION' else 1)" 2>/dev/null
}

if ! installed; then
    echo "installing matrix-synapse==$SYNAPSE_VERSION into $VENV (its own venv; AGPL, run as a process)"
    if ! { [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"; } \
       || ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
            -c scripts/synapse-constraints.txt "matrix-synapse==$SYNAPSE_VERSION"; then
        echo "warning: installing matrix-synapse failed; Matrix tests will be skipped" >&2
        exit 0
    fi
fi
echo "synapse: $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("matrix-synapse"))') in $VENV"
exit 0
