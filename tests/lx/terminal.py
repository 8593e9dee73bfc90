#!/usr/bin/env python3
"""lx's console as a terminal: text typed on the serial console once the system is up reaches programs
through lx's line discipline (canonical mode, erase, end of file), and busybox sh runs interactively
(it sees a terminal). Prints TAP.

Usage: terminal.py --lx LX.PY --kernel ELF --image DTB
"""
import argparse
import subprocess
import sys

# (name, typed, argv, a line that must be printed, exit status)
CASES = [
    ("cat reads lines with erase applied, and ends at Ctrl-D", r"hello\nwo\x7f\x7fworld\n\x04", ["cat"], "world", 0),
    ("an interactive sh: a read with erase, then commands", r"read x\nabc\x7fd\necho got $x $((6*7))\nexit 5\n",
     ["/bin/sh"], "got abd 42", 5),
]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lx", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--image", required=True)
    a = p.parse_args()
    print("TAP version 13")
    print(f"1..{len(CASES)}")
    failed = 0
    for i, (name, typed, argv, want, status) in enumerate(CASES, 1):
        r = subprocess.run([sys.executable, a.lx, "--kernel", a.kernel, "--image", a.image, "--timeout", "120",
                            "--input", typed, "--"] + argv, capture_output=True, text=True, timeout=300)
        lines = r.stdout.splitlines()
        if want in lines and r.returncode == status:
            print(f"ok {i} - {name}")
            continue
        failed += 1
        print(f"not ok {i} - {name}")
        print(f"  # wanted the line {want!r} and status {status}; got status {r.returncode}")
        for line in (r.stdout + r.stderr).splitlines()[-20:]:
            print(f"  # {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
