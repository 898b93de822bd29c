// Kubernetes label selector syntax: a=b, a==b, a!=b, a in (x,y), a notin (x), a, !a.
import { ConfigError } from "../../cli/errors.ts";

type Requirement = (labels: Record<string, string>) => boolean;

export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;

/** Splits on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of selector) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (char === "," && depth === 0) {
      terms.push(current);
      current = "";
    } else current += char;
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter(Boolean);
}

const KEY = "[A-Za-z0-9][-A-Za-z0-9_./]*";

function requirement(term: string, selector: string): Requirement {
  let m = new RegExp(`^(${KEY})\\s*(in|notin)\\s*\\(([^)]*)\\)$`).exec(term);
  if (m) {
    const key = m[1] as string;
    const values = new Set((m[3] as string).split(",").map((v) => v.trim()));
    return m[2] === "in"
      ? (labels) => key in labels && values.has(labels[key] as string)
      : (labels) => !(key in labels) || !values.has(labels[key] as string);
  }
  m = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*([-A-Za-z0-9_.]*)$`).exec(term);
  if (m) {
    const key = m[1] as string;
    const value = m[3] as string;
    return m[2] === "!=" ? (labels) => labels[key] !== value : (labels) => labels[key] === value;
  }
  m = new RegExp(`^(!?)\\s*(${KEY})$`).exec(term);
  if (m) {
    const key = m[2] as string;
    return m[1] ? (labels) => !(key in labels) : (labels) => key in labels;
  }
  throw new ConfigError(`label selector "${selector}": cannot parse "${term}"`);
}

export function parseLabelSelector(selector: string): LabelMatcher {
  const requirements = splitTerms(selector).map((term) => requirement(term, selector));
  return (labels) => requirements.every((req) => req(labels ?? {}));
}
