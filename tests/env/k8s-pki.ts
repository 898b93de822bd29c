// Certificates for the test control plane, made with openssl: one CA, the API server's serving
// certificate (127.0.0.1/localhost and the in-cluster names), client certificates per identity
// (CN = user, O = groups), and the service-account signing key pair. EC P-256 keys: fast to make.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

function openssl(args: string[], cwd: string): void {
  const result = Bun.spawnSync(["openssl", ...args], { cwd, stderr: "pipe", stdout: "pipe" });
  if (result.exitCode !== 0) {
    throw new Error(`openssl ${args.join(" ")}: ${result.stderr.toString().trim()}`);
  }
}

function newKey(dir: string, name: string): string {
  const keyFile = join(dir, `${name}.key`);
  openssl(
    ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyFile],
    dir,
  );
  return keyFile;
}

export interface CertPair {
  certFile: string;
  keyFile: string;
}

export interface Pki {
  ca: CertPair;
  apiserver: CertPair;
  serviceAccountKey: string;
  serviceAccountPub: string;
  /** Issues a client certificate for `user` in `groups` (X.509 O fields). */
  clientCert(name: string, user: string, groups: string[]): CertPair;
}

function sign(
  dir: string,
  name: string,
  subject: string,
  extensions: string,
  ca: CertPair,
): CertPair {
  const keyFile = newKey(dir, name);
  const csr = join(dir, `${name}.csr`);
  const certFile = join(dir, `${name}.crt`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, extensions);
  openssl(["req", "-new", "-key", keyFile, "-subj", subject, "-out", csr], dir);
  openssl(
    [
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      ca.certFile,
      "-CAkey",
      ca.keyFile,
      "-CAcreateserial",
      "-days",
      "3650",
      "-sha256",
      "-extfile",
      extFile,
      "-out",
      certFile,
    ],
    dir,
  );
  return { certFile, keyFile };
}

export function makePki(dir: string): Pki {
  const caKey = newKey(dir, "ca");
  const caCert = join(dir, "ca.crt");
  openssl(
    [
      "req",
      "-x509",
      "-new",
      "-key",
      caKey,
      "-subj",
      "/CN=opsctl-test-ca",
      "-days",
      "3650",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
      "-out",
      caCert,
    ],
    dir,
  );
  const ca = { certFile: caCert, keyFile: caKey };
  const serverNames = [
    "IP:127.0.0.1",
    "DNS:localhost",
    "IP:10.96.0.1",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
  ];
  const apiserver = sign(
    dir,
    "apiserver",
    "/CN=kube-apiserver",
    "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n" +
      `subjectAltName=${serverNames.join(",")}\n`,
    ca,
  );
  const serviceAccountKey = newKey(dir, "service-account");
  const serviceAccountPub = join(dir, "service-account.pub");
  openssl(["pkey", "-in", serviceAccountKey, "-pubout", "-out", serviceAccountPub], dir);

  return {
    ca,
    apiserver,
    serviceAccountKey,
    serviceAccountPub,
    clientCert(name, user, groups) {
      const subject = [...groups.map((g) => `/O=${g}`), `/CN=${user}`].join("");
      const ext =
        "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n";
      return sign(dir, name, subject, ext, ca);
    },
  };
}
