/**
 * The daemon in-process: TLS and basic auth from an exporter-toolkit web config, readiness,
 * /checks, and reloads (concurrent reloads share one load; a failing load keeps the old config).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Logger } from "../../lib/cli/log.ts";
import { loadExporterConfig } from "../../lib/exporter/config.ts";
import { ExporterDaemon } from "../../lib/exporter/daemon.ts";
import { parseListenAddress } from "../../lib/exporter/listen-address.ts";
import { handleProbe } from "../../lib/exporter/probe.ts";
import { loadWebConfig } from "../../lib/exporter/web-config.ts";
import { scratchDir } from "./scratch.ts";
import { httpTarget, testPki } from "./targets.ts";

const dir = scratchDir("exporter-daemon");
const pki = testPki();
const log = new Logger({
  tool: "exporter",
  level: "error",
  format: "json",
  color: false,
  write: () => {},
});
const daemons: ExporterDaemon[] = [];
afterAll(async () => {
  for (const daemon of daemons) await daemon.stop();
});

async function daemonWith(
  checks: string,
  webConfig?: string,
): Promise<{ daemon: ExporterDaemon; file: string }> {
  const file = join(dir, `checks-${daemons.length}.yaml`);
  writeFileSync(file, checks);
  let web: Awaited<ReturnType<typeof loadWebConfig>> | undefined;
  if (webConfig) {
    const path = join(dir, `web-${daemons.length}.yml`);
    writeFileSync(path, webConfig);
    web = await loadWebConfig(path);
  }
  const daemon = new ExporterDaemon({
    hostname: "127.0.0.1",
    port: 0,
    webConfig: web,
    load: () => loadExporterConfig(file, { interval: 60, timeout: 5 }, "file"),
    log,
    concurrency: 4,
  });
  await daemon.start();
  daemons.push(daemon);
  return { daemon, file };
}

describe("web config (exporter-toolkit format)", () => {
  test("TLS with the configured certificate and bcrypt basic auth", async () => {
    const hash = await Bun.password.hash("s3cret", { algorithm: "bcrypt", cost: 4 });
    const { daemon } = await daemonWith(
      `checks:\n  - { name: up, kind: http, target: "${httpTarget()}/" }\n`,
      `tls_server_config:\n  cert_file: ${pki.certFile}\n  key_file: ${pki.keyFile}\nbasic_auth_users:\n  prometheus: "${hash}"\n`,
    );
    expect(daemon.url).toStartWith("https://127.0.0.1:");
    const tls = { ca: await Bun.file(pki.caFile).text() };
    const anonymous = await fetch(`${daemon.url}/metrics`, { tls });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toContain("Basic");
    const wrong = await fetch(`${daemon.url}/metrics`, {
      tls,
      headers: { authorization: `Basic ${btoa("prometheus:nope")}` },
    });
    expect(wrong.status).toBe(401);
    const good = await fetch(`${daemon.url}/metrics`, {
      tls,
      headers: { authorization: `Basic ${btoa("prometheus:s3cret")}` },
    });
    expect(good.status).toBe(200);
    expect(await good.text()).toContain("opsctl_exporter_checks 1");
    expect((await fetch(`${daemon.url}/healthz`, { tls })).status).toBe(200);
    expect((await fetch(`${daemon.url}/healthz?verbose=1`, { tls })).status).toBe(200);
    // Only the path opens the health endpoints: a query ending in one opens nothing else.
    for (const sneaky of ["/metrics?x=/healthz", "/probe?module=http&target=x&y=/readyz"]) {
      const refused = await fetch(`${daemon.url}${sneaky}`, { tls });
      expect(`${sneaky} ${refused.status}`).toBe(`${sneaky} 401`);
    }
    const plain = await fetch(daemon.url.replace("https:", "http:")).catch((error: Error) => error);
    expect(plain instanceof Error || !plain.ok).toBe(true);
  });

  test("bad web configs name the problem", async () => {
    const path = join(dir, "bad-web.yml");
    writeFileSync(path, "basic_auth_users:\n  admin: plaintext\n");
    await expect(loadWebConfig(path)).rejects.toThrow(
      "basic_auth_users.admin: expected a bcrypt hash",
    );
    writeFileSync(
      path,
      "tls_server_config:\n  cert_file: /nonexistent.pem\n  key_file: /nonexistent.key\n",
    );
    await expect(loadWebConfig(path)).rejects.toThrow("tls_server_config");
    writeFileSync(path, "tls_server_confg: {}\n");
    await expect(loadWebConfig(path)).rejects.toThrow('unknown key "tls_server_confg"');
    // A client CA without a policy that verifies against it would let every client in.
    writeFileSync(
      path,
      `tls_server_config:\n  cert_file: ${pki.certFile}\n  key_file: ${pki.keyFile}\n  client_ca_file: ${pki.caFile}\n`,
    );
    await expect(loadWebConfig(path)).rejects.toThrow(
      "client_ca_file is set but client_auth_type is not RequireAndVerifyClientCert",
    );
  });
});

describe("daemon", () => {
  test("readiness waits for the first round; /checks tells why a check fails", async () => {
    const { daemon } = await daemonWith(
      `checks:\n  - { name: up, kind: http, target: "${httpTarget()}/" }\n  - { name: down, kind: http, target: "${httpTarget()}/down" }\n`,
    );
    for (let i = 0; i < 200 && (await fetch(`${daemon.url}/readyz`)).status !== 200; i++)
      await Bun.sleep(50);
    expect((await fetch(`${daemon.url}/readyz`)).status).toBe(200);
    const status = (await (await fetch(`${daemon.url}/checks`)).json()) as {
      name: string;
      success: boolean;
      error: string | null;
    }[];
    expect(status.map((s) => [s.name, s.success, s.error])).toEqual([
      ["up", true, null],
      ["down", false, "status 503 is not in the valid status codes"],
    ]);
    expect((await fetch(`${daemon.url}/-/reload`)).status).toBe(405);
  });

  test("/checks never shows the password of a target URL (http://user:secret@host/)", async () => {
    const target = httpTarget().replace("://", "://probe:s3cret-pw@");
    const { daemon } = await daemonWith(
      `checks:\n  - { name: creds, kind: http, target: "${target}/" }\n`,
    );
    const text = await (await fetch(`${daemon.url}/checks`)).text();
    expect(text).not.toContain("s3cret-pw");
    const [check] = JSON.parse(text) as { target: string }[];
    expect(check?.target).toBe(`${target.replace("s3cret-pw", "xxxxx")}/`);
  });

  test("a failed /probe of http://user:secret@host/ does not log the password", async () => {
    const file = join(dir, "probe-creds.yaml");
    writeFileSync(file, "modules:\n  http: { prober: http }\n");
    const config = await loadExporterConfig(file, { interval: 60, timeout: 5 }, "file");
    const lines: string[] = [];
    const debugLog = new Logger({
      tool: "exporter",
      level: "debug",
      format: "json",
      color: false,
      write: (line) => lines.push(line),
    });
    // Nothing listens on port 1: the probe fails at once and says why at debug level.
    const target = "http://probe:s3cret-pw@127.0.0.1:1/";
    const url = new URL(`http://exporter/probe?module=http&target=${encodeURIComponent(target)}`);
    await handleProbe(new Request(url.href), url, config, debugLog);
    const logged = lines.join("");
    expect(logged).toContain("probe failed");
    expect(logged).toContain("probe:xxxxx@127.0.0.1:1");
    expect(logged).not.toContain("s3cret-pw");
  });

  test("concurrent reloads share one load; a broken file keeps the running config", async () => {
    const { daemon, file } = await daemonWith(
      `checks:\n  - { name: a, kind: http, target: "${httpTarget()}/" }\n`,
    );
    writeFileSync(file, `checks:\n  - { name: b, kind: http, target: "${httpTarget()}/" }\n`);
    const [first, second] = await Promise.all([daemon.reload(), daemon.reload()]);
    expect(first).toBe(second);
    expect(first).toEqual({ ok: true, checks: 1, modules: 0 });
    writeFileSync(file, "checks: [ { name: c, kind: http, target: 'not a url' } ]\n");
    const failed = await daemon.reload();
    expect(failed.ok).toBe(false);
    expect(failed.error).toContain('target "not a url": not a URL');
    expect(daemon.status().map((s) => (s as { name: string }).name)).toEqual(["b"]);
  });
});

describe("listen address", () => {
  test("host:port, :port and [v6]:port", () => {
    expect(parseListenAddress(":9469")).toEqual({ hostname: "0.0.0.0", port: 9469 });
    expect(parseListenAddress("127.0.0.1:1")).toEqual({ hostname: "127.0.0.1", port: 1 });
    expect(parseListenAddress("[::1]:9469")).toEqual({ hostname: "::1", port: 9469 });
    expect(() => parseListenAddress("9469")).toThrow("expected host:port");
  });
});

describe("promtool on every kind's /probe exposition", () => {
  test("http, tcp, dns, cert (remote and file), ssh, file, command (with a histogram), process", async () => {
    const { startDnsmasq } = await import("../env/dnsmasq.ts");
    const { sharedSshdFleet } = await import("../env/sshd.ts");
    const { bannerTarget, httpsTarget } = await import("./targets.ts");
    const { promtoolProblems } = await import("./helpers.ts");
    const dns = await startDnsmasq({
      a: { "api.svc.test": "127.0.0.42" },
      txt: { "txt.svc.test": "v=opsctl" },
    });
    const fleet = await sharedSshdFleet("exporter");
    const sshHost = fleet.hosts[0] as { address: string; port: number };
    const knownHosts = join(dir, "probe_known_hosts");
    writeFileSync(knownHosts, `${fleet.knownHostsLines().join("\n")}\n`);
    const script = join(dir, "histogram.sh");
    writeFileSync(
      script,
      [
        "#!/bin/sh",
        "echo '# HELP job_seconds Job time.'",
        "echo '# TYPE job_seconds histogram'",
        "echo 'job_seconds_bucket{le=\"1\"} 2'",
        "echo 'job_seconds_bucket{le=\"+Inf\"} 3'",
        "echo 'job_seconds_sum 4.5'",
        "echo 'job_seconds_count 3'",
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    const { daemon } = await daemonWith(`modules:
  http: { prober: http, http: { tls_config: { ca_file: ${pki.caFile} } } }
  tcp: { prober: tcp, tcp: { query_response: [ { expect: "^220" } ] } }
  dns: { prober: dns, dns: { query_name: api.svc.test } }
  cert: { prober: cert, cert: { tls_config: { ca_file: ${pki.caFile} } } }
  ssh: { prober: ssh, ssh: { identity_file: [${fleet.clientKey}], known_hosts_file: [${knownHosts}] } }
  file: { prober: file }
  command: { prober: command, command: { command: [${script}], parse_metrics: true } }
  process: { prober: process, process: { min_count: 0 } }
`);
    const targets: Record<string, string> = {
      http: `${httpsTarget()}/`,
      tcp: await bannerTarget(),
      dns: dns.address,
      cert: httpsTarget().replace("https://", ""),
      ssh: `${fleet.user}@${sshHost.address}:${sshHost.port}`,
      file: dir,
      command: "",
      process: "sshd",
    };
    for (const [module, target] of [...Object.entries(targets), ["cert", pki.certFile] as const]) {
      const body = await (
        await fetch(`${daemon.url}/probe?module=${module}&target=${encodeURIComponent(target)}`)
      ).text();
      expect(`${module} ${target}: ${body.includes("probe_success 1")}`).toBe(
        `${module} ${target}: true`,
      );
      expect(`${module}: ${await promtoolProblems(body)}`).toBe(`${module}: `);
      if (module === "command") expect(body).toContain('job_seconds_bucket{le="+Inf"} 3');
    }
  }, 60_000);
});
