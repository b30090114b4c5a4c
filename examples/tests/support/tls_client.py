#!/usr/bin/env python3
"""A TLS client for the gate's end-to-end tests, for what curl cannot send: raw request
bytes (folded header lines, odd casing), a WebSocket upgrade, a slow-loris; and Python
`requests` as a real client. Prints one JSON object on stdout.

    tls_client.py COMMAND --port PORT --ca CA.pem [--cert C.pem --key K.pem]
                  [--sni NAME | --no-sni] [--tls 1.2|1.3]

COMMAND:
  raw        send the bytes read from stdin, read until the gate closes
             -> {"status", "head", "body", "error"}
  ws         send a WebSocket upgrade for /ws, then "hello"
             -> {"status", "head", "echo", "error"}
  slowloris  send a partial request line one byte at a time, --interval seconds
             apart, then wait up to --wait seconds -> {"sent", "total", "closed", "error"}
  requests   GET --path with the `requests` library (the host name resolved to
             127.0.0.1) -> {"status", "body", "error"}
"""
import argparse
import json
import socket
import ssl
import sys
import time

HOST = "money.localhost"


def context(args):
    ctx = ssl.create_default_context(cafile=args.ca)
    if args.tls == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    elif args.tls == "1.3":
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    return ctx


def connect(args, timeout=20):
    sock = socket.create_connection(("127.0.0.1", args.port), timeout=timeout)
    # Python sends no SNI for an address; the gate's certificate has IP SAN 127.0.0.1.
    name = "127.0.0.1" if args.no_sni else args.sni
    tls = context(args).wrap_socket(sock, server_hostname=name)
    tls.settimeout(timeout)
    return tls


def split_response(data):
    head, _, body = data.partition(b"\r\n\r\n")
    first = head.split(b"\r\n", 1)[0].split(b" ")
    status = int(first[1]) if len(first) > 1 and first[1].isdigit() else None
    return status, head.decode("latin-1"), body.decode("latin-1")


def read_all(tls):
    out = b""
    error = None
    try:
        while True:
            chunk = tls.recv(65536)
            if not chunk:
                break
            out += chunk
    except (OSError, ssl.SSLError) as e:
        error = repr(e)
    return out, error


def raw(args):
    data = sys.stdin.buffer.read()
    try:
        tls = connect(args)
        tls.sendall(data)
    except (OSError, ssl.SSLError) as e:
        return {"status": None, "head": "", "body": "", "error": repr(e)}
    out, error = read_all(tls)
    status, head, body = split_response(out)
    return {"status": status, "head": head, "body": body, "error": error}


def ws(args):
    request = (
        "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ) % args.sni
    try:
        tls = connect(args)
        tls.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = tls.recv(1)
            if not chunk:
                break
            head += chunk
    except (OSError, ssl.SSLError) as e:
        return {"status": None, "head": "", "echo": "", "error": repr(e)}
    status, head_text, _ = split_response(head)
    if status != 101:
        # The connection stays open for the next request: read the body by its length.
        length = 0
        for line in head_text.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        body = b""
        while len(body) < length:
            chunk = tls.recv(length - len(body))
            if not chunk:
                break
            body += chunk
        return {"status": status, "head": head_text, "echo": "",
                "body": body.decode("latin-1"), "error": None}
    tls.sendall(b"hello")
    echo, error = read_all(tls)
    return {"status": status, "head": head_text, "echo": echo.decode("latin-1"), "error": error}


def slowloris(args):
    partial = ("GET / HTTP/1.1\r\nHost: %s\r\nX-Slow: " % args.sni).encode() + b"a" * 40
    sent = 0
    try:
        tls = connect(args)
    except (OSError, ssl.SSLError) as e:
        return {"sent": 0, "total": len(partial), "closed": False, "error": repr(e)}
    tls.settimeout(args.interval)
    result = {"sent": 0, "total": len(partial), "closed": False, "error": None}
    deadline = None
    while True:
        if sent < len(partial):
            try:
                tls.sendall(partial[sent:sent + 1])
                sent += 1
            except (OSError, ssl.SSLError) as e:
                result.update(closed=True, error=repr(e))
                break
        elif deadline is None:
            deadline = time.monotonic() + args.wait
        elif time.monotonic() > deadline:
            break
        try:
            chunk = tls.recv(4096)
            # End of stream, or an answer (a 408) before the close: the gate gave up.
            result.update(closed=True, error=chunk.decode("latin-1")[:200] or "eof")
            break
        except socket.timeout:
            continue
        except (OSError, ssl.SSLError) as e:
            result.update(closed=True, error=repr(e))
            break
    result["sent"] = sent
    return result


def with_requests(args):
    import requests  # python3-requests

    real = socket.getaddrinfo

    def resolve(host, *rest, **kw):
        return real("127.0.0.1" if host == HOST else host, *rest, **kw)

    socket.getaddrinfo = resolve
    url = "https://%s:%d%s" % (args.sni, args.port, args.path)
    cert = (args.cert, args.key) if args.cert else None
    try:
        r = requests.get(url, cert=cert, verify=args.ca, timeout=20,
                         headers={"Accept": args.accept} if args.accept else None)
    except requests.RequestException as e:
        return {"status": None, "body": "", "error": repr(e)}
    return {"status": r.status_code, "body": r.text, "error": None}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["raw", "ws", "slowloris", "requests"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--sni", default=HOST)
    p.add_argument("--no-sni", action="store_true")
    p.add_argument("--tls", choices=["1.2", "1.3"])
    p.add_argument("--path", default="/")
    p.add_argument("--accept")
    p.add_argument("--interval", type=float, default=0.3)
    p.add_argument("--wait", type=float, default=30.0)
    args = p.parse_args()
    run = {"raw": raw, "ws": ws, "slowloris": slowloris, "requests": with_requests}
    print(json.dumps(run[args.command](args)), flush=True)


if __name__ == "__main__":
    main()
