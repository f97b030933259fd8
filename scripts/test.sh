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
dotnet test SmartFactoryEdge.sln -c Release --no-build -nologo \
  --filter "requirement!=hardware" \
  --logger "console;verbosity=normal" -- RunConfiguration.TestSessionTimeout=1500000 \
  | tee "${SFE_TEST_LOG:-/tmp/sfe-test.log}" | grep -E "^\s*(Passed|Failed|Skipped) [A-Z]|^(Passed|Failed)!|Total tests|error|Error Message" || true
status=${PIPESTATUS[0]}
# One closing line summing all test projects, in the plain form CI reads.
awk '/^(Passed|Failed)!/ { for (i=1;i<=NF;i++) { if ($i=="Failed:") f+=$(i+1); if ($i=="Passed:") p+=$(i+1); if ($i=="Skipped:") s+=$(i+1) } }
     END { gsub(",","",p); printf "%d passed, %d failed, %d skipped\n", p, f, s }' "${SFE_TEST_LOG:-/tmp/sfe-test.log}"
exit "$status"
