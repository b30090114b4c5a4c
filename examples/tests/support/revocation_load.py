#!/usr/bin/env python3
"""Load through the gate while a device is revoked: the driver of gate_load.rs.

Several threads, each for one device, send requests in turn over a new connection (full
handshake), a resumed session (an ssl.SSLSession handed back to wrap_socket) and a
keep-alive connection, over TLS 1.2 and TLS 1.3. After half of --total requests it
prints "midway" and the test replaces the CRL (revoking the victim), then writes
"written" on our stdin. A poller watches the gate's certgate_gate_reloads_total and
notes when it goes up: the reload is visible. The run goes on until --total requests
are done and enough victim requests started after the reload was visible (at most
three times --total).

Prints one JSON object: {"reload_seen", "crl_written", "records": [{"device", "victim",
"kind", "tls", "start", "end", "status", "outcome", "detail", "reused"}]}, times in
seconds from the start. outcome: "ok" (200), "refused" (403), "tls-refused" (the TLS
handshake or an alert refused it), "error" (anything else).

    revocation_load.py --port P --ca CA --metrics URL --device NAME:CERT:KEY ...
                       --victim NAME --total 1000 --threads 6
"""
import argparse
import http.client
import json
import socket
import ssl
import sys
import threading
import time
import urllib.request

HOST = "money.localhost"
KINDS = ("new", "resumed", "keepalive")
VERSIONS = ("1.2", "1.3")
# Victim requests of each kind that must start after the reload is visible.
AFTER_RELOAD_PER_KIND = 12

T0 = time.monotonic()


def now():
    return time.monotonic() - T0


class Shared:
    def __init__(self, total):
        self.lock = threading.Lock()
        self.total = total
        self.issued = 0
        self.records = []
        self.reload_seen = None
        self.crl_written = None
        self.midway_said = False
        self.stop = False

    def victim_after_reload(self):
        counts = {k: 0 for k in KINDS}
        for r in self.records:
            if r["victim"] and self.reload_seen is not None and r["start"] > self.reload_seen:
                counts[r["kind"]] += 1
        return min(counts.values())

    def next_request(self):
        """The next request's number, or None when the run is over."""
        with self.lock:
            if self.stop:
                return None
            n = self.issued
            if n == self.total // 2 and not self.midway_said:
                self.midway_said = True
                print("midway", flush=True)
            done = n >= self.total and self.reload_seen is not None and \
                self.victim_after_reload() >= AFTER_RELOAD_PER_KIND
            if done or n >= 3 * self.total:
                self.stop = True
                return None
            self.issued += 1
            return n


def context(args, device, version):
    ctx = ssl.create_default_context(cafile=args.ca)
    if version == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    else:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(device["cert"], device["key"])
    return ctx


def classify(exc):
    text = repr(exc)
    if isinstance(exc, ssl.SSLError) and ("ALERT" in text.upper() or "HANDSHAKE" in text.upper()):
        return "tls-refused", text
    return "error", text


def one_shot(args, ctx, path, session):
    """A request over a new connection (resuming `session` if given): status, session,
    whether it was resumed."""
    sock = socket.create_connection(("127.0.0.1", args.port), timeout=20)
    tls = ctx.wrap_socket(sock, server_hostname=HOST, session=session)
    try:
        tls.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                     % (path, HOST)).encode())
        data = b""
        while True:
            chunk = tls.recv(65536)
            if not chunk:
                break
            data += chunk
        first = data.split(b"\r\n", 1)[0].split(b" ")
        status = int(first[1]) if len(first) > 1 and first[1].isdigit() else None
        return status, tls.session, tls.session_reused
    finally:
        tls.close()


class Worker:
    def __init__(self, args, shared, device):
        self.args = args
        self.shared = shared
        self.device = device
        self.ctx = {v: context(args, device, v) for v in VERSIONS}
        self.sessions = {v: None for v in VERSIONS}
        self.conns = {v: None for v in VERSIONS}

    def keepalive(self, version, path):
        conn = self.conns[version]
        if conn is None:
            conn = http.client.HTTPSConnection(HOST, self.args.port, timeout=20)
            sock = socket.create_connection(("127.0.0.1", self.args.port), timeout=20)
            conn.sock = self.ctx[version].wrap_socket(sock, server_hostname=HOST)
            self.conns[version] = conn
        try:
            conn.request("GET", path, headers={"Host": HOST})
            response = conn.getresponse()
            response.read()
        except Exception:
            self.conns[version] = None
            conn.close()
            raise
        if response.will_close:
            self.conns[version] = None
            conn.close()
        return response.status, False

    def request(self, n, kind, version):
        path = "/load?n=%d" % n
        if kind == "keepalive":
            return self.keepalive(version, path)
        session = self.sessions[version] if kind == "resumed" else None
        status, new_session, reused = one_shot(self.args, self.ctx[version], path, session)
        if kind == "resumed":
            self.sessions[version] = new_session
        return status, reused

    def run(self):
        j = 0
        while True:
            n = self.shared.next_request()
            if n is None:
                break
            kind = KINDS[j % len(KINDS)]
            version = VERSIONS[(j // len(KINDS)) % len(VERSIONS)]
            j += 1
            record = {"device": self.device["name"], "victim": self.device["victim"],
                      "kind": kind, "tls": version, "start": now(), "status": None,
                      "detail": None, "reused": False}
            try:
                status, reused = self.request(n, kind, version)
                record["status"] = status
                record["reused"] = bool(reused)
                record["outcome"] = {200: "ok", 403: "refused"}.get(status, "error")
            except Exception as e:  # every failure is recorded, the test judges
                record["outcome"], record["detail"] = classify(e)
                if kind == "resumed":
                    self.sessions[version] = None
            record["end"] = now()
            with self.shared.lock:
                self.shared.records.append(record)


def reloads(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("certgate_gate_reloads_total "):
                return int(float(line.split()[1]))
    return 0


def poll_reloads(url, shared):
    base = reloads(url)
    while not shared.stop:
        if reloads(url) > base:
            with shared.lock:
                shared.reload_seen = now()
            return
        time.sleep(0.02)


def wait_written(shared):
    for line in sys.stdin:
        if line.strip() == "written":
            with shared.lock:
                shared.crl_written = now()
            return


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--metrics", required=True)
    p.add_argument("--device", action="append", required=True, help="NAME:CERT:KEY")
    p.add_argument("--victim", required=True)
    p.add_argument("--total", type=int, default=1000)
    p.add_argument("--threads", type=int, default=6)
    args = p.parse_args()
    devices = []
    for spec in args.device:
        name, cert, key = spec.split(":")
        devices.append({"name": name, "cert": cert, "key": key, "victim": name == args.victim})
    shared = Shared(args.total)
    threading.Thread(target=poll_reloads, args=(args.metrics, shared), daemon=True).start()
    threading.Thread(target=wait_written, args=(shared,), daemon=True).start()
    workers = [Worker(args, shared, devices[i % len(devices)]) for i in range(args.threads)]
    threads = [threading.Thread(target=w.run) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    shared.stop = True
    print(json.dumps({"reload_seen": shared.reload_seen, "crl_written": shared.crl_written,
                      "records": shared.records}), flush=True)


if __name__ == "__main__":
    main()
