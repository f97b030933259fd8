#!/usr/bin/env bash
# MQTT publish throughput: our client vs mqtt.js, same broker, same work, same in-flight window, in one run.
#   bench/mqtt/run.sh [COUNT=200000] [INFLIGHT=1000] [RUNS=3] [PAYLOAD=100]
# Needs mosquitto (scripts/install.d/10-peers.sh) and mqtt.js in $SFE_TOOLS/node-clients (default <repo>/.tools).
#
# Part 1 (the figure that counts): against Mosquitto on loopback. Each client publishes COUNT messages with at most
# INFLIGHT outstanding (QoS 0: until written to the socket / mqtt.js's callback; QoS 1: until PUBACK), then one QoS 1
# barrier message; the clock stops at the barrier's PUBACK, which Mosquitto sends only after it has processed every
# message before it on that connection. Both clients use MQTT 5, no topic alias, topics of the same length (115-byte
# frames), and alternate run by run.
# In part 1, QoS 0 also runs "raw": pre-encoded frames written 64 KiB at a time by a sender with no client logic
# (RawSender.cs), i.e. what Mosquitto itself can take in on this machine at that moment.
# Part 2 (client capacity; skip with SFE_BENCH_NULL_BROKER=0): the same against a null broker (NullBroker.cs), which
# costs a few tens of ns a message, so what remains is each client's own speed.
# Prints each run, then per part and QoS the median msg/s, the ratio sfe / mqtt.js, client CPU µs per message, and
# the broker's CPU per message and busy share over the timed window (read from /proc/PID/stat).
set -euo pipefail
COUNT=${1:-200000}
INFLIGHT=${2:-1000}
RUNS=${3:-3}
PAYLOAD=${4:-100}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOOLS=${SFE_TOOLS:-$ROOT/.tools}
export NODE_PATH=$TOOLS/node-clients/node_modules
[ -d "$NODE_PATH/mqtt" ] || { echo "mqtt.js not found in $NODE_PATH (run scripts/install.sh)"; exit 1; }
command -v mosquitto >/dev/null || { echo "mosquitto not installed (run scripts/install.sh)"; exit 1; }

WORK=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
cat > "$WORK/mosquitto.conf" <<CONF
$( [ "$(id -u)" = 0 ] && echo "user root" )
listener $PORT 127.0.0.1
allow_anonymous true
persistence false
log_dest stderr
log_type error
max_inflight_messages 0
max_queued_messages 0
CONF
mosquitto -c "$WORK/mosquitto.conf" 2> "$WORK/mosquitto.log" &
BROKER=$!
NULLBROKER=
cleanup() {
  kill "$BROKER" 2>/dev/null || true; wait "$BROKER" 2>/dev/null || true
  if [ -n "$NULLBROKER" ]; then kill "$NULLBROKER" 2>/dev/null || true; wait "$NULLBROKER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 50); do mosquitto_sub -h 127.0.0.1 -p "$PORT" -t '$SYS/broker/version' -C 1 -W 1 >/dev/null 2>&1 && break; sleep 0.1; done

echo "building the .NET driver (Release)..." >&2
dotnet build "$ROOT/bench/mqtt/MqttThroughput" -c Release -o "$WORK/sfe" -v q -nologo >&2
echo "mosquitto $(mosquitto -h 2>/dev/null | head -1 | awk '{print $3}') on 127.0.0.1:$PORT; $COUNT msgs of $PAYLOAD bytes per run, in-flight window $INFLIGHT, $RUNS runs, $(nproc) cores"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

field() { echo "$2" | sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# suite LABEL PORT BROKER_PID: RUNS alternating runs per QoS, then the medians table
suite() {
  local label=$1 port=$2 pid=$3 qos run client line
  declare -A RATES CPU BUS BUSY
  echo
  echo "== $label"
  for qos in 0 1; do
    for run in $(seq "$RUNS"); do
      clients="sfe mqttjs"
      # raw: pre-encoded frames from a sender with no client logic, the most the broker takes in this run (QoS 0 only)
      [ "$qos" = 0 ] && [ "$label" = mosquitto ] && clients="sfe mqttjs raw"
      for client in $clients; do
        if [ "$client" = raw ]; then
          line=$(BENCH_BROKER_PID=$pid dotnet "$WORK/sfe/MqttThroughput.dll" raw "$port" "$COUNT" "$PAYLOAD")
        elif [ "$client" = sfe ]; then
          line=$(BENCH_BROKER_PID=$pid dotnet "$WORK/sfe/MqttThroughput.dll" "$port" "$COUNT" "$qos" "$INFLIGHT" "$PAYLOAD")
        else
          line=$(BENCH_BROKER_PID=$pid node "$ROOT/bench/mqtt/mqttjs-throughput.js" "$port" "$COUNT" "$qos" "$INFLIGHT" "$PAYLOAD")
        fi
        echo "  run $run: $line"
        RATES[$client,$qos]="${RATES[$client,$qos]:-} $(field rate "$line")"
        CPU[$client,$qos]="${CPU[$client,$qos]:-} $(field cpu_us_per_msg "$line")"
        BUS[$client,$qos]="${BUS[$client,$qos]:-} $(field broker_us_per_msg "$line")"
        BUSY[$client,$qos]="${BUSY[$client,$qos]:-} $(field broker_busy "$line")"
      done
    done
  done
  echo
  printf '%-4s %10s %10s %7s | %9s %9s %7s | %15s %15s\n' QoS "sfe msg/s" "mqtt.js" ratio "sfe cpu" "js cpu" "cpu x" "broker us/msg" "broker busy %"
  for qos in 0 1; do
    local s m sc mc sb mb sy my
    s=$(echo "${RATES[sfe,$qos]}" | median); m=$(echo "${RATES[mqttjs,$qos]}" | median)
    sc=$(echo "${CPU[sfe,$qos]}" | median); mc=$(echo "${CPU[mqttjs,$qos]}" | median)
    sb=$(echo "${BUS[sfe,$qos]}" | median); mb=$(echo "${BUS[mqttjs,$qos]}" | median)
    sy=$(echo "${BUSY[sfe,$qos]}" | median); my=$(echo "${BUSY[mqttjs,$qos]}" | median)
    printf '%-4s %10.0f %10.0f %6.2fx | %9.2f %9.2f %6.2fx | %7.2f/%-7.2f %7.0f/%-7.0f\n' "$qos" "$s" "$m" \
      "$(awk -v a="$s" -v b="$m" 'BEGIN { print a / b }')" "$sc" "$mc" "$(awk -v a="$mc" -v b="$sc" 'BEGIN { print a / b }')" \
      "$sb" "$mb" "$sy" "$my"
    if [ -n "${RATES[raw,$qos]:-}" ]; then
      local r; r=$(echo "${RATES[raw,$qos]}" | median)
      awk -v q="$qos" -v r="$r" -v s="$s" -v m="$m" 'BEGIN { printf "     QoS %s raw frames, no client logic: %.0f msg/s = %.2fx mqtt.js (the best any client could show here); sfe reaches %.0f%% of it\n", q, r, r / m, 100 * s / r }'
    fi
    if [ "$label" = mosquitto ]; then
      # Mosquitto's CPU per message is a property of the broker (one packet per event-loop pass, three read() calls),
      # so one broker core can absorb at most 1e6 / that many messages a second, whichever client sends them.
      awk -v q="$qos" -v b="$sb" -v m="$m" 'BEGIN { if (b > 0) printf "     QoS %s ceiling: Mosquitto needs %.2f us/msg -> at most %.0f msg/s on a whole core = %.2fx the mqtt.js median\n", q, b, 1e6 / b, 1e6 / b / m }'
    fi
  done
  echo "(medians of $RUNS runs; cpu = client process CPU us per message, cpu x = mqtt.js cpu / sfe cpu;"
  echo " broker us/msg and busy % over the timed window, in the sfe/mqtt.js runs; load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
}

suite mosquitto "$PORT" "$BROKER"

if [ "${SFE_BENCH_NULL_BROKER:-1}" != 0 ]; then
  NPORT=$(free_port)
  dotnet "$WORK/sfe/MqttThroughput.dll" null-broker "$NPORT" > "$WORK/null-broker.log" 2>&1 &
  NULLBROKER=$!
  for _ in $(seq 100); do grep -q listening "$WORK/null-broker.log" && break; sleep 0.1; done
  suite "null broker (client capacity; not a broker, see NullBroker.cs)" "$NPORT" "$NULLBROKER"
fi
