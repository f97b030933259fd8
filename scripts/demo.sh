#!/usr/bin/env bash
# The main job: the demo line on this machine. Installs what it needs (idempotent), builds, and runs the
# gateway with config/demo.yaml until Ctrl-C, or for --duration SECONDS; then prints what was collected.
#   bash scripts/demo.sh [--duration SECONDS]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DURATION=""
while [ $# -gt 0 ]; do
  case $1 in
    --duration) DURATION=$2; shift 2 ;;
    *) echo "usage: scripts/demo.sh [--duration SECONDS]"; exit 2 ;;
  esac
done
bash scripts/install.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build src/SmartFactoryEdge.Gateway -c Release -nologo -clp:ErrorsOnly -v q
SFE=src/SmartFactoryEdge.Gateway/bin/Release/net10.0/sfe
OUT=out/demo
rm -rf "$OUT"
"$SFE" validate --config config/demo.yaml
echo "demo: running the simulated line (furnace, fermenter, pump) into $OUT/telemetry; Ctrl-C stops it cleanly"
if [ -n "$DURATION" ]; then
  "$SFE" run --config config/demo.yaml &
  PID=$!
  trap 'kill -TERM $PID 2>/dev/null' INT TERM
  # a bounded wait: the gateway is stopped with SIGTERM after DURATION seconds and drains before it exits
  ( sleep "$DURATION"; kill -TERM $PID 2>/dev/null ) &
  TIMER=$!
  wait $PID || true
  kill $TIMER 2>/dev/null || true
else
  "$SFE" run --config config/demo.yaml || true
fi
samples=$(cat "$OUT"/telemetry/*.jsonl 2>/dev/null | wc -l)
labels=$(($(wc -l < "$OUT/labels.csv") - 1))
echo
echo "demo summary: $samples samples written to $OUT/telemetry, $labels injected anomalies labelled in $OUT/labels.csv"
