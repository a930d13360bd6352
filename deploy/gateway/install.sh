#!/usr/bin/env bash
# Install the Afferent edge agent on a Debian-based gateway (Raspberry Pi OS,
# Debian, Ubuntu) from a built source tree (`npm ci && npm run build` done).
#
#   sudo deploy/gateway/install.sh [--prefix /opt/afferent] [--no-systemd]
#
# Installs the agent and the shared profiles under the prefix with production
# dependencies only, a system user `afferent` and its data folder, the
# `edge-agent` command, /etc/afferent/agent.yaml (from the example, never
# overwritten), and the systemd unit. Then provision the gateway against its hub
# with the one-time token an admin got from `afferent gateways create ID`:
#
#   sudo edge-agent provision --hub https://HUB:8080 --token TOKEN --config /etc/afferent/agent.yaml
#
# The agent runs from its bundle (edge-agent/bundle/, made by npm run build);
# better-sqlite3 and the serial port binding are native: without a prebuilt binary for the platform they
# build from source, which needs python3, make and g++.
set -euo pipefail

PREFIX=/opt/afferent
SYSTEMD=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="$2"; shift 2 ;;
    --no-systemd) SYSTEMD=no; shift ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

SRC="$(cd "$(dirname "$0")/../.." && pwd)"
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
for built in device-profiles/dist edge-agent/dist edge-agent/bundle; do
  [ -d "$SRC/$built" ] || { echo "$SRC/$built is missing: run 'npm ci && npm run build' first" >&2; exit 1; }
done

echo "installing into $PREFIX"
mkdir -p "$PREFIX"
cp "$SRC/package.json" "$SRC/package-lock.json" "$PREFIX/"
for pkg in device-profiles edge-agent; do
  rm -rf "${PREFIX:?}/$pkg"
  mkdir -p "$PREFIX/$pkg"
  cp -r "$SRC/$pkg/package.json" "$SRC/$pkg/dist" "$PREFIX/$pkg/"
  [ -d "$SRC/$pkg/bundle" ] && cp -r "$SRC/$pkg/bundle" "$PREFIX/$pkg/"
  [ -d "$SRC/$pkg/profiles" ] && cp -r "$SRC/$pkg/profiles" "$PREFIX/$pkg/"
done
# Only the agent's workspace and what it needs at run time.
(cd "$PREFIX" && npm ci --omit=dev --workspace @afferent/edge-agent --include-workspace-root=false --no-audit --no-fund)

if ! id afferent >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/afferent --shell /usr/sbin/nologin afferent
fi
# Provisioning (as root) writes the credentials here and hands them to the folder's owner.
install -d -m 0700 -o afferent -g afferent /var/lib/afferent/agent
mkdir -p /etc/afferent
if [ ! -f /etc/afferent/agent.yaml ]; then
  install -m 0640 -o root -g afferent "$SRC/deploy/gateway/agent.example.yaml" /etc/afferent/agent.yaml
  echo "wrote /etc/afferent/agent.yaml: set the gateway id, the hub and the devices"
fi

if [ "$SYSTEMD" = yes ]; then
  printf '#!/bin/sh\nexec node %s/edge-agent/bundle/cli.mjs "$@"\n' "$PREFIX" > /usr/local/bin/edge-agent
  chmod 0755 /usr/local/bin/edge-agent
  sed "s#/opt/afferent#$PREFIX#g" "$SRC/deploy/systemd/afferent-edge-agent.service" > /etc/systemd/system/afferent-edge-agent.service
  systemctl daemon-reload
fi
echo "next: provision this gateway with the command 'afferent gateways create ID' printed on the hub side:"
echo "  sudo edge-agent provision --hub https://HUB:8080 --token TOKEN --config /etc/afferent/agent.yaml"
[ "$SYSTEMD" = yes ] && echo "then: systemctl enable --now afferent-edge-agent"
echo "check the configuration with: node $PREFIX/edge-agent/bundle/cli.mjs check-config /etc/afferent/agent.yaml"
