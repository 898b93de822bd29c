/**
 * The compiled exporter scraped by a real Prometheus: scheduled checks from /metrics, and
 * blackbox-style /probe with relabeling; the series Prometheus stored are checked through its
 * HTTP API. Also: promtool on every exposition, reload (bad config keeps serving), SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { startDnsmasq } from "../env/dnsmasq.ts";
import { type Prometheus, startPrometheus } from "../env/prometheus.ts";
import { freePort } from "../env/service.ts";
import { sharedSshdFleet } from "../env/sshd.ts";
import { compiledTool, run } from "../helpers/compiled.ts";
import { waitUntil } from "../helpers/wait-until.ts";
import { processesWith, promtoolProblems } from "./helpers.ts";
import { scratchDir } from "./scratch.ts";
import { bannerTarget, httpsTarget, httpTarget, testPki } from "./targets.ts";

const pki = testPki();
const dir = scratchDir("exporter-e2e");
const checksFile = join(dir, "checks.yaml");
// Unique per run: a check killed with the exporter by SIGKILL (a crashed run) cannot leak into this one.
const hangMarker = `33.${String(process.pid).padStart(7, "0")}`;
let exporter: Subprocess;
let exporterAddress = "";
// A second exporter behind TLS and basic auth (exporter-toolkit web config), scraped by the same Prometheus.
let secured: Subprocess;
let securedAddress = "";
let prometheus: Prometheus;
let stderr = "";

async function checksYaml(extra = ""): Promise<string> {
  const banner = await bannerTarget();
  const dns = (await startDnsmasq({ a: { "api.svc.test": "127.0.0.42" } })).address;
  const fleet = await sharedSshdFleet("exporter");
  const sshHost = fleet.hosts[0] as { address: string; port: number };
  const knownHosts = join(dir, "known_hosts");
  writeFileSync(knownHosts, `${fleet.knownHostsLines().join("\n")}\n`);
  return `
checks:
  - name: web-https
    kind: http
    target: ${httpsTarget()}/
    interval: 1s
    labels: { team: sre }
    http: { tls_config: { ca_file: ${pki.caFile} }, fail_if_body_not_matches_regexp: ["healthy"] }
  - name: web-cert-soon
    kind: cert
    target: ${httpsTarget().replace("https://", "")}
    interval: 2s
    cert: { min_days: 7, tls_config: { ca_file: ${pki.caFile} } }
  - name: smtp-banner
    kind: tcp
    target: ${banner}
    interval: 1s
    tcp: { query_response: [ { expect: "^220 " }, { send: "HELO prom" }, { expect: "^250 " } ] }
  - name: dns-api
    kind: dns
    target: ${dns}
    interval: 1s
    dns: { query_name: api.svc.test, validate_answer_rrs: { fail_if_not_matches_regexp: ["\\\\tA\\\\t127\\\\.0\\\\.0\\\\.42$"] } }
  - name: ssh-host
    kind: ssh
    target: ${fleet.user}@${sshHost.address}:${sshHost.port}
    interval: 2s
    ssh: { identity_file: [${fleet.clientKey}], known_hosts_file: [${knownHosts}], command: "true" }
  - name: queue
    kind: file
    target: ${join(dir, "queue")}
    interval: 1s
  - name: script
    kind: command
    interval: 1s
    command: { command: "echo '# TYPE app_jobs counter'; echo 'app_jobs_total{queue=\\"mail\\"} 12'", parse_metrics: true }
  - name: hang
    kind: command
    interval: 2s
    timeout: 1s
    command: { command: "sleep ${hangMarker} & sleep ${hangMarker}" }
${extra}
modules:
  http_2xx: { prober: http, timeout: 5s, http: { tls_config: { ca_file: ${pki.caFile} } } }
  smtp_banner: { prober: tcp, tcp: { query_response: [ { expect: "^220 " } ] } }
`;
}

beforeAll(async () => {
  mkdirSync(join(dir, "queue"));
  writeFileSync(join(dir, "queue", "job-1"), "one");
  writeFileSync(join(dir, "queue", "job-2"), "two");
  writeFileSync(checksFile, await checksYaml());
  const bin = await compiledTool("exporter");
  const port = await freePort();
  exporterAddress = `127.0.0.1:${port}`;
  exporter = Bun.spawn([bin, "--checks-file", checksFile, "--listen-address", exporterAddress], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
  });
  void (async () => {
    for await (const chunk of exporter.stderr as ReadableStream<Uint8Array>)
      stderr += new TextDecoder().decode(chunk);
  })();
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://${exporterAddress}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await Bun.sleep(100);
  }
  const webConfig = join(dir, "web.yml");
  const hash = await Bun.password.hash("scrape-secret", { algorithm: "bcrypt", cost: 5 });
  writeFileSync(
    webConfig,
    `tls_server_config:\n  cert_file: ${pki.certFile}\n  key_file: ${pki.keyFile}\nbasic_auth_users:\n  prometheus: "${hash}"\n`,
  );
  const securedChecks = join(dir, "secured.yaml");
  writeFileSync(
    securedChecks,
    `checks:\n  - { name: behind-tls, kind: http, target: "${httpTarget()}/", interval: 1s }\n`,
  );
  securedAddress = `127.0.0.1:${await freePort()}`;
  secured = Bun.spawn(
    [
      bin,
      "--checks-file",
      securedChecks,
      "--web-config-file",
      webConfig,
      "--listen-address",
      securedAddress,
    ],
    { cwd: dir, stdout: "ignore", stderr: "ignore" },
  );
  const blackbox = (job: string, module: string, targets: string[]) => ({
    job_name: job,
    metrics_path: "/probe",
    params: { module: [module] },
    scrape_timeout: "2s",
    scrape_interval: "2s",
    static_configs: [{ targets }],
    relabel_configs: [
      { source_labels: ["__address__"], target_label: "__param_target" },
      { source_labels: ["__param_target"], target_label: "instance" },
      { target_label: "__address__", replacement: exporterAddress },
    ],
  });
  prometheus = await startPrometheus({
    scrapeTimeout: "1s",
    scrapeConfigs: [
      { job_name: "exporter", static_configs: [{ targets: [exporterAddress] }] },
      {
        job_name: "exporter-tls",
        scheme: "https",
        tls_config: { ca_file: pki.caFile, server_name: "localhost" },
        basic_auth: { username: "prometheus", password: "scrape-secret" },
        static_configs: [{ targets: [securedAddress] }],
      },
      blackbox("blackbox-http", "http_2xx", [`${httpsTarget()}/`, `${httpTarget()}/down`]),
      blackbox("blackbox-tcp", "smtp_banner", [await bannerTarget()]),
    ],
  });
}, 180_000);

afterAll(async () => {
  exporter?.kill("SIGTERM");
  secured?.kill("SIGTERM");
  await prometheus?.stop();
});

const byCheck = (samples: { metric: Record<string, string>; value: number }[]) =>
  Object.fromEntries(samples.map((s) => [s.metric.check, s.value]));

describe("exporter scraped by a real Prometheus", () => {
  test("scheduled checks: Prometheus stores success per check, details and passed-through metrics", async () => {
    const samples = await prometheus.waitFor(
      'opsctl_check_success{job="exporter"}',
      (s) => s.length === 8,
    );
    expect(byCheck(samples)).toEqual({
      "web-https": 1,
      "web-cert-soon": 0,
      "smtp-banner": 1,
      "dns-api": 1,
      "ssh-host": 1,
      queue: 1,
      script: 1,
      hang: 0,
    });
    const team = await prometheus.query(
      'opsctl_check_success{check="web-https",team="sre",kind="http"}',
    );
    expect(team.length).toBe(1);
    const files = await prometheus.query('opsctl_check_file_matches{check="queue"}');
    expect(files[0]?.value).toBe(2);
    const jobs = await prometheus.query('app_jobs_total{check="script",queue="mail"}');
    expect(jobs[0]?.value).toBe(12);
    const expiry = await prometheus.query(
      'opsctl_check_ssl_earliest_cert_expiry{check="web-cert-soon"}',
    );
    expect(expiry[0]?.value).toBe(pki.notAfter);
    const phases = await prometheus.query('opsctl_check_http_duration_seconds{check="web-https"}');
    expect(phases.map((s) => s.metric.phase).sort()).toEqual([
      "connect",
      "processing",
      "resolve",
      "tls",
      "transfer",
    ]);
    const runs = await prometheus.waitFor(
      'opsctl_exporter_check_runs_total{job="exporter",kind="http",result="success"}',
      (s) => (s[0]?.value ?? 0) >= 2,
    );
    expect(runs.length).toBe(1);
  }, 60_000);

  test("probe mode with blackbox relabeling: one series per target, instance = target", async () => {
    const samples = await prometheus.waitFor(
      'probe_success{job="blackbox-http"}',
      (s) => s.length === 2,
    );
    const byInstance = Object.fromEntries(samples.map((s) => [s.metric.instance, s.value]));
    expect(byInstance).toEqual({ [`${httpsTarget()}/`]: 1, [`${httpTarget()}/down`]: 0 });
    const status = await prometheus.query(
      `probe_http_status_code{instance="${httpTarget()}/down"}`,
    );
    expect(status[0]?.value).toBe(503);
    const expiry = await prometheus.query(
      `probe_ssl_earliest_cert_expiry{instance="${httpsTarget()}/"}`,
    );
    expect(expiry[0]?.value).toBe(pki.notAfter);
    const tcp = await prometheus.waitFor(
      'probe_success{job="blackbox-tcp"}',
      (s) => s.length === 1,
    );
    expect(tcp[0]?.value).toBe(1);
    // Every target scraped once first ("unknown" until then: the TLS exporter's job may not
    // have been yet), then all up.
    let targets = await prometheus.targets();
    await waitUntil(
      "every target scraped once",
      async () => {
        targets = await prometheus.targets();
        return targets.every((t) => t.health !== "unknown");
      },
      30_000,
    );
    expect(targets.filter((t) => t.health !== "up")).toEqual([]);
  }, 60_000);

  test("Prometheus scrapes an exporter behind TLS and bcrypt basic auth (web config)", async () => {
    const up = await prometheus.waitFor('up{job="exporter-tls"}', (s) => s[0]?.value === 1);
    expect(up.length).toBe(1);
    const checks = await prometheus.waitFor(
      'opsctl_check_success{job="exporter-tls"}',
      (s) => s.length === 1,
    );
    expect(checks[0]?.metric.check).toBe("behind-tls");
    const anonymous = await fetch(`https://${securedAddress}/metrics`, {
      tls: { ca: await Bun.file(pki.caFile).text(), serverName: "localhost" },
    });
    expect(anonymous.status).toBe(401);
  }, 60_000);

  test("promtool accepts /metrics and /probe expositions", async () => {
    const metrics = await (await fetch(`http://${exporterAddress}/metrics`)).text();
    expect(metrics).toContain("opsctl_check_success{");
    expect(await promtoolProblems(metrics)).toBe("");
    for (const query of [
      `module=http_2xx&target=${encodeURIComponent(`${httpsTarget()}/`)}`,
      `module=smtp_banner&target=${await bannerTarget()}`,
    ]) {
      const probe = await (await fetch(`http://${exporterAddress}/probe?${query}`)).text();
      expect(probe).toContain("probe_success 1");
      expect(await promtoolProblems(probe)).toBe("");
    }
  });

  test("the scrape timeout header bounds a probe (minus 0.5 s), below the module's 5 s", async () => {
    const response = await fetch(
      `http://${exporterAddress}/probe?debug=true&module=http_2xx&target=${encodeURIComponent(`${httpTarget()}/slow`)}`,
      { headers: { "X-Prometheus-Scrape-Timeout-Seconds": "1.5" } },
    );
    const body = await response.text();
    expect(body).toContain("timeout 1s");
    expect(body).toContain("probe failed: timed out after 1s");
    expect(body).toContain("probe_success 0");
    const bad = await fetch(`http://${exporterAddress}/probe?module=nope&target=x`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Unknown module "nope"');
  });

  test("a bad config is rejected with the reason and the old one keeps serving; a good one swaps in", async () => {
    writeFileSync(checksFile, "checks:\n  - name: broken\n    kind: smtp\n    target: x\n");
    const rejected = await fetch(`http://${exporterAddress}/-/reload`, { method: "POST" });
    expect(rejected.status).toBe(400);
    const reason = (await rejected.json()) as { ok: boolean; error: string };
    expect(reason.ok).toBe(false);
    expect(reason.error).toContain('checks[0] (broken).kind: "smtp" is not one of');
    exporter.kill("SIGHUP");
    await Bun.sleep(300);
    const metrics = await (await fetch(`http://${exporterAddress}/metrics`)).text();
    expect(metrics).toContain('opsctl_check_success{check="web-https"');
    expect(metrics).toContain("opsctl_exporter_config_last_reload_successful 0");
    expect(metrics).toMatch(/opsctl_exporter_config_reloads_total\{result="failure"\} 2/);
    expect(stderr).toContain("config reload rejected");

    writeFileSync(
      checksFile,
      await checksYaml(
        `  - name: added\n    kind: http\n    target: ${httpTarget()}/\n    interval: 1s`,
      ),
    );
    exporter.kill("SIGHUP");
    const added = await prometheus.waitFor(
      'opsctl_check_success{check="added"}',
      (s) => s[0]?.value === 1,
    );
    expect(added.length).toBe(1);
    const after = await (await fetch(`http://${exporterAddress}/metrics`)).text();
    expect(after).toContain("opsctl_exporter_config_last_reload_successful 1");
  }, 60_000);

  test("SIGTERM stops cleanly (exit 0) and no check process is left behind", async () => {
    exporter.kill("SIGTERM");
    expect(await exporter.exited).toBe(0);
    for (let i = 0; i < 40 && processesWith(`sleep ${hangMarker}`).length > 0; i++)
      await Bun.sleep(50);
    expect(processesWith(`sleep ${hangMarker}`)).toEqual([]);
  });
});

describe("compiled binary, one-shot modes", () => {
  test("--once exits 1 when a check fails and prints the reason; --json gives one record per check", async () => {
    const bin = await compiledTool("exporter");
    const file = join(dir, "once.yaml");
    writeFileSync(
      file,
      `checks:\n  - { name: up, kind: http, target: "${httpTarget()}/" }\n  - { name: down, kind: http, target: "${httpTarget()}/down" }\n`,
    );
    const human = await run([bin, "--checks-file", file, "--once"]);
    expect(human.exitCode).toBe(1);
    expect(human.stdout).toMatch(/down\s+http\s+FAIL/);
    expect(human.stdout).toContain("status 503");
    const json = await run([bin, "--checks-file", file, "--once", "--json"]);
    const records = json.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(records.map((r) => [r.check, r.success])).toEqual([
      ["up", true],
      ["down", false],
    ]);
  }, 120_000);

  test("blackbox's Go regexes and tcp send expansion work in the compiled binary", async () => {
    const bin = await compiledTool("exporter");
    const file = join(dir, "blackbox-syntax.yaml");
    const body = (regex: string) => `{ fail_if_body_not_matches_regexp: ['${regex}'] }`;
    writeFileSync(
      file,
      [
        "checks:",
        `  - { name: case, kind: http, target: "${httpTarget()}/", http: ${body("(?i)SERVICE HEALTHY")} }`,
        `  - { name: lines, kind: http, target: "${httpTarget()}/", http: ${body("(?m)healthy$")} }`,
        // Without (?m) $ is the end of the body ("service healthy\n"), as in Go: no match.
        `  - { name: whole, kind: http, target: "${httpTarget()}/", http: ${body("healthy$")} }`,
        `  - name: smtp`,
        `    kind: tcp`,
        `    target: "${await bannerTarget()}"`,
        `    tcp: { query_response: [ { expect: '^220 (\\S+) ESMTP', send: 'HELO \${1}' }, { expect: '^250 hello opsctl-test$' }, { send: QUIT } ] }`,
        "",
      ].join("\n"),
    );
    const result = await run([bin, "--checks-file", file, "--once", "--json"]);
    const records = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(records.map((r) => [r.check, r.success])).toEqual([
      ["case", true],
      ["lines", true],
      ["whole", false],
      ["smtp", true],
    ]);
    expect(result.exitCode).toBe(1);
  }, 120_000);

  test("--check-config: exit 0 on a valid file, 2 with the key named on a bad one", async () => {
    const bin = await compiledTool("exporter");
    const good = join(dir, "good.yaml");
    writeFileSync(
      good,
      "checks:\n  - { name: a, kind: file, target: /tmp }\nmodules:\n  m: { prober: http }\n",
    );
    const ok = await run([bin, "--checks-file", good, "--check-config"]);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain("valid: 1 checks, 1 modules");
    const bad = join(dir, "bad.yaml");
    writeFileSync(
      bad,
      "checks:\n  - { name: a, kind: http, target: http://x/, timeout: 2m, interval: 1m }\n",
    );
    const rejected = await run([bin, "--checks-file", bad, "--check-config"]);
    expect(rejected.exitCode).toBe(2);
    expect(rejected.stderr).toContain(
      "checks[0] (a).timeout: 120s is longer than the interval (60s)",
    );
  }, 120_000);
});

describe("compiled binary, checks in the opsctl config's exporter section", () => {
  test("serves them, and SIGHUP re-reads that section", async () => {
    const bin = await compiledTool("exporter");
    const port = await freePort();
    const config = join(dir, "exporter-section.yaml");
    const section = (name: string) =>
      `exporter:\n  listen-address: 127.0.0.1:${port}\n  checks:\n    - { name: ${name}, kind: http, target: "${httpTarget()}/", interval: 1s }\n`;
    writeFileSync(config, section("first"));
    const proc = Bun.spawn([bin, "--config", config], {
      cwd: dir,
      stdout: "ignore",
      stderr: "ignore",
    });
    try {
      const names = async () => {
        const body = await fetch(`http://127.0.0.1:${port}/checks`).then(
          (r) => r.json(),
          () => [],
        );
        return (body as { name: string }[]).map((check) => check.name);
      };
      for (let i = 0; i < 100 && (await names()).length === 0; i++) await Bun.sleep(100);
      expect(await names()).toEqual(["first"]);
      writeFileSync(config, section("second"));
      proc.kill("SIGHUP");
      for (let i = 0; i < 50 && (await names())[0] !== "second"; i++) await Bun.sleep(100);
      expect(await names()).toEqual(["second"]);
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  }, 120_000);
});

describe("compiled binary, --watch-interval", () => {
  test("a changed checks file is reloaded without a signal; a broken one is rejected", async () => {
    const bin = await compiledTool("exporter");
    const port = await freePort();
    const file = join(dir, "watched.yaml");
    const checks = (name: string) =>
      `checks:\n  - { name: ${name}, kind: http, target: "${httpTarget()}/", interval: 1s }\n`;
    writeFileSync(file, checks("before"));
    const proc = Bun.spawn(
      [
        bin,
        "--checks-file",
        file,
        "--watch-interval",
        "200ms",
        "--listen-address",
        `127.0.0.1:${port}`,
      ],
      { cwd: dir, stdout: "ignore", stderr: "ignore" },
    );
    const names = async () => {
      const body = await fetch(`http://127.0.0.1:${port}/checks`).then(
        (r) => r.json(),
        () => [],
      );
      return (body as { name: string }[]).map((check) => check.name).join(",");
    };
    try {
      for (let i = 0; i < 100 && (await names()) !== "before"; i++) await Bun.sleep(100);
      expect(await names()).toBe("before");
      writeFileSync(file, checks("after"));
      for (let i = 0; i < 50 && (await names()) !== "after"; i++) await Bun.sleep(100);
      expect(await names()).toBe("after");
      writeFileSync(file, "checks: [ { name: x, kind: nope } ]\n");
      let metrics = "";
      for (let i = 0; i < 50 && !metrics.includes("reload_successful 0"); i++) {
        await Bun.sleep(100);
        metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      }
      expect(metrics).toContain("opsctl_exporter_config_last_reload_successful 0");
      expect(await names()).toBe("after");
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  }, 120_000);
});
