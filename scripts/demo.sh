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
mkdir -p "$OUT"
# the broker and a subscriber standing in for the center, both on 127.0.0.1 and gone when the demo ends
mosquitto -c config/demo-mosquitto.conf < /dev/null > "$OUT/mosquitto.log" 2>&1 &
BROKER=$!
cleanup() { kill $SUB $BROKER 2>/dev/null || true; wait $SUB $BROKER 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 50); do
  mosquitto_sub -h 127.0.0.1 -p 18883 -t '$SYS/broker/version' -C 1 -W 1 > /dev/null 2>&1 && break
done
mosquitto_sub -h 127.0.0.1 -p 18883 -V mqttv5 -q 1 -t 'sfe/v1/#' -v < /dev/null > "$OUT/mqtt.log" 2>&1 &
SUB=$!
echo "demo: the simulated line (furnace, fermenter, pump) -> gateway -> outbox -> MQTT 127.0.0.1:18883, and files in $OUT/telemetry; Ctrl-C stops it cleanly"
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
sleep 1   # let the subscriber take the last messages before it is stopped
samples=$(cat "$OUT"/telemetry/*.jsonl 2>/dev/null | wc -l)
labels=$(($(wc -l < "$OUT/labels.csv") - 1))
batches=$(grep -c '/telemetry ' "$OUT/mqtt.log" || true)
over_mqtt=$(grep '/telemetry ' "$OUT/mqtt.log" | grep -o '"tag":' | wc -l)
anomalies=$(grep -c '/anomaly ' "$OUT/mqtt.log" || true)
echo
echo "demo summary: $samples samples written to $OUT/telemetry; $over_mqtt samples in $batches telemetry batches received over MQTT"
echo "              ($OUT/mqtt.log); $anomalies anomaly events on the anomaly topic; $labels injected anomalies labelled in $OUT/labels.csv"
