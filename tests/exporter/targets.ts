/**
 * Targets the exporter tests probe, all on 127.0.0.1: an HTTPS server with a test CA and a
 * certificate that expires in 3 days (openssl), a plain HTTP server, and a TCP banner server.
 */
import { X509Certificate } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer, type Server as NetServer } from "node:net";
import { join } from "node:path";
import type { Server } from "bun";
import { scratchDir } from "./scratch.ts";

export interface TestPki {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Unix seconds the server certificate expires. */
  notAfter: number;
}

function openssl(args: string[], cwd: string): void {
  const result = Bun.spawnSync(["openssl", ...args], { cwd, stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`openssl ${args[0]}: ${result.stderr.toString()}`);
}

let pki: TestPki | undefined;

/** A CA (30 days) and a server certificate for localhost/127.0.0.1 that expires in 3 days. */
export function testPki(): TestPki {
  if (pki) return pki;
  const dir = scratchDir("exporter-pki");
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl(
    [
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "30",
      "-subj",
      "/CN=opsctl test CA",
    ],
    dir,
  );
  openssl(
    ["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"],
    dir,
  );
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  openssl(
    [
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.pem",
      "-days",
      "3",
      "-extfile",
      "ext.cnf",
    ],
    dir,
  );
  const certFile = join(dir, "server.pem");
  const notAfter =
    Date.parse(new X509Certificate(Bun.spawnSync(["cat", certFile]).stdout).validTo) / 1000;
  pki = { dir, caFile: join(dir, "ca.pem"), certFile, keyFile: join(dir, "server.key"), notAfter };
  return pki;
}

function routes(request: Request): Response | Promise<Response> {
  const url = new URL(request.url);
  switch (url.pathname) {
    case "/":
      return new Response("service healthy\n", { headers: { "x-app": "opsctl-test" } });
    case "/auth": {
      const given = request.headers.get("authorization") ?? "";
      const ok = given === `Basic ${btoa("prom:s3cret")}` || given === "Bearer token-123";
      return new Response(ok ? "welcome\n" : "who are you?\n", { status: ok ? 200 : 401 });
    }
    case "/redirect":
      return Response.redirect("/", 302);
    case "/down":
      return new Response("maintenance\n", { status: 503 });
    case "/slow":
      return Bun.sleep(20000).then(() => new Response("late\n"));
    case "/chunked":
      return new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode("part one, "));
            controller.enqueue(new TextEncoder().encode("part two\n"));
            controller.close();
          },
        }),
      );
    default:
      return new Response("not found\n", { status: 404 });
  }
}

let https: Server<undefined> | undefined;
let http: Server<undefined> | undefined;

export function httpsTarget(): string {
  const { certFile, keyFile } = testPki();
  https ??= Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: Bun.file(certFile), key: Bun.file(keyFile) },
    fetch: routes,
  });
  return `https://127.0.0.1:${https.port}`;
}

export function httpTarget(): string {
  http ??= Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: routes });
  return `http://127.0.0.1:${http.port}`;
}

let banner: Promise<{ address: string; server: NetServer }> | undefined;

/** Says "220 ... ESMTP" on connect and answers "HELO x" with "250 hello x". */
export function bannerTarget(): Promise<string> {
  banner ??= new Promise((resolve) => {
    const server = createServer((socket) => {
      socket.write("220 opsctl-test ESMTP ready\r\n");
      socket.on("data", (data) => {
        const line = data.toString().trim();
        if (line.startsWith("HELO ")) socket.write(`250 hello ${line.slice(5)}\r\n`);
        else if (line === "QUIT") socket.end("221 bye\r\n");
        else socket.write("500 what?\r\n");
      });
      socket.on("error", () => {});
    });
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({
        address: `127.0.0.1:${typeof address === "object" && address ? address.port : 0}`,
        server,
      });
    });
  });
  return banner.then((b) => b.address);
}

/** Sockets a server holds open right now (to assert that checks close theirs). */
export async function openConnections(): Promise<number> {
  const servers = [https, http].filter(Boolean) as Server<undefined>[];
  return servers.reduce((sum, server) => sum + server.pendingRequests, 0);
}
