#!/bin/sh
# Brings what `npm start` and `npm test` need, and only what is missing, so that both work
# as the first command typed on a fresh machine and cost a second when all is there:
#   1. the dependencies, among them a pinned Node (the `node` package) whose binary lands in
#      node_modules/.bin, which npm puts first on PATH for every script;
#   2. a Chromium that Playwright can drive (Playwright's own browser download cannot run
#      where only package registries are reachable, so we use the system's): Debian's
#      chromium-headless-shell, the lean build Playwright runs headless, or else any chromium.
#
# Everything it prints, npm ci's "added N packages" included, goes to standard error: it runs
# ahead of commands whose standard output is data (`npm run fixtures -- --json > file`).
set -eu
exec 1>&2
cd "$(dirname "$0")/.."

say() { printf 'bootstrap: %s\n' "$*" >&2; }

if [ ! -x node_modules/.bin/node ] || [ ! -f node_modules/.package-lock.json ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing dependencies (npm ci)"
  # The installing npm may run on an older system Node; the engine warnings it prints are
  # about that Node, not the one the project runs on.
  npm ci --no-audit --no-fund --loglevel=error
fi

has() { command -v "$1" >/dev/null 2>&1; }

if [ -n "${CHROMIUM_PATH:-}" ]; then
  [ -x "$CHROMIUM_PATH" ] || { say "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable"; exit 2; }
elif ! has chromium-headless-shell; then
  if [ "$(id -u)" = 0 ] && has apt-get; then
    say "installing Debian's chromium-headless-shell (apt-get)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium-headless-shell; } >/dev/null 2>&1; then
      has chromium || has chromium-browser || { say "could not install chromium-headless-shell, and no chromium is installed: set CHROMIUM_PATH to a Chromium or Chrome binary."; exit 2; }
      say "could not install chromium-headless-shell; the full chromium will do, more slowly"
    fi
  elif ! has chromium && ! has chromium-browser; then
    say "no Chromium found. Install your distribution's chromium-headless-shell (or chromium) package, or set CHROMIUM_PATH to a Chromium or Chrome binary."
    exit 2
  fi
fi
