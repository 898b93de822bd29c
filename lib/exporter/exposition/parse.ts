/**
 * Parses Prometheus text exposition (a command's stdout, script_exporter style) into families,
 * rejecting anything that would corrupt our own /metrics: bad names or labels, duplicates,
 * samples split from their family, reserved labels.
 */
import { labelName } from "../fields.ts";
import type { ExposedFamily } from "../types.ts";

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const types = new Set(["gauge", "counter", "untyped", "histogram", "summary"]);
const suffixes: Record<string, string[]> = {
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["_sum", "_count"],
  counter: ["_total"],
};

export interface ParseOptions {
  /** Labels the exporter adds itself: a sample may not carry them. */
  reservedLabels: readonly string[];
  maxSamples: number;
}

function parseValue(text: string, line: number): number {
  if (text === "NaN") return Number.NaN;
  if (text === "+Inf" || text === "Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  if (text === "" || Number.isNaN(value)) throw new Error(`line ${line}: "${text}" is not a value`);
  return value;
}

/** {a="1",b="x\"y"} starting at `start`; returns the labels and the index after "}". */
function parseLabels(
  text: string,
  start: number,
  line: number,
): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    while (text[i] === " " || text[i] === ",") i++;
    if (text[i] === "}") return { labels, end: i + 1 };
    const nameMatch = /^[^=\s]+/.exec(text.slice(i));
    const name = nameMatch?.[0] ?? "";
    if (!labelName.test(name) || name.startsWith("__"))
      throw new Error(`line ${line}: invalid label name "${name}"`);
    if (Object.hasOwn(labels, name)) throw new Error(`line ${line}: label "${name}" repeated`);
    i += name.length;
    while (text[i] === " ") i++;
    if (text[i] !== "=" || text[i + 1] !== '"')
      throw new Error(`line ${line}: expected ="value" after label ${name}`);
    i += 2;
    let value = "";
    for (;;) {
      const char = text[i];
      if (char === undefined) throw new Error(`line ${line}: unterminated label value`);
      i++;
      if (char === '"') break;
      if (char === "\\") {
        const next = text[i++];
        value += next === "n" ? "\n" : (next ?? "");
      } else value += char;
    }
    labels[name] = value;
  }
}

export function parseExposition(text: string, options: ParseOptions): ExposedFamily[] {
  const families = new Map<string, ExposedFamily>();
  const declared = new Map<string, { help?: string; type?: string }>();
  const seen = new Set<string>();
  const closed = new Set<string>();
  let current: string | undefined;
  let samples = 0;

  const familyOf = (name: string): string => {
    if (declared.get(name)?.type) return name;
    for (const [type, endings] of Object.entries(suffixes)) {
      for (const ending of endings) {
        if (!name.endsWith(ending)) continue;
        const base = name.slice(0, -ending.length);
        if (declared.get(base)?.type === type) return base;
      }
    }
    return name;
  };

  const lines = text.split("\n");
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "") continue;
    if (trimmed.startsWith("#")) {
      const meta = /^#\s*(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(trimmed);
      if (!meta) continue;
      const [, keyword, name = "", rest = ""] = meta;
      if (!metricName.test(name)) throw new Error(`line ${line}: invalid metric name "${name}"`);
      if (families.has(name))
        throw new Error(`line ${line}: ${keyword} for ${name} after its samples`);
      const entry = declared.get(name) ?? {};
      if (keyword === "TYPE") {
        if (!types.has(rest)) throw new Error(`line ${line}: unknown metric type "${rest}"`);
        if (entry.type) throw new Error(`line ${line}: second TYPE for ${name}`);
        entry.type = rest;
      } else entry.help = rest.replace(/\\n/g, "\n").replace(/\\\\/g, "\\");
      declared.set(name, entry);
      continue;
    }
    const nameMatch = /^[^\s{]+/.exec(trimmed);
    const name = nameMatch?.[0] ?? "";
    if (!metricName.test(name)) throw new Error(`line ${line}: invalid metric name "${name}"`);
    let labels: Record<string, string> = {};
    let rest = trimmed.slice(name.length);
    if (rest.startsWith("{")) {
      const parsed = parseLabels(rest, 0, line);
      labels = parsed.labels;
      rest = rest.slice(parsed.end);
    }
    for (const reserved of options.reservedLabels)
      if (Object.hasOwn(labels, reserved))
        throw new Error(`line ${line}: label "${reserved}" is reserved by the exporter`);
    const [valueText = "", timestamp] = rest.trim().split(/\s+/);
    if (timestamp !== undefined && !/^-?\d+$/.test(timestamp))
      throw new Error(`line ${line}: "${timestamp}" is not a timestamp`);
    const value = parseValue(valueText, line);
    const family = familyOf(name);
    if (closed.has(family)) throw new Error(`line ${line}: samples of ${family} are not together`);
    if (current !== undefined && current !== family) closed.add(current);
    current = family;
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`line ${line}: duplicate series ${name}`);
    seen.add(key);
    if (++samples > options.maxSamples) throw new Error(`more than ${options.maxSamples} samples`);
    let entry = families.get(family);
    if (!entry) {
      const meta = declared.get(family);
      entry = {
        name: family,
        help: meta?.help ?? "",
        type: (meta?.type ?? "untyped") as ExposedFamily["type"],
        samples: [],
      };
      families.set(family, entry);
    }
    entry.samples.push({ name, labels, value });
  }
  // Text format 0.0.4 names a counter's samples exactly like its family: OpenMetrics-style
  // "# TYPE x counter" with "x_total" samples becomes the family x_total.
  for (const family of families.values()) {
    if (family.type === "counter" && family.samples.every((s) => s.name === `${family.name}_total`))
      family.name = `${family.name}_total`;
  }
  return [...families.values()];
}
