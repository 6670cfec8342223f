"""Runs a command that writes to a named pipe, reading the pipe meanwhile.

usage: fifo_reader.py FIFO COPY -- COMMAND...

Creates FIFO, copies what is written to it into COPY, runs COMMAND and exits
with its status, or with 1 if FIFO is no longer a named pipe afterwards (the
command replaced it with a regular file instead of writing through it).
"""

import os
import stat
import subprocess
import sys
import threading

fifo, copy, separator, command = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
assert separator == "--", __doc__
os.mkfifo(fifo)


def drain():
    with open(fifo, "rb") as source, open(copy, "wb") as sink:
        sink.write(source.read())


# A daemon: if the command replaces the pipe, nothing ever opens it again.
reader = threading.Thread(target=drain, daemon=True)
reader.start()
status = subprocess.call(command)
reader.join(timeout=30)
if not stat.S_ISFIFO(os.lstat(fifo).st_mode):
    print(f"fifo_reader.py: {fifo} is no longer a named pipe", file=sys.stderr)
    sys.exit(1)
if reader.is_alive():
    print(f"fifo_reader.py: nothing was written to {fifo}", file=sys.stderr)
    sys.exit(1)
sys.exit(status)
