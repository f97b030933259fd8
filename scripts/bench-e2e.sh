#!/usr/bin/env bash
# End-to-end benchmark: our gateway vs Node-RED (node-red-contrib-opcua + mqtt out) on the same OPC UA load, in one run,
# everything on 127.0.0.1. Not a test: it prints one table with both systems side by side and the ratios.
#   bash scripts/bench-e2e.sh [--quick] [--loads 1000x1000,10000x1000,10000x100] [--systems sfe,nodered] [--no-outage]
# A load is TAGSxPERIOD_MS. Per load and system: fresh Mosquitto (persistence on), node-opcua load server(s), our
# subscriber (bench/e2e/subscriber.js), then the system under test; measure phase, then a broker outage (Mosquitto
# stopped, restarted on the same port) and a drain until the backlog stops arriving. Default durations: warm-up 10 s,
# measure 60 s, outage 60 s (10 s lead, 30 s tail); --quick: 5/20/15 s (5 s lead, 15 s tail).
# Installs what it needs on first run (idempotent): the test peers via scripts/install.sh when missing, and Node-RED
# 4.1.15 + node-red-contrib-opcua 0.2.354 into .tools/bench-e2e (not part of the normal test install).
# Results: out/bench-e2e/<utc time>/ (logs, configs, results.json, table.md).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
QUICK=0 OUTAGE_ON=1 LOADS="1000x1000,10000x1000,10000x100" SYSTEMS="sfe,nodered"
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1; shift ;;
    --no-outage) OUTAGE_ON=0; shift ;;
    --loads) LOADS=$2; shift 2 ;;
    --systems) SYSTEMS=$2; shift 2 ;;
    *) sed -n '2,12p' "$0"; exit 2 ;;
  esac
done
if [ "$QUICK" = 1 ]; then WARMUP=5 MEASURE=20 LEAD=5 OUTAGE=15 TAIL=15 MAXDRAIN=60
else WARMUP=10 MEASURE=60 LEAD=10 OUTAGE=60 TAIL=30 MAXDRAIN=60; fi
[ "$OUTAGE_ON" = 1 ] || { LEAD=0 OUTAGE=0 TAIL=0; }
MAX_TAGS_PER_SERVER_RATE=25000   # values/s one node-opcua server process is given (README of shared/peers: ~25-28k/s a core)

# --- tools (installed on first run) ---
TOOLS=${SFE_TOOLS:-$ROOT/.tools}
if [ ! -d "$TOOLS/opcua/node_modules/node-opcua" ] || [ ! -d "$TOOLS/node-clients/node_modules/mqtt" ] || ! command -v mosquitto > /dev/null; then
  echo "bench-e2e: installing the test peers (scripts/install.sh)..." >&2
  bash scripts/install.sh
fi
NR_VERSION=4.1.15 NR_OPCUA_VERSION=0.2.354
BT=$ROOT/.tools/bench-e2e
install_nodered() {
  if [ -f "$BT/node_modules/node-red/package.json" ] && [ -f "$BT/node_modules/node-red-contrib-opcua/package.json" ] \
     && grep -q "\"version\": \"$NR_VERSION\"" "$BT/node_modules/node-red/package.json" \
     && grep -q "\"version\": \"$NR_OPCUA_VERSION\"" "$BT/node_modules/node-red-contrib-opcua/package.json"; then return; fi
  echo "bench-e2e: installing node-red@$NR_VERSION and node-red-contrib-opcua@$NR_OPCUA_VERSION into $BT (~30 s)..." >&2
  mkdir -p "$BT"
  npm install --prefix "$BT" --no-audit --no-fund --omit=dev "node-red@$NR_VERSION" "node-red-contrib-opcua@$NR_OPCUA_VERSION" > "$BT/npm.log" 2>&1 \
    || { tail -20 "$BT/npm.log"; exit 1; }
}
case ",$SYSTEMS," in *,nodered,*) install_nodered ;; esac
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
case ",$SYSTEMS," in *,sfe,*)
  echo "bench-e2e: building the gateway (Release)..." >&2
  dotnet build src/SmartFactoryEdge.Gateway -c Release -nologo -clp:ErrorsOnly -v q > /dev/null ;;
esac
SFE=$ROOT/src/SmartFactoryEdge.Gateway/bin/Release/net10.0/sfe
OPCUA_NODE_PATH=$TOOLS/opcua/node_modules
MQTT_NODE_PATH=$TOOLS/node-clients/node_modules
OUT=$ROOT/out/bench-e2e/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done; for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
hwm_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2> /dev/null || echo 0; }
wait_line() { # file regex timeout_s
  local i; for i in $(seq $(($3 * 10))); do grep -q "$2" "$1" 2> /dev/null && return 0; sleep 0.1; done; return 1; }
start_broker() { # dir port
  mosquitto -c "$1/mosquitto.conf" < /dev/null >> "$1/mosquitto.log" 2>&1 &
  BROKER=$!; PIDS+=("$BROKER")
  local i; for i in $(seq 50); do mosquitto_sub -h 127.0.0.1 -p "$2" -t '$SYS/broker/version' -C 1 -W 1 > /dev/null 2>&1 && return 0; sleep 0.1; done
  echo "bench-e2e: mosquitto did not start (log: $1/mosquitto.log)" >&2; return 1
}
stop_pid() { kill -TERM "$1" 2> /dev/null || true; local i; for i in $(seq 100); do kill -0 "$1" 2> /dev/null || break; sleep 0.1; done; kill -KILL "$1" 2> /dev/null || true; wait "$1" 2> /dev/null || true; }

echo "bench-e2e: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); loads $LOADS; systems $SYSTEMS; results in $OUT" >&2
RESULTS=()
for load in ${LOADS//,/ }; do
  TAGS=${load%x*} PERIOD=${load#*x}
  RATE=$((TAGS * 1000 / PERIOD))
  SERVERS=$(((RATE + MAX_TAGS_PER_SERVER_RATE - 1) / MAX_TAGS_PER_SERVER_RATE))
  PER=$(((TAGS + SERVERS - 1) / SERVERS))
  for sys in ${SYSTEMS//,/ }; do
    RUN=$OUT/${TAGS}x${PERIOD}-$sys
    mkdir -p "$RUN"
    PIDS=()
    echo "bench-e2e: $sys, $TAGS tags every $PERIOD ms ($RATE values/s offered, $SERVERS server(s))" >&2
    MQ_PORT=$(free_port)
    mkdir -p "$RUN/mosquitto"
    cat > "$RUN/mosquitto.conf" << CONF
$( [ "$(id -u)" = 0 ] && echo "user root" )
listener $MQ_PORT 127.0.0.1
allow_anonymous true
persistence true
persistence_location $RUN/mosquitto/
autosave_interval 1800
max_inflight_messages 0
max_queued_messages 0
max_queued_bytes 0
log_dest stderr
log_type error
log_type warning
CONF
    start_broker "$RUN" "$MQ_PORT"
    URLS="" SRC_PIDS=""
    for s in $(seq 0 $((SERVERS - 1))); do
      first=$((s * PER)); count=$((TAGS - first < PER ? TAGS - first : PER))
      NODE_PATH=$OPCUA_NODE_PATH node bench/e2e/load_server.js --port 0 --pki "$OUT/pki" --first "$first" --count "$count" \
        --period "$PERIOD" --ticks "$RUN/ticks-$s.log" < /dev/null > "$RUN/server-$s.log" 2>&1 &
      PIDS+=("$!"); SRC_PIDS="$SRC_PIDS${SRC_PIDS:+,}$!"
    done
    for s in $(seq 0 $((SERVERS - 1))); do
      wait_line "$RUN/server-$s.log" READY 120 || { echo "bench-e2e: load server $s did not start" >&2; tail "$RUN/server-$s.log"; exit 1; }
      URLS="$URLS${URLS:+,}$(grep -o 'opc.tcp://[^ ]*' "$RUN/server-$s.log" | head -1)"
    done
    UI_PORT=$(free_port)
    node bench/e2e/gen.js --dir "$RUN" --tags "$TAGS" --per-server "$PER" --urls "$URLS" --mqtt-port "$MQ_PORT" --ui-port "$UI_PORT" > /dev/null
    if [ "$sys" = sfe ]; then
      "$SFE" validate --config "$RUN/gateway.yaml" > "$RUN/validate.log" 2>&1 || { cat "$RUN/validate.log"; exit 1; }
    else
      ln -sfn "$BT/node_modules" "$RUN/nodered/node_modules"
    fi
    # the subscriber first (its session is persistent), then the system under test; the subscriber reads its pid from a file
    NODE_PATH=$MQTT_NODE_PATH node bench/e2e/subscriber.js --port "$MQ_PORT" --tags "$TAGS" --per-server "$PER" --out "$RUN/subscriber.json" \
      --status "$RUN/status" --warmup "$WARMUP" --measure "$MEASURE" --lead "$LEAD" --outage "$OUTAGE" --tail "$TAIL" \
      --pid-file "$RUN/sut.pid" --source-pids "$SRC_PIDS" < /dev/null > "$RUN/subscriber.log" 2>&1 &
    SUB=$!; PIDS+=("$SUB")
    wait_line "$RUN/subscriber.log" SUBSCRIBED 30 || { echo "bench-e2e: subscriber did not subscribe" >&2; cat "$RUN/subscriber.log"; exit 1; }
    T0=$(now_ms)
    if [ "$sys" = sfe ]; then
      "$SFE" run --config "$RUN/gateway.yaml" < /dev/null > "$RUN/sut.log" 2>&1 &
    else
      node "$BT/node_modules/node-red/red.js" --userDir "$RUN/nodered" --settings "$RUN/nodered/settings.js" < /dev/null > "$RUN/sut.log" 2>&1 &
    fi
    SUT=$!; PIDS+=("$SUT"); echo "$SUT" > "$RUN/sut.pid"
    KILL_AT="" RESTART_AT="" HWM_STEADY=0 OK=1
    if ! wait_line "$RUN/subscriber.log" '^FIRST' 180; then
      echo "bench-e2e: $sys delivered no value in 180 s (log: $RUN/sut.log)" >&2; OK=0
    else
      wait_line "$RUN/subscriber.log" '^EDGES' 90 || true
      OUTAGE_EDGE=$(awk '/^EDGES/ {print $4}' "$RUN/subscriber.log")
      sleep "$(awk -v f="$OUTAGE_EDGE" -v n="$(now_ms)" -v d=$LEAD 'BEGIN { s = (f + d * 1000 - n) / 1000; print (s > 0 ? s : 0) }')"
      HWM_STEADY=$(hwm_kb "$SUT")
      if [ "$OUTAGE" -gt 0 ]; then
        KILL_AT=$(now_ms); stop_pid "$BROKER"
        echo "bench-e2e:   broker stopped for $OUTAGE s" >&2
        sleep "$OUTAGE"
        RESTART_AT=$(now_ms); start_broker "$RUN" "$MQ_PORT"
        sleep "$TAIL"
      fi
      # drain: until values from before the end of the last phase have arrived (after the restart, if there was an
      # outage) and then none for 5 s; at most MAXDRAIN s
      for _ in $(seq "$MAXDRAIN"); do
        read -r st_now _ st_last < "$RUN/status" || true
        [ "${st_last:-0}" -gt "${RESTART_AT:-0}" ] && [ $((st_now - st_last)) -gt 5000 ] && break
        sleep 1
      done
    fi
    HWM=$(hwm_kb "$SUT")
    stop_pid "$SUB"
    stop_pid "$SUT"
    for p in ${SRC_PIDS//,/ }; do stop_pid "$p"; done
    stop_pid "$BROKER"
    cat > "$RUN/run.json" << JSON
{ "system": "$sys", "tags": $TAGS, "periodMs": $PERIOD, "servers": $SERVERS, "perServer": $PER, "ok": $OK, "t0": $T0,
  "killAt": ${KILL_AT:-0}, "restartAt": ${RESTART_AT:-0}, "hwmSteadyKb": ${HWM_STEADY:-0}, "hwmKb": ${HWM:-0},
  "warmup": $WARMUP, "measure": $MEASURE, "lead": $LEAD, "outage": $OUTAGE, "tail": $TAIL }
JSON
    RESULTS+=("$RUN")
  done
done
node bench/e2e/report.js "$OUT" "${RESULTS[@]}" | tee "$OUT/table.md"
