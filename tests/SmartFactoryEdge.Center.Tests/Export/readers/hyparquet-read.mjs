// Reads a Parquet file with hyparquet and prints {columns, rows, stats} as JSON on stdout. GZIP pages are inflated with
// node:zlib through hyparquet's compressors hook (hyparquet itself only bundles Snappy).
// Usage: node hyparquet-read.mjs FILE   (SFE_PARQUET_MODULES = the node_modules folder holding hyparquet)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
const hp = await import(pathToFileURL(join(process.env.SFE_PARQUET_MODULES, 'hyparquet', 'src', 'index.js')).href);
const bytes = readFileSync(process.argv[2]);
const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
const compressors = { GZIP: (input) => new Uint8Array(gunzipSync(input)) };
const parsers = { timestampFromMicroseconds: (us) => BigInt(us).toString(), timestampFromMilliseconds: (ms) => (BigInt(ms) * 1000n).toString() };
const metadata = hp.parquetMetadata(file, { parsers });
const columns = metadata.schema.slice(1).map(s => ({ name: s.name, type: s.type, logical: s.logical_type?.type ?? null, repetition: s.repetition_type }));
const rows = await hp.parquetReadObjects({ file, compressors, parsers });
const stats = [];
metadata.row_groups.forEach((g, i) => g.columns.forEach(c => stats.push({
  row_group_id: i, path_in_schema: c.meta_data.path_in_schema.join('.'), encodings: c.meta_data.encodings, codec: c.meta_data.codec,
  num_values: c.meta_data.num_values, min: c.meta_data.statistics?.min_value, max: c.meta_data.statistics?.max_value, nulls: c.meta_data.statistics?.null_count,
})));
const norm = (k, v) => typeof v === 'bigint' ? v.toString() : (typeof v === 'number' && Number.isNaN(v)) ? 'NaN' : v instanceof Date ? v.toISOString() : v;
process.stdout.write(JSON.stringify({ columns, rows, stats, num_rows: metadata.num_rows }, norm));
