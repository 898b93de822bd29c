/** nginxlog's release binary for this machine, built into `outDir`/dist: what the benches run. */
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dir, "../..");

export function buildReleaseBinary(outDir: string): string {
  const dist = join(outDir, "dist");
  const build = Bun.spawnSync(
    [process.execPath, "build.ts", "--tools", "nginxlog", "--no-archives", "--out", dist],
    { cwd: root, stdout: "inherit", stderr: "inherit" },
  );
  if (!build.success) throw new Error("build failed");
  const name = readdirSync(dist).find((file) => file.startsWith("nginxlog-"));
  if (!name) throw new Error(`no nginxlog binary in ${dist}`);
  return join(dist, name);
}
