#!/usr/bin/env bash
# Sustained ingest benchmark of one center instance: Mosquitto fed at a fixed rate by a separate publisher process,
# center into SQLite and PostgreSQL. Prints stored samples/s, samples per CPU-second of the center, and a decode/store
# breakdown. Usage: bench/center/run.sh [--rate 200000] [--seconds 10] [--batch 1000] [--store sqlite|postgres|both] [--durable true|false]
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build -c Release bench/center/CenterIngestBench -v q -nologo > /dev/null
# --store defaults to both; a --store given on the command line replaces it
case " $* " in *" --store "*) DEFAULT_STORE=() ;; *) DEFAULT_STORE=(--store both) ;; esac
exec dotnet bench/center/CenterIngestBench/bin/Release/net10.0/CenterIngestBench.dll "${DEFAULT_STORE[@]}" "$@"
