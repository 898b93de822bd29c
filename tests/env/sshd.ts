/**
 * Real OpenSSH servers for tests and benchmarks: `/usr/sbin/sshd -D -f <config> -e` listening on
 * loopback addresses 127.0.0.x (the whole 127/8 is loopback on Linux), with generated host keys
 * and one authorized client key, for the user running the tests (root or not).
 *
 * sshd listens on at most 16 addresses per process (MAX_LISTEN_SOCKS), so a fleet of N hosts is
 * ceil(N/16) sshd processes sharing one host key, one port and one authorized_keys file.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localUsername } from "../../lib/ssh/local-user.ts";
import { freePort } from "./service.ts";
import { spawnTied } from "./tied.ts";

const sshdPath = "/usr/sbin/sshd";
/** Logins go to this unprivileged user when the tests run as root: a clean /bin/sh account,
 * so no shell startup file (root's may run pyenv or worse) slows or breaks remote commands. */
export const testUser = "opsctl-ssh";
const listenPerProcess = 16;

export interface SshdHost {
  address: string;
  port: number;
}

export interface SshdFleet {
  hosts: SshdHost[];
  /** The login user the server accepts (the user running the tests). */
  user: string;
  /** Private key (unencrypted ed25519) the servers authorize, and its public half. */
  clientKey: string;
  clientPublicKey: string;
  /** Host key type and base64 blob every host of this fleet presents. */
  hostKeyType: string;
  hostKeyBase64: string;
  /** known_hosts lines for every host, OpenSSH format ("[addr]:port type base64"). */
  knownHostsLines(): string[];
  dir: string;
  /** Everything the sshd processes logged (LogLevel VERBOSE, or DEBUG1 with debug: true). */
  logs(): string;
  stop(): void;
}

export interface SshdFleetOptions {
  /** How many loopback addresses (hosts). Default 1. */
  count?: number;
  /** Explicit addresses instead of allocated ones. */
  addresses?: string[];
  /** Extra sshd_config lines. */
  extraConfig?: string[];
  /** LogLevel DEBUG1 (logs forwarded connections, useful for ProxyJump assertions). */
  debug?: boolean;
  /** sshd -r: no re-exec per connection (cheaper for benchmarks; OpenSSH < 9.8 only). */
  noReexec?: boolean;
  /** LogLevel (default VERBOSE; debug: true means DEBUG1). */
  logLevel?: string;
  /** An existing client key to authorize instead of generating one. */
  authorizedPublicKey?: string;
}

const fleets: SshdFleet[] = [];
let nextAddress = 0;
let cleanupInstalled = false;

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on("exit", () => {
    for (const fleet of fleets) fleet.stop();
  });
}

/** The login user: the dedicated test account under root (created once), else ourselves. */
export function ensureLoginUser(): string {
  if (process.getuid?.() !== 0) return localUsername();
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  if (spawnSync("getent", ["passwd", testUser]).status !== 0) {
    const added = spawnSync("useradd", [
      "--system",
      "--create-home",
      "--home-dir",
      `/var/lib/${testUser}`,
      "--shell",
      "/bin/sh",
      testUser,
    ]);
    if (added.status !== 0 && spawnSync("getent", ["passwd", testUser]).status !== 0)
      throw new Error(`useradd ${testUser} failed: ${added.stderr}`);
    // "*" instead of useradd's "!": no password, but not locked (sshd refuses locked accounts).
    spawnSync("usermod", ["-p", "*", testUser]);
  }
  return testUser;
}

/** Allocates `count` loopback addresses 127.0.x.y not handed out before in this process. */
export function allocateAddresses(count: number): string[] {
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = nextAddress++;
    const third = Math.floor(n / 250) % 250;
    const fourth = (n % 250) + 2;
    addresses.push(`127.0.${third}.${fourth}`);
  }
  return addresses;
}

function keygen(path: string, comment: string): void {
  const result = spawnSync("ssh-keygen", [
    "-q",
    "-t",
    "ed25519",
    "-N",
    "",
    "-C",
    comment,
    "-f",
    path,
  ]);
  if (result.status !== 0) throw new Error(`ssh-keygen failed: ${result.stderr}`);
}

/** Generates an ed25519 key pair in dir; returns [privatePath, publicLine]. */
export function generateKey(dir: string, name: string, passphrase = ""): [string, string] {
  const path = join(dir, name);
  const result = spawnSync("ssh-keygen", [
    "-q",
    "-t",
    "ed25519",
    "-N",
    passphrase,
    "-C",
    name,
    "-f",
    path,
  ]);
  if (result.status !== 0) throw new Error(`ssh-keygen failed: ${result.stderr}`);
  return [path, readFileSync(`${path}.pub`, "utf8").trim()];
}

async function waitListening(host: SshdHost, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket: Socket = connect({ host: host.address, port: host.port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await Bun.sleep(25);
  }
  throw new Error(`sshd did not start listening on ${host.address}:${host.port}`);
}

/** Starts a fleet of sshd processes; stopped automatically when the process exits. */
export async function startSshdFleet(options: SshdFleetOptions = {}): Promise<SshdFleet> {
  if (!existsSync(sshdPath)) throw new Error(`${sshdPath} missing: apt-get install openssh-server`);
  installCleanup();
  const addresses = options.addresses ?? allocateAddresses(options.count ?? 1);
  const dir = mkdtempSync(join(tmpdir(), "opsctl-sshd-"));
  // sshd reads authorized_keys as the login user, who must be able to reach it.
  chmodSync(dir, 0o755);
  const user = ensureLoginUser();

  keygen(join(dir, "host_ed25519"), "host");
  const [clientKey, clientPublicKey] = generateKey(dir, "client_ed25519");
  writeFileSync(
    join(dir, "authorized_keys"),
    `${clientPublicKey}\n${options.authorizedPublicKey ? `${options.authorizedPublicKey}\n` : ""}`,
    { mode: 0o644 },
  );
  const [hostKeyType = "", hostKeyBase64 = ""] = readFileSync(join(dir, "host_ed25519.pub"), "utf8")
    .trim()
    .split(/\s+/);

  const port = await freePort();
  const hosts = addresses.map((address) => ({ address, port }));
  const processes: ReturnType<typeof Bun.spawn>[] = [];
  const logFiles: string[] = [];
  for (let start = 0; start < hosts.length; start += listenPerProcess) {
    const chunk = hosts.slice(start, start + listenPerProcess);
    const index = start / listenPerProcess;
    const configPath = join(dir, `sshd_config.${index}`);
    writeFileSync(
      configPath,
      [
        ...chunk.map((host) => `ListenAddress ${host.address}:${host.port}`),
        `HostKey ${join(dir, "host_ed25519")}`,
        "PidFile none",
        "UsePAM no",
        "StrictModes no",
        `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin prohibit-password",
        // The default 10:30:100 drops concurrent handshakes: fan-out tools open 100+ at once.
        "MaxStartups 2000:30:4000",
        "MaxSessions 1000",
        "LoginGraceTime 60",
        "AllowTcpForwarding yes",
        "UseDNS no",
        "PrintMotd no",
        "PrintLastLog no",
        "Banner none",
        "AcceptEnv LANG LC_*",
        `LogLevel ${options.debug ? "DEBUG1" : (options.logLevel ?? "VERBOSE")}`,
        ...(options.extraConfig ?? []),
        "",
      ].join("\n"),
    );
    const logFile = join(dir, `sshd.${index}.log`);
    logFiles.push(logFile);
    processes.push(
      spawnTied([sshdPath, "-D", "-e", ...(options.noReexec ? ["-r"] : []), "-f", configPath], {
        output: Bun.file(logFile),
        dir,
      }),
    );
  }

  let stopped = false;
  const fleet: SshdFleet = {
    hosts,
    user,
    clientKey,
    clientPublicKey,
    hostKeyType,
    hostKeyBase64,
    dir,
    knownHostsLines: () =>
      hosts.map((host) => `[${host.address}]:${host.port} ${hostKeyType} ${hostKeyBase64}`),
    logs: () =>
      logFiles.map((file) => (existsSync(file) ? readFileSync(file, "utf8") : "")).join(""),
    stop() {
      if (stopped) return;
      stopped = true;
      for (const proc of processes) proc.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
  fleets.push(fleet);
  try {
    const deadline = Date.now() + 15_000;
    for (const proc of processes) {
      if (proc.exitCode !== null) throw new Error(`sshd exited: ${fleet.logs()}`);
    }
    await Promise.all(hosts.map((host) => waitListening(host, deadline)));
  } catch (error) {
    const logs = fleet.logs();
    fleet.stop();
    throw new Error(`${(error as Error).message}\n${logs}`);
  }
  return fleet;
}

const shared = new Map<string, Promise<SshdFleet>>();

/** One memoized fleet per name and process, so test files can share servers. */
export function sharedSshdFleet(name: string, options: SshdFleetOptions = {}): Promise<SshdFleet> {
  let fleet = shared.get(name);
  if (!fleet) {
    fleet = startSshdFleet(options);
    shared.set(name, fleet);
  }
  return fleet;
}

/** A listener that accepts TCP connections and never says a word (an SSH tarpit). */
export async function startTarpit(address = "127.0.0.1"): Promise<SshdHost & { close(): void }> {
  installCleanup();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, address, resolve);
  });
  const bound = server.address();
  const port = typeof bound === "object" && bound ? bound.port : 0;
  const close = () => {
    for (const socket of sockets) socket.destroy();
    server.close();
  };
  process.on("exit", close);
  return { address, port, close };
}

/** A real ssh-agent on a socket in dir, holding the given keys. */
export async function startSshAgent(
  dir: string,
  keys: string[],
): Promise<{ socket: string; stop(): void }> {
  installCleanup();
  const socket = join(dir, `agent.${process.pid}.${Date.now()}.sock`);
  const agent = spawnTied(["ssh-agent", "-D", "-a", socket], { output: "ignore" });
  const deadline = Date.now() + 5000;
  while (!existsSync(socket)) {
    if (Date.now() > deadline) throw new Error("ssh-agent did not create its socket");
    await Bun.sleep(20);
  }
  for (const key of keys) {
    const added = spawnSync("ssh-add", [key], { env: { ...process.env, SSH_AUTH_SOCK: socket } });
    if (added.status !== 0) throw new Error(`ssh-add ${key} failed: ${added.stderr}`);
  }
  const stop = () => agent.kill("SIGTERM");
  process.on("exit", stop);
  return { socket, stop };
}
