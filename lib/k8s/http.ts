// An HttpLibrary for client-node's generated API clients that sends through Bun's fetch with
// the kubeconfig's TLS material. The stock IsomorphicFetchHttpLibrary passes an undici
// `dispatcher` carrying the CA and client certificate, which Bun's fetch silently ignores.
import {
  type HttpLibrary,
  type KubeConfig,
  type RequestContext,
  ResponseContext,
  wrapHttpLibrary,
} from "@kubernetes/client-node";
import { kubeRequestOptions } from "./tls.ts";

async function send(kc: KubeConfig, request: RequestContext): Promise<ResponseContext> {
  // Auth headers are already on the request (the API client ran applySecurityAuthentication).
  const { tls } = await kubeRequestOptions(kc);
  const response = await fetch(request.getUrl(), {
    method: request.getHttpMethod().toString(),
    headers: request.getHeaders(),
    body: request.getBody() ?? null,
    signal: request.getSignal(),
    tls,
  });
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return new ResponseContext(response.status, headers, {
    text: () => response.text(),
    binary: async () => Buffer.from(await response.arrayBuffer()),
    stream: () => response.body,
  });
}

/** An HttpLibrary bound to one KubeConfig (its current context, read at each request). */
export function bunFetchHttpLibrary(kc: KubeConfig): HttpLibrary {
  return wrapHttpLibrary({ send: (request) => send(kc, request) });
}
