#!/usr/bin/env python3
"""lx's differential test: run each program natively on the build machine and under lx, and require the
same stdout, the same stderr (each byte for byte, compared separately) and the same exit status, and lx's report of unimplemented calls may name only the calls
docs/lx.md explains (EXPLAINED). The programs are Debian's busybox applets and small C programs,
each built twice, with glibc and with musl (tests/lx/progs), and busybox sh scripts (tests/lx/shell).
Their data is tests/lx/data, found natively from this directory and under lx from / (the initramfs holds
it at /data, and the scripts at /shell). Prints TAP.

With --group limits it runs the limits group instead (test lx-limits): Linux's limits rather than toy
ones (4,096 descriptors, 65,536 mappings, a thousand processes at once, a fork bomb).

With --group shells it runs programs nobody here wrote (test lx-shells): Debian's static shells
(bash-static, zsh-static, and mksh-static, linked with klibc) running the scripts of tests/lx/shells, and
drivers linked with Debian's static libsqlite3.a and liblua5.4.a (progs/sqlite.c, progs/lua.c; glibc).

Usage: differential.py --lx LX.PY --kernel ELF --image DTB --progs DIR [--libc glibc] [--libc musl]
                       [--group base|limits|shells]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# Each case is an argv; "@name" is a program from progs/ (run once per libc), anything else a busybox applet.
CASES = [
    ["@args"], ["@args", "one", "two words", "3"], ["@files"], ["@calls"], ["@memory"], ["@errors"], ["@timing"], ["@segv"], ["@cow"], ["@sigstack"], ["@sigfpu"], ["@threads"], ["@stop"], ["@spawn"], ["@robust"], ["@eventfd"], ["@itimer"], ["@locks"], ["@procfd"], ["@unix"], ["@epoll"], ["@timerfd"], ["@mapshared"],
    ["echo", "hello", "world"], ["printf", "%s-%d|%5.2f\\n", "abc", "42", "3.14159"], ["true"], ["false"],
    ["cat", "data/lines.txt"], ["cat", "data/missing"], ["wc", "data/lines.txt"], ["head", "-n", "3", "data/lines.txt"],
    ["tail", "-n", "2", "data/lines.txt"], ["sort", "-r", "data/lines.txt"], ["md5sum", "data/lines.txt"],
    ["sha256sum", "data/dir/a", "data/dir/b"], ["grep", "-n", "e", "data/lines.txt"], ["grep", "-c", "zzz", "data/lines.txt"],
    ["cut", "-c", "1-4", "data/lines.txt"], ["ls", "-1", "data/dir"], ["ls", "-1a", "data"], ["find", "data", "-type", "d"],
    ["stat", "-c", "%s %F", "data/lines.txt", "data/link"], ["stat", "-c", "%F", "data/dir"], ["readlink", "data/link"],
    ["od", "-A", "x", "-t", "x1", "data/dir/c"], ["seq", "3", "2", "11"], ["expr", "6", "*", "7"],
    ["basename", "/a/b/c.txt", ".txt"], ["test", "-d", "data/lines.txt"],
    ["sh", "-c", "for i in 1 2 3; do echo $i $((i * i)); done; exit 5"],
    ["sh", "shell/pipelines.sh"], ["sh", "shell/names.sh"], ["sh", "shell/status.sh"], ["sh", "shell/redirect.sh"], ["sh", "shell/jobs.sh"], ["sh", "shell/applets.sh"],
    ["sh", "-c", "x=builtin; echo ${x}s; cd data/dir && echo * && cd .. && test -L link && echo $?"],
    ["sh", "-c", "echo x | cat | cat | cat | cat | cat | cat | cat | cat | wc -c"],
]


# Cases run under lx only, each with the output it must print: what cannot be run natively.
LX_ONLY = [
    (["sh", "shell/procfs.sh"],
     "PID   PPID  USER     COMMAND\n    1     0 root     sh\n    2     1 root     sleep\n"
     "    3     1 root     ps\n/bin/busybox\nsh|shell/procfs.sh|\n(cut) R\n"
     "Linux version 6.1.0-proteus-lx (lx, a Proteus personality) #1 Proteus lx\n1\ncpu  \n"
     " total used free shared buff/cache available\nMem:\n7\n1\n"
     "tmpfs / tmpfs rw 0 0\nproc /proc proc rw 0 0\n1\n"),
    # busybox syslogd and logger over AF_UNIX /dev/log (natively it would be the host's log)
    (["sh", "shell/syslog.sh"], "/dev/log is a socket\nuser.notice tag: hello world\nuser.err tag2: second\ndone\n"),
]


# The limits group (test lx-limits, --group limits): what Linux's own limits allow and lx's must too.
LIMITS = [["@tables"], ["sh", "shell/thousand.sh"]]
LIMITS_LX_ONLY = [
    # A fork bomb: fork until it fails (hundreds of processes), every child reaped; then malloc until that
    # fails (no region limit stops it first), and a fork that cannot be promised its copies fails; lx answers.
    (["@limits"], "fork failed after some children: 1\nwith EAGAIN or ENOMEM: 1\nevery child reaped: 1\n"
                  "malloc ran out: 1\nfork with no memory left fails: 1\nstill working\n"),
]


# The shells group (test lx-shells, --group shells): Debian's static shells by their bare names (found in
# PATH natively, in the initramfs's /bin under lx), and the drivers of Debian's static libraries.
DEBIAN = {"bash-static", "zsh-static", "mksh-static"}
SHELLS = [
    ["bash-static", "shells/common.sh"], ["zsh-static", "shells/common.sh"], ["mksh-static", "shells/common.sh"],
    ["bash-static", "shells/bash.sh"], ["zsh-static", "shells/zsh.sh"],
    ["@sqlite"], ["@lua", "shells/script.lua", "one", "two"],
]


# The entries lx's unimplemented-call report may hold in these runs, each explained in docs/lx.md: none.
EXPLAINED = set()
REPORT = re.compile(r"^lx: unimplemented system calls: (.*)$", re.M)


def unexplained(notes):
    """Entries of lx's report (in its notes) that docs/lx.md does not explain."""
    found = set()
    for m in REPORT.finditer(notes):
        found |= {e.rsplit(" x", 1)[0] for e in m.group(1).split(", ")}
    return sorted(found - EXPLAINED)


def native(argv, progs, libc):
    if argv[0].startswith("@"):
        cmd = [os.path.join(progs, f"{argv[0][1:]}-{libc}")] + argv[1:]
    elif argv[0] in DEBIAN:
        cmd = argv
    else:
        cmd = ["/bin/busybox"] + argv
    r = subprocess.run(cmd, cwd=HERE, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    return (r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace"),
            r.returncode if r.returncode >= 0 else 128 - r.returncode)


def under_lx(argv, a, libc):
    """stdout, stderr, status and lx's notes (the console's lines, from --report)."""
    guest = [f"/t/{argv[0][1:]}-{libc}" if argv[0].startswith("@") else argv[0]] + argv[1:]
    with tempfile.TemporaryDirectory() as d:
        report = os.path.join(d, "report.txt")
        r = subprocess.run([sys.executable, a.lx, "--kernel", a.kernel, "--image", a.image, "--timeout", "120",
                            "--report", report, "--"] + guest,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        notes = open(report).read() if os.path.exists(report) else ""
    return r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace"), r.returncode, notes


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lx", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--progs", required=True)
    p.add_argument("--libc", action="append", default=[])
    p.add_argument("--group", choices=["base", "limits", "shells"], default="base")
    a = p.parse_args()
    cases, lx_only = {"base": (CASES, LX_ONLY), "limits": (LIMITS, LIMITS_LX_ONLY), "shells": (SHELLS, [])}[a.group]
    runs = []
    for argv in cases:
        for libc in (a.libc if argv[0].startswith("@") else ["debian" if argv[0] in DEBIAN else "busybox"]):
            runs.append((argv, libc, None))
    for argv, expected in lx_only:
        for libc in (a.libc if argv[0].startswith("@") else ["busybox"]):
            runs.append((argv, libc, expected))
    print("TAP version 13")
    print(f"1..{len(runs)}")
    failed = 0
    for i, (argv, libc, expected) in enumerate(runs, 1):
        name = f"{libc}: {' '.join(argv).lstrip('@')}" + (" (under lx only)" if expected is not None else "")
        want_out, want_err, want_rc = (expected, "", 0) if expected is not None else native(argv, a.progs, libc)
        got_out, got_err, got_rc, notes = under_lx(argv, a, libc)
        extra = unexplained(notes)
        if got_out == want_out and got_err == want_err and got_rc == want_rc and not extra:
            print(f"ok {i} - {name}")
            continue
        failed += 1
        print(f"not ok {i} - {name}")
        if extra:
            print(f"  # lx reported unimplemented calls docs/lx.md does not explain: {', '.join(extra)}")
        print(f"  # native: status {want_rc}; under lx: status {got_rc}")
        for label, want, got in (("stdout", want_out, got_out), ("stderr", want_err, got_err)):
            w, g = want.splitlines(), got.splitlines()
            for n in range(max(len(w), len(g))):
                if n >= len(w) or n >= len(g) or w[n] != g[n]:
                    print(f"  # first difference, {label} line {n + 1}: native "
                          f"{w[n] if n < len(w) else None!r}, under lx {g[n] if n < len(g) else None!r}")
                    break
        for label, text in (("native", want_out), ("native stderr", want_err), ("lx", got_out),
                            ("lx stderr", got_err), ("lx notes", notes)):
            for line in text.splitlines()[-25:]:
                print(f"  # {label}: {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
