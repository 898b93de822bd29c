/** Leveled logs, always on stderr: human text on a terminal, JSON lines otherwise. */

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface LogRecord {
  time: Date;
  level: LogLevel;
  msg: string;
  fields: LogFields;
}

/** Extra destinations (OpenTelemetry logs, tests); a sink never throws into the tool. */
export type LogSink = (record: LogRecord) => void;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  tool: string;
  level: LogLevel;
  format: "text" | "json";
  color: boolean;
  write?: (line: string) => void;
}

export class Logger {
  private readonly sinks: LogSink[] = [];
  private readonly write: (line: string) => void;

  constructor(private readonly options: LoggerOptions) {
    this.write = options.write ?? ((line) => process.stderr.write(line));
  }

  addSink(sink: LogSink): void {
    this.sinks.push(sink);
  }

  enabled(level: LogLevel): boolean {
    return rank[level] >= rank[this.options.level];
  }

  debug(msg: string, fields: LogFields = {}): void {
    this.log("debug", msg, fields);
  }
  info(msg: string, fields: LogFields = {}): void {
    this.log("info", msg, fields);
  }
  warn(msg: string, fields: LogFields = {}): void {
    this.log("warn", msg, fields);
  }
  error(msg: string, fields: LogFields = {}): void {
    this.log("error", msg, fields);
  }

  log(level: LogLevel, msg: string, fields: LogFields): void {
    if (!this.enabled(level)) return;
    const record: LogRecord = { time: new Date(), level, msg, fields };
    for (const sink of this.sinks) {
      try {
        sink(record);
      } catch {
        // A broken telemetry sink must not break the tool.
      }
    }
    this.write(this.options.format === "json" ? this.jsonLine(record) : this.textLine(record));
  }

  private jsonLine({ time, level, msg, fields }: LogRecord): string {
    return `${JSON.stringify({ time: time.toISOString(), level, tool: this.options.tool, msg, ...fields })}\n`;
  }

  private textLine({ level, msg, fields }: LogRecord): string {
    const tag = this.options.color ? colorTag[level] : level.toUpperCase().padEnd(5);
    const extra = Object.entries(fields)
      .map(
        ([key, value]) =>
          `${key}=${typeof value === "string" ? quoteIfNeeded(value) : JSON.stringify(value)}`,
      )
      .join(" ");
    return `${tag} ${msg}${extra ? ` ${extra}` : ""}\n`;
  }
}

const colorTag: Record<LogLevel, string> = {
  debug: "\x1b[90mDEBUG\x1b[0m",
  info: "\x1b[36mINFO \x1b[0m",
  warn: "\x1b[33mWARN \x1b[0m",
  error: "\x1b[31mERROR\x1b[0m",
};

function quoteIfNeeded(value: string): string {
  return /[\s"=]/.test(value) || value === "" ? JSON.stringify(value) : value;
}
