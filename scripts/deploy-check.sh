#!/bin/sh
# Follows docs/deploy.md from scratch on this machine, in a scratch directory, and checks each step:
#   PostgreSQL role + database (a private cluster stands in for the province's server), the identity key,
#   the schema (migrations), a round issued into the database, a bureau user, two `xltemplates serve`
#   processes on two ports on the one database, nginx with TLS in front of both (when nginx is available),
#   a restart, a backup of the database and the key, and a restore that gives the same round.
# Usage: sh scripts/deploy-check.sh
#   XLT=path/to/xltemplates (default: the one on PATH)  PGBIN=/usr/lib/postgresql/15/bin  NGINX_BIN=/usr/sbin/nginx (not NGINX: nginx reads that)
#   KEEP=1 keeps the scratch directory. Prints "deploy-check: OK" and exits 0 when every step passed.
# Everything it starts (PostgreSQL, the desks, nginx) listens on 127.0.0.1 only and is stopped at the end.
set -eu

XLT=${XLT:-xltemplates}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
NGINX_BIN=${NGINX_BIN:-$(command -v nginx || true)}
PGPORT=${PGPORT:-54351}
P1=${P1:-8101}
P2=${P2:-8102}
TLS=${TLS:-8443}
WORK=$(mktemp -d /tmp/xlt-deploy-check.XXXXXX)
chmod 755 "$WORK"
PIDS=""
step() { printf '\n== %s\n' "$*"; }
ok() { printf '   ok: %s\n' "$*"; }
die() { printf 'deploy-check: FAILED: %s\n' "$*" >&2; exit 1; }

as_pg() {  # PostgreSQL's tools refuse to run as root: as root, run them as the postgres user
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
    for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
    for pid in $PIDS; do wait "$pid" 2>/dev/null || true; done
    [ -f "$WORK/nginx/nginx.pid" ] && kill "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null || true
    [ -d "$WORK/pgdata" ] && as_pg "$PGBIN/pg_ctl" -D "$WORK/pgdata" -m fast stop >/dev/null 2>&1 || true
    if [ "${KEEP:-}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap "exit 1" INT TERM

wait_http() {  # wait_http URL: until it answers (any status), at most 60 s
    i=0
    until curl -ks -o /dev/null "$1"; do
        i=$((i + 1)); [ $i -le 600 ] || die "$1 did not answer"; sleep 0.1
    done
}
status_of() { curl -ks -o /dev/null -w '%{http_code}' "$@"; }

[ -x "$PGBIN/initdb" ] || die "PostgreSQL server binaries not found (apt-get install postgresql; or PGBIN=...)"
command -v "$XLT" >/dev/null 2>&1 || [ -x "$XLT" ] || die "xltemplates not found (pip install 'xltemplates[web,postgres]'; or XLT=...)"
echo "scratch: $WORK"; "$XLT" --version 2>/dev/null || true; "$PGBIN/postgres" --version

step "1. PostgreSQL: a role for the desk and a database for the round (docs/deploy.md 'The database')"
mkdir "$WORK/pgdata" "$WORK/pgsock"
[ "$(id -u)" -eq 0 ] && chown postgres "$WORK/pgdata" "$WORK/pgsock"
as_pg "$PGBIN/initdb" -D "$WORK/pgdata" -U postgres -E UTF8 --auth-local=trust --auth-host=scram-sha-256 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/pgdata" -w -l "$WORK/pgdata/log" \
    -o "-p $PGPORT -k $WORK/pgsock -c listen_addresses=127.0.0.1" start >/dev/null
DBPASS=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
as_pg "$PGBIN/psql" -h "$WORK/pgsock" -p "$PGPORT" -U postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE xlt LOGIN PASSWORD '$DBPASS'" -c "CREATE DATABASE round2025 OWNER xlt ENCODING 'UTF8'"
# the password lives in the desk user's ~/.pgpass (here: PGPASSFILE), never in the URL (ps would show it)
export PGPASSFILE="$WORK/pgpass"
printf '127.0.0.1:%s:*:xlt:%s\n' "$PGPORT" "$DBPASS" > "$PGPASSFILE"
chmod 600 "$PGPASSFILE"
URL="postgresql://xlt@127.0.0.1:$PGPORT/round2025"
ok "database round2025 owned by role xlt; URL $URL (password from $PGPASSFILE)"

step "2. The identity key (docs/identity-key.md), mode 0600, outside every returns folder"
mkdir -p "$WORK/etc/xltemplates"
export XLTEMPLATES_KEY="$WORK/etc/xltemplates/identity.key"
"$XLT" key init --key-file "$XLTEMPLATES_KEY" >/dev/null
[ "$(stat -c %a "$XLTEMPLATES_KEY")" = 600 ] || die "the key file is not mode 600"
ok "$("$XLT" key show | head -n 2 | tr '\n' ' ')"

step "3. The schema: one command applies every migration, in one transaction"
"$XLT" status --db "$URL" >/dev/null
VERSION=$(as_pg "$PGBIN/psql" -h "$WORK/pgsock" -p "$PGPORT" -U postgres -d round2025 -Atc "SELECT version FROM schema_version")
ok "schema_version $VERSION"

step "4. The round: workbooks, manifest and links issued into the database"
printf '单位编码,单位名称\n' > "$WORK/units.csv"
for i in 01 02 03 04 05 06 07 08 09 10 11 12; do printf '4301%s,第%s乡镇\n' "$i" "$i" >> "$WORK/units.csv"; done
"$XLT" generate dept-overall --year 2025 --roster "$WORK/units.csv" --out-dir "$WORK/forms" --db "$URL" \
    --link-base "https://127.0.0.1:$TLS" --jobs 2 >/dev/null
LINK=$(python3 -c "import csv,sys; print(next(csv.DictReader(open(sys.argv[1], encoding='utf-8-sig')))['填报链接'])" \
    "$WORK/forms/manifest.csv")
LINKPATH=/${LINK#https://*/}
ok "12 workbooks; first unit's link $(echo "$LINKPATH" | cut -c1-12)..."

step "5. A bureau user"
BUREAU_PW=deploy-check-password
printf '%s\n' "$BUREAU_PW" | "$XLT" serve --db "$URL" --add-user 绩效科 >/dev/null
ok "user 绩效科"

start_desk() {  # start_desk PORT: one desk process on 127.0.0.1:PORT, its pid appended to PIDS
    "$XLT" serve --db "$URL" --port "$1" --jobs 1 --behind-proxy >"$WORK/desk-$1.log" 2>&1 &
    PIDS="$PIDS $!"
    eval "DESK_$1=$!"
    wait_http "http://127.0.0.1:$1/login"
}
login_check() {  # login_check BASE: bureau login on that process, then its status page lists the units
    jar="$WORK/cookies-$(echo "$1" | tr -c 'a-z0-9' _)"
    rm -f "$jar"
    csrf=$(curl -ks -c "$jar" -b "$jar" "$1/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
    [ -n "$csrf" ] || die "no CSRF token on $1/login"
    code=$(status_of -c "$jar" -b "$jar" --data-urlencode "csrf=$csrf" --data-urlencode "name=绩效科" \
        --data-urlencode "password=$BUREAU_PW" -H "Origin: $1" "$1/login")
    [ "$code" = 303 ] || die "login on $1 answered $code, not 303"
    curl -ks -b "$jar" "$1/bureau" | grep -q "第12乡镇" || die "$1/bureau does not list the units"
}

step "6. Two desk processes on one database (ports $P1 and $P2)"
start_desk "$P1"
start_desk "$P2"
for p in "$P1" "$P2"; do
    [ "$(status_of "http://127.0.0.1:$p/login")" = 200 ] || die "port $p: /login is not 200"
    [ "$(status_of "http://127.0.0.1:$p$LINKPATH")" = 200 ] || die "port $p: the unit's link is not 200"
    login_check "http://127.0.0.1:$p"
    ok "port $p answers: /login 200, the unit's link page 200, bureau login 303 and its status page"
done
# the session made on the second desk, used on the first: it lives in the database
curl -ks -b "$jar" "http://127.0.0.1:$P1/bureau" | grep -q "第12乡镇" || die "a login on $P2 is not valid on $P1"
ok "a bureau login made on port $P2 is valid on port $P1"

step "7. nginx with TLS in front of both (docs/deploy.md 'The proxy')"
if [ -n "$NGINX_BIN" ] && [ -x "$NGINX_BIN" ]; then
    mkdir -p "$WORK/nginx/logs"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -keyout "$WORK/nginx/desk.key" \
        -out "$WORK/nginx/desk.crt" >/dev/null 2>&1
    cat > "$WORK/nginx/nginx.conf" <<CONF
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections 256; }
http {
    # the URLs hold the units' link tokens: log who and when, never the path
    log_format desk '\$remote_addr [\$time_local] \$status \$upstream_addr';
    access_log $WORK/nginx/logs/access.log desk;
    client_body_temp_path $WORK/nginx/body; proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fcgi; uwsgi_temp_path $WORK/nginx/uwsgi; scgi_temp_path $WORK/nginx/scgi;
    upstream desk {
        server 127.0.0.1:$P1 max_fails=1 fail_timeout=10s;
        server 127.0.0.1:$P2 max_fails=1 fail_timeout=10s;
    }
    server {
        listen 127.0.0.1:$TLS ssl;
        ssl_certificate     $WORK/nginx/desk.crt;
        ssl_certificate_key $WORK/nginx/desk.key;
        client_max_body_size 10m;
        location / {
            proxy_pass http://desk;
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_read_timeout 180s;
        }
    }
}
CONF
    "$NGINX_BIN" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/logs/error.log"
    wait_http "https://127.0.0.1:$TLS/login"
    for i in 1 2 3 4 5 6; do
        [ "$(status_of "https://127.0.0.1:$TLS$LINKPATH")" = 200 ] || die "through nginx: the link page is not 200"
    done
    secure=$(curl -ks -D - -o /dev/null "https://127.0.0.1:$TLS/login" | grep -ci '^set-cookie:.*; *secure' || true)
    [ "$secure" -ge 1 ] || die "through nginx over https the cookies are not Secure (--behind-proxy)"
    used=$(awk '{print $NF}' "$WORK/nginx/logs/access.log" | sort -u | tr '\n' ' ')
    case "$used" in *":$P1"*":$P2"*|*":$P2"*":$P1"*) ;; *) die "nginx did not use both desks (used: $used)";; esac
    ! grep -q "/u/" "$WORK/nginx/logs/access.log" || die "the access log holds link tokens"
    ok "https://127.0.0.1:$TLS: 200 through nginx, cookies Secure, both desks used ($used), no token logged"
else
    echo "   skipped: no nginx (NGINX_BIN=/path/to/nginx to include it)"
fi

step "8. A restart of one desk: the other keeps answering, the restarted one answers again"
eval "kill \$DESK_$P1"
eval "wait \$DESK_$P1" 2>/dev/null || true
[ "$(status_of "http://127.0.0.1:$P2$LINKPATH")" = 200 ] || die "port $P2 stopped answering"
start_desk "$P1"
[ "$(status_of "http://127.0.0.1:$P1$LINKPATH")" = 200 ] || die "port $P1 did not come back"
curl -ks -b "$jar" "http://127.0.0.1:$P1/bureau" | grep -q "第12乡镇" || die "the restart signed the bureau out"
ok "port $P1 restarted, port $P2 answered meanwhile, the bureau's session still valid on both"

step "9. Backup: the database (pg_dump, while the desks run) and the key file"
mkdir -p "$WORK/backup"
as_pg "$PGBIN/pg_dump" -h "$WORK/pgsock" -p "$PGPORT" -U postgres -Fc round2025 > "$WORK/backup/round2025.dump"
cp -p "$XLTEMPLATES_KEY" "$WORK/backup/identity.key"
ok "$(du -h "$WORK/backup/round2025.dump" | cut -f1) dump, key file copied ($(stat -c %a "$WORK/backup/identity.key"))"

step "10. Restore on a new database and a new key location; the round reads back the same"
as_pg "$PGBIN/psql" -h "$WORK/pgsock" -p "$PGPORT" -U postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE DATABASE round2025_restored OWNER xlt ENCODING 'UTF8'"
as_pg "$PGBIN/pg_restore" -h "$WORK/pgsock" -p "$PGPORT" -U postgres --no-owner --role=xlt -d round2025_restored \
    < "$WORK/backup/round2025.dump"
RESTORED="postgresql://xlt@127.0.0.1:$PGPORT/round2025_restored"
"$XLT" status --db "$URL" --json > "$WORK/status-live.json"
"$XLT" status --db "$RESTORED" --json > "$WORK/status-restored.json"
cmp -s "$WORK/status-live.json" "$WORK/status-restored.json" || die "status of the restored database differs"
mkdir -p "$WORK/restored-etc" && cp -p "$WORK/backup/identity.key" "$WORK/restored-etc/identity.key"
FIRST=$(ls "$WORK/forms"/*.xlsx | head -n 1)
XLTEMPLATES_KEY="$WORK/restored-etc/identity.key" "$XLT" check --json "$WORK/check.json" "$FIRST" >/dev/null || true
grep -q '430101' "$WORK/check.json" || die "check did not read the unit"
if grep -q 'W-IDENTITY-UNVERIFIED\|E-IDENTITY-' "$WORK/check.json"; then die "the restored key does not verify an issued workbook"; fi
LINKS=$(as_pg "$PGBIN/psql" -h "$WORK/pgsock" -p "$PGPORT" -U postgres -d round2025_restored -Atc "SELECT count(*) FROM unit_links")
[ "$LINKS" = 12 ] || die "the restored database holds $LINKS links, not 12"
ok "status --json identical, 12 links, an issued workbook verifies with the restored key"

step "11. A desk on the restored database answers the same link"
"$XLT" serve --db "$RESTORED" --port 8109 --jobs 1 >"$WORK/desk-restored.log" 2>&1 &
PIDS="$PIDS $!"
wait_http "http://127.0.0.1:8109/login"
[ "$(status_of "http://127.0.0.1:8109$LINKPATH")" = 200 ] || die "the restored desk does not open the unit's link"
ok "the unit's link opens on the restored round"

printf '\ndeploy-check: OK\n'
