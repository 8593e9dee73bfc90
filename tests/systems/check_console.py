#!/usr/bin/env python3
"""System test: boot console.dts and check that each writer's 300 lines arrived whole, once, in order,
with nothing lost. Prints TAP."""
import argparse
import os
import re
import subprocess
import sys
import tempfile


def expected(name, n):
    return f"{name} line {n} " + "".join(chr(ord("a") + (n * 7 + i * 3 + ord(name[6])) % 26) for i in range(60))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--module", required=True)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "serial.log")
        r = subprocess.run([sys.executable, a.runner, "test", "--kernel", a.kernel, "--module", a.module,
                            "--name", "console", "--timeout", "120", "--log", log, "--no-ktap"],
                           capture_output=True, text=True)
        lines = open(log, encoding="utf-8", errors="replace").read().splitlines()
    tests = [(r.returncode == 0, "the system runs and ends cleanly")]
    line_re = re.compile(r"^\[(writer\d)\s*\] (.*)$")
    got = {"writer1": [], "writer2": [], "writer3": []}
    stray = []
    for line in lines:
        m = line_re.match(line)
        if m:
            got[m.group(1)].append(m.group(2))
        elif re.search(r"writer\d line \d", line):
            stray.append(line)  # a writer's text mixed into another line
    for name, seen in got.items():
        want = [expected(name, n) for n in range(1, 301)]
        bad = next((i for i, (x, y) in enumerate(zip(seen, want)) if x != y), None)
        tests.append((seen == want, f"{name}: 300 lines whole and in order (got {len(seen)}"
                      + (f", first difference at line {bad + 1}: {seen[bad]!r}" if bad is not None else "") + ")"))
    tests.append((not any("bytes lost" in l for l in lines), "no bytes reported lost"))
    tests.append((not stray, f"no writer text outside its own lines ({len(stray)} stray)"))
    print("TAP version 13")
    for i, (ok, name) in enumerate(tests, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    print(f"1..{len(tests)}")
    if not all(ok for ok, _ in tests):
        print("# runner: " + r.stdout.replace("\n", "\n# "))
        for l in stray[:10]:
            print("# stray: " + l)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
