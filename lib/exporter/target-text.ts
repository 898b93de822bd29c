import { hidePassword } from "../cli/redact.ts";

/**
 * A check's target as shown to people and tools (/checks, --once, traces): a URL's password
 * (http://user:secret@host/, which the http check sends as basic auth) replaced by "xxxxx", as
 * Go's url.Redacted() does. Everything else is shown as written.
 */
export function shownTarget(target: string): string {
  return hidePassword(target);
}
