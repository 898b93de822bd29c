/**
 * Parsed records out: NDJSON (one object a line) or Parquet (typed columns, row groups of
 * `rowGroupRows` rows so memory stays bounded), for DuckDB/Spark/ClickHouse.
 */
import { closeSync, openSync } from "node:fs";
import type * as HyparquetWriter from "hyparquet-writer";
import { writeAllSync } from "../fs/write-all.ts";
import type { RecordView } from "./analyzer.ts";
import { type FilePath, pathText } from "./inputs.ts";

type ColumnType = "STRING" | "INT64" | "DOUBLE" | "TIMESTAMP";
export interface ExportColumn {
  name: string;
  type: ColumnType;
  value: (record: RecordView) => string | number | bigint | Date | null;
}

const integerVariables = new Set([
  "status",
  "body_bytes_sent",
  "bytes_sent",
  "request_length",
  "connection",
  "connection_requests",
  "pid",
]);
const secondsVariables = new Set([
  "request_time",
  "upstream_response_time",
  "upstream_connect_time",
  "upstream_header_time",
  "msec",
]);

const maxInt64 = 2n ** 63n - 1n;

function parseSeconds(text: string | undefined): number | null {
  if (text === undefined || text === "-" || text === "") return null;
  // Lists ("0.002, 0.010 : 0.004") sum, like the analysis does.
  let total = 0;
  let any = false;
  for (const part of text.split(/[,:]/)) {
    const value = Number.parseFloat(part.trim());
    if (Number.isFinite(value)) {
      total += value;
      any = true;
    }
  }
  return any ? Number(total.toFixed(3)) : null;
}

/** Columns for a format: time, request parts, then every variable with a sensible type. */
export function exportColumns(variables: string[]): ExportColumn[] {
  const columns: ExportColumn[] = [];
  const hasTime = variables.some((v) => v === "time_local" || v === "time_iso8601" || v === "msec");
  if (hasTime)
    columns.push({
      name: "time",
      type: "TIMESTAMP",
      value: (r) => {
        const t = r.time;
        return Number.isFinite(t) ? new Date(t * 1000) : null;
      },
    });
  if (variables.includes("request"))
    for (const name of ["method", "path", "query", "protocol"])
      columns.push({ name, type: "STRING", value: (r) => r.field(name) ?? null });
  for (const variable of new Set(variables)) {
    if (integerVariables.has(variable))
      columns.push({
        name: variable,
        type: "INT64",
        value: (r) => {
          // Past INT64 (a corrupt line) the Parquet writer threw and the whole export failed.
          const text = r.field(variable);
          if (!text || !/^\d{1,19}$/.test(text)) return null;
          const value = BigInt(text);
          return value <= maxInt64 ? value : null;
        },
      });
    else if (secondsVariables.has(variable))
      columns.push({
        name: variable,
        type: "DOUBLE",
        value: (r) => parseSeconds(r.field(variable)),
      });
    else columns.push({ name: variable, type: "STRING", value: (r) => r.field(variable) ?? null });
  }
  return columns;
}

export interface RecordSink {
  write(record: RecordView): void;
  close(): Promise<void>;
  readonly rows: number;
}

/**
 * NDJSON to a file, or for "-" to `stdout` (fd 1 if not given). The tool's stdout stops the run
 * quietly when its reader goes away (`--export - | head`); a write of its own to fd 1 failed with
 * EPIPE and went on reading the whole log.
 */
export function ndjsonSink(
  path: FilePath,
  columns: ExportColumn[],
  stdout: (text: string) => void = (text) => writeAllSync(1, text),
): RecordSink {
  const fd = path === "-" ? 1 : openSync(path, "w");
  const write = path === "-" ? stdout : (text: string) => writeAllSync(fd, text);
  let buffer: string[] = [];
  let size = 0;
  let rows = 0;
  const flush = () => {
    if (buffer.length) write(buffer.join(""));
    buffer = [];
    size = 0;
  };
  return {
    get rows() {
      return rows;
    },
    write(record) {
      const object: Record<string, unknown> = {};
      for (const column of columns) {
        const value = column.value(record);
        object[column.name] =
          value instanceof Date
            ? value.toISOString()
            : typeof value === "bigint"
              ? Number(value)
              : value;
      }
      const line = `${JSON.stringify(object)}\n`;
      buffer.push(line);
      size += line.length;
      rows++;
      if (size > 1 << 20) flush();
    },
    async close() {
      flush();
      if (fd !== 1) closeSync(fd);
    },
  };
}

/** Parquet with typed, nullable columns; one row group per `rowGroupRows` records. */
export function parquetSink(
  path: FilePath,
  columns: ExportColumn[],
  rowGroupRows = 100_000,
): RecordSink {
  // Loaded here, not at start: ~200 KB of Parquet code that only --export *.parquet needs.
  const { fileWriter, ParquetWriter, schemaFromColumnData } =
    require("hyparquet-writer") as typeof HyparquetWriter;
  // Typed as text, but it only hands the name to node:fs, which opens bytes as they are.
  const writer = fileWriter(path as string);
  const schema = schemaFromColumnData({
    columnData: columns.map((c) => ({ name: c.name, data: [], type: c.type, nullable: true })),
  });
  const parquet = new ParquetWriter({ writer, schema, createdBy: "opsctl nginxlog" });
  let batch: (string | number | bigint | Date | null)[][] = columns.map(() => []);
  let rows = 0;
  let pending = 0;
  // fileWriter writes synchronously, so write() needs no await: the batch can be reused at once.
  const flush = () => {
    if (pending === 0) return;
    const columnData = columns.map((c, i) => ({
      name: c.name,
      data: batch[i] ?? [],
      type: c.type,
      nullable: true,
    }));
    void parquet.write({ columnData, rowGroupSize: pending });
    batch = columns.map(() => []);
    pending = 0;
  };
  return {
    get rows() {
      return rows;
    },
    write(record) {
      for (let i = 0; i < columns.length; i++)
        batch[i]?.push((columns[i] as ExportColumn).value(record));
      rows++;
      pending++;
      if (pending >= rowGroupRows) flush();
    },
    async close() {
      flush();
      await parquet.finish();
    },
  };
}

/**
 * The sink, its first write error kept for close(): thrown from write() it went up through the
 * analysis and was reported as the log's read error ("access.log: ENOSPC ...").
 */
function failingAtClose(sink: RecordSink, onFailure?: (error: unknown) => void): RecordSink {
  let failure: unknown;
  return {
    get rows() {
      return sink.rows;
    },
    write(record) {
      if (failure !== undefined) return;
      try {
        sink.write(record);
      } catch (error) {
        failure = error;
        onFailure?.(error);
      }
    },
    async close() {
      if (failure !== undefined) throw failure;
      await sink.close();
    },
  };
}

/**
 * onFailure: told once when a write fails (records after it are dropped; close() throws it).
 * stdout: where "-" writes (see ndjsonSink).
 */
export function sinkFor(
  path: FilePath,
  columns: ExportColumn[],
  rowGroupRows?: number,
  onFailure?: (error: unknown) => void,
  stdout?: (text: string) => void,
): RecordSink {
  return failingAtClose(
    pathText(path).endsWith(".parquet")
      ? parquetSink(path, columns, rowGroupRows)
      : ndjsonSink(path, columns, stdout),
    onFailure,
  );
}
