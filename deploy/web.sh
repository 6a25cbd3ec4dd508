#!/usr/bin/env bash
# The web server as supervisord starts it: granian, whose workers respawn when one dies.
#
# A granian master killed with SIGKILL leaves its workers running (they keep serving
# the old code on the same port, since granian binds with SO_REUSEPORT). supervisord
# starts each program as its own process group, so before starting a new master this
# ends the group the previous master left behind.
set -euo pipefail
PGID_FILE="$LIUYANBAN_VAR/run/web.pgid"
if [ -s "$PGID_FILE" ]; then
  old="$(cat "$PGID_FILE")"
  if [ "$old" != "$$" ] && pgrep -g "$old" -f granian >/dev/null 2>&1; then
    kill -KILL -- "-$old" 2>/dev/null || true
  fi
fi
echo "$$" >"$PGID_FILE"
# Uploaded images (published with their message) are served by granian itself from
# MEDIA_ROOT; static files by whitenoise inside the app. Behind nginx, nginx serves both.
MEDIA_ROOT="${MEDIA_ROOT:-$LIUYANBAN_VAR/media}"
mkdir -p "$MEDIA_ROOT"
exec "$LYB_PY" -m granian --interface wsgi --host "$HOST" --port "$PORT" \
  --workers "$WEB_WORKERS" --blocking-threads "$WEB_THREADS" \
  --respawn-failed-workers --respawn-interval 1 --workers-kill-timeout 30 \
  --backlog 2048 --no-ws \
  --static-path-route /media --static-path-mount "$MEDIA_ROOT" \
  liuyanban.wsgi:application
