#!/usr/bin/env bash
# Values/s polled from a real pymodbus server (Debian python3-pymodbus): our client (`sfe modbus read --duration`)
# against the npm `modbus-serial` client doing the same reads (FC 3, 125 registers, one request at a time), in one
# run, alternating rounds so both see the same machine load. Prints each round, the medians and the ratio.
#
#   bash bench/modbus/run.sh                 # 3 rounds of 5 s per client
#   ROUNDS=5 SECONDS_PER_ROUND=10 bash bench/modbus/run.sh
#
# Needs scripts/install.sh (pymodbus, node, modbus-serial in $SFE_TOOLS/node-clients). Loopback only.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export SFE_TOOLS=${SFE_TOOLS:-$ROOT/.tools}
ROUNDS=${ROUNDS:-3}
SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-5}
ADDRESS=${ADDRESS:-1000}
COUNT=${COUNT:-125}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build "$ROOT/src/SmartFactoryEdge.Gateway" -c Release -nologo -clp:ErrorsOnly > /dev/null
SFE="$ROOT/src/SmartFactoryEdge.Gateway/bin/Release/net10.0/sfe"

WORK=$(mktemp -d)
cleanup() { [[ -n "${SERVER_PID:-}" ]] && kill "$SERVER_PID" 2> /dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
/usr/bin/python3 "$ROOT/tests/SmartFactoryEdge.TestKit/Modbus/modbus_server.py" --port 0 < /dev/null > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do grep -q '^READY' "$WORK/server.log" && break; sleep 0.1; done
read -r HOST PORT < <(sed -n 's/^READY \(.*\):\([0-9]*\)$/\1 \2/p' "$WORK/server.log")
[[ -n "${PORT:-}" ]] || { echo "pymodbus did not start:"; cat "$WORK/server.log"; exit 1; }
echo "pymodbus at $HOST:$PORT; FC 3, $COUNT registers at $ADDRESS, 1 request in flight, $ROUNDS rounds x ${SECONDS_PER_ROUND}s per client"

ours=(); theirs=()
for round in $(seq "$ROUNDS"); do
  line=$("$SFE" modbus read "$HOST:$PORT" --fc 3 --address "$ADDRESS" --count "$COUNT" --duration "$SECONDS_PER_ROUND")
  echo "round $round sfe          $line"; ours+=("$(awk '{print $NF}' <<< "$line")")
  line=$(NODE_PATH="$SFE_TOOLS/node-clients/node_modules" node "$ROOT/bench/modbus/modbus_serial_poll.js" "$HOST" "$PORT" "$ADDRESS" "$COUNT" "$SECONDS_PER_ROUND")
  echo "round $round modbus-serial $line"; theirs+=("$(awk '{print $NF}' <<< "$line")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
m_ours=$(median "${ours[@]}"); m_theirs=$(median "${theirs[@]}")
echo "median values/s: sfe $m_ours, modbus-serial $m_theirs, ratio sfe/modbus-serial $(awk -v a="$m_ours" -v b="$m_theirs" 'BEGIN { printf "%.2f", a / b }')"
