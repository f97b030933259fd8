#!/usr/bin/env bash
# Side by side, on the same data: our SR (streaming) and PCA T²/SPE against straightforward Python/numpy versions.
# Usage: bench/anomaly/run.sh [DATA_DIR (default ../shared/data)] [REPEATS (default 3)]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DATA=${1:-$ROOT/../shared/data}
REPEATS=${2:-3}
[ -d "$DATA/nab" ] && [ -d "$DATA/skab/valve1" ] || { echo "bench/anomaly: $DATA needs nab/ and skab/valve1/" >&2; exit 2; }
dotnet build -c Release -nologo -clp:ErrorsOnly "$HERE/SfeBench/SfeBench.csproj" >&2
OURS=$(dotnet "$HERE/SfeBench/bin/Release/net10.0/SfeBench.dll" "$DATA" "$REPEATS")
PY=$(/usr/bin/python3 "$HERE/numpy_detectors.py" "$DATA" "$REPEATS")
/usr/bin/python3 - "$OURS" "$PY" <<'PYEOF'
import json, os, sys
ours = {d["name"]: d for d in map(json.loads, sys.argv[1].splitlines())}
py = {d["name"]: d for d in map(json.loads, sys.argv[2].splitlines())}
print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (timings are medians; ratios are what to compare)")
print(f"{'detector':<18}{'samples':>9}{'ours ns/sample':>16}{'numpy ns/sample':>17}{'numpy/ours':>12}")
for name, p in py.items():
    o = ours.get(name) or ours.get(name.replace("-batch", "-stream"))
    on = o["seconds"] / o["samples"] * 1e9
    pn = p["seconds"] / p["samples"] * 1e9
    label = name if name in ours else name + " (vs our stream)"
    print(f"{label:<18}{p['samples']:>9}{on:>16.1f}{pn:>17.1f}{pn / on:>11.1f}x")
PYEOF
