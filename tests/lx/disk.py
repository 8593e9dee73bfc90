#!/usr/bin/env python3
"""lx's block front end and buffer cache: a virtual disk from the disk server, read and written as
/dev/vda. The image holds a known pattern; lx must read it byte for byte (a sequential read, which reads
ahead), write through the cache with fsync, and a second boot of the same image must read what the
first wrote; the host then finds it in the image too. Prints TAP.

Usage: disk.py --lx LX.PY --kernel ELF --image DTB
"""
import argparse
import hashlib
import os
import subprocess
import sys
import tempfile

SIZE = 8 << 20
PAGE = 4096


def pattern():
    return b"".join((b"page%06d" % i).ljust(PAGE, b".") for i in range(SIZE // PAGE))


def lx(a, disk, script):
    cmd = [sys.executable, a.lx, "--kernel", a.kernel, "--image", a.image, "--disk", disk, "--timeout", "240",
           "--", "sh", "-c", script]
    r = subprocess.run(cmd, capture_output=True, text=True)
    lines = [l for l in r.stdout.splitlines() if not l.startswith("lx: unimplemented") and
             not l.startswith("lx: every system call")]
    return r.returncode, lines, r.stderr


def diag(text):
    for line in text.strip().splitlines():
        print(f"  # {line}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lx", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--image", required=True)
    a = p.parse_args()
    data = pattern()
    with tempfile.TemporaryDirectory() as tmp:
        disk = os.path.join(tmp, "disk.img")
        with open(disk, "wb") as f:
            f.write(data)
        print("1..3")
        code, out, err = lx(a, disk, "dd if=/dev/vda bs=65536 2>/dev/null | md5sum | cut -d ' ' -f 1; "
                                     "dd if=/dev/vda bs=4096 skip=1000 count=1 2>/dev/null | head -c 10; echo")
        want = [hashlib.md5(data).hexdigest(), "page001000"]
        ok = code == 0 and out == want
        print(f"{'ok' if ok else 'not ok'} 1 - the whole disk reads back byte for byte, and one page by offset")
        if not ok:
            diag(f"status {code}, got {out!r}, want {want!r}\n{err}")
        code, out, err = lx(a, disk, "sh /shell/disk-write.sh")
        ok = code == 0 and out == ["0"]
        print(f"{'ok' if ok else 'not ok'} 2 - writes with fsync return")
        if not ok:
            diag(f"status {code}, got {out!r}\n{err}")
        code, out, err = lx(a, disk, "sh /shell/disk-read.sh")
        with open(disk, "rb") as f:
            image = f.read()
        host_ok = image[7 * PAGE:7 * PAGE + 25] == b"written by the first boot" and \
            image[64 << 16:80 << 16] == bytes(1 << 20) and image[8 * PAGE:9 * PAGE] == data[8 * PAGE:9 * PAGE]
        ok = code == 0 and out == ["written by the first boot", "0", "page000008"] and host_ok
        print(f"{'ok' if ok else 'not ok'} 3 - a second boot reads what the first wrote, and so does the host")
        if not ok:
            diag(f"status {code}, got {out!r}, host image {'as written' if host_ok else 'wrong'}\n{err}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
