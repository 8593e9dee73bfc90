#!/usr/bin/env python3
"""Run an RTOS application (tools/proteus rtos): boot its system in QEMU, show its console on stdout (the
personality's own reports, lines starting "rtos: ", on stderr) and exit with the application's status.

Usage: rtos.py --kernel ELF --image DTB [--timeout S] [--icount] [--verbose] [--console NAME]
"""
import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402

STATUS = re.compile(r"^rtos: the application ended with status (-?\d+)$")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kernel", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--console", default="rtos", help="the application's console name")
    p.add_argument("--verbose", action="store_true", help="also show the kernel's and the servers' lines")
    p.add_argument("--icount", action="store_true",
                   help="rdtsc counts guest instructions (QEMU -icount shift=0,sleep=off)")
    p.add_argument("--cmdline", default="")
    a = p.parse_args()
    line_re = re.compile(r"^(?:\x1b\[[0-9;]*m)?\[" + re.escape(a.console) + r"\s*\](?:\x1b\[0m)? ?(.*)$")
    args = argparse.Namespace(kernel=a.kernel, module=a.image, accel="tcg", memory="512M", icount=a.icount,
                              icount_sleep=False, cmdline=a.cmdline, qemu_arg=[], gdb=False, disk=[])
    boot = runner.Boot(runner.qemu_command(args, interactive=False), echo=False, typing=False)
    deadline = time.monotonic() + a.timeout
    shown, code = 0, None
    while code is None:
        status = boot.pump(min(deadline, time.monotonic() + 0.2))
        for line in boot.lines[shown:]:
            m = line_re.match(line)
            text = m.group(1) if m else None
            if text is not None and STATUS.match(text):
                code = int(STATUS.match(text).group(1)) & 0xff
            elif text is not None and text.startswith("rtos: "):
                print(text, file=sys.stderr, flush=True)
            elif text is not None:
                print(text, flush=True)
            elif a.verbose:
                print(line, file=sys.stderr)
        shown = len(boot.lines)
        if status is not None or time.monotonic() >= deadline:
            break
    boot.kill()
    if code is None:
        reason = runner.judge(status, boot.lines, a.timeout, True) or "the application ended without a status"
        print(f"rtos: the system failed: {reason}", file=sys.stderr)
        for line in boot.lines[-runner.TAIL_LINES:]:
            print("  " + line, file=sys.stderr)
        return 125
    return code


if __name__ == "__main__":
    sys.exit(main())
