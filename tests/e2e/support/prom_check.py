#!/usr/bin/env python3
"""Checks a Prometheus text exposition (format 0.0.4) read from stdin.

Every line is a `# HELP NAME text`, a `# TYPE NAME counter|gauge|histogram|summary|untyped`
(once per family, before its samples), or a sample `NAME{LABEL="VALUE",...} NUMBER`
whose family was declared; names and label names are valid, label values properly
escaped, values numbers. Prints the problems and exits 1 if there are any; else prints
the families and sample count.
"""
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*"'
SAMPLE = re.compile(rf"^({NAME})(\{{(?:{LABEL}(?:,{LABEL})*)?\}})? (\S+)( -?\d+)?$")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def main():
    problems, typed, samples = [], {}, 0
    text = sys.stdin.read()
    if not text.endswith("\n"):
        problems.append("the exposition does not end with a newline")
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("# HELP "):
            if not re.match(rf"^# HELP {NAME} ", line):
                problems.append(f"{n}: bad HELP line")
        elif line.startswith("# TYPE "):
            m = re.match(rf"^# TYPE ({NAME}) (\S+)$", line)
            if not m or m.group(2) not in TYPES:
                problems.append(f"{n}: bad TYPE line")
            elif m.group(1) in typed:
                problems.append(f"{n}: TYPE of {m.group(1)} given twice")
            else:
                typed[m.group(1)] = m.group(2)
        elif line.startswith("#") or not line:
            continue
        else:
            m = SAMPLE.match(line)
            if not m:
                problems.append(f"{n}: not a sample line: {line!r}")
                continue
            family = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
            if m.group(1) not in typed and family not in typed:
                problems.append(f"{n}: {m.group(1)} has no TYPE before it")
            try:
                float(m.group(3))
            except ValueError:
                problems.append(f"{n}: value {m.group(3)!r} is not a number")
            samples += 1
    for p in problems:
        print(p)
    print(f"{len(typed)} families, {samples} samples, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
