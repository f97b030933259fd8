#!/usr/bin/env bash
# OPC UA message security benchmark: subscription throughput and client CPU per value with SignAndEncrypt
# (Basic256Sha256, Aes256_Sha256_RsaPss) against None, on the same node-opcua server and the same load, runs
# interleaved so that the machine's background load hits every variant alike. Prints per-run RESULT lines, then
# the median values/s and CPU µs/value per variant and their ratios to None.
#   SFE_TOOLS=/work/main/.tools bash bench/opcua/security.sh [items=2000] [intervalMs=100] [seconds=15] [runs=3]
# 2000 items every 100 ms offers 20k values/s: below the ~25k changes/s node-opcua manages on 2 cores with one
# subscription (shared/peers/README.md), so the server is not the limit for None; it may be for SignAndEncrypt,
# which also costs the server (it signs and encrypts every chunk): compare the CPU per value of our process too.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
ITEMS="${1:-2000}"; INTERVAL="${2:-100}"; SECONDS_RUN="${3:-15}"; RUNS="${4:-3}"; WARMUP=5
export NODE_PATH="${SFE_TOOLS:-$ROOT/.tools}/opcua/node_modules"
LOG="$(mktemp)"; OUT="$(mktemp)"; PKI="$(mktemp -d)"
dotnet build -c Release "$ROOT/bench/opcua/OpcUaBench.csproj" -v q -nologo >/dev/null
node "$ROOT/tests/SmartFactoryEdge.TestKit/OpcUa/opcua_test_server.js" --port 0 --pki "$PKI/server" --load "$ITEMS" --load-ms "$INTERVAL" --large 10 --security all --report >"$LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$LOG" "$OUT" "$PKI"' EXIT
for _ in $(seq 1 120); do grep -q READY "$LOG" && break; sleep 0.5; done
URL="$(grep -o 'opc.tcp://[^ ]*' "$LOG" | head -1)"
echo "server $URL: $ITEMS items changing every $INTERVAL ms (offered $((ITEMS * 1000 / INTERVAL)) values/s), $RUNS runs of ${SECONDS_RUN} s per variant"
VARIANTS=("None:None" "Basic256Sha256:SignAndEncrypt" "Aes256_Sha256_RsaPss:SignAndEncrypt")
for run in $(seq 1 "$RUNS"); do
  for v in "${VARIANTS[@]}"; do
    SFE_BENCH_POLICY="${v%%:*}" SFE_BENCH_MODE="${v##*:}" SFE_BENCH_PKI="$PKI/client" \
      dotnet "$ROOT/bench/opcua/bin/Release/net10.0/OpcUaBench.dll" "$URL" "$ITEMS" "$INTERVAL" "$SECONDS_RUN" "$WARMUP" 0 | tee -a "$OUT"
    echo "  server produced: $(grep RATE "$LOG" | tail -n 2 | awk '{print $2}' | paste -sd' ') changes/s"
  done
done
python3 - "$OUT" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    if not line.startswith("RESULT"): continue
    kv = dict(re.findall(r"(\w+)=(\S+)", line))
    rows.setdefault(kv["security"], []).append((float(kv["values_per_s"]), float(kv["cpu_us_per_value"]), float(kv["cpu_core"])))
base = rows.get("None/None")
print(f"{'security':38} {'values/s (median)':>18} {'cpu us/value':>13} {'cpu cores':>10} {'values/s vs None':>17} {'cpu/value vs None':>18}")
for name, r in rows.items():
    vps = statistics.median(x[0] for x in r); us = statistics.median(x[1] for x in r); cores = statistics.median(x[2] for x in r)
    rv = vps / statistics.median(x[0] for x in base) if base else float("nan")
    ru = us / statistics.median(x[1] for x in base) if base else float("nan")
    print(f"{name:38} {vps:18.0f} {us:13.2f} {cores:10.3f} {rv:17.3f} {ru:18.2f}")
PY
