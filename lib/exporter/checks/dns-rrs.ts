/**
 * blackbox_exporter's validate_answer_rrs / validate_authority_rrs / validate_additional_rrs:
 * four regex lists matched against each record's whole text ("NAME\tTTL\tCLASS\tTYPE\tDATA").
 */
import { mapping, onlyKeys, type Raw, regexList, regexText } from "../fields.ts";

export interface RrValidator {
  /** Fails if any record matches any of them. */
  failIfMatches: RegExp[];
  /**
   * Despite its name, fails unless every record matches every one of them; no record passes.
   * That is what blackbox_exporter's prober/dns.go does (and its tests assert), so a copied
   * blackbox.yml keeps its meaning.
   */
  failIfAllMatch: RegExp[];
  /** Fails if a record does not match one of them, or there is no record. */
  failIfNotMatches: RegExp[];
  /** Fails unless some record matches one of them (no record fails too). */
  failIfNoneMatches: RegExp[];
}

const keys = [
  "fail_if_matches_regexp",
  "fail_if_all_match_regexp",
  "fail_if_not_matches_regexp",
  "fail_if_none_matches_regexp",
] as const;

export function parseRrValidator(raw: Raw, key: string, where: string): RrValidator {
  const section = mapping(raw, key, where);
  const at = `${where}.${key}`;
  onlyKeys(section, keys, at);
  return {
    failIfMatches: regexList(section, "fail_if_matches_regexp", at),
    failIfAllMatch: regexList(section, "fail_if_all_match_regexp", at),
    failIfNotMatches: regexList(section, "fail_if_not_matches_regexp", at),
    failIfNoneMatches: regexList(section, "fail_if_none_matches_regexp", at),
  };
}

/** A regex as it would be written in YAML's double quotes: a tab shows as \t, not as space. */
function shown(re: RegExp): string {
  return regexText(re).replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

const shownList = (res: RegExp[]) => res.map(shown).join(", ");
/** Records quoted as JSON strings, so their tabs show as \t. */
const quoted = (text: string) => JSON.stringify(text);

/**
 * Why the section's records fail the validator (the first reason, in blackbox's order), or
 * undefined. noun names one record of the section: "answer", "authority record"...
 */
export function rrProblem(noun: string, records: string[], v: RrValidator): string | undefined {
  const got = () => `(got: ${records.map(quoted).join(", ")})`;
  if (records.length === 0 && v.failIfNotMatches.length > 0)
    return `no ${noun} to match fail_if_not_matches_regexp ${shownList(v.failIfNotMatches)}`;
  if (records.length === 0 && v.failIfNoneMatches.length > 0)
    return `no ${noun} to match fail_if_none_matches_regexp ${shownList(v.failIfNoneMatches)}`;
  for (const record of records) {
    const matched = v.failIfMatches.find((re) => re.test(record));
    if (matched)
      return `${noun} ${quoted(record)} matched fail_if_matches_regexp ${shown(matched)}`;
    const missed = v.failIfNotMatches.find((re) => !re.test(record));
    if (missed)
      return `${noun} ${quoted(record)} did not match fail_if_not_matches_regexp ${shown(missed)} ${got()}`;
  }
  for (const record of records) {
    const missed = v.failIfAllMatch.find((re) => !re.test(record));
    if (missed)
      return `${noun} ${quoted(record)} did not match fail_if_all_match_regexp ${shown(missed)} ${got()}`;
  }
  if (
    v.failIfNoneMatches.length > 0 &&
    !records.some((record) => v.failIfNoneMatches.some((re) => re.test(record)))
  )
    return `no ${noun} matched fail_if_none_matches_regexp ${shownList(v.failIfNoneMatches)} ${got()}`;
  return undefined;
}
