#!/usr/bin/env python3
"""tools/proteus gdb, checked in batch mode: boot the side-by-side system under gdb (tools/gdb.py, a free
port) with the kernel's, lx's and the RTOS application's symbols, set a breakpoint in an RTOS task's
function and one in lx's system-call dispatch, and check gdb stops at both, named.

Every task is linked at its own addresses, but tasks share the range (each has its own address space),
so a breakpoint address may also be executed by another task: each breakpoint is conditioned on the
task's own first code bytes being at that address, which only the intended program has there.
Prints TAP.
"""
import argparse
import re
import struct
import subprocess
import sys


def symbol_and_bytes(elf, name):
    out = subprocess.run(["nm", elf], capture_output=True, text=True, check=True).stdout
    addr = next(int(l.split()[0], 16) for l in out.splitlines() if l.split()[-1] == name)
    data = open(elf, "rb").read()
    phoff, phentsize, phnum = struct.unpack_from("<Q", data, 0x20)[0], *struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 1 and p_vaddr <= addr < p_vaddr + p_filesz:
            off = addr - p_vaddr + p_offset
            return addr, struct.unpack_from("<Q", data, off)[0]
    raise SystemExit(f"{name} is not in a loaded segment of {elf}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gdb-py", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--lx", required=True, help="lx.elf")
    p.add_argument("--app", required=True, help="the RTOS application's app.elf")
    p.add_argument("--serial", required=True)
    a = p.parse_args()
    app_addr, app_word = symbol_and_bytes(a.app, "control")
    lx_addr, lx_word = symbol_and_bytes(a.lx, "lx_syscall")
    ex = [f"tbreak *{app_addr:#x} if *(unsigned long long *){app_addr:#x} == {app_word:#x}",
          f"tbreak *{lx_addr:#x} if *(unsigned long long *){lx_addr:#x} == {lx_word:#x}",
          "continue", "info symbol $pc", "continue", "info symbol $pc", "kill"]
    cmd = [sys.executable, a.gdb_py, "--kernel", a.kernel, "--image", a.image, "--symbols", a.lx,
           "--symbols", a.app, "--serial", a.serial, "--timeout", "240", "--batch",
           "--cmdline", "lx.init=/bin/sh lx.arg=/load.sh lx.arg=5"]
    for e in ex:
        cmd += ["-ex", e]
    r = subprocess.run(cmd, capture_output=True, text=True)
    out = r.stdout + r.stderr
    hits = re.findall(r"^(?:Temporary breakpoint|Breakpoint) (\d+), ", out, re.M)
    syms = re.findall(r"^(\w+)(?: \+ \d+)? in section \.text", out, re.M)
    checks = [("1" in hits, "gdb stopped at the breakpoint in the RTOS task's function"),
              ("2" in hits, "gdb stopped at the breakpoint in lx's system-call dispatch"),
              ("control" in syms, "and named it control (the RTOS application's symbols are loaded)"),
              ("lx_syscall" in syms, "and named it lx_syscall (lx's symbols are loaded)")]
    print(f"TAP version 13\n1..{len(checks)}")
    for i, (ok, what) in enumerate(checks, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - gdb: {what}")
    if not all(ok for ok, _ in checks):
        print("\n".join("# " + l for l in out.splitlines()[-60:]))
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
