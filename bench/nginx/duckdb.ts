/**
 * The DuckDB baseline: one read_csv of the log into a table (the parse), then the group-bys a
 * report needs (status counts, top-10 IPs and paths, p50/p99 of $request_time).
 *   bun bench/nginx/duckdb.ts FILE
 */
import { DuckDBInstance } from "@duckdb/node-api";

const file = Bun.argv[2];
if (!file) throw new Error("usage: duckdb.ts FILE");
const db = await DuckDBInstance.create(":memory:", { threads: "2" });
const connection = await db.connect();
// Space-separated with "..." quoting: [time zone] splits into two columns, which is fine here.
await connection.run(`
  CREATE TABLE log AS SELECT ip, status, request, request_time FROM read_csv('${file.replace(/'/g, "''")}',
    delim = ' ', quote = '"', escape = '"', header = false, auto_detect = false, strict_mode = false,
    columns = {'ip': 'VARCHAR', 'ident': 'VARCHAR', 'user': 'VARCHAR', 'time': 'VARCHAR', 'zone': 'VARCHAR',
               'request': 'VARCHAR', 'status': 'INTEGER', 'bytes': 'BIGINT', 'referer': 'VARCHAR',
               'agent': 'VARCHAR', 'request_time': 'DOUBLE', 'upstream_time': 'VARCHAR'})`);
const queries = {
  status: "SELECT status, count(*) FROM log GROUP BY status ORDER BY 2 DESC",
  topIps: "SELECT ip, count(*) FROM log GROUP BY ip ORDER BY 2 DESC LIMIT 10",
  topPaths:
    "SELECT split_part(split_part(request, ' ', 2), '?', 1) AS path, count(*) FROM log GROUP BY path ORDER BY 2 DESC LIMIT 10",
  latency: "SELECT quantile_cont(request_time, 0.5), quantile_cont(request_time, 0.99) FROM log",
};
const results: Record<string, unknown> = {};
for (const [name, sql] of Object.entries(queries))
  results[name] = (await connection.runAndReadAll(sql)).getRows().length;
console.log(JSON.stringify(results));
