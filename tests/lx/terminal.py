#!/usr/bin/env python3
"""lx's console as a terminal: text typed on the serial console once the system is up reaches programs
through lx's line discipline (canonical mode, erase, end of file), busybox sh runs interactively (it
sees a terminal), Ctrl-C sends SIGINT to the foreground process group and Ctrl-Z stops it. Prints TAP.

Usage: terminal.py --lx LX.PY --kernel ELF --image DTB
"""
import argparse
import subprocess
import sys

# (name, typed, argv, a line that must be printed, exit status, [(then, once a line holds this, type this)])
CASES = [
    ("cat reads lines with erase applied, and ends at Ctrl-D", r"hello\nwo\x7f\x7fworld\n\x04", ["cat"], "world", 0, []),
    ("an interactive sh: a read with erase, then commands", r"read x\nabc\x7fd\necho got $x $((6*7))\nexit 5\n",
     ["/bin/sh"], "got abd 42", 5, []),
    ("a console read waits without stopping other processes", "",
     ["sh", "-c", "(sleep 1; echo background ran) & cat; wait"], "background ran", 0, [("background ran", r"\x04")]),
    ("Ctrl-C ends cat waiting for a line (128 + SIGINT)", r"one\n", ["cat"], "one", 130, [("one", r"\x03")]),
    ("Ctrl-C reaches a trap while sh waits for a child", "",
     ["sh", "-c", "trap 'echo caught; exit 3' INT; echo ready; while :; do sleep 1; done"], "caught", 3,
     [("ready", r"\x03")]),
    ("Ctrl-C ends an interactive sh's foreground job, not the sh", r"sh -c 'echo ready; exec sleep 100'\n",
     ["/bin/sh"], "after 130", 0, [("ready", r"\x03"), ("^C", r"echo after $?\nexit\n")]),
    ("Ctrl-Z stops the foreground job, fg continues it, Ctrl-C ends it", r"sh -c 'echo ready; exec sleep 100'\n",
     ["/bin/sh"], "after 130", 0,
     [("ready", r"\x1a"), ("Stopped", r"fg\n"), ('sh -c "echo', r"\x03"), ("^C", r"echo after $?; exit\n")]),
    ("a background job reading the terminal stops (SIGTTIN); in the foreground it reads", r"cat &\n",
     ["/bin/sh"], "after 0", 0,
     [("cat &", r"sleep 1\n"), ("Stopped (tty input)", r"fg\n"), ("cat", r"from fg\n"),
      ("from fg", r"\x04echo after $?; exit\n")]),
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
    for i, (name, typed, argv, want, status, then) in enumerate(CASES, 1):
        more = [arg for pattern, text in then for arg in ("--then", pattern, text)]
        r = subprocess.run([sys.executable, a.lx, "--kernel", a.kernel, "--image", a.image, "--timeout", "120",
                            "--terminal"] + (["--input", typed] if typed else []) + more + ["--"] + argv,
                           capture_output=True, text=True, timeout=300)
        lines = [line.removeprefix("^C") for line in r.stdout.splitlines()] # the echo of Ctrl-C ends no line
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
