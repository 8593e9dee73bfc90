#!/usr/bin/env python3
"""Server-kill injection (`tools/proteus fuzz servers`, docs/reliability.md): boot tests/fuzz/servers.dts,
where lx runs diskwork on its ext2 root (served by the disk server) next to an RTOS application, while the
root server crashes the disk server or the RTOS personality --kills times at random moments
(the manifest's chaos-kills, set here with fdtput) and restarts them per their policy. Then check, and
print as TAP:
  - the system stayed up: lx's program ran to its end and the system ended cleanly;
  - every crash was injected, and every crashed task was restarted (the last may still be pending);
  - lx's processes did not notice: diskwork saw no error, it acknowledged records throughout;
  - no acknowledged write was lost: every record diskwork acknowledged (fsync returned) is on the disk,
    read back on the host with debugfs, and e2fsck -fn finds the file system clean.
The console's lines go to --log. With --kills 0 nobody is crashed at random; --cmdline adds a word to the
kernel command line (for the disk server's own crash knob, blk.crash=, whose crashes --crashes counts).
Usage:
  servers.py --lx LX.PY --kernel ELF --image DTB --diskwork PROG [--kills N] [--interval-ms M] [--seed S]
             [--seconds T] [--cmdline WORD]... [--crashes N] [--timeout S] [--log FILE]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ENV = dict(os.environ, PATH=os.environ.get("PATH", "") + ":/sbin:/usr/sbin")
RECORD = 32
number = 0
failures = 0


def result(ok, name, detail=""):
    global number, failures
    number += 1
    print(f"{'ok' if ok else 'not ok'} {number} - {name}")
    if not ok:
        failures += 1
        for line in detail.strip().splitlines()[-30:]:
            print(f"  # {line}")
    sys.stdout.flush()


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, env=ENV, **kw)


def hash32(n):
    """diskwork.c's hash of a record number."""
    n ^= n >> 16
    n = (n * 0x7FEB352D) & 0xFFFFFFFF
    n ^= n >> 15
    n = (n * 0x846CA68B) & 0xFFFFFFFF
    return n ^ (n >> 16)


def record(n):
    return (f"rec {n:08d} {hash32(n):08x}" + " " * 10 + "\n").encode()


def make_disk(a, tmp):
    tree = os.path.join(tmp, "tree")
    for d in ("t", "dev", "proc", "tmp"):
        os.makedirs(os.path.join(tree, d))
    shutil.copy(a.diskwork, os.path.join(tree, "t", "diskwork"))
    disk = os.path.join(tmp, "disk.img")
    r = run(["mke2fs", "-q", "-F", "-t", "ext2", "-b", "1024", "-d", tree, disk, "64M"])
    if r.returncode:
        sys.exit(f"servers.py: mke2fs failed: {r.stderr}")
    return disk


def make_image(a, tmp):
    dtb = os.path.join(tmp, "servers.dtb")
    shutil.copy(a.image, dtb)
    if a.kills:
        edits = [["-t", "u", dtb, "/", prop, str(value)] for prop, value in
                 (("chaos-kills", a.kills), ("chaos-interval-ms", a.interval_ms), ("chaos-seed", a.seed))]
    else:
        edits = [["-d", dtb, "/", "chaos-kills", "chaos-interval-ms", "chaos-seed"]] + \
                [["-d", dtb, f"/tasks/{task}", "chaos-victim"] for task in ("blk", "periodic")]
    for edit in edits:
        r = run(["fdtput"] + edit)
        if r.returncode:
            sys.exit(f"servers.py: fdtput failed: {r.stderr}")
    return dtb


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lx", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--diskwork", required=True)
    p.add_argument("--kills", type=int, default=100)
    p.add_argument("--interval-ms", type=int, default=150)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--seconds", type=float, default=0, help="diskwork's time (default: enough for the kills)")
    p.add_argument("--cmdline", action="append", default=[])
    p.add_argument("--crashes", type=int, default=0, help="crashes the disk server makes on purpose")
    p.add_argument("--timeout", type=int, default=600)
    p.add_argument("--log")
    a = p.parse_args()
    seconds = a.seconds or a.kills * a.interval_ms * 1.5 / 1000 + 5 + a.crashes
    print("TAP version 13")
    print("1..5")
    with tempfile.TemporaryDirectory() as tmp:
        disk, dtb = make_disk(a, tmp), make_image(a, tmp)
        report = os.path.join(tmp, "report.txt")
        cmd = [sys.executable, a.lx, "--kernel", a.kernel, "--image", dtb, "--disk", disk, "--timeout",
               str(a.timeout), "--report", report, "--cmdline", "lx.root=/dev/vda"] + \
              [arg for word in a.cmdline for arg in ("--cmdline", word)] + ["--",
               "/t/diskwork", "/w", f"{seconds:g}"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        notes = open(report).read() if os.path.exists(report) else ""
        if a.log:
            with open(a.log, "w") as f:
                f.write(notes)
        out = r.stdout.splitlines()

        acked = [int(l.split()[2]) for l in out if l.startswith("diskwork: acked ")]
        done = [l for l in out if l.startswith("diskwork: done ")]
        result(r.returncode == 0 and done and not r.stderr,
               "the system stayed up: lx's program ran to its end and the system ended with its status",
               f"status {r.returncode}\nstderr {r.stderr}\nstdout tail {out[-5:]}\n{notes[-2500:]}")

        crashes = re.findall(r"root: chaos: crashing (\S+) \((\d+) of \d+\)", notes)
        crashes += [("/tasks/blk", "") for _ in re.findall(r"blk: crashing on purpose", notes)]
        restarted = re.findall(r"root: (\S+) restarted", notes)
        refused = re.findall(r"root: (\S+) (?:failed \d+ times: not restarted|is not restarted)", notes)
        per = {}
        for task, _ in crashes:
            per[task] = per.get(task, 0) + 1
        back = {t: restarted.count(t) for t in per}
        short = {t: per[t] - back[t] for t in per if per[t] - back[t] not in (0, 1)}
        result(len(crashes) == a.kills + a.crashes and (not a.kills or "crashes done" in notes) and not refused
               and not short, f"{a.kills + a.crashes} crashes, every crashed task restarted",
               f"{len(crashes)} crashes {per}, restarts {back}, refused {refused}\n{notes[-2500:]}")

        gaps = [b for a_, b in zip(acked, acked[1:]) if b != a_ + 1]
        result(acked and not gaps and acked[0] == 0 and done and done[0] == f"diskwork: done {acked[-1] + 1}",
               f"lx's processes did not notice: {len(acked)} records acknowledged, in order, none refused",
               f"gaps at {gaps[:10]}\n{out[-10:]}\n{r.stderr}")

        fsck = run(["e2fsck", "-fn", disk])
        result(fsck.returncode == 0, "e2fsck -fn finds the file system clean after the crashes",
               fsck.stdout + fsck.stderr)

        dump = os.path.join(tmp, "log")
        run(["debugfs", "-R", f"dump /w/log {dump}", disk])
        data = open(dump, "rb").read() if os.path.exists(dump) else b""
        lost = [n for n in acked if data[n * RECORD:(n + 1) * RECORD] != record(n)]
        extra = len(data) // RECORD - (acked[-1] + 1 if acked else 0)
        result(acked and not lost and len(data) % RECORD == 0 and extra == 0,
               "no acknowledged write lost: every acknowledged record is on the disk",
               f"{len(lost)} lost (first {lost[:10]}), log of {len(data)} bytes, {extra} records past the last ack")

        print(f"# servers: {len(crashes)} crashes " + ", ".join(f"{t} {n}" for t, n in sorted(per.items())) +
              f"; {len(restarted)} restarts; system up: {'yes' if done else 'no'}; {len(acked)} records "
              f"acknowledged, {len(lost)} lost; e2fsck {'clean' if fsck.returncode == 0 else 'NOT clean'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
