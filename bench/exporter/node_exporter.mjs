// The Node.js baseline: prom-client on node:http serving 1,000 gauge series (no default metrics).
import { createServer } from "node:http";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Gauge, Registry } = require("prom-client");

const port = Number(process.argv[2]);
const series = Number(process.argv[3] ?? 1000);
const registry = new Registry();
const gauge = new Gauge({
  name: "bench_value",
  help: "A value per item, as a check script would expose it.",
  labelNames: ["i"],
  registers: [registry],
});
let seed = 42;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
for (let i = 0; i < series; i++) gauge.labels(String(i)).set(Math.round(random() * 1e6) / 1e3);
createServer(async (request, response) => {
  if (request.url !== "/metrics") {
    response.writeHead(404).end();
    return;
  }
  const body = await registry.metrics();
  response.writeHead(200, { "content-type": registry.contentType }).end(body);
}).listen(port, "127.0.0.1", () => console.log("ready"));
