import { readFileSync } from "node:fs";
import { userInfo } from "node:os";

let cached: string | undefined;

/**
 * The login name of the user running us, as OpenSSH picks it (getpwuid). Bun's os.userInfo()
 * answers "unknown" in some environments, so /etc/passwd is read first.
 */
export function localUsername(env: Record<string, string | undefined> = process.env): string {
  if (cached) return cached;
  const uid = process.getuid?.();
  if (uid !== undefined) {
    try {
      for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
        const fields = line.split(":");
        if (fields[2] === String(uid) && fields[0]) {
          cached = fields[0];
          return cached;
        }
      }
    } catch {
      // No readable passwd file: fall through to the environment.
    }
  }
  const fromInfo = userInfo().username;
  cached = env.USER || env.LOGNAME || (fromInfo !== "unknown" ? fromInfo : "root");
  return cached;
}
