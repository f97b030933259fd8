#!/usr/bin/env bash
# OPC UA subscription benchmark: our client vs node-opcua's client, one after the other against the same
# node-opcua server (opcua_test_server.js with --load ITEMS --load-ms INTERVAL), in one run.
#   SFE_TOOLS=/work/main/.tools bash bench/opcua/run.sh [items=10000] [intervalMs=100] [seconds=20] [samplingMs=0]
# samplingMs 0 = exception-based (every change reported); node-opcua then needs no sampling timer per item.
# Prints one RESULT line per client and the RATE lines of the server (changes/s it really produced).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
ITEMS="${1:-10000}"; INTERVAL="${2:-100}"; SECONDS_RUN="${3:-20}"; SAMPLING="${4:-0}"; WARMUP=8
export NODE_PATH="${SFE_TOOLS:-$ROOT/.tools}/opcua/node_modules"
LOG="$(mktemp)"; PKI="${TMPDIR:-/tmp}/sfe-opcua-bench-pki"
dotnet build -c Release "$ROOT/bench/opcua/OpcUaBench.csproj" -v q -nologo >/dev/null
node "$ROOT/tests/SmartFactoryEdge.TestKit/OpcUa/opcua_test_server.js" --port 0 --pki "$PKI" --load "$ITEMS" --load-ms "$INTERVAL" --large 10 --report >"$LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 1 120); do grep -q READY "$LOG" && break; sleep 0.5; done
URL="$(grep -o 'opc.tcp://[^ ]*' "$LOG" | head -1)"
echo "server $URL: $ITEMS items changing every $INTERVAL ms (offered $((ITEMS * 1000 / INTERVAL)) values/s)"
dotnet "$ROOT/bench/opcua/bin/Release/net10.0/OpcUaBench.dll" "$URL" "$ITEMS" "$INTERVAL" "$SECONDS_RUN" "$WARMUP" "$SAMPLING"
echo "server during sfe run:        $(grep RATE "$LOG" | tail -n 3 | awk '{print $2}' | paste -sd' ') changes/s"
: >"$LOG.mark"; MARK=$(grep -c RATE "$LOG" || true)
node "$ROOT/bench/opcua/node_client.js" "$URL" "$ITEMS" "$INTERVAL" "$SECONDS_RUN" "$WARMUP" "$SAMPLING"
echo "server during node-opcua run: $(grep RATE "$LOG" | tail -n +$((MARK + 1)) | tail -n 3 | awk '{print $2}' | paste -sd' ') changes/s"
rm -f "$LOG.mark"
