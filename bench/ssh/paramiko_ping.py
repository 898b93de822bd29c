#!/usr/bin/env python3
"""The threaded paramiko fan-out people write: connect, check the host key, run a command.

usage: paramiko_ping.py HOSTS_FILE USER PORT KEY KNOWN_HOSTS COMMAND [THREADS]
"""
import sys
from concurrent.futures import ThreadPoolExecutor

import paramiko


def probe(host: str, user: str, port: int, key: str, known_hosts: str, command: str) -> str:
    client = paramiko.SSHClient()
    client.load_host_keys(known_hosts)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect(
            host, port=port, username=user, key_filename=key, timeout=10, banner_timeout=10,
            auth_timeout=10, look_for_keys=False, allow_agent=False,
        )
        _, stdout, _ = client.exec_command(command, timeout=30)
        code = stdout.channel.recv_exit_status()
        return "ok" if code == 0 else f"rc={code}"
    except Exception as error:  # report every failure kind as one line
        return f"error: {error}"
    finally:
        client.close()


def main() -> None:
    hosts_file, user, port, key, known_hosts, command, *rest = sys.argv[1:]
    threads = int(rest[0]) if rest else 100
    hosts = [line.strip() for line in open(hosts_file) if line.strip()]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(lambda h: probe(h, user, int(port), key, known_hosts, command), hosts))
    ok = sum(1 for r in results if r == "ok")
    for host, result in zip(hosts, results):
        if result != "ok":
            print(f"{host}: {result}")
    print(f"{ok}/{len(hosts)} ok")
    sys.exit(0 if ok == len(hosts) else 1)


if __name__ == "__main__":
    main()
