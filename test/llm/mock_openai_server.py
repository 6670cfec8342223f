#!/usr/bin/env python3
"""A scripted OpenAI-compatible chat-completions server for kgen's LlmClient tests.

Usage: mock_openai_server.py SCRIPT.json LOG.jsonl [--grace S] [--max-lifetime S]

SCRIPT.json is a list of steps; each POST /v1/chat/completions consumes the
next one. Step keys (all optional):
  status               HTTP status (200)
  content              the assistant message of every choice ("" ; may be null)
  contents             one message per choice (overrides content and n)
  finish_reason        of every choice ("stop")
  usage                {"prompt_tokens": 10, "completion_tokens": 20}
  error                the error.message of a non-2xx body ("mock error <status>")
  headers              extra response headers, e.g. {"Retry-After": "1"}
  delay                seconds to wait before replying
  raw_body             sent verbatim instead of the OpenAI-shaped JSON body
  body_bytes           pad the body to this many bytes
  truncate_after       announce the full Content-Length, send this many bytes, close
  omit_content_length  no Content-Length: the body ends when the connection closes
  close_without_reply  close the connection without sending anything
  repeat               serve this step for this many requests in a row (1)

In content, contents, error, raw_body and finish_reason, "@AUTHORIZATION@"
is replaced by the request's Authorization header and "@KEY@" by the key in
it (the header without "Bearer "): an endpoint that echoes the caller's
credentials.

Binds 127.0.0.1 on a free port and prints "PORT <n>" as its first stdout line.
Every request (method, path, lower-cased headers, JSON body) is appended to
LOG.jsonl before it is answered. Requests beyond the script get a 400. Exits
on SIGTERM, `grace` seconds after the last step was served, when its parent
dies, or after `max-lifetime` seconds, so a crashed test leaves nothing behind.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COMPLETIONS_PATH = "/v1/chat/completions"


class Script:
    """The steps, the request log and the bookkeeping that decides when to exit."""

    def __init__(self, steps, log_path):
        self.steps = [s for step in steps for s in [step] * int(step.get("repeat", 1))]
        self.next = 0
        self.in_flight = 0
        self.idle_since = time.monotonic()
        self.lock = threading.Lock()
        self.log = open(log_path, "a", encoding="utf-8")

    def record(self, entry):
        with self.lock:
            self.log.write(json.dumps(entry) + "\n")
            self.log.flush()

    def take(self):
        with self.lock:
            if self.next >= len(self.steps):
                return None
            index = self.next
            self.next += 1
            self.in_flight += 1
            return index, self.steps[index]

    def done(self):
        with self.lock:
            self.in_flight -= 1
            self.idle_since = time.monotonic()

    def exhausted_for(self):
        """Seconds since the script ran out and went idle, or None."""
        with self.lock:
            if self.next < len(self.steps) or self.in_flight:
                return None
            return time.monotonic() - self.idle_since


def with_credentials(step, authorization):
    """`step` with @AUTHORIZATION@ and @KEY@ replaced in its texts."""
    key = authorization[len("Bearer "):] if authorization.startswith("Bearer ") else authorization

    def fill(value):
        if isinstance(value, str):
            return value.replace("@AUTHORIZATION@", authorization).replace("@KEY@", key)
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    return {k: fill(v) if k in ("content", "contents", "error", "raw_body", "finish_reason") else v
            for k, v in step.items()}


def openai_body(step, status, request, index):
    if not 200 <= status < 300:
        message = step.get("error", "mock error %d" % status)
        return {"error": {"message": message, "type": "mock_error", "code": status}}
    if "contents" in step:
        contents = step["contents"]
    else:
        n = request.get("n", 1) if isinstance(request, dict) else 1
        n = n if isinstance(n, int) and 0 < n <= 128 else 1
        contents = [step.get("content", "")] * n
    usage = dict(step.get("usage") or {"prompt_tokens": 10, "completion_tokens": 20})
    usage.setdefault("total_tokens", sum(v for v in usage.values() if isinstance(v, int)))
    model = request.get("model", "mock") if isinstance(request, dict) else "mock"
    return {
        "id": "chatcmpl-mock-%d" % index,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": i,
                "message": {"role": "assistant", "content": content},
                "finish_reason": step.get("finish_reason", "stop"),
            }
            for i, content in enumerate(contents)
        ],
        "usage": usage,
    }


def padded(payload, size, is_raw):
    if len(payload) >= size:
        return payload
    if is_raw:
        return payload + b" " * (size - len(payload))
    # Keep a JSON object valid: the padding goes into an extra string field.
    head = payload.rstrip()[:-1]
    filler = size - len(head) - len(b', "padding": ""}')
    return head + b', "padding": "' + b"x" * max(filler, 0) + b'"}'


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kgen-mock-openai/1"
    script = None  # set in main()

    def log_message(self, format, *args):
        pass  # tests read LOG.jsonl; keep stderr for real problems

    def do_POST(self):
        self.serve("POST")

    def do_GET(self):
        self.serve("GET")

    def serve(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        entry = {
            "method": method,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
        }
        if body is None and raw:
            entry["raw_body"] = raw.decode("utf-8", "replace")
        self.script.record(entry)

        if method != "POST" or self.path != COMPLETIONS_PATH:
            self.send_json(404, {"error": {"message": "no route %s %s" % (method, self.path)}})
            return
        taken = self.script.take()
        if taken is None:
            self.send_json(400, {"error": {"message": "mock script exhausted"}})
            return
        index, step = taken
        step = with_credentials(step, self.headers.get("Authorization") or "")
        try:
            self.play(step, index, body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (timeout, size limit)
        finally:
            self.script.done()

    def send_json(self, status, obj):
        payload = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def play(self, step, index, request):
        delay = float(step.get("delay") or 0)
        if delay > 0:
            time.sleep(delay)
        if step.get("close_without_reply"):
            self.close_connection = True
            return
        status = int(step.get("status", 200))
        raw_body = step.get("raw_body")
        if raw_body is not None:
            payload = raw_body.encode()
        else:
            payload = json.dumps(openai_body(step, status, request, index)).encode()
        if step.get("body_bytes"):
            payload = padded(payload, int(step["body_bytes"]), raw_body is not None)
        truncate_after = step.get("truncate_after")
        omit_length = bool(step.get("omit_content_length"))

        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in (step.get("headers") or {}).items():
            self.send_header(name, str(value))
        if not omit_length:
            self.send_header("Content-Length", str(len(payload)))
        if truncate_after is not None or omit_length:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if truncate_after is not None:
            payload = payload[: int(truncate_after)]
        self.wfile.write(payload)
        self.wfile.flush()


def watchdog(script, grace, max_lifetime, parent):
    start = time.monotonic()
    while True:
        time.sleep(0.05)
        idle = script.exhausted_for()
        if (
            os.getppid() != parent
            or time.monotonic() - start > max_lifetime
            or (idle is not None and idle > grace)
        ):
            os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script", help="JSON list of steps")
    parser.add_argument("log", help="JSONL file that receives one line per request")
    parser.add_argument("--grace", type=float, default=5.0,
                        help="seconds to linger once every step was served")
    parser.add_argument("--max-lifetime", type=float, default=60.0,
                        help="hard limit on the server's lifetime in seconds")
    args = parser.parse_args()

    with open(args.script, encoding="utf-8") as f:
        steps = json.load(f)
    if not isinstance(steps, list):
        sys.exit("mock_openai_server: the script must be a JSON list of steps")

    Handler.script = Script(steps, args.log)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda signum, frame: os._exit(0))
    threading.Thread(
        target=watchdog,
        args=(Handler.script, args.grace, args.max_lifetime, os.getppid()),
        daemon=True,
    ).start()
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever(poll_interval=0.05)


if __name__ == "__main__":
    main()
