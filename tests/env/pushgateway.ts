/** A real Prometheus Pushgateway (Debian prometheus-pushgateway) on 127.0.0.1, one per test process. */
import { freePort, httpReady, type Service, startService } from "./service.ts";

export interface Pushgateway {
  url: string;
  service: Service;
}

let started: Promise<Pushgateway> | undefined;

export function startPushgateway(): Promise<Pushgateway> {
  started ??= (async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const service = await startService({
      name: "pushgateway",
      command: [
        "prometheus-pushgateway",
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      ready: () => httpReady(`${url}/-/ready`),
    });
    return { url, service };
  })();
  return started;
}
