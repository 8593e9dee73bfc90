#!/usr/bin/env python3
"""lx's standard streams as `tools/proteus lx` passes them through (tools/lx.py): stdin piped in, stdout and
stderr separate and byte-exact (binary data compared with a native run), isatty both ways, a 100 KiB
argument, the exit status, and nothing but the program's output on stdout and stderr. TAP on stdout.

Usage: streams.py --lx LX.PY --kernel ELF --image DTB
"""
import argparse
import os
import pty
import subprocess
import sys
import tempfile

BUSYBOX = "/bin/busybox"


def lx(a, argv, stdin=b"", report=None, extra=(), stdin_file=None):
    """stdin is piped in (it streams over the UART), or with stdin_file the command reads that file."""
    cmd = [sys.executable, a.lx, "--kernel", a.kernel, "--image", a.image, "--timeout", "120"]
    cmd += ["--report", report] if report else []
    if stdin_file:
        with open(stdin_file, "rb") as f:
            r = subprocess.run(cmd + list(extra) + ["--"] + argv, stdin=f, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=300)
    else:
        r = subprocess.run(cmd + list(extra) + ["--"] + argv, input=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300)
    return r.stdout, r.stderr, r.returncode


def lx_on_terminal(a, argv):
    """Run with stdout and stderr on a pseudo-terminal: what the program's output looks like there."""
    master, slave = pty.openpty()
    cmd = [sys.executable, a.lx, "--kernel", a.kernel, "--image", a.image, "--timeout", "120", "--"] + argv
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    rc = p.wait(timeout=300)
    os.close(master)
    return out.replace(b"\r\n", b"\n"), rc


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lx", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--image", required=True)
    a = p.parse_args()
    with open(BUSYBOX, "rb") as f:
        binary = f.read(200000)
    big = "x" * (100 * 1024)
    results = []

    def check(name, ok, detail=""):
        results.append((name, ok, detail))

    out, err, rc = lx(a, ["sort"], stdin=b"b\na\nc\n")
    check("stdin piped in: sort sorts it", (out, err, rc) == (b"a\nb\nc\n", b"", 0), f"{out!r} {err!r} {rc}")
    out, err, rc = lx(a, ["head", "-c", "200000", "/bin/busybox"])
    check("binary stdout byte for byte (200,000 bytes of busybox, no \\r added)",
          out == binary and err == b"" and rc == 0, f"{len(out)} bytes, {err[-200:]!r}, {rc}")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "in")
        with open(path, "wb") as f:
            f.write(binary)
        out, err, rc = lx(a, ["cat"], stdin_file=path)
        check("binary stdin from a file through cat and back (200,000 bytes)", out == binary and rc == 0,
              f"{len(out)} bytes, {rc}")
    out, err, rc = lx(a, ["od", "-A", "n", "-t", "x1"], stdin=bytes(range(256)) * 8)
    want = subprocess.run([BUSYBOX, "od", "-A", "n", "-t", "x1"], input=bytes(range(256)) * 8,
                          stdout=subprocess.PIPE).stdout
    check("binary stdin from a pipe: every byte value (od)", out == want and rc == 0, f"{out[:200]!r} {rc}")
    out, err, rc = lx(a, ["sh", "-c", "echo out; echo err >&2; echo out2; exit 7"])
    check("stdout and stderr separate; the exit status", (out, err, rc) == (b"out\nout2\n", b"err\n", 7),
          f"{out!r} {err!r} {rc}")
    out, err, rc = lx(a, ["sh", "-c", "test -t 0 || echo in-not; test -t 1 || echo out-not; test -t 2 || echo err-not"])
    check("piped: neither stream is a terminal (isatty)", out == b"in-not\nout-not\nerr-not\n", f"{out!r} {err!r}")
    out, rc = lx_on_terminal(a, ["sh", "-c", "test -t 1 && echo out-tty; test -t 2 && echo err-tty; exit 3"])
    check("on a terminal: stdout and stderr are one (isatty)", out == b"out-tty\nerr-tty\n" and rc == 3,
          f"{out!r} {rc}")
    out, err, rc = lx(a, ["sh", "-c", 'echo ${#1}; test "$1" = "$2" && echo same', "sh", big, big])
    check("two 100 KiB arguments arrive whole", (out, rc) == (b"102400\nsame\n", 0), f"{out!r} {err!r} {rc}")
    out, err, rc = lx(a, ["sh", "-c", 'echo "$GREETING"'], extra=["--env", "GREETING=hello there"])
    check("--env sets the environment", out == b"hello there\n", f"{out!r} {err!r}")
    with tempfile.TemporaryDirectory() as d:
        report = os.path.join(d, "report.txt")
        out, err, rc = lx(a, ["sh", "-c", "echo quiet"], report=report)
        text = open(report).read()
        check("nothing but the output on stdout and stderr; the console goes to the report file",
              (out, err, rc) == (b"quiet\n", b"", 0) and "exited with status" not in out.decode() and text != "",
              f"{out!r} {err!r} {len(text)} bytes of report")
    out, err, rc = lx(a, ["sh", "-c", "exit 300"])
    check("status 300 is 44, as on Linux", rc == 44, f"{rc}")

    print("TAP version 13")
    print(f"1..{len(results)}")
    failed = 0
    for i, (name, ok, detail) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
        if not ok:
            failed += 1
            print(f"  # {detail[:2000]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
