#!/usr/bin/env python3
"""Summarise a `meson test` run: every suite is a TAP producer, so count its individual results.

Usage: test-summary.py BUILD/meson-logs/testlog.json
Prints one line per suite and a closing line 'tests: N passed, N failed'. Exits 1 if anything failed
or if no test ran at all.
"""
import json
import re
import sys


def main():
    passed = failed = 0
    suites = []
    with open(sys.argv[1]) as f:
        for line in f:
            entry = json.loads(line)
            out = entry.get("stdout") or ""
            ok = len(re.findall(r"^ok \d+", out, re.M))
            bad = len(re.findall(r"^not ok \d+", out, re.M))
            if entry["result"] not in ("OK", "EXPECTEDFAIL", "SKIP") and bad == 0:
                bad = 1  # a suite that crashed before reporting counts as one failure
            passed, failed = passed + ok, failed + bad
            suites.append((entry["name"], entry["result"], ok, bad))
    print()
    print("Proteus test summary")
    for name, result, ok, bad in suites:
        print(f"  {name:<44} {result:<8} {ok:4d} passed {bad:4d} failed")
    print(f"{len(suites)} suites, {passed + failed} tests executed")
    print(f"tests: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
