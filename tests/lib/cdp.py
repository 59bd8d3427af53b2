#!/usr/bin/env python3
"""Drive headless Chromium over its DevTools pipe, for the shell tests.

  cdp.py PAGE ACTION...

opens PAGE (a file) in a fresh headless Chromium started with
--remote-debugging-pipe (the DevTools protocol as NUL-terminated JSON on
file descriptors 3 and 4: no port, no network, no packages) and runs the
actions in order:

  eval:EXPR          print the JSON value of the JavaScript expression
  click:SELECTOR     a real mouse click (press and release) at the centre
                     of the first element matching the CSS selector
  type:SELECTOR:TEXT click the element, then type TEXT into it as the
                     keyboard would (input events)
  shot:FILE          save a PNG screenshot of the page

The page must set data-ready on <body> when it has drawn.  CHROMIUM names
the browser (default: chromium).  Exit status 0, or 1 with a message.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


class Browser:
    def __init__(self, url):
        exe = os.environ.get("CHROMIUM", "chromium")
        self.profile = tempfile.mkdtemp(prefix="tether-cdp.")
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()
        # Above 4, so the dup2 onto 3 and 4 in the child cannot clobber them.
        hi = [os.dup2(fd, 100 + i, inheritable=True) for i, fd in
              enumerate((to_r, from_w))]
        os.close(to_r)
        os.close(from_w)

        def fds():
            os.dup2(hi[0], 3)
            os.dup2(hi[1], 4)

        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--window-size=1280,800",
             "--user-data-dir=" + self.profile, "--remote-debugging-pipe",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, preexec_fn=fds, pass_fds=(3, 4))
        for fd in hi:
            os.close(fd)
        self.buf = b""
        self.next_id = 0
        targets = self.call("Target.getTargets")["targetInfos"]
        page = [t for t in targets if t["type"] == "page"][0]
        self.session = self.call("Target.attachToTarget",
                                 targetId=page["targetId"], flatten=True)["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Page.navigate", session=True, url=url)
        deadline = time.time() + 30
        while self.eval("document.readyState === 'complete' && "
                        "document.body.hasAttribute('data-ready')") is not True:
            if time.time() > deadline:
                raise RuntimeError("the page did not set data-ready within 30 s")
            time.sleep(0.05)

    def call(self, method, session=False, **params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self.buf:
                chunk = os.read(self.from_r, 65536)
                if not chunk:
                    raise RuntimeError("chromium closed its DevTools pipe")
                self.buf += chunk
            raw, self.buf = self.buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") != self.next_id:
                continue    # an event
            if "error" in reply:
                raise RuntimeError("%s: %s" % (method, reply["error"]))
            return reply["result"]

    def eval(self, expr):
        r = self.call("Runtime.evaluate", session=True, expression=expr,
                      returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("%s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def click(self, selector):
        box = self.eval("(function () { const e = document.querySelector(%s);"
                        " if (!e) return null; const r = e.getBoundingClientRect();"
                        " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
                        % json.dumps(selector))
        if box is None:
            raise RuntimeError("no element matches %s" % selector)
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", session=True, type=kind,
                      x=box[0], y=box[1], button="left" if kind != "mouseMoved" else "none",
                      clickCount=1 if kind != "mouseMoved" else 0)

    def type(self, selector, text):
        self.click(selector)
        self.call("Input.insertText", session=True, text=text)

    def shot(self, path):
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.call("Browser.close")
        except (RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    b = Browser("file://" + os.path.abspath(sys.argv[1]))
    try:
        for action in sys.argv[2:]:
            kind, _, arg = action.partition(":")
            if kind == "eval":
                print(json.dumps(b.eval(arg)))
            elif kind == "click":
                b.click(arg)
            elif kind == "type":
                sel, _, text = arg.partition(":")
                b.type(sel, text)
            elif kind == "shot":
                b.shot(arg)
            else:
                raise RuntimeError("unknown action %s" % action)
            sys.stdout.flush()
    finally:
        b.close()


try:
    main()
except RuntimeError as e:
    print("cdp.py: %s" % e, file=sys.stderr)
    sys.exit(1)
