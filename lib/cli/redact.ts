/** Secrets kept out of what a tool prints: logs, errors and `opsctl config show` get pasted into tickets. */

/**
 * A URL with its password replaced by "xxxxx" (http://ops:xxxxx@host/), as Go's url.Redacted()
 * shows it; any other text as it is.
 */
export function hidePassword(text: string): string {
  if (!text.includes("@")) return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  if (!url.password) return text;
  url.password = "xxxxx";
  return url.href;
}
