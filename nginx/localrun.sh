#!/usr/bin/env bash
# localrun.sh — start or stop Holdpoint (server + nginx) for one data directory.
#   nginx/localrun.sh start|stop|status
# Environment: HOLDPOINT_DATA (default <checkout>/var), PORT (default 8080),
# HOLDPOINT_TLS=1 (also HTTPS on TLS_PORT, default PORT+363), HOLDPOINT_BUILD
# (default build), HOLDPOINT_SEED=0 (no demo data), HOLDPOINT_QUIET=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Every instance `start` starts is listed here ("DATA PORT" per line), so that `stop` without
# the same HOLDPOINT_DATA finds them all.
STATE=${HOLDPOINT_RUN_STATE:-$ROOT/.holdpoint-runs}
DATA_GIVEN=${HOLDPOINT_DATA:+1}
DATA=${HOLDPOINT_DATA:-$ROOT/var}
[ "${1:-}" = start ] && mkdir -p "$DATA"
[ -d "$DATA" ] && DATA=$(cd "$DATA" && pwd)
PORT=${PORT:-8080}
BUILD=${HOLDPOINT_BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
BIN="$BUILD/holdpoint"
TLS_PORT=${TLS_PORT:-$((PORT + 363))}
export HOLDPOINT_DATA="$DATA" HOLDPOINT_ROOT="$ROOT"
if [ "${HOLDPOINT_TLS:-0}" = 1 ]; then
  export HOLDPOINT_BASE_URL=${HOLDPOINT_BASE_URL:-https://127.0.0.1:$TLS_PORT}
else
  export HOLDPOINT_BASE_URL=${HOLDPOINT_BASE_URL:-http://127.0.0.1:$PORT}
fi

say() { [ "${HOLDPOINT_QUIET:-0}" = 1 ] || echo "$@"; }

# Is the process in the pid file alive and really ours ($2 = word in its command line)?
alive() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -qa "$2" "/proc/$pid/cmdline" 2>/dev/null
}

stop_one() {   # pidfile word signal
  local pidfile=$1 word=$2 sig=$3 pid i
  alive "$pidfile" "$word" || { rm -f "$pidfile"; return 0; }
  pid=$(cat "$pidfile")
  kill "-$sig" "$pid" 2>/dev/null || true
  for i in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "localrun: $word ($pid) did not stop in 30 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

do_stop() {
  stop_one "$DATA/run/nginx.pid" nginx QUIT
  stop_one "$DATA/run/holdpoint.pid" holdpoint TERM
}

# Is anything of the instance in data directory $1 running?
running_in() {
  alive "$1/run/holdpoint.pid" holdpoint || alive "$1/run/nginx.pid" nginx
}

forget() {   # data directory
  [ -f "$STATE" ] || return 0
  awk -v d="$1" '$1 != d' "$STATE" > "$STATE.new.$$" && mv "$STATE.new.$$" "$STATE"
  [ -s "$STATE" ] || rm -f "$STATE"
}

# `stop`: the data directory given, or else every instance `start` listed.
do_stop_cmd() {
  local dirs d n=0
  if [ -n "$DATA_GIVEN" ] || [ ! -s "$STATE" ]; then
    dirs=$DATA
  else
    dirs=$(awk '{print $1}' "$STATE")
  fi
  for d in $dirs; do
    if [ -d "$d" ] && running_in "$d"; then
      DATA=$d do_stop
      say "Holdpoint stopped ($d)"
      n=$((n + 1))
    fi
    forget "$d"
  done
  [ $n -gt 0 ] || say "Nothing was running (looked in: $(echo $dirs))."
}

fill() {   # template output
  sed -e "s|@ROOT@|$ROOT|g" -e "s|@DATA@|$DATA|g" -e "s|@CONF@|$DATA/nginx|g" \
      -e "s|@SOCKET@|$DATA/run/holdpoint.sock|g" -e "s|@HOLDCTL@|$BUILD/holdctl|g" -e "s|@UPSTREAM@|$UPSTREAM|g" \
      -e "s|@LISTEN@|127.0.0.1:$PORT|g" -e "s|@TLS_LISTEN@|127.0.0.1:$TLS_PORT|g" \
      -e "s|@TLS_PORT_SUFFIX@|$TLS_PORT_SUFFIX|g" -e "s|@SCHEME_HEADERS@|$SCHEME_HEADERS|g" \
      -e "s|@MAX_BODY@|${HOLDPOINT_NGINX_MAX_BODY:-256m}|g" \
      -e "s|@FASTCGI_PARAMS@|/etc/nginx/fastcgi_params|g" -e "s|@MIME_TYPES@|/etc/nginx/mime.types|g" \
      -e "s|@USER@|$NGINX_USER_LINE|g" "$1" > "$2"
}

do_start() {
  [ -x "$BIN" ] || { echo "localrun: $BIN is missing; run make first" >&2; exit 1; }
  do_stop
  mkdir -p "$DATA"/{run,log,nginx,tmp,evidence,keys}
  "$BIN" migrate >/dev/null
  if [ ! -e "$DATA/.seeded" ] && [ "${HOLDPOINT_SEED:-1}" != 0 ]; then
    "$BIN" seed-demo >/dev/null
    touch "$DATA/.seeded"
  fi

  # As root, nginx's workers run as www-data and only that group may use the socket.
  NGINX_USER_LINE=""
  SOCKET_GROUP=""
  if [ "$(id -u)" = 0 ]; then
    # A data directory made private (mktemp -d makes it 0700): let nginx's group through, not others.
    if id www-data >/dev/null 2>&1 && ! runuser -u www-data -- test -x "$DATA"; then
      chgrp www-data "$DATA" && chmod g+x "$DATA"
    fi
    if id www-data >/dev/null 2>&1 && runuser -u www-data -- test -r "$ROOT/static/css/holdpoint.css" \
       && runuser -u www-data -- test -x "$DATA"; then
      NGINX_USER_LINE="user www-data www-data;"
      SOCKET_GROUP=www-data
      chgrp www-data "$DATA/evidence" "$DATA/run" && chmod 0750 "$DATA/evidence" && chmod 0750 "$DATA/run"
      # files stored before (a restored backup, a data directory from elsewhere) join the group too
      find "$DATA/evidence" -mindepth 1 ! -group www-data -exec chgrp www-data {} + 2>/dev/null || true
    else
      NGINX_USER_LINE="user root root;"
      say "localrun: www-data cannot read $ROOT or $DATA; nginx workers will run as root"
    fi
  fi
  export HOLDPOINT_SOCKET_GROUP=$SOCKET_GROUP

  # One site (nginx/site.conf.in) for both schemes; under TLS, plain HTTP only
  # answers health checks and redirects, and every nginx-served response
  # carries HSTS as the application's own responses do.
  SITE="$ROOT/nginx/holdpoint.conf.in" SCHEME_HEADERS="" TLS_PORT_SUFFIX=""
  if [ "${HOLDPOINT_TLS:-0}" = 1 ]; then
    mkdir -p "$DATA/tls"
    if [ ! -s "$DATA/tls/cert.pem" ]; then
      openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=127.0.0.1" \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$DATA/tls/key.pem" -out "$DATA/tls/cert.pem" >/dev/null 2>&1
      chmod 600 "$DATA/tls/key.pem"
    fi
    SITE="$ROOT/nginx/holdpoint-tls.conf.in"
    SCHEME_HEADERS='add_header Strict-Transport-Security "max-age=31536000" always;'
    [ "$TLS_PORT" = 443 ] || TLS_PORT_SUFFIX=":$TLS_PORT"
  fi
  # Other nodes on the same database (HOLDPOINT_UPSTREAM_EXTRA="unix:/path/holdpoint.sock …"):
  # nginx spreads requests over this node and those, and skips one that does not answer.
  UPSTREAM="unix:$DATA/run/holdpoint.sock"
  rm -f "$DATA/nginx/upstream.conf"
  if [ -n "${HOLDPOINT_UPSTREAM_EXTRA:-}" ]; then
    UPSTREAM=holdpoint_nodes
    { echo "upstream holdpoint_nodes {"
      echo "    server unix:$DATA/run/holdpoint.sock max_fails=1 fail_timeout=10s;"
      for u in $HOLDPOINT_UPSTREAM_EXTRA; do echo "    server $u max_fails=1 fail_timeout=10s;"; done
      echo "}"; } > "$DATA/nginx/upstream.conf"
  fi
  rm -f "$DATA/nginx/holdpoint-tls.conf"
  fill "$SITE" "$DATA/nginx/holdpoint.conf"
  fill "$ROOT/nginx/site.conf.in" "$DATA/nginx/site.conf"
  fill "$ROOT/nginx/fastcgi.conf.in" "$DATA/nginx/fastcgi.conf"
  fill "$ROOT/nginx/nginx.conf.in" "$DATA/nginx/nginx.conf"

  setsid "$BIN" serve </dev/null >>"$DATA/log/holdpoint.log" 2>&1 &
  local i
  for i in $(seq 1 100); do
    [ -S "$DATA/run/holdpoint.sock" ] && alive "$DATA/run/holdpoint.pid" holdpoint && break
    sleep 0.1
  done
  alive "$DATA/run/holdpoint.pid" holdpoint || { echo "localrun: the server did not start; see $DATA/log/holdpoint.log" >&2; tail -n 20 "$DATA/log/holdpoint.log" >&2; exit 1; }
  nginx -q -e "$DATA/log/nginx-error.log" -c "$DATA/nginx/nginx.conf" || {
    echo "localrun: nginx did not start; see $DATA/log/nginx-error.log" >&2; do_stop; exit 1; }
  for i in $(seq 1 300); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")" = 200 ]; then
      break
    fi
    sleep 0.1
  done
  [ "$(curl -s "http://127.0.0.1:$PORT/healthz")" = ok ] || { echo "localrun: /healthz does not answer" >&2; do_stop; exit 1; }
  forget "$DATA"
  echo "$DATA $PORT" >> "$STATE"

  say ""
  if [ "${HOLDPOINT_TLS:-0}" = 1 ]; then
    say "Holdpoint is running at https://127.0.0.1:$TLS_PORT/ (a self-signed certificate;"
    say "http://127.0.0.1:$PORT/ redirects there and answers /healthz)"
  else
    say "Holdpoint is running at http://127.0.0.1:$PORT/"
  fi
  say ""
  say "Sign in with the password holdpoint-demo as:"
  say "  admin  (administrator)      alice (release manager)   bob  (QA)"
  say "  carol  (SRE approver)       dave  (product owner)     erin (auditor)"
  if [ -s "$DATA/demo-token" ]; then
    say ""
    say "Demo API token (alice, for pipelines and holdctl):"
    say "  export HOLDPOINT_URL=$HOLDPOINT_BASE_URL HOLDPOINT_TOKEN=$(cat "$DATA/demo-token")"
  fi
  say ""
  say "Data and logs: $DATA      Stop with: make stop"
}

case "${1:-}" in
  start) do_start ;;
  stop) do_stop_cmd ;;
  status)
    alive "$DATA/run/holdpoint.pid" holdpoint && echo "server: running" || echo "server: stopped"
    alive "$DATA/run/nginx.pid" nginx && echo "nginx: running" || echo "nginx: stopped" ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
