#!/usr/bin/env python3
"""Runs a command against a scripted mock chat-completions server.

    with_mock_server.py SCRIPT.json LOG.jsonl -- COMMAND ARGS...

Starts test/llm/mock_openai_server.py, replaces "@PORT@" in every argument
with its port, runs the command and exits with the command's status (the
server is stopped either way). Used by lit tests of the llm proposer.
"""

import subprocess
import sys
from pathlib import Path


def main() -> int:
    sep = sys.argv.index("--")
    script, log = sys.argv[1:sep]
    command = sys.argv[sep + 1:]
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("mock_openai_server.py")),
         script, log, "--grace", "30"],
        stdout=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline().split()
        if len(first) != 2 or first[0] != "PORT":
            print(f"mock server did not start: {first}", file=sys.stderr)
            return 2
        port = first[1]
        return subprocess.run([a.replace("@PORT@", port) for a in command]).returncode
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
