#!/bin/sh
# The web desk on a sample round, in one command (after scripts/setup.sh):
#   three townships get their workbooks in sample-round/forms/ and a link each in sample-round/forms/manifest.csv;
#   the bureau logs in at http://127.0.0.1:8000/login as "bureau" with the password "sample-password".
# Starting it again starts a fresh round (new links). The workbooks are signed with a key made for the sample
# (sample-round/identity.key), never the bureau's own.
set -eu
cd "$(dirname "$0")/.."
OUT=sample-round
mkdir -p "$OUT"
XLTEMPLATES_KEY="$PWD/$OUT/identity.key"
export XLTEMPLATES_KEY
[ -f "$XLTEMPLATES_KEY" ] || .venv/bin/xltemplates key init
printf '单位编码,单位名称\n001,南县中鱼口镇人民政府\n002,南县茅草街镇人民政府\n003,南县三仙湖镇人民政府\n' > "$OUT/units.csv"
rm -f "$OUT/round.sqlite" "$OUT/round.sqlite-wal" "$OUT/round.sqlite-shm"
.venv/bin/xltemplates generate dept-overall --year 2025 --roster "$OUT/units.csv" --out-dir "$OUT/forms" \
    --db "$OUT/round.sqlite" --link-base http://127.0.0.1:8000
printf 'sample-password\n' | .venv/bin/xltemplates serve --db "$OUT/round.sqlite" --add-user bureau
echo "township links (also in $OUT/forms/manifest.csv and $OUT/forms/填报链接发送清单.xlsx, with QR codes):"
awk -F, 'NR > 1 { print $1, $2, $NF }' "$OUT/forms/填报链接发送清单.csv"
exec .venv/bin/xltemplates serve --db "$OUT/round.sqlite"
