// Runs one SQL query in DuckDB and prints its rows as a JSON array of arrays (values as JSON
// strings/numbers/null), or with --time the elapsed seconds (wall and CPU of the process) as
// well. Usage:
//   node duckdb_query.mjs [--threads N] [--time] "SELECT ..."
import { DuckDBInstance } from '@duckdb/node-api';

const args = process.argv.slice(2);
let threads = '1';
let time = false;
while (args.length > 1) {
  if (args[0] === '--threads') { threads = args[1]; args.splice(0, 2); }
  else if (args[0] === '--time') { time = true; args.splice(0, 1); }
  else break;
}
const sql = args[0];
const instance = await DuckDBInstance.create(':memory:', { threads });
const conn = await instance.connect();
const start = process.hrtime.bigint();
const cpuStart = process.cpuUsage();
const reader = await conn.runAndReadAll(sql);
const rows = reader.getRowsJson();
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
if (time) {
  console.log(JSON.stringify({ seconds, cpuSeconds, rows: rows.length, first: rows[0] ?? null }));
} else {
  console.log(JSON.stringify(rows));
}
