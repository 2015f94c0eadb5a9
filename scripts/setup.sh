#!/bin/sh
# One-time set-up on a fresh Debian/Ubuntu machine with Python >= 3.11:
#   - LibreOffice (soffice) and python3-uno: the tests use LibreOffice as a real client and never skip;
#   - poppler-utils: the print tests read LibreOffice's PDFs of the forms page by page;
#   - PostgreSQL server binaries: the collection round is tested against PostgreSQL as well as SQLite;
#   - chromium and chromium-driver (and a CJK font for its screenshots): the web desk is tested end to end in
#     a real headless browser, never skipped;
#   - a virtualenv .venv with xltemplates and its test and dev extras (pytest, ruff, mypy: .ci/run runs all three).
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
# pdftotext/pdfinfo/pdftoppm: the print tests read the PDFs LibreOffice prints the forms to
if ! command -v pdftotext >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then
    apt_install poppler-utils
fi
# a PostgreSQL server: the round commands are tested against one the tests start themselves
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt_install postgresql
fi
# a real browser for the web desk's end-to-end test (tests/test_web_browser.py)
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    apt_install chromium chromium-driver fonts-noto-cjk
fi
if ! "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then
    apt_install python3-venv
fi

echo "LibreOffice: $(soffice --version 2>/dev/null | head -n 1)"
echo "Python: $("$PYTHON" --version)"
echo "Chromium: $(chromium --version 2>/dev/null | head -n 1)"

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet -e ".[test,dev]"
