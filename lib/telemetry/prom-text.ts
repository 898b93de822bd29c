/**
 * Prometheus text exposition -> the family shape prom-client's getMetricsAsJSON() returns, so
 * text sources (a store rendering check results) go through the same OTLP translation.
 * Lenient: a line it cannot read is skipped, since this only feeds telemetry.
 */

export interface TextFamily {
  name: string;
  help: string;
  type: string;
  values: { value: number; labels: Record<string, string>; metricName: string }[];
}

const suffixes: Record<string, string[]> = {
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["_sum", "_count"],
};

export function parseExposition(text: string): TextFamily[] {
  const families = new Map<string, TextFamily>();
  const family = (name: string) => {
    let entry = families.get(name);
    if (!entry) {
      entry = { name, help: "", type: "untyped", values: [] };
      families.set(name, entry);
    }
    return entry;
  };
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) {
      const match = /^#\s+(HELP|TYPE)\s+(\S+)\s?(.*)$/.exec(line);
      if (!match) continue;
      const [, keyword, name = "", rest = ""] = match;
      if (keyword === "HELP") family(name).help = rest.replace(/\\n/g, "\n").replace(/\\\\/g, "\\");
      else family(name).type = rest.trim();
      continue;
    }
    const sample = parseSample(line);
    if (!sample) continue;
    family(familyOf(sample.metricName, families)).values.push(sample);
  }
  return [...families.values()].filter((f) => f.values.length > 0);
}

/** A histogram's x_bucket belongs to family x when x was declared as a histogram. */
function familyOf(sampleName: string, families: Map<string, TextFamily>): string {
  for (const [type, endings] of Object.entries(suffixes))
    for (const ending of endings)
      if (sampleName.endsWith(ending)) {
        const base = sampleName.slice(0, -ending.length);
        if (families.get(base)?.type === type) return base;
      }
  return sampleName;
}

function parseSample(
  line: string,
): { value: number; labels: Record<string, string>; metricName: string } | undefined {
  const trimmed = line.trim();
  if (!trimmed) return undefined;
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(trimmed);
  if (!nameMatch) return undefined;
  const metricName = nameMatch[0];
  let rest = trimmed.slice(metricName.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith("{")) {
    const end = labelsEnd(rest);
    if (end < 0) return undefined;
    for (const pair of rest.slice(1, end).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[pair[1] ?? ""] = (pair[2] ?? "").replace(/\\(.)/g, (_, c: string) =>
        c === "n" ? "\n" : c,
      );
    rest = rest.slice(end + 1);
  }
  const valueText = rest.trim().split(/\s+/)[0] ?? "";
  const value =
    valueText === "+Inf" ? Infinity : valueText === "-Inf" ? -Infinity : Number(valueText);
  if (valueText === "" || (Number.isNaN(value) && valueText !== "NaN")) return undefined;
  return { value, labels, metricName };
}

/** Index of the "}" closing the label set, skipping quoted values. */
function labelsEnd(text: string): number {
  let quoted = false;
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === "\\") i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === "}") return i;
  }
  return -1;
}
