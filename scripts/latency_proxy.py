#!/usr/bin/env python3
"""A TCP proxy that delays every byte by a random latency: a userspace stand-in for
`tc qdisc … netem delay D J` on kernels without the netem qdisc.

    python3 scripts/latency_proxy.py --listen 127.0.0.1:6555 --target 10.231.0.1:5555 \
        [--ports 3] [--delay-ms 50] [--jitter-ms 10]

Forwards `--ports` consecutive ports (an ICRL learner's experience, weights and control
ports). Each direction of each connection is delayed: data read at time t is written at
t + delay, delay uniform in [D − J, D + J], never before earlier data (order kept, as TCP
would). Prints one line per accepted connection to stderr; runs until killed.
"""
import argparse
import asyncio
import random
import sys
import time


async def pump(reader, writer, delay, jitter):
    queue = asyncio.Queue()

    async def send():
        while True:
            due, data = await queue.get()
            if data is None:
                break
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.ensure_future(send())
    last_due = 0.0
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            due = max(last_due, time.monotonic() + random.uniform(delay - jitter, delay + jitter) / 1000)
            last_due = due
            await queue.put((due, data))
    except (ConnectionError, OSError):
        pass
    await queue.put((0.0, None))
    try:
        await sender
    except (ConnectionError, OSError):
        pass


async def serve(listen_host, listen_port, target_host, target_port, delay, jitter):
    async def handle(client_reader, client_writer):
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(target_host, target_port)
        except OSError as error:
            print(f"latency_proxy: cannot reach {target_host}:{target_port}: {error}", file=sys.stderr)
            client_writer.close()
            return
        print(f"latency_proxy: {listen_port} -> {target_host}:{target_port} connected", file=sys.stderr)
        await asyncio.gather(pump(client_reader, upstream_writer, delay, jitter),
                             pump(upstream_reader, client_writer, delay, jitter))

    server = await asyncio.start_server(handle, listen_host, listen_port)
    async with server:
        await server.serve_forever()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--listen", required=True, help="HOST:PORT of the first listening port")
    p.add_argument("--target", required=True, help="HOST:PORT of the first target port")
    p.add_argument("--ports", type=int, default=3)
    p.add_argument("--delay-ms", type=float, default=50)
    p.add_argument("--jitter-ms", type=float, default=10)
    args = p.parse_args()
    lhost, lport = args.listen.rsplit(":", 1)
    thost, tport = args.target.rsplit(":", 1)

    async def run():
        await asyncio.gather(*(serve(lhost, int(lport) + k, thost, int(tport) + k, args.delay_ms, args.jitter_ms)
                               for k in range(args.ports)))
    asyncio.run(run())


if __name__ == "__main__":
    main()
