#!/usr/bin/env python3
"""The origin for the gate's end-to-end tests: answers every request with JSON saying
what reached it (method, path, headers in order, body length), so a test can check at
the origin what the gate forwarded. /hang never answers (the gate's 504), /slow answers
after a while (2 s, or ?s=SECONDS) for graceful shutdown, /ws speaks just enough
WebSocket to check an upgrade passes. Prints its port, then one line per request it
receives ("request METHOD PATH"), so a test can tell whether a request reached it."""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self):
        print("request", self.command, self.path, flush=True)
        if self.path.startswith("/hang"):
            time.sleep(120)
            return
        if self.path.startswith("/slow"):
            seconds = parse_qs(urlsplit(self.path).query).get("s", ["2"])[0]
            time.sleep(float(seconds))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/ws") and self.headers.get("Upgrade", "").lower() == "websocket":
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.end_headers()
            self.wfile.flush()
            data = self.connection.recv(64)
            self.connection.sendall(b"echo:" + data)
            self.close_connection = True
            return
        out = json.dumps({
            "method": self.command,
            "path": self.path,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body_length": len(body),
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = answer


server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
