/** The systemd unit's sandbox score (systemd-analyze) and the Kubernetes manifests' hardening. */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseExporterConfig } from "../../lib/exporter/config.ts";

const root = resolve(import.meta.dir, "../..");
const unit = join(root, "deploy/systemd/opsctl-exporter.service");
const k8s = join(root, "deploy/exporter");
// biome-ignore lint/suspicious/noExplicitAny: manifests are walked by path in the assertions below
type Manifest = Record<string, any>;
const yaml = (file: string) => Bun.YAML.parse(readFileSync(join(k8s, file), "utf8")) as Manifest;

describe("systemd unit", () => {
  test("systemd-analyze security --offline=yes rates it OK or better", () => {
    const result = Bun.spawnSync(["systemd-analyze", "security", "--offline=yes", unit], {
      stdout: "pipe",
      stderr: "pipe",
    });
    const text = `${result.stdout}${result.stderr}`;
    const overall = /Overall exposure level for opsctl-exporter\.service: (\d+\.\d) (\w+)/.exec(
      text,
    );
    expect(overall).not.toBeNull();
    const [, score, label] = overall as RegExpExecArray;
    expect(["SAFE", "OK"]).toContain(label as string);
    expect(Number(score)).toBeLessThanOrEqual(2);
  });

  test("systemd-analyze verify finds no unknown or invalid directive", () => {
    const dir = mkdtempSync(join(tmpdir(), "opsctl-unit-"));
    try {
      // verify wants the binary to exist: point ExecStart at /bin/true, keep every other line.
      const copy = join(dir, "opsctl-exporter.service");
      writeFileSync(
        copy,
        readFileSync(unit, "utf8").replaceAll("/usr/local/bin/opsctl-exporter", "/bin/true"),
      );
      const result = Bun.spawnSync(["systemd-analyze", "verify", copy], {
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(`${result.stdout}${result.stderr}`.trim()).toBe("");
      expect(result.exitCode).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the options the issue asks for are set", () => {
    const text = readFileSync(unit, "utf8");
    for (const line of [
      "DynamicUser=yes",
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "CapabilityBoundingSet=\n",
      "SystemCallFilter=@system-service",
      "ExecReload=/bin/kill -HUP $MAINPID",
    ])
      expect(text).toContain(line);
  });
});

describe("kubernetes manifests", () => {
  test("kustomization lists files that exist", () => {
    const kustomization = yaml("kustomization.yaml");
    for (const file of kustomization.resources as string[])
      expect(existsSync(join(k8s, file))).toBe(true);
    expect(kustomization.namespace).toBe("opsctl-system");
  });

  test("deployment: non-root, read-only root, no privilege escalation, no capabilities, seccomp, resources", () => {
    const deployment = yaml("deployment.yaml");
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(pod.securityContext.seccompProfile.type).toBe("RuntimeDefault");
    expect(pod.automountServiceAccountToken).toBe(false);
    for (const container of pod.containers) {
      const security = container.securityContext;
      expect(security.allowPrivilegeEscalation).toBe(false);
      expect(security.readOnlyRootFilesystem).toBe(true);
      expect(security.runAsNonRoot).toBe(true);
      expect(security.capabilities.drop).toEqual(["ALL"]);
      expect(security.seccompProfile.type).toBe("RuntimeDefault");
      for (const kind of ["requests", "limits"]) {
        expect(container.resources[kind].cpu).toBeDefined();
        expect(container.resources[kind].memory).toBeDefined();
      }
      expect(container.readinessProbe.httpGet.path).toBe("/readyz");
      expect(container.livenessProbe.httpGet.path).toBe("/healthz");
    }
  });

  test("service: plain Service with the prometheus.io scrape annotations on the metrics port", () => {
    const service = yaml("service.yaml");
    expect(service.kind).toBe("Service");
    expect(service.metadata.annotations["prometheus.io/scrape"]).toBe("true");
    expect(service.metadata.annotations["prometheus.io/port"]).toBe(
      String(service.spec.ports[0].port),
    );
    expect(service.metadata.annotations["prometheus.io/path"]).toBe("/metrics");
  });

  test("the shipped checks.yaml is a valid exporter config", () => {
    const configMap = yaml("configmap.yaml");
    const config = parseExporterConfig(Bun.YAML.parse(configMap.data["checks.yaml"]), "configmap", {
      interval: 30,
      timeout: 10,
    });
    expect(config.checks.map((c) => c.kind)).toEqual(["dns", "cert"]);
    expect([...config.modules.keys()]).toEqual(["http_2xx", "tcp_connect"]);
  });
});
