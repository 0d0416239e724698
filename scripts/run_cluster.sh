#!/usr/bin/env bash
# Run Kulakan as a small cluster on this machine (loopback only): N Streamlit processes on
# 127.0.0.1:BASE..BASE+N-1 behind nginx on 127.0.0.1:PROXY, with deploy/nginx/kulakan.conf.
#
#   scripts/run_cluster.sh [N]        start (default N=2); already running pieces are left alone
#   scripts/run_cluster.sh stop       stop everything this script started (pid files)
#   scripts/run_cluster.sh status     show what runs
#
# Environment: KULAKAN_DATABASE_URL (default: the SQLite file under data/), KULAKAN_CLUSTER_BASE_PORT
# (8501), KULAKAN_PROXY_PORT (8080). State, pid files and logs: .build/cluster/.
# Every process gets the same server.cookieSecret (kept in .build/cluster/cookie_secret).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DIR="$ROOT/.build/cluster"
PY="$ROOT/.venv/bin/python"
BASE=${KULAKAN_CLUSTER_BASE_PORT:-8501}
PROXY=${KULAKAN_PROXY_PORT:-8080}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
mkdir -p "$DIR"

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pidfile() {
  local f=$1
  if alive "$f"; then
    local pid
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    echo "berhenti: $(basename "$f" .pid) (pid $pid)"
  fi
  rm -f "$f"
}

wait_health() {
  local url=$1
  for _ in $(seq 1 120); do
    if curl -fsS --max-time 2 "$url/_stcore/health" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "tidak sehat dalam 60 dtk: $url" >&2
  return 1
}

case "${1:-2}" in
  stop)
    if [ -f "$DIR/nginx/nginx.pid" ]; then stop_pidfile "$DIR/nginx/nginx.pid"; fi
    for f in "$DIR"/streamlit-*.pid; do [ -e "$f" ] && stop_pidfile "$f"; done
    exit 0
    ;;
  status)
    for f in "$DIR"/streamlit-*.pid "$DIR/nginx/nginx.pid"; do
      [ -e "$f" ] || continue
      if alive "$f"; then echo "jalan: $(basename "$f" .pid) pid $(cat "$f")"; else echo "mati: $(basename "$f" .pid)"; fi
    done
    exit 0
    ;;
  *[!0-9]*)
    echo "pemakaian: $0 [N|stop|status]" >&2
    exit 2
    ;;
esac

N=${1:-2}
[ "$N" -ge 1 ] || { echo "N minimal 1" >&2; exit 2; }
[ -x "$NGINX" ] || { echo "nginx tidak ada; jalankan scripts/install_nginx.sh" >&2; exit 1; }

if [ ! -s "$DIR/cookie_secret" ]; then
  (umask 077; "$PY" -c 'import secrets; print(secrets.token_urlsafe(32))' >"$DIR/cookie_secret")
fi
export STREAMLIT_SERVER_COOKIE_SECRET
STREAMLIT_SERVER_COOKIE_SECRET=$(cat "$DIR/cookie_secret")
# The processes sit behind this script's nginx: the client address is the one nginx appends to X-Forwarded-For.
export KULAKAN_PROXY_TEPERCAYA=${KULAKAN_PROXY_TEPERCAYA:-1}

# Migrations and reference data once, before any process starts (as `make run` does).
"$PY" -m db ensure-ready

ports=()
for i in $(seq 0 $((N - 1))); do
  port=$((BASE + i))
  ports+=("$port")
  pidf="$DIR/streamlit-$port.pid"
  if alive "$pidf"; then echo "sudah jalan: streamlit :$port (pid $(cat "$pidf"))"; continue; fi
  setsid "$PY" -m streamlit run serve.py --server.port "$port" --server.address 127.0.0.1 \
    --server.headless true --browser.gatherUsageStats false \
    >"$DIR/streamlit-$port.log" 2>&1 </dev/null &
  echo $! >"$pidf"
  echo "mulai: streamlit :$port (pid $!)"
done
# Stop processes beyond N left from an earlier, larger run.
for f in "$DIR"/streamlit-*.pid; do
  [ -e "$f" ] || continue
  port=$(basename "$f" .pid); port=${port#streamlit-}
  if [ "$port" -ge $((BASE + N)) ] || [ "$port" -lt "$BASE" ]; then stop_pidfile "$f"; fi
done
for port in "${ports[@]}"; do wait_health "http://127.0.0.1:$port"; done

"$PY" deploy/nginx/render.py --prefix "$DIR/nginx" --listen "127.0.0.1:$PROXY" --ports "${ports[@]}" \
  --debug-header >/dev/null
"$NGINX" -t -q -p "$DIR/nginx" -c nginx.conf
if alive "$DIR/nginx/nginx.pid"; then
  "$NGINX" -p "$DIR/nginx" -c nginx.conf -s reload
  echo "nginx dimuat ulang: http://127.0.0.1:$PROXY"
else
  "$NGINX" -p "$DIR/nginx" -c nginx.conf
  echo "nginx mulai: http://127.0.0.1:$PROXY"
fi
wait_health "http://127.0.0.1:$PROXY"
echo "Klaster siap: $N proses di belakang http://127.0.0.1:$PROXY (hentikan: $0 stop)"
