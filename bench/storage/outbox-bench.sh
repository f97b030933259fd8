#!/usr/bin/env bash
# Outbox benchmarks (see src/SmartFactoryEdge.Storage/README.md for the figures).
#   bench/storage/outbox-bench.sh throughput [seconds]      append+take+decode+ack on one thread, batches of 500 and 1000, Normal and Full
#   bench/storage/outbox-bench.sh outage [seconds] [rate]   append RATE samples/s with no acks (a broker outage); prints RSS every 10 s
# The BenchmarkDotNet version of the throughput run:
#   cd tests/SmartFactoryEdge.Benchmarks && dotnet run -c Release -- --filter '*OutboxBenchmarks*' --job short
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
dotnet build -c Release tests/SmartFactoryEdge.Storage.Tests -v q -nologo >/dev/null
exe=(dotnet exec tests/SmartFactoryEdge.Storage.Tests/bin/Release/net10.0/SmartFactoryEdge.Storage.Tests.dll)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
case "${1:-throughput}" in
  throughput)
    secs="${2:-10}"
    for sync in normal full; do
      for batch in 500 1000; do
        # taskset pins the run to one core when available
        if command -v taskset >/dev/null; then pin=(taskset -c 0); else pin=(); fi
        "${pin[@]}" "${exe[@]}" outbox-throughput "$tmp/outbox-$sync-$batch.db" "$batch" "$secs" "$sync"
      done
    done
    ;;
  outage)
    "${exe[@]}" outbox-outage "$tmp/outbox-outage.db" "${3:-10000}" "${2:-600}"
    ;;
  *) echo "usage: $0 throughput|outage [seconds] [rate]" >&2; exit 2 ;;
esac
