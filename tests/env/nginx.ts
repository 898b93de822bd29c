/**
 * A real nginx (Debian /usr/sbin/nginx) on 127.0.0.1 with its own prefix and config, writing
 * the access logs nginxlog's tests analyse:
 *   combined.log  the predefined combined format
 *   timed.log     custom: $request_time $upstream_response_time $host $http_x_forwarded_for $upstream_status
 *   json.log      escape=json
 * Client addresses come from X-Forwarded-For (realip), so tests can play many clients.
 * Upstreams: /app/ -> a Bun backend that sleeps ?delay=ms (varied upstream times); /local/ ->
 * a second nginx server block; /multi/ -> an upstream group whose first server is down, so
 * some requests log two attempts ("0.000, 0.004" / "502, 200").
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, type Service, startService, tempDir } from "./service.ts";

export interface Nginx {
  url: string;
  host: string;
  port: number;
  dir: string;
  confPath: string;
  logs: { combined: string; timed: string; json: string };
  service: Service;
  /** Signals nginx to reopen its logs (what logrotate's postrotate does). */
  reopenLogs(): Promise<void>;
}

export const timedFormat =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $upstream_response_time $host "$http_x_forwarded_for" $upstream_status';

export const jsonFormat =
  '{"time":"$time_iso8601","remote_addr":"$remote_addr","request":"$request","status":$status,"body_bytes_sent":$body_bytes_sent,"request_time":$request_time,"upstream_response_time":"$upstream_response_time","http_user_agent":"$http_user_agent","host":"$host"}';

const started = new Map<string, Promise<Nginx>>();

/**
 * One nginx per `instance` name per test process (bun test runs every file in one process: a
 * test that rotates or adds to the logs takes its own instance so others keep exact counts).
 */
export function startNginx(instance = "default"): Promise<Nginx> {
  const existing = started.get(instance);
  if (existing) return existing;
  const starting = (async (): Promise<Nginx> => {
    const backend = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(request) {
        const url = new URL(request.url);
        const delay = Number(url.searchParams.get("delay") ?? "0");
        if (delay > 0) await Bun.sleep(delay);
        const status = Number(url.searchParams.get("status") ?? "200");
        return new Response(`backend ${url.pathname}\n`, { status });
      },
    });
    process.on("exit", () => backend.stop(true));
    const dir = tempDir("nginx");
    const port = await freePort();
    const localPort = await freePort();
    const deadPort = await freePort();
    const logs = {
      combined: join(dir, "logs", "combined.log"),
      timed: join(dir, "logs", "timed.log"),
      json: join(dir, "logs", "json.log"),
    };
    mkdirSync(join(dir, "logs"), { recursive: true });
    mkdirSync(join(dir, "tmp"), { recursive: true });
    const user = process.getuid?.() === 0 ? "user root;" : "";
    const conf = `${user}
worker_processes 1;
daemon off;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "logs", "error.log")} warn;
events { worker_connections 256; }
http {
  client_body_temp_path ${join(dir, "tmp", "body")};
  proxy_temp_path ${join(dir, "tmp", "proxy")};
  fastcgi_temp_path ${join(dir, "tmp", "fastcgi")};
  uwsgi_temp_path ${join(dir, "tmp", "uwsgi")};
  scgi_temp_path ${join(dir, "tmp", "scgi")};
  log_format timed '${timedFormat}';
  log_format jsonlog escape=json '${jsonFormat}';
  upstream flaky {
    server 127.0.0.1:${deadPort} max_fails=0;
    server 127.0.0.1:${backend.port} max_fails=0;
  }
  server {
    listen 127.0.0.1:${port};
    server_name nginxlog.test;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    access_log ${logs.combined} combined;
    access_log ${logs.timed} timed;
    access_log ${logs.json} jsonlog;
    location /app/ { proxy_pass http://127.0.0.1:${backend.port}; }
    location /multi/ { proxy_pass http://flaky; proxy_next_upstream error; }
    location /local/ { proxy_pass http://127.0.0.1:${localPort}; }
    location /missing/ { return 404; }
    location /broken/ { return 500; }
    location / { return 200 "ok\\n"; }
  }
  server {
    listen 127.0.0.1:${localPort};
    access_log off;
    location /local/error { return 503; }
    location / { return 200 "local\\n"; }
  }
}
`;
    const confPath = join(dir, "nginx.conf");
    writeFileSync(confPath, conf);
    const url = `http://127.0.0.1:${port}`;
    const service = await startService({
      name: "nginx",
      dir,
      command: ["/usr/sbin/nginx", "-p", dir, "-c", confPath, "-e", join(dir, "logs", "error.log")],
      ready: async () => {
        const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1000) });
        return response.ok;
      },
    });
    return {
      url,
      host: "127.0.0.1",
      port,
      dir,
      confPath,
      logs,
      service,
      async reopenLogs() {
        // The service process is the watchdog (tests/env/tied.ts): signal nginx's master itself.
        const masterPid = Number(readFileSync(join(dir, "nginx.pid"), "utf8").trim());
        process.kill(masterPid, "SIGUSR1");
        // nginx recreates the files it logs to; wait until they exist again.
        for (let i = 0; i < 100 && !Object.values(logs).every((p) => existsSync(p)); i++)
          await Bun.sleep(20);
      },
    };
  })();
  started.set(instance, starting);
  return starting;
}

export interface RawResponse {
  status: number;
}

/**
 * One request over a raw socket, so the path and headers can carry bytes fetch() would refuse
 * or re-encode (quotes, backslashes, non-ASCII).
 */
export async function rawRequest(
  nginx: Nginx,
  options: {
    method?: string;
    path: string | Uint8Array;
    headers?: Record<string, string | Uint8Array>;
  },
): Promise<RawResponse> {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  const push = (chunk: string | Uint8Array) =>
    parts.push(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
  push(`${options.method ?? "GET"} `);
  push(options.path);
  push(` HTTP/1.1\r\nHost: nginxlog.test\r\nConnection: close\r\n`);
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    push(`${name}: `);
    push(value);
    push("\r\n");
  }
  push("\r\n");
  const request = Buffer.concat(parts);
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    void Bun.connect({
      hostname: nginx.host,
      port: nginx.port,
      socket: {
        open(socket) {
          socket.write(request);
        },
        data(_socket, data) {
          chunks.push(Buffer.from(data));
        },
        close() {
          resolve();
        },
        error(_socket, error) {
          reject(error);
        },
      },
    }).catch(reject);
  });
  const head = Buffer.concat(chunks).toString("latin1");
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  if (!match) throw new Error(`no HTTP status in response: ${head.slice(0, 200)}`);
  return { status: Number(match[1]) };
}
