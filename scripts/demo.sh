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
SUB="" CENTER="" OPCUA="" MODBUS="" TRAINER=""
cleanup() { kill $TRAINER $SUB $BROKER $CENTER $OPCUA $MODBUS 2>/dev/null || true; wait $TRAINER $SUB $BROKER $CENTER $OPCUA $MODBUS 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 50); do
  mosquitto_sub -h 127.0.0.1 -p 18883 -t '$SYS/broker/version' -C 1 -W 1 > /dev/null 2>&1 && break
done
mosquitto_sub -h 127.0.0.1 -p 18883 -V mqttv5 -q 1 -t 'sfe/v1/#' -v < /dev/null > "$OUT/mqtt.log" 2>&1 &
SUB=$!
# the simulated machines: a press behind OPC UA (node-opcua) and its PLC behind Modbus TCP (pymodbus)
NODE_PATH="${SFE_TOOLS:-$ROOT/.tools}/opcua/node_modules" node tests/SmartFactoryEdge.TestKit/OpcUa/opcua_test_server.js \
  --port 48410 --pki "$OUT/opcua-pki" --load 0 < /dev/null > "$OUT/opcua.log" 2>&1 &
OPCUA=$!
/usr/bin/python3 tests/SmartFactoryEdge.TestKit/Modbus/modbus_server.py --port 15030 < /dev/null > "$OUT/modbus.log" 2>&1 &
MODBUS=$!
# the AI center: ingests the gateway's batches into an SQLite dataset store, exactly once
"$SFE" center run --connection "$OUT/center.db" --port 18883 < /dev/null > "$OUT/center.log" 2>&1 &
CENTER=$!
# wait for the center and the machines (the gateway would cope without them: its sources retry with backoff)
for _ in $(seq 300); do
  grep -q -i "ingest" "$OUT/center.log" 2>/dev/null && grep -q READY "$OUT/opcua.log" 2>/dev/null && grep -q READY "$OUT/modbus.log" 2>/dev/null && break
  sleep 0.1
done
echo "demo: OPC UA press + Modbus PLC + simulated line (furnace, fermenter, pump) -> gateway (anomaly core, outbox) -> MQTT 127.0.0.1:18883 -> center; Ctrl-C stops it cleanly"
# the loop closed: after 30 s of baseline the center trains pump1's model on its dataset and pushes it (retained
# cmd/model); the gateway validates it and swaps it in between two samples (the state topic shows the version)
# the gateway's web UI (127.0.0.1:18080): a password made for this run, only its hash reaches the gateway
WEB_PASSWORD=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
SFE_WEB_PASSWORD_HASH=$(printf '%s\n' "$WEB_PASSWORD" | "$SFE" web hash-password)
export SFE_WEB_PASSWORD_HASH
echo "demo: web UI on http://127.0.0.1:18080/ (password for this run: $WEB_PASSWORD)"
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
( sleep 30; "$SFE" center train --connection "$OUT/center.db" --port 18883 --asset pump1 --from "$STARTED" --to "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    < /dev/null > "$OUT/train.log" 2>&1 ) &
TRAINER=$!
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
kill $TRAINER 2>/dev/null || true   # a run shorter than the baseline trains nothing
sleep 2   # let the subscriber and the center take the last messages before they are stopped
kill -TERM $CENTER 2>/dev/null || true
wait $CENTER 2>/dev/null || true
rows=$(/usr/bin/python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from samples').fetchone()[0])" "$OUT/center.db" 2>/dev/null || echo 0)
"$SFE" center export --connection "$OUT/center.db" --from 2000-01-01 --to 2100-01-01 --format parquet --out "$OUT/dataset" > "$OUT/export.log" 2>&1 || true
samples=$(cat "$OUT"/telemetry/*.jsonl 2>/dev/null | wc -l)
per_source=$(cat "$OUT"/telemetry/*.jsonl 2>/dev/null | grep -o '"tag":"[^".]*' | sort | uniq -c | awk '{ sub("\"tag\":\"", "", $2); printf "%s %s, ", $2, $1 }')
labels=$(($(wc -l < "$OUT/labels.csv") - 1))
batches=$(grep -c '/telemetry ' "$OUT/mqtt.log" || true)
over_mqtt=$(grep '/telemetry ' "$OUT/mqtt.log" | grep -o '"tag":' | wc -l)
anomalies=$(grep -c '/anomaly ' "$OUT/mqtt.log" || true)
echo
echo "demo summary: $samples samples written to $OUT/telemetry (per asset: ${per_source%, }); $over_mqtt samples in $batches telemetry batches received over MQTT"
echo "              ($OUT/mqtt.log); $anomalies anomaly events on the anomaly topic; $labels injected anomalies labelled in $OUT/labels.csv"
echo "              center: $rows dataset rows in $OUT/center.db (lost: $((samples - rows))); Parquet dataset and manifest in $OUT/dataset"
model=$(grep -o 'model [^ ]*@[0-9a-f]*' "$OUT/train.log" 2>/dev/null | head -1 || true)
echo "              model loop: ${model:-no model trained (runs shorter than 30 s train none)}; audit logs $OUT/center-models/audit.jsonl (center) and $OUT/models/audit.jsonl (gateway)"
echo "              anomalies detected vs injected (events in the center dataset matched to $OUT/labels.csv, per asset/tag):"
"$SFE" center score --connection "$OUT/center.db" --labels "$OUT/labels.csv" 2>&1 | sed 's/^/              /' || true
