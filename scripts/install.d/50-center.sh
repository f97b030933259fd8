#!/usr/bin/env bash
# The AI center: PostgreSQL (the scale-out store; tests start a private cluster with initdb) and two independent
# Parquet readers (DuckDB and hyparquet) that the export tests use to read our files back.
set -euo pipefail
apt_install postgresql
npm_install parquet-readers @duckdb/node-api@1.5.6-r.1 hyparquet@1.31.5
