// Reads a Parquet file with DuckDB (@duckdb/node-api) and prints {columns, rows, stats} as JSON on stdout.
// Usage: node duckdb-read.mjs FILE   (SFE_PARQUET_MODULES = the node_modules folder holding @duckdb/node-api)
import { createRequire } from 'node:module';
import { join } from 'node:path';
const require = createRequire(join(process.env.SFE_PARQUET_MODULES, 'x.js'));
const { DuckDBInstance } = require('@duckdb/node-api');
const file = process.argv[2].replaceAll("'", "''");
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjectsJS();
const columns = described.map(d => ({ name: d.column_name, type: d.column_type }));
// timestamps as epoch microseconds and 64-bit integers as strings: exact, whatever the JSON side does with numbers
const select = columns.map(c => {
  const q = `"${c.name}"`;
  if (c.type.startsWith('TIMESTAMP')) return `CAST(epoch_us(${q}) AS VARCHAR) AS ${q}`;
  if (c.type === 'BIGINT') return `CAST(${q} AS VARCHAR) AS ${q}`;
  if (c.type === 'DOUBLE') return `CASE WHEN isnan(${q}) THEN 'NaN' ELSE CAST(${q} AS VARCHAR) END AS ${q}`;
  return q;
}).join(', ');
const rows = (await conn.runAndReadAll(`SELECT ${select} FROM read_parquet('${file}')`)).getRowObjectsJS();
const meta = (await conn.runAndReadAll(
  `SELECT row_group_id, path_in_schema, stats_min_value, stats_max_value, CAST(stats_null_count AS VARCHAR) AS nulls, encodings, compression, CAST(num_values AS VARCHAR) AS num_values
   FROM parquet_metadata('${file}') ORDER BY row_group_id, column_id`)).getRowObjectsJS();
const json = JSON.stringify({ columns, rows, stats: meta }, (k, v) => typeof v === 'bigint' ? v.toString() : v);
process.stdout.write(json);
