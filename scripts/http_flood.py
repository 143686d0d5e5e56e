#!/usr/bin/env python3
"""Hostile load on a metrics port, for scripts/test_monitoring.sh.

For SECONDS, from THREADS threads at once: valid scrapes as fast as they return, garbage
bytes, half-sent requests left open (slowloris), oversized headers, and connections
closed mid-request. Prints one JSON line: what was sent and how many valid scrapes got a
200 with Prometheus text.
    python3 scripts/http_flood.py HOST PORT SECONDS [THREADS]
"""
import json
import os
import random
import socket
import sys
import threading
import time

host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 32
deadline = time.time() + seconds
lock = threading.Lock()
counts = {"scrapes": 0, "scrapes_ok": 0, "garbage": 0, "slowloris_open": 0, "oversized": 0, "cut": 0, "errors": 0}
held = []


def bump(key):
    with lock:
        counts[key] += 1


def connect():
    s = socket.create_connection((host, port), timeout=5)
    s.settimeout(5)
    return s


def scrape():
    s = connect()
    try:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        bump("scrapes")
        if data.startswith(b"HTTP/1.1 200") and b"# TYPE icrl_" in data:
            bump("scrapes_ok")
    finally:
        s.close()


def garbage():
    s = connect()
    try:
        s.sendall(os.urandom(random.randint(1, 4096)))
        try:
            s.recv(1024)
        except OSError:
            pass
        bump("garbage")
    finally:
        s.close()


def slowloris():
    s = connect()
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-a: ")
    with lock:
        held.append(s)
        counts["slowloris_open"] += 1


def oversized():
    s = connect()
    try:
        s.sendall(b"GET /" + b"a" * 200_000 + b" HTTP/1.1\r\n" + b"X: " + b"b" * 100_000 + b"\r\n\r\n")
        try:
            s.recv(1024)
        except OSError:
            pass
        bump("oversized")
    finally:
        s.close()


def cut():
    s = connect()
    s.sendall(b"GET /metr")
    s.close()
    bump("cut")


def worker(i):
    kinds = [scrape, scrape, garbage, oversized, cut] + ([slowloris] if i % 4 == 0 else [])
    while time.time() < deadline:
        try:
            random.choice(kinds)()
        except OSError:
            bump("errors")


ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
for s in held:
    s.close()
print(json.dumps(counts))
