/**
 * --watch-interval: re-reads the config file when its content changes (a Kubernetes ConfigMap
 * update, a deploy tool rewriting the file), as if SIGHUP had been sent. Content, not mtime:
 * ConfigMap volumes swap symlinks and keep old timestamps.
 */
import { readFileSync } from "node:fs";

export function watchFile(path: string, intervalSeconds: number, onChange: () => void): () => void {
  const digest = () => {
    try {
      return Bun.hash(readFileSync(path)).toString();
    } catch {
      return "unreadable";
    }
  };
  let last = digest();
  const timer = setInterval(() => {
    const now = digest();
    if (now !== last) {
      last = now;
      onChange();
    }
  }, intervalSeconds * 1000);
  timer.unref?.();
  return () => clearInterval(timer);
}
