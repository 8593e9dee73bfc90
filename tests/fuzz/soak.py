#!/usr/bin/env python3
"""The soak (tools/proteus fuzz soak): boot the lx system N times, each boot running one program of the
differential suite's quick subset under lx and comparing it with the same program run natively, and count
what went wrong: kernel panics, hangs (the boot's timeout), and other failures (wrong output or status, a
root-task failure, a triple fault). The kernel, the image and the programs are copied first, so a rebuild
during the soak does not change what is booted. Each boot's result and the host's load average at its
start go to the log (--log); the last line is the tally.

Usage: soak.py --lx LX.PY --kernel ELF --image DTB --progs DIR [--boots N] [--timeout S] [--log FILE]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lx"))
import differential  # noqa: E402

# The quick subset: processes, files, memory, threads, signals and the shell, a few seconds each.
QUICK = [["@args", "one", "two words"], ["@files"], ["@memory"], ["@threads"], ["@cow"], ["@calls"],
         ["sh", "shell/pipelines.sh"], ["md5sum", "data/lines.txt"], ["sort", "-r", "data/lines.txt"],
         ["sh", "-c", "for i in 1 2 3; do echo $i $((i * i)); done; exit 5"]]


def classify(rc, out, want_out, want_rc, notes):
    if rc == 125 and "kernel panic" in notes:
        return "panic"
    if rc == 125 and "timeout" in notes:
        return "hang"
    if rc == 125:
        return "failure"
    if out != want_out or rc != want_rc:
        return "failure"
    return "ok"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lx", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--progs", required=True)
    p.add_argument("--boots", type=int, default=500)
    p.add_argument("--timeout", type=float, default=240)
    p.add_argument("--log", default=None)
    a = p.parse_args()
    if a.boots < 1:
        sys.exit("soak: --boots must be at least 1")
    snap = tempfile.mkdtemp(prefix="proteus-soak-")
    kernel = shutil.copy(a.kernel, os.path.join(snap, "proteus.elf"))
    image = shutil.copy(a.image, os.path.join(snap, "lx.dtb"))
    progs = os.path.join(snap, "progs")
    os.mkdir(progs)
    for name in os.listdir(a.progs):
        path = os.path.join(a.progs, name)
        if os.path.isfile(path) and os.access(path, os.X_OK) and name.endswith("-glibc"):
            shutil.copy(path, progs)
    log = open(a.log, "a") if a.log else sys.stdout
    counts = {"ok": 0, "panic": 0, "hang": 0, "failure": 0}
    for i in range(a.boots):
        argv = QUICK[i % len(QUICK)]
        libc = "glibc" if argv[0].startswith("@") else "busybox"
        want_out, _, want_rc = differential.native(argv, progs, libc)
        load = os.getloadavg()[0]
        guest = [f"/t/{argv[0][1:]}-{libc}" if argv[0].startswith("@") else argv[0]] + argv[1:]
        start = time.monotonic()
        report = os.path.join(snap, "report.txt")
        try:
            r = subprocess.run([sys.executable, a.lx, "--kernel", kernel, "--image", image, "--timeout",
                                str(a.timeout), "--report", report, "--"] + guest, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=a.timeout + 120)
            out = r.stdout.decode(errors="replace")
            rc, notes = r.returncode, r.stderr.decode(errors="replace")
        except subprocess.TimeoutExpired:
            out, rc, notes = "", 125, "timeout (the runner itself did not end)"
        if os.path.exists(report):  # the console's lines: a panic's report is there
            notes += "\n" + open(report).read()
            os.remove(report)
        verdict = classify(rc, out, want_out, want_rc, notes)
        counts[verdict] += 1
        print(f"boot {i + 1}: {verdict} - {' '.join(argv)} ({time.monotonic() - start:.0f} s, load {load:.1f})",
              file=log, flush=True)
        if verdict != "ok":
            if rc != want_rc:
                print(f"  # status {rc}, natively {want_rc}", file=log)
            got, want = out.splitlines(), want_out.splitlines()
            for n, (g, w) in enumerate(zip(got + [None] * len(want), want + [None] * len(got))):
                if g != w:
                    print(f"  # output line {n + 1}: {g!r}, natively {w!r}", file=log)
                    break
            for line in notes.splitlines()[-40:]:
                print(f"  # {line}", file=log, flush=True)
    print(f"soak: {a.boots} boots: {counts['ok']} ok, {counts['panic']} panics, {counts['hang']} hangs, "
          f"{counts['failure']} failures", file=log, flush=True)
    shutil.rmtree(snap, ignore_errors=True)
    return 0 if counts["ok"] == a.boots else 1


if __name__ == "__main__":
    sys.exit(main())
