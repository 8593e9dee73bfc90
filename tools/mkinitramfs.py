#!/usr/bin/env python3
"""Make lx's initramfs: a newc cpio archive, compressed as an LZ4 frame with its content size.

Usage: mkinitramfs.py OUT.cpio.lz4 [--busybox PATH] [--add HOST:GUEST]... [--tree HOSTDIR:GUESTDIR]...

With --busybox, the archive holds it as /bin/busybox with a link in /bin for each of its applets (from
`busybox --list`); every --add puts a host file at a guest path (parent directories are made); every
--tree copies a host directory, its files, subdirectories and symlinks, to a guest directory.
"""
import argparse
import os
import stat
import subprocess
import sys


def entry(path, mode, data=b"", ino=[0]):
    ino[0] += 1
    name = path.lstrip("/").encode() + b"\0"
    fields = [ino[0], mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name), 0]
    head = b"070701" + b"".join(b"%08x" % f for f in fields)
    pad = lambda n: b"\0" * ((4 - n % 4) % 4)
    return head + name + pad(110 + len(name)) + data + pad(len(data))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--busybox")
    p.add_argument("--add", action="append", default=[], metavar="HOST:GUEST")
    p.add_argument("--tree", action="append", default=[], metavar="HOSTDIR:GUESTDIR")
    a = p.parse_args()
    files, dirs = {}, {"/bin", "/sbin", "/usr", "/usr/bin", "/usr/sbin", "/dev", "/proc", "/tmp", "/etc", "/root"}
    links = {}
    if a.busybox:
        files["/bin/busybox"] = a.busybox
        applets = subprocess.run([a.busybox, "--list-full"], capture_output=True, text=True, check=True).stdout
        for applet in applets.split():
            target = "/" + applet
            if target != "/bin/busybox":
                links[target] = "/bin/busybox"
    for spec in a.add:
        host, _, guest = spec.partition(":")
        guest = guest or "/bin/" + os.path.basename(host)
        if not os.path.isfile(host):
            sys.exit(f"mkinitramfs: {host}: " + ("a directory (--tree copies one)" if os.path.isdir(host) else
                                                 "no such file"))
        files[guest] = host
    for spec in a.tree:
        host, _, guest = spec.partition(":")
        if not os.path.isdir(host) or not guest.startswith("/"):
            sys.exit(f"mkinitramfs: --tree {spec}: needs an existing host directory and an absolute guest path")
        for top, subdirs, names in os.walk(host):
            rel = os.path.relpath(top, host)
            gtop = guest if rel == "." else guest.rstrip("/") + "/" + rel
            dirs.add(gtop)
            for name in subdirs + names:
                h, g = os.path.join(top, name), gtop.rstrip("/") + "/" + name
                if os.path.islink(h):
                    links[g] = os.readlink(h)
                elif os.path.isfile(h):
                    files[g] = h
    for path in list(files) + list(links):
        d = os.path.dirname(path)
        while d not in ("", "/"):
            dirs.add(d)
            d = os.path.dirname(d)
    out = bytearray()
    # The accounts a system with only root has (ls, ps and id name owners from them).
    etc = {"/etc/passwd": b"root:x:0:0:root:/root:/bin/sh\n", "/etc/group": b"root:x:0:\n"}
    for d in sorted(dirs):
        out += entry(d, stat.S_IFDIR | 0o755)
    for guest, data in etc.items():
        if guest not in files:
            out += entry(guest, stat.S_IFREG | 0o644, data)
    for guest, host in sorted(files.items()):
        with open(host, "rb") as f:
            out += entry(guest, stat.S_IFREG | 0o755, f.read())
    for guest, target in sorted(links.items()):
        if guest not in files:
            out += entry(guest, stat.S_IFLNK | 0o777, target.encode())
    out += entry("TRAILER!!!", 0)
    raw = a.out + ".cpio"
    with open(raw, "wb") as f:
        f.write(out)
    subprocess.run(["lz4", "-q", "-f", "-9", "--content-size", "-B4", raw, a.out], check=True)
    os.unlink(raw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
