#!/usr/bin/env bash
# MQTT publish throughput: our client vs mqtt.js, same broker, same work, same in-flight window, in one run.
#   bench/mqtt/run.sh [COUNT=200000] [INFLIGHT=1000] [RUNS=3] [PAYLOAD=100]
# Needs mosquitto (scripts/install.d/10-peers.sh) and mqtt.js in $SFE_TOOLS/node-clients (default <repo>/.tools).
# Prints each run, then the median msgs/s per client and QoS and the ratio sfe / mqtt.js.
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
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
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
cleanup() { kill "$BROKER" 2>/dev/null || true; wait "$BROKER" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
for _ in $(seq 50); do mosquitto_sub -h 127.0.0.1 -p "$PORT" -t '$SYS/broker/version' -C 1 -W 1 >/dev/null 2>&1 && break; sleep 0.1; done

echo "building the .NET driver (Release)..." >&2
dotnet build "$ROOT/bench/mqtt/MqttThroughput" -c Release -o "$WORK/sfe" -v q -nologo >&2
echo "mosquitto $(mosquitto -h 2>/dev/null | head -1 | awk '{print $3}') on 127.0.0.1:$PORT; $COUNT msgs of $PAYLOAD bytes per run, in-flight window $INFLIGHT, $RUNS runs, $(nproc) cores" 

declare -A RATES CPU
for qos in 0 1; do
  for run in $(seq "$RUNS"); do
    for client in sfe mqttjs; do
      b0=$(awk '{print $14+$15}' "/proc/$BROKER/stat")
      if [ "$client" = sfe ]; then
        line=$(dotnet "$WORK/sfe/MqttThroughput.dll" "$PORT" "$COUNT" "$qos" "$INFLIGHT" "$PAYLOAD")
      else
        line=$(node "$ROOT/bench/mqtt/mqttjs-throughput.js" "$PORT" "$COUNT" "$qos" "$INFLIGHT" "$PAYLOAD")
      fi
      b1=$(awk '{print $14+$15}' "/proc/$BROKER/stat")
      secs=$(echo "$line" | sed 's/.*seconds=\([0-9.]*\).*/\1/')
      echo "  run $run: $line broker_cpu_s=$(awk -v a="$b0" -v b="$b1" -v t="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (b - a) / t }')"
      RATES[$client,$qos]="${RATES[$client,$qos]:-} ${line##*rate=}"
      CPU[$client,$qos]="${CPU[$client,$qos]:-} $(echo "$line" | sed 's/.*cpu_us_per_msg=\([0-9.]*\).*/\1/')"
    done
  done
done

# broker_cpu_s: mosquitto's CPU seconds over the warm-up plus the measured run (compare with seconds= to see if it is the limit).
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo
printf '%-6s %14s %14s %8s %16s %16s %8s\n' QoS "sfe msg/s" "mqtt.js msg/s" ratio "sfe cpu us/msg" "mqttjs cpu us/msg" ratio
for qos in 0 1; do
  s=$(echo "${RATES[sfe,$qos]}" | median)
  m=$(echo "${RATES[mqttjs,$qos]}" | median)
  sc=$(echo "${CPU[sfe,$qos]}" | median)
  mc=$(echo "${CPU[mqttjs,$qos]}" | median)
  printf '%-6s %14.0f %14.0f %7.2fx %16.2f %16.2f %7.2fx\n' "$qos" "$s" "$m" "$(awk -v a="$s" -v b="$m" 'BEGIN { print a / b }')" \
    "$sc" "$mc" "$(awk -v a="$mc" -v b="$sc" 'BEGIN { print a / b }')"
done
echo "(medians of $RUNS runs; cpu = client process CPU microseconds per message, lower is better; the last ratio is mqtt.js cpu / sfe cpu)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (a shared machine makes msg/s noisy; CPU per message is steadier)"
