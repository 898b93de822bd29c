import { X509Certificate } from "node:crypto";
import type { TLSSocket } from "node:tls";

export interface PeerCertificate {
  subject: string;
  issuer: string;
  serialNumber: string;
  /** Unix seconds. */
  notBefore: number;
  notAfter: number;
}

function fromX509(cert: X509Certificate): PeerCertificate {
  return {
    subject: cert.subject.replaceAll("\n", ","),
    issuer: cert.issuer.replaceAll("\n", ","),
    serialNumber: cert.serialNumber,
    notBefore: Date.parse(cert.validFrom) / 1000,
    notAfter: Date.parse(cert.validTo) / 1000,
  };
}

/** The chain the server sent, leaf first (stops at a self-signed certificate or a loop). */
export function peerCertificates(socket: TLSSocket): PeerCertificate[] {
  const chain: PeerCertificate[] = [];
  let cert = socket.getPeerCertificate(true) as
    | (ReturnType<TLSSocket["getPeerCertificate"]> & { issuerCertificate?: unknown; raw?: Buffer })
    | undefined;
  const seen = new Set<string>();
  while (cert?.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(fromX509(new X509Certificate(cert.raw)));
    cert = cert.issuerCertificate as typeof cert;
  }
  return chain;
}

/** Every certificate in a PEM bundle. */
export function pemCertificates(pem: string, where: string): PeerCertificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error(`${where}: no PEM certificate found`);
  return blocks.map((block, index) => {
    try {
      return fromX509(new X509Certificate(block));
    } catch (error) {
      throw new Error(`${where}: certificate #${index + 1}: ${(error as Error).message}`);
    }
  });
}

export function earliestExpiry(chain: PeerCertificate[]): number {
  return Math.min(...chain.map((cert) => cert.notAfter));
}
