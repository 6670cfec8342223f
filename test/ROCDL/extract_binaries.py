#!/usr/bin/env python3
"""Writes every `bin = "..."` object of a module's gpu.binary ops to
PREFIX<N>.o, decoding MLIR's string escapes (\\HH hex bytes, \\\\ for a
backslash), so that tools like llvm-readelf can inspect them.

    extract_binaries.py MODULE.mlir PREFIX
"""

import re
import sys


def decode(text: str) -> bytes:
    out, i = bytearray(), 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            if text[i + 1] == "\\":
                out.append(ord("\\"))
                i += 2
            else:
                out.append(int(text[i + 1:i + 3], 16))
                i += 3
        else:
            out.extend(c.encode("latin-1"))
            i += 1
    return bytes(out)


def main() -> int:
    source, prefix = sys.argv[1], sys.argv[2]
    text = open(source, encoding="latin-1").read()
    objects = re.findall(r'bin = "((?:[^"\\]|\\.)*)"', text)
    for n, body in enumerate(objects):
        with open(f"{prefix}{n}.o", "wb") as f:
            f.write(decode(body))
    print(f"{len(objects)} binaries")
    return 0 if objects else 1


if __name__ == "__main__":
    sys.exit(main())
