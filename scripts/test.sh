#!/usr/bin/env bash
# The test command: installs prerequisites (idempotent), builds, runs every test tier that needs
# no hardware. Peers (Mosquitto, node-opcua, pymodbus) are started by the test fixtures on 127.0.0.1.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/install.sh
export SFE_TOOLS=${SFE_TOOLS:-$ROOT/.tools}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build SmartFactoryEdge.sln -c Release -nologo -clp:ErrorsOnly
# requirement=hardware needs a wired rig (hardware/README.md); never in CI.
LOG=${SFE_TEST_LOG:-/tmp/sfe-test.log}
set +e
dotnet test SmartFactoryEdge.sln -c Release --no-build -nologo \
  --filter "requirement!=hardware" \
  --logger "console;verbosity=normal" -- RunConfiguration.TestSessionTimeout=1500000 > "$LOG" 2>&1
status=$?
set -e
# the failures in full, then one closing line in the plain form CI reads
grep -E "^\s+Failed [A-Za-z]|Error Message|^\s+at SmartFactoryEdge|Test Run Aborted|exited with error" -A3 "$LOG" | head -400 || true
awk '/^ +Passed: [0-9]+$/ { p += $2 }
     /^ +Failed: [0-9]+$/ { f += $2 }
     /^ +Skipped: [0-9]+$/ { s += $2 }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$LOG"
if [ $status -ne 0 ]; then echo "dotnet test exited with $status (full log: $LOG)"; fi
exit $status
