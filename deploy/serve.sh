#!/usr/bin/env bash
# The production stack on this machine, under one supervisor (what `make serve` runs).
#
#   deploy/serve.sh                 # http://127.0.0.1:8000, PostgreSQL from DATABASE_URL or SQLite (WAL)
#   PORT=8080 WEB_WORKERS=4 deploy/serve.sh
#
# Migrates, builds the static files, checks the deployment settings, then hands over
# to supervisord (deploy/supervisord.conf), which starts the web server (granian,
# WEB_WORKERS workers x WEB_THREADS threads, respawned when one dies), TASK_WORKERS
# task workers and the scheduler, and restarts any of them that exits. Ctrl-C or
# SIGTERM stops them all. Variables: deploy/liuyanban.env.example, docs/deploy.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

export LIUYANBAN_ENV="${LIUYANBAN_ENV:-production}"
export LYB_PY="${LYB_PY:-$ROOT/.venv/bin/python}"
export LYB_ROOT="$ROOT"
export LIUYANBAN_VAR="${LIUYANBAN_VAR:-$ROOT/var}"
export HOST="${HOST:-127.0.0.1}"
export PORT="${PORT:-8000}"
export WEB_WORKERS="${WEB_WORKERS:-2}"
export WEB_THREADS="${WEB_THREADS:-8}"
export TASK_WORKERS="${TASK_WORKERS:-2}"
export PYTHONUNBUFFERED=1
export USER="${USER:-$(id -un)}"
BIN="$(dirname "$LYB_PY")"
mkdir -p "$LIUYANBAN_VAR/log" "$LIUYANBAN_VAR/run"

"$LYB_PY" manage.py migrate --noinput
"$LYB_PY" manage.py collectstatic --noinput -v 0
"$LYB_PY" manage.py check --deploy

cat <<MSG
Liuyanban production stack: http://$HOST:$PORT/  (web: $WEB_WORKERS workers x $WEB_THREADS threads,
$TASK_WORKERS task workers, scheduler; logs in $LIUYANBAN_VAR/log; status:
  $BIN/supervisorctl -c deploy/supervisord.conf status)
MSG
exec "$BIN/supervisord" -c "$ROOT/deploy/supervisord.conf"
