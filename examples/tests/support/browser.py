#!/usr/bin/env python3
"""Headless Chromium through the gate, driven over the W3C WebDriver protocol (plain
HTTP to chromedriver, no selenium): the driver of gate_browser.rs.

    browser.py --home HOME --url URL --issuer-cn CN [--login-click CSS --login-account NAME]
               [--form JSON --wait-path PATH]

HOME holds the NSS database Chromium reads on Linux ($HOME/.pki/nssdb, made by the
test with certutil and pk12util); the profile (HOME/profile) is told to pick, without a
dialog, a client certificate issued by CN for URL's origin: Chromium's
AutoSelectCertificateForUrls, as a profile content setting (no root, no policy file).
Loads URL; with --login-click, clicks that element (a provider on the gate's login
page), signs in at the test OpenID provider's form as --login-account and waits to be
back on URL's host (each page on the way is recorded); with --form (JSON: field name -> value) fills the form of that page, submits
it and waits until the address's path is --wait-path. Prints one JSON object:
{"pages": [{"url", "title", "text"}], "error"}.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

# Generous: a debug build of the gate on a loaded machine.
TIMEOUT = 60


class WebDriver:
    def __init__(self, port):
        self.base = "http://127.0.0.1:%d" % port
        self.session = None

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, method=method, data=data,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT + 30) as r:
                value = json.loads(r.read())["value"]
        except urllib.error.HTTPError as e:
            value = json.loads(e.read())["value"]
            raise RuntimeError("%s %s: %s: %s" % (method, path, value.get("error"),
                                                  value.get("message", "")[:300]))
        return value

    def s(self, method, path, body=None):
        return self.call(method, "/session/%s%s" % (self.session, path), body)

    def start(self, args):
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": {"pageLoad": TIMEOUT * 1000, "script": TIMEOUT * 1000},
            "goog:chromeOptions": {"binary": shutil.which("chromium"), "args": args},
        }}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def page(self):
        return {
            "url": self.s("GET", "/url"),
            "title": self.s("GET", "/title"),
            "text": self.script("return document.body ? document.body.innerText : ''"),
        }

    def script(self, code, *args):
        return self.s("POST", "/execute/sync", {"script": code, "args": list(args)})

    def find(self, css):
        """The element's id, and its reference to hand to scripts."""
        found = self.s("POST", "/element", {"using": "css selector", "value": css})
        return next(iter(found.values())), found

    def fill(self, name, value):
        element, ref = self.find("[name=%s]" % json.dumps(name))
        kind = self.script(
            "return arguments[0].tagName.toLowerCase() + ':' + (arguments[0].type || '')", ref)
        if kind.startswith("select") or kind.endswith(":date"):
            # Typing into a date or select control depends on the locale: set it as a
            # person picking would, and tell the page.
            self.script("arguments[0].value = arguments[1];"
                        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
                        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                        ref, value)
        else:
            self.s("POST", "/element/%s/clear" % element, {})
            self.s("POST", "/element/%s/value" % element, {"text": value})

    def submit(self):
        button, _ = self.find("form button[type=submit], form input[type=submit], form button")
        self.s("POST", "/element/%s/click" % button, {})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def auto_select(profile, url, issuer_cn):
    """The profile's content setting that picks the certificate issued by `issuer_cn`
    for `url`'s origin."""
    parts = urllib.parse.urlsplit(url)
    origin = "%s://%s" % (parts.scheme, parts.netloc)
    prefs = {"profile": {"content_settings": {"exceptions": {"auto_select_certificate": {
        origin + ",*": {"setting": {"filters": [{"ISSUER": {"CN": issuer_cn}}]}},
    }}}}}
    os.makedirs(os.path.join(profile, "Default"), exist_ok=True)
    with open(os.path.join(profile, "Default", "Preferences"), "w") as f:
        json.dump(prefs, f)


def wait_for(wd, what, done):
    deadline = time.monotonic() + TIMEOUT
    while not done(urllib.parse.urlsplit(wd.s("GET", "/url"))):
        if time.monotonic() > deadline:
            raise RuntimeError("never reached %s (at %s)" % (what, wd.s("GET", "/url")))
        time.sleep(0.1)


def login(wd, args, out):
    """Clicks the provider on the login page, signs in at the provider's form and
    waits to be back on the application's host."""
    link, _ = wd.find(args.login_click)
    wd.s("POST", "/element/%s/click" % link, {})
    wait_for(wd, "the provider's form", lambda u: u.path.startswith("/interaction/"))
    out["pages"].append(wd.page())
    wd.fill("login", args.login_account)
    wd.submit()
    app = urllib.parse.urlsplit(args.url).netloc
    wait_for(wd, "the application", lambda u: u.netloc == app and not u.path.startswith("/cdn-cgi/"))
    out["pages"].append(wd.page())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--home", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--issuer-cn", required=True)
    p.add_argument("--login-click")
    p.add_argument("--login-account")
    p.add_argument("--form")
    p.add_argument("--wait-path")
    args = p.parse_args()
    profile = os.path.join(args.home, "profile")
    auto_select(profile, args.url, args.issuer_cn)
    port = free_port()
    env = dict(os.environ, HOME=args.home)
    log = open(os.path.join(args.home, "chromedriver.log"), "w")
    driver = subprocess.Popen(["chromedriver", "--port=%d" % port], env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    wd = WebDriver(port)
    out = {"pages": [], "error": None}
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                if wd.call("GET", "/status").get("ready"):
                    break
            except (OSError, RuntimeError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("chromedriver did not start")
            time.sleep(0.1)
        wd.start([
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            "--user-data-dir=" + profile,
            "--host-resolver-rules=MAP money.localhost 127.0.0.1",
        ])
        wd.s("POST", "/url", {"url": args.url})
        out["pages"].append(wd.page())
        if args.login_click:
            login(wd, args, out)
        if args.form:
            for name, value in json.loads(args.form).items():
                wd.fill(name, value)
            wd.submit()
            deadline = time.monotonic() + TIMEOUT
            while urllib.parse.urlsplit(wd.s("GET", "/url")).path != args.wait_path:
                if time.monotonic() > deadline:
                    raise RuntimeError("never reached %s" % args.wait_path)
                time.sleep(0.1)
            out["pages"].append(wd.page())
    except (OSError, RuntimeError, KeyError, StopIteration) as e:
        out["error"] = repr(e)
    finally:
        if wd.session:
            try:
                wd.call("DELETE", "/session/%s" % wd.session)
            except (OSError, RuntimeError):
                pass
        driver.terminate()
        driver.wait()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
