#!/usr/bin/env python3
"""Prints a JSON input for kgen nested DEPTH levels deep (default 200,000).

    deep_json.py KIND [DEPTH]

KIND is where the input goes: `replay` (a schedule transcript line),
`grouping-replay` (a grouping transcript line), `decisions` (a decisions
file), `grouping` (a kernel grouping file), `llm-content` and `llm-body`
(mock_openai_server.py scripts whose reply holds the deep JSON in the
model's message or as the whole HTTP body).
"""

import json
import sys


def main() -> int:
    kind = sys.argv[1]
    depth = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
    deep = "[" * depth + "]" * depth
    text = {
        "replay": '{"kernel": "main_kernel_0", "schedule": ' + deep + "}",
        "grouping-replay": '{"function": "gemm_bias_relu", "grouping": ' + deep + "}",
        "decisions": '{"format": "kgen-decisions", "version": 1, "entries": {"k": ' + deep + "}}",
        "grouping": '{"gemm_bias_relu": ' + deep + "}",
        "llm-content": json.dumps([{"content": "Here it is: " + deep}]),
        "llm-body": json.dumps([{"raw_body": '{"choices": ' + deep + "}"}]),
    }[kind]
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
