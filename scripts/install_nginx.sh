#!/usr/bin/env bash
# Make sure an nginx binary exists for the cluster test and scripts/run_cluster.sh.
# Installs Debian's nginx-light (or nginx) when missing. The system nginx service is NOT started
# (and is stopped/disabled again if the package's postinst started it): the tests run their own
# nginx with their own config and prefix on a free loopback port.
# Never fails the build: when nothing can be installed, the cluster test skips with a reason.
set -uo pipefail
find_nginx() { command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; }; }
if [ -n "$(find_nginx)" ]; then exit 0; fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d exit 101 = "do not start services" while the package is configured.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod +x "$policy" && created_policy=1
fi
echo "nginx belum terpasang: memasang paket Debian (nginx-light atau nginx)..."
$SUDO apt-get update -qq || true
$SUDO apt-get install -y -qq --no-install-recommends nginx-light >/dev/null 2>&1 \
  || $SUDO apt-get install -y -qq --no-install-recommends nginx >/dev/null 2>&1 \
  || echo "nginx tidak dapat dipasang; tes klaster akan dilewati." >&2
if [ "$created_policy" = 1 ]; then $SUDO rm -f "$policy"; fi
# If a service manager started it anyway, stop the system instance: we only need the binary.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true
elif [ -f /run/nginx.pid ]; then
  $SUDO nginx -s quit 2>/dev/null || true
fi
if [ -n "$(find_nginx)" ]; then "$(find_nginx)" -v; fi
exit 0
