/**
 * OTLP/gRPC without @grpc/grpc-js: a unary gRPC call is one HTTP/2 POST of a length-prefixed
 * protobuf message with the status in the trailers, which node:http2 (built into Bun) does.
 * The upstream gRPC exporters load grpc-js through createRequire, which a `bun build --compile`
 * binary cannot resolve, and it would add ~5 MB for one request type.
 */

import { readFileSync } from "node:fs";
import { type ClientHttp2Session, connect, constants } from "node:http2";
import type { ExportResponse, IExporterTransport } from "@opentelemetry/otlp-exporter-base";

export const grpcPaths = {
  traces: "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
  metrics: "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
  logs: "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
} as const;

/** gRPC codes the OTLP spec says to retry. */
const retryableCodes = new Set([1, 4, 8, 10, 11, 14, 15]);

export interface GrpcTls {
  /** PEM file paths: a private CA, and a client certificate and key for mTLS. */
  ca?: string;
  cert?: string;
  key?: string;
}

export function grpcTransport(
  url: string,
  path: string,
  headers: Record<string, string>,
  tls: GrpcTls = {},
): IExporterTransport {
  let session: ClientHttp2Session | undefined;
  const currentSession = () => {
    if (!session || session.closed || session.destroyed) {
      session = connect(url, {
        ...(tls.ca ? { ca: readFileSync(tls.ca) } : {}),
        ...(tls.cert ? { cert: readFileSync(tls.cert) } : {}),
        ...(tls.key ? { key: readFileSync(tls.key) } : {}),
      });
      // Errors reach the pending request; without a listener they would crash the process.
      session.on("error", () => {});
      // An idle connection must not keep a finished tool alive.
      session.unref();
    }
    return session;
  };
  const metadata = Object.fromEntries(
    Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]),
  );

  return {
    send(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
      return new Promise((resolve) => {
        let settled = false;
        const finish = (response: ExportResponse) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(response);
        };
        const timer = setTimeout(() => {
          request?.close(constants.NGHTTP2_CANCEL);
          finish({
            status: "retryable",
            error: new Error(`gRPC export to ${url} timed out after ${timeoutMillis} ms`),
          });
        }, timeoutMillis);
        let request: ReturnType<ClientHttp2Session["request"]> | undefined;
        try {
          request = currentSession().request({
            ":method": "POST",
            ":path": path,
            "content-type": "application/grpc",
            te: "trailers",
            ...metadata,
          });
        } catch (error) {
          finish({ status: "retryable", error: error as Error });
          return;
        }
        let grpcStatus: string | undefined;
        let grpcMessage = "";
        const readStatus = (fields: Record<string, unknown>) => {
          if (fields["grpc-status"] !== undefined) grpcStatus = String(fields["grpc-status"]);
          if (fields["grpc-message"] !== undefined)
            grpcMessage = decodeURIComponent(String(fields["grpc-message"]));
        };
        const chunks: Buffer[] = [];
        request.on("response", (fields) => readStatus(fields)); // trailers-only responses
        request.on("trailers", (fields) => readStatus(fields));
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("error", (error) => finish({ status: "retryable", error }));
        request.on("close", () => {
          const code = Number(grpcStatus ?? 14);
          if (code === 0) {
            const body = Buffer.concat(chunks);
            finish({ status: "success", data: body.subarray(5) });
            return;
          }
          const error = new Error(
            `gRPC export to ${url} failed: status ${code}${grpcMessage ? ` (${grpcMessage})` : ""}`,
          );
          finish(
            retryableCodes.has(code)
              ? { status: "retryable", error }
              : { status: "failure", error },
          );
        });
        const frame = new Uint8Array(5 + data.length);
        new DataView(frame.buffer).setUint32(1, data.length); // byte 0: not compressed
        frame.set(data, 5);
        request.end(frame);
      });
    },
    shutdown() {
      session?.close();
    },
  };
}
