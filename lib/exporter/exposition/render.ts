/** Prometheus text exposition (format 0.0.4) of check results, grouped by family. */
import { checkKinds } from "../checks/index.ts";
import type { CheckResult, CheckSpec, ExposedFamily } from "../types.ts";

export const contentType = "text/plain; version=0.0.4; charset=utf-8";

interface Family {
  help: string;
  type: string;
  lines: string[];
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

export function formatLabels(labels: Record<string, string>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(labels)) parts.push(`${name}="${escapeLabel(value)}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

/** Collects samples into families, then writes each family once with its HELP and TYPE. */
export class FamilyWriter {
  private readonly families = new Map<string, Family>();

  add(
    name: string,
    help: string,
    type: string,
    sample: string,
    labels: Record<string, string>,
    value: number,
  ): void {
    let family = this.families.get(name);
    if (!family) {
      family = { help, type, lines: [] };
      this.families.set(name, family);
    }
    family.lines.push(`${sample}${formatLabels(labels)} ${formatValue(value)}`);
  }

  has(name: string): boolean {
    return this.families.has(name);
  }

  typeOf(name: string): string | undefined {
    return this.families.get(name)?.type;
  }

  text(): string {
    let out = "";
    for (const [name, family] of this.families) {
      out += `# HELP ${name} ${escapeHelp(family.help)}\n# TYPE ${name} ${family.type}\n`;
      out += `${family.lines.join("\n")}\n`;
    }
    return out;
  }
}

/** Adds what a check produced: its outcome, its details and any passed-through families. */
export function writeResult(
  writer: FamilyWriter,
  prefix: string,
  base: Record<string, string>,
  spec: CheckSpec,
  result: CheckResult,
  withTimestamp: boolean,
): void {
  const success = `${prefix}success`;
  writer.add(
    success,
    "1 if the check succeeded, 0 if it failed.",
    "gauge",
    success,
    base,
    result.success ? 1 : 0,
  );
  const duration = `${prefix}duration_seconds`;
  writer.add(duration, "Seconds the check took.", "gauge", duration, base, result.durationSeconds);
  if (withTimestamp) {
    const last = `${prefix}last_run_timestamp_seconds`;
    writer.add(last, "Unix time the check last finished.", "gauge", last, base, result.timestamp);
  }
  const declared = checkKinds[spec.kind]?.metrics ?? {};
  for (const detail of result.details) {
    const meta = declared[detail.name];
    if (!meta) continue;
    const name = `${prefix}${detail.name}`;
    writer.add(name, meta.help, meta.type, name, { ...base, ...detail.labels }, detail.value);
  }
  writeExposed(writer, result.exposed, withTimestamp ? { check: spec.name } : {});
}

function writeExposed(
  writer: FamilyWriter,
  families: ExposedFamily[],
  extra: Record<string, string>,
): void {
  for (const family of families) {
    // Our own families win a name clash; a type clash between two commands drops the later one.
    if (family.name.startsWith("opsctl_") || family.name.startsWith("probe_")) continue;
    const existing = writer.typeOf(family.name);
    if (existing !== undefined && existing !== family.type) continue;
    for (const sample of family.samples)
      writer.add(
        family.name,
        family.help || "Passed through from the command output.",
        family.type,
        sample.name,
        { ...extra, ...sample.labels },
        sample.value,
      );
  }
}
