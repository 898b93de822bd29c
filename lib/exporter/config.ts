/**
 * The exporter's configuration: `checks` (scheduled) and `modules` (probe mode), from the
 * `exporter:` section of the opsctl config or from a dedicated --checks file with the same keys.
 * Validation names the check and the key; a bad config is never half-applied.
 */
import { maxTimerSeconds } from "../cli/values.ts";
import { checkKinds, kindAliases } from "./checks/index.ts";
import {
  isMapping,
  labelName,
  onlyKeys,
  optDuration,
  optString,
  type Raw,
  stringMap,
} from "./fields.ts";
import { shownTarget } from "./target-text.ts";
import type { CheckSpec } from "./types.ts";

/** The shortest check interval: Prometheus scrapes every few seconds at most. */
const minIntervalSeconds = 1;
export interface ExporterConfig {
  checks: CheckSpec[];
  modules: Map<string, CheckSpec>;
}

export interface Defaults {
  interval: number;
  timeout: number;
}

const nameRule = /^[a-zA-Z0-9_.:-]+$/;
/** Labels the exporter sets itself. */
const reservedLabels = new Set(["check", "kind", "phase", "version", "rcode", "status"]);

function parseOne(raw: unknown, where: string, defaults: Defaults, probe: boolean): CheckSpec {
  if (!isMapping(raw)) throw new Error(`${where}: expected a mapping`);
  const kindName = optString(raw, "kind", where) ?? optString(raw, "prober", where);
  if (!kindName)
    throw new Error(`${where}.kind: required (one of ${Object.keys(checkKinds).join(", ")})`);
  const kindKey = kindAliases[kindName] ?? kindName;
  const kind = checkKinds[kindKey];
  if (!kind)
    throw new Error(
      `${where}.kind: "${kindName}" is not one of ${Object.keys(checkKinds).join(", ")}`,
    );
  // Settings live under the kind's key (blackbox layout: `http: {...}`); "tls" files use "cert" too.
  const settingsKey = Object.hasOwn(raw, kindName) ? kindName : kindKey;
  const common = ["name", "kind", "prober", "target", "interval", "timeout", "labels"];
  onlyKeys(raw, [...common, settingsKey], where);
  const settingsRaw = raw[settingsKey] ?? {};
  if (!isMapping(settingsRaw)) throw new Error(`${where}.${settingsKey}: expected a mapping`);
  const settings = kind.parse(settingsRaw as Raw, `${where}.${settingsKey}`);
  const name = optString(raw, "name", where) ?? "";
  if (!probe && !nameRule.test(name))
    throw new Error(`${where}.name: required, letters, digits and _.:- only`);
  const target = optString(raw, "target", where) ?? "";
  if (!probe && target === "" && !["command", "dns"].includes(kind.kind))
    throw new Error(`${where}.target: required for a ${kind.kind} check`);
  if (!probe && target !== "") {
    const problem = kind.validateTarget?.(target, settings);
    if (problem) throw new Error(`${where}.target "${shownTarget(target)}": ${problem}`);
  }
  const interval = optDuration(raw, "interval", where) ?? defaults.interval;
  const timeout = optDuration(raw, "timeout", where) ?? Math.min(defaults.timeout, interval);
  for (const [key, seconds] of [
    ["interval", interval],
    ["timeout", timeout],
  ] as const)
    if (seconds > maxTimerSeconds)
      throw new Error(`${where}.${key}: ${seconds}s is longer than a timer can wait (24 days)`);
  // A check every few milliseconds is a typo (30ms for 30s), and would run ~30 times a second.
  if (!probe && interval < minIntervalSeconds)
    throw new Error(
      `${where}.interval: ${interval}s is under ${minIntervalSeconds}s (a typo of s?)`,
    );
  if (!probe && timeout > interval)
    throw new Error(`${where}.timeout: ${timeout}s is longer than the interval (${interval}s)`);
  const labels = stringMap(raw, "labels", where);
  for (const label of Object.keys(labels)) {
    if (!labelName.test(label) || label.startsWith("__") || reservedLabels.has(label))
      throw new Error(`${where}.labels.${label}: not a valid label name or reserved`);
  }
  // Scheduled series carry the check's labels, and a detail's own label of the same name wins.
  if (!probe)
    for (const { name: label, key } of kind.detailLabels?.(settings) ?? [])
      if (Object.hasOwn(labels, label))
        throw new Error(
          `${where}.${settingsKey}.${key}: "${label}" is also the check's label labels.${label}, whose value it would replace`,
        );
  return {
    name,
    kind: kind.kind,
    target,
    interval,
    timeout,
    labels,
    settings,
    fingerprint: JSON.stringify(raw),
  };
}

/** Validates `{checks: [...], modules: {...}}`; throws an Error naming the first problem. */
export function parseExporterConfig(
  document: unknown,
  source: string,
  defaults: Defaults,
): ExporterConfig {
  const raw = document ?? {};
  if (!isMapping(raw)) throw new Error(`${source}: expected a mapping with checks and/or modules`);
  const checksRaw = raw.checks ?? [];
  if (!Array.isArray(checksRaw)) throw new Error(`${source}: checks: expected a list`);
  const checks = checksRaw.map((item, index) => {
    const label = isMapping(item) && typeof item.name === "string" ? ` (${item.name})` : "";
    return parseOne(item, `${source}: checks[${index}]${label}`, defaults, false);
  });
  const names = new Set<string>();
  for (const check of checks) {
    if (names.has(check.name)) throw new Error(`${source}: check name "${check.name}" used twice`);
    names.add(check.name);
  }
  const modulesRaw = raw.modules ?? {};
  if (!isMapping(modulesRaw))
    throw new Error(`${source}: modules: expected a mapping of name -> module`);
  const modules = new Map<string, CheckSpec>();
  for (const [name, module] of Object.entries(modulesRaw)) {
    const spec = parseOne(module, `${source}: modules.${name}`, defaults, true);
    modules.set(name, { ...spec, name });
  }
  return { checks, modules };
}

/** Reads a dedicated checks file (top-level checks/modules) or an opsctl config's exporter section. */
export async function loadExporterConfig(
  path: string,
  defaults: Defaults,
  section: "file" | "exporter-section",
): Promise<ExporterConfig> {
  let text: string;
  try {
    text = await Bun.file(path).text();
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = text.trim() === "" ? {} : Bun.YAML.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid YAML: ${(error as Error).message}`);
  }
  if (section === "exporter-section") {
    const sectionBody = isMapping(document) ? document.exporter : undefined;
    const body = isMapping(sectionBody) ? sectionBody : {};
    return parseExporterConfig(
      { checks: body.checks, modules: body.modules },
      `${path} (exporter)`,
      defaults,
    );
  }
  if (isMapping(document)) onlyKeys(document, ["checks", "modules"], path);
  return parseExporterConfig(document, path, defaults);
}
