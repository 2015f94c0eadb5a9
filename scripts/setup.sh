#!/bin/sh
# One-time set-up on a fresh Debian/Ubuntu machine with Python >= 3.11:
#   - LibreOffice (soffice) and python3-uno: the tests use LibreOffice as a real client and never skip;
#   - PostgreSQL server binaries: the collection round is tested against PostgreSQL as well as SQLite;
#   - a virtualenv .venv with xltemplates and its test extras.
# Used by the README's first command and by .ci/run.
set -eu
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PYTHON="${PYTHON:-python3}"

apt_install() {
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

if ! command -v soffice >/dev/null 2>&1 || ! /usr/bin/python3 -c "import uno" >/dev/null 2>&1; then
    apt_install libreoffice-calc-nogui python3-uno
fi
# a PostgreSQL server: the round commands are tested against one the tests start themselves
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt_install postgresql
fi
if ! "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then
    apt_install python3-venv
fi

echo "LibreOffice: $(soffice --version 2>/dev/null | head -n 1)"
echo "Python: $("$PYTHON" --version)"

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet -e ".[test]"
