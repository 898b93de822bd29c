"""The Python baseline: what SREs write today, prometheus_client serving 1,000 gauge series."""
import random
import sys
import time

from prometheus_client import Gauge, start_http_server

port = int(sys.argv[1])
series = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
rng = random.Random(42)
gauge = Gauge("bench_value", "A value per item, as a check script would expose it.", ["i"])
for i in range(series):
    gauge.labels(i=str(i)).set(round(rng.random() * 1000, 3))
start_http_server(port, addr="127.0.0.1")
print("ready", flush=True)
while True:
    time.sleep(3600)
