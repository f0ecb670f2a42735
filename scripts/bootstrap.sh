#!/bin/sh
# Brings what `npm start` and `npm test` need, and only what is missing, so that both work
# as the first command typed on a fresh machine and cost a second when all is there:
#   1. the dependencies, among them a pinned Node (the `node` package) whose binary lands in
#      node_modules/.bin, which npm puts first on PATH for every script;
#   2. a Chromium that Playwright can drive (Playwright's own browser download cannot run
#      where only package registries are reachable, so we use the system's).
set -eu
cd "$(dirname "$0")/.."

say() { printf 'bootstrap: %s\n' "$*" >&2; }

if [ ! -x node_modules/.bin/node ] || [ ! -f node_modules/.package-lock.json ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing dependencies (npm ci)"
  # The installing npm may run on an older system Node; the engine warnings it prints are
  # about that Node, not the one the project runs on.
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ -n "${CHROMIUM_PATH:-}" ]; then
  [ -x "$CHROMIUM_PATH" ] || { say "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable"; exit 1; }
elif ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's chromium (apt-get)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    say "no Chromium found. Install your distribution's chromium package, or set CHROMIUM_PATH to a Chromium or Chrome binary."
    exit 1
  fi
fi
