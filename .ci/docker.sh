#!/usr/bin/env bash
# Make a Docker engine available for the docker-runtime tests (idempotent).
#  - installs docker.io (dockerd, containerd, runc) and redis-server with apt when missing;
#  - starts dockerd in the background when nothing answers on the socket;
#  - waits for the socket (up to 60 s).
# The engine is started without the default bridge and without iptables rules: the tests run
# containers with host networking and talk only to 127.0.0.1.
set -u
SOCK=/var/run/docker.sock
LOG=${STACKYARD_DOCKERD_LOG:-/tmp/stackyard-dockerd.log}

need_apt=()
command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "docker.sh: need root to apt-get install ${need_apt[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null 2>&1 \
    || { echo "docker.sh: apt-get install ${need_apt[*]} failed" >&2; exit 1; }
fi
# Debian's redis-server starts a system instance on 6379 when installed; we run our own.
if command -v systemctl >/dev/null 2>&1; then systemctl stop redis-server >/dev/null 2>&1 || true; fi

answers() { docker -H "unix://$SOCK" version >/dev/null 2>&1; }

if ! answers; then
  if ! pgrep -x dockerd >/dev/null 2>&1; then
    rm -f /var/run/docker.pid
    nohup dockerd --host "unix://$SOCK" --bridge=none --iptables=false --ip6tables=false \
      >"$LOG" 2>&1 &
  fi
  for _ in $(seq 1 120); do
    answers && break
    sleep 0.5
  done
fi
if answers; then
  echo "docker.sh: dockerd answers on $SOCK"
else
  echo "docker.sh: dockerd did not come up; last lines of $LOG:" >&2
  tail -n 20 "$LOG" >&2 2>/dev/null
  exit 1
fi
