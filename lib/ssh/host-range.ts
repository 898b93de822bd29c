/**
 * Host ranges as pdsh and Ansible write them: web[01-20].example, web[1-3,7], db[a:c],
 * www[01:50:2] (Ansible's start:end:step). Zero padding follows the start's width.
 */

const bracket = /\[([^\]]*)\]/;
/** The most names one pattern may expand to. */
const maxHosts = 100_000;

/** Expands every bracket of a host name; a name without brackets is returned as is. */
export function expandHostRange(pattern: string): string[] {
  const match = bracket.exec(pattern);
  if (!match) return [pattern];
  const before = pattern.slice(0, match.index);
  const after = pattern.slice(match.index + match[0].length);
  const inner = match[1] ?? "";
  // An IPv6 literal in brackets ([::1]) is not a range.
  if (
    inner.includes("::") ||
    (/^[0-9a-f:]+$/i.test(inner) && inner.includes(":") && inner.split(":").length > 3)
  )
    return [pattern];
  const values: string[] = [];
  for (const part of inner.split(",")) values.push(...expandPart(part, pattern));
  const tails = expandHostRange(after);
  // Per bracket and in all: a[0-99999][0-99999] would be 10^10 names (memory gone, no message).
  if (values.length * tails.length > maxHosts)
    throw new Error(`host range "${pattern}": more than ${maxHosts} hosts`);
  const out: string[] = [];
  for (const value of values) for (const tail of tails) out.push(before + value + tail);
  return out;
}

function expandPart(part: string, pattern: string): string[] {
  const text = part.trim();
  const numeric = /^(\d+)(?:[-:](\d+))?(?::(\d+))?$/.exec(text);
  if (numeric) {
    const [, startText = "", endText, stepText] = numeric;
    if (endText === undefined) return [startText];
    const start = Number(startText);
    const end = Number(endText);
    const step = stepText ? Number(stepText) : 1;
    if (end < start || step < 1) throw new Error(`host range "${pattern}": empty range "${text}"`);
    if ((end - start) / step > maxHosts)
      throw new Error(`host range "${pattern}": more than ${maxHosts} hosts`);
    const width = startText.length > 1 && startText.startsWith("0") ? startText.length : 0;
    const out: string[] = [];
    for (let n = start; n <= end; n += step) out.push(String(n).padStart(width, "0"));
    return out;
  }
  const alpha = /^([a-z])[-:]([a-z])$/i.exec(text);
  if (alpha) {
    const start = (alpha[1] ?? "a").charCodeAt(0);
    const end = (alpha[2] ?? "a").charCodeAt(0);
    if (end < start) throw new Error(`host range "${pattern}": empty range "${text}"`);
    const out: string[] = [];
    for (let c = start; c <= end; c++) out.push(String.fromCharCode(c));
    return out;
  }
  throw new Error(`host range "${pattern}": "${text}" is not a range (use 01-20, 1-3,7 or a:f)`);
}

/**
 * Folds host names back into ranges for display (dshbak -c style): web01 web02 web03 db1 ->
 * web[01-03],db1. Names are folded on their one numeric field that varies (so user@10.0.0.[2-9]:22
 * works too); anything else is listed as is.
 */
export function foldHostNames(names: readonly string[]): string {
  const shapes = new Map<string, string[][]>();
  const order: string[] = [];
  for (const name of names) {
    const tokens = name.split(/(\d+)/);
    const shape = tokens.map((token, i) => (i % 2 === 1 ? "#" : token)).join("\0");
    let list = shapes.get(shape);
    if (!list) {
      list = [];
      shapes.set(shape, list);
      order.push(shape);
    }
    list.push(tokens);
  }
  const parts: string[] = [];
  for (const shape of order) {
    const list = shapes.get(shape) ?? [];
    const first = list[0] ?? [];
    const varying = first
      .map((_, i) => i)
      .filter((i) => i % 2 === 1 && list.some((tokens) => tokens[i] !== first[i]));
    const index = varying[0];
    if (list.length === 1 || varying.length !== 1 || index === undefined) {
      for (const tokens of list) parts.push(tokens.join(""));
      continue;
    }
    const values = [...new Set(list.map((tokens) => tokens[index] ?? ""))];
    // Zero-padded values (web01..web12) all have the padded width; web1 and web01 are not one run.
    const padded = values.find((v) => v.length > 1 && v.startsWith("0"));
    if (padded && values.some((v) => v.length !== padded.length)) {
      for (const tokens of list) parts.push(tokens.join(""));
      continue;
    }
    values.sort((a, b) => Number(a) - Number(b));
    const runs: string[] = [];
    let runStart = values[0] ?? "";
    let previous = runStart;
    for (const current of [...values.slice(1), undefined]) {
      if (current !== undefined && Number(current) === Number(previous) + 1) {
        previous = current;
        continue;
      }
      runs.push(runStart === previous ? runStart : `${runStart}-${previous}`);
      if (current !== undefined) {
        runStart = current;
        previous = current;
      }
    }
    const before = first.slice(0, index).join("");
    const after = first.slice(index + 1).join("");
    parts.push(`${before}[${runs.join(",")}]${after}`);
  }
  return parts.join(",");
}
