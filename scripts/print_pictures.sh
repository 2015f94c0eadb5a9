#!/bin/sh
# The pictures in docs/img: page 1 of each shipped form as LibreOffice prints it (the blank dept-overall form,
# and the project form prefilled with the 13 Hebei township projects of tests/fixtures/hebei-projects.json).
# Needs soffice and poppler-utils (pdftoppm), as scripts/setup.sh installs them. Run from the repository root.
set -eu
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# a throw-away identity key: these workbooks are only printed, never returned
export XLTEMPLATES_KEY="$work/identity.key"
.venv/bin/xltemplates key init >/dev/null
.venv/bin/xltemplates generate dept-overall --year 2025 --unit-code 001 --unit-name 某某镇人民政府 \
    -o "$work/dept-overall.xlsx" >/dev/null
.venv/bin/xltemplates generate project --year 2024 --unit-code 001 --unit-name 某某镇人民政府 \
    --data tests/fixtures/hebei-projects.json --allow-findings -o "$work/project.xlsx" >/dev/null 2>&1  # its two known findings
soffice --headless --norestore "-env:UserInstallation=file://$work/profile" --convert-to pdf \
    --outdir "$work" "$work/dept-overall.xlsx" "$work/project.xlsx" >/dev/null 2>&1
mkdir -p docs/img
for form in dept-overall project; do
    test -s "$work/$form.pdf"  # soffice exits 0 even when it writes nothing
    pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$work/$form.pdf" "docs/img/$form-page1"
done
echo "wrote docs/img/dept-overall-page1.png docs/img/project-page1.png"
