#!/usr/bin/env python3
"""Check that the runner reports a deliberately broken run as a failure, with the right reason and
text. Boots a kernel with ktest=SUITE (a suite that crashes or hangs) or a root task that crashes
through runner.py and prints TAP: one test per expectation."""
import argparse
import subprocess
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runner", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--suite", required=True)
    p.add_argument("--module", help="boot module (a root task) to hand to the kernel")
    p.add_argument("--reason", required=True, help="text the runner's FAILED line must contain")
    p.add_argument("--text", action="append", default=[], help="text the reported serial tail must contain")
    p.add_argument("--timeout", default="60")
    a = p.parse_args()
    cmd = [sys.executable, a.runner, "test", "--kernel", a.kernel, "--cmdline", "ktest=" + a.suite,
           "--name", a.suite, "--timeout", a.timeout] + (["--module", a.module] if a.module else [])
    r = subprocess.run(cmd,
                       capture_output=True, text=True, timeout=float(a.timeout) + 120)
    out = r.stdout
    failed_line = next((l for l in out.splitlines() if l.startswith("# FAILED: ")), "")
    checks = [(r.returncode != 0, f"runner exits non-zero for ktest={a.suite} (got {r.returncode})"),
              (a.reason in failed_line, f"runner names the reason '{a.reason}' (got '{failed_line}')"),
              ("lines of serial output:" in out, "runner shows the serial tail")]
    checks += [(t in out, f"report contains '{t}'") for t in a.text]
    print("TAP version 13")
    for i, (ok, name) in enumerate(checks, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    print(f"1..{len(checks)}")
    if not all(ok for ok, _ in checks):
        print("# runner output:\n# " + out.replace("\n", "\n# "))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
