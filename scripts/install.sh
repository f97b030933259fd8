#!/usr/bin/env bash
# Installs everything the demo, the tests and the benchmarks need, idempotently.
# Each piece lives in scripts/install.d/NN-name.sh so that protocol areas own their own
# prerequisites; this driver runs them in order. Safe to run again: every step checks first.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export SFE_ROOT=$ROOT
export SFE_TOOLS=${SFE_TOOLS:-$ROOT/.tools}
mkdir -p "$SFE_TOOLS"

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export SUDO

# apt_install PKG... : installs only what is missing, waiting for a held dpkg lock
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "install: apt-get ${missing[*]}"
  if [ ! -f "$SFE_TOOLS/.apt-updated" ]; then
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    touch "$SFE_TOOLS/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" > "$SFE_TOOLS/apt.log" 2>&1 \
    || { tail -20 "$SFE_TOOLS/apt.log"; return 1; }
}
export -f apt_install

# npm_install DIR PKG@VER... : a private node_modules under .tools/DIR
npm_install() {
  local dir=$SFE_TOOLS/$1; shift
  local need=0
  for spec in "$@"; do
    local name=${spec%@*}
    [ -f "$dir/node_modules/$name/package.json" ] || need=1
  done
  [ $need -eq 0 ] && return 0
  echo "install: npm $* into $dir"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "$@" > "$SFE_TOOLS/npm-$(basename "$dir").log" 2>&1 \
    || { tail -20 "$SFE_TOOLS/npm-$(basename "$dir").log"; return 1; }
}
export -f npm_install

command -v dotnet > /dev/null || { echo "install: the .NET 10 SDK is required (dotnet not on PATH)"; exit 1; }

for part in "$ROOT"/scripts/install.d/*.sh; do
  [ -e "$part" ] || continue
  bash "$part"
done
echo "install: all prerequisites present"
