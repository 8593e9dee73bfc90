#!/usr/bin/env python3
"""Run a Linux program under lx (tools/proteus lx): boot the lx system in QEMU, show the program's output
(lx's console) on stdout, and exit with the program's status (128 + signal when it was killed).

Usage: lx.py --kernel ELF --image DTB [--timeout S] [--icount] [--disk IMG]... [--verbose] [--input TEXT]
             [--then PATTERN TEXT]...
             -- PROGRAM [ARGS...]
"""
import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402

LX_LINE = re.compile(r"^(?:\x1b\[[0-9;]*m)?\[lx\s*\](?:\x1b\[0m)? ?(.*)$")
STATUS = re.compile(r"^lx: (.*) exited with status (\d+)$")
UP = re.compile(r"root: \d+ of \d+ tasks running")


def command_line(argv):
    parts = ["console.focus=lx", "lx.init=" + argv[0]] + ["lx.arg=" + a.replace(" ", "\\x20") for a in argv[1:]]
    line = " ".join(parts)
    if len(line) > 250:
        sys.exit("lx: the command line is too long for the kernel's 256 bytes")
    return line


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kernel", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--verbose", action="store_true", help="also show the kernel's and the servers' lines")
    p.add_argument("--icount", action="store_true", help="rdtsc counts guest instructions (QEMU -icount)")
    p.add_argument("--disk", action="append", default=[], help="a raw disk image for a virtio-blk device")
    p.add_argument("--input", help="text typed on the console (Python escapes: \\n, \\x7f)")
    p.add_argument("--then", nargs=2, action="append", default=[], metavar=("PATTERN", "TEXT"),
                   help="then type TEXT once the program has printed a line holding PATTERN (repeatable)")
    p.add_argument("program", nargs="+")
    a = p.parse_args()
    args = argparse.Namespace(kernel=a.kernel, module=a.image, accel="tcg", memory="512M", icount=a.icount,
                              cmdline=command_line(a.program), qemu_arg=[], gdb=False, disk=a.disk)
    def raw(text):
        return text.encode().decode("unicode_escape").encode("latin-1")
    typed = raw(a.input) if a.input else None
    then = [(pattern, raw(text)) for pattern, text in a.then]
    boot = runner.Boot(runner.qemu_command(args, interactive=False), echo=False, typing=bool(typed or then))
    deadline = time.monotonic() + a.timeout
    shown, code = 0, None
    while True:
        status = boot.pump(min(deadline, time.monotonic() + 0.2))
        if typed and any(UP.search(line) for line in boot.lines[shown:]):
            boot.type(typed) # once every task runs
            typed = None
        for line in boot.lines[shown:]:
            m = LX_LINE.match(line)
            text = m.group(1) if m else None
            if text is not None and not typed and then and then[0][0] in text:
                boot.type(then.pop(0)[1])
            if text is not None and STATUS.match(text):
                code = int(STATUS.match(text).group(2))
            elif text is not None and text.startswith("lx: "):
                print(text, file=sys.stderr)
            elif text is not None:
                print(text, flush=True)
            elif a.verbose:
                print(line, file=sys.stderr)
        shown = len(boot.lines)
        if status is not None or time.monotonic() >= deadline:
            break
    boot.kill()
    if code is None:
        reason = runner.judge(status, boot.lines, a.timeout, True) or "lx ended without a status"
        print(f"lx: the system failed: {reason}", file=sys.stderr)
        for line in boot.lines[-runner.TAIL_LINES:]:
            print("  " + line, file=sys.stderr)
        return 125
    return code


if __name__ == "__main__":
    sys.exit(main())
