#!/usr/bin/env python3
"""Make docs/lx-syscalls.md, lx's compatibility table, from lx's system-call table
(personalities/lx/kernel/syscall.c) and the x86_64 system-call names (personalities/lx/kernel/names.c).

Usage: lx-syscalls.py [--check] [SOURCE-ROOT]

Each line of the table in syscall.c is `[N] = handler, /* [alias: ]file[: note] */`. A call with a handler
is "implemented", or "partial" when the comment carries a note (what is missing), or "ENOSYS" when the
note starts with ENOSYS (an answer Linux also gives); a call with no line is "ENOSYS" (lx counts it in
its report of unimplemented calls). With --check, compare with the checked-in file and fail (status 1,
with the difference named) if it is not current: the test `lx-syscalls-doc` runs that.
"""
import os
import re
import sys

ENTRY = re.compile(r"^\s*\[(\d+)\]\s*=\s*(\w+),\s*/\*\s*(.*?)\s*\*/\s*$")
NAME = re.compile(r"\[(\d+)\]\s*=\s*\"(\w+)\"")


def table(root):
    lx = os.path.join(root, "personalities", "lx")
    names = {int(n): s for n, s in NAME.findall(open(os.path.join(lx, "kernel", "names.c")).read())}
    calls = {}
    for line in open(os.path.join(lx, "kernel", "syscall.c")):
        m = ENTRY.match(line)
        if not m:
            continue
        number, handler, comment = int(m.group(1)), m.group(2), m.group(3)
        parts = [p.strip() for p in comment.split(":")]
        if parts and not parts[0].endswith(".c"):
            parts = parts[1:]  # "getgid: kernel/ids.c": the handler serves another name too
        if not parts or not parts[0].endswith(".c"):
            sys.exit(f"lx-syscalls: syscall.c: [{number}] = {handler}: the comment names no file: {comment!r}")
        calls[number] = (parts[0], ": ".join(parts[1:]))
    if not names:
        sys.exit("lx-syscalls: no names found in kernel/names.c")
    rows = []
    done = partial = 0
    for number in range(max(names) + 1):
        name = names.get(number)
        if not name:
            continue
        if number not in calls:
            rows.append(f"| {number} | `{name}` | ENOSYS | — |")
            continue
        path, note = calls[number]
        where = f"`personalities/lx/{path}`"
        if note.startswith("ENOSYS"):
            rows.append(f"| {number} | `{name}` | ENOSYS ({note[6:].lstrip(', ')}) | {where} |")
        elif note:
            partial += 1
            rows.append(f"| {number} | `{name}` | partial: {note} | {where} |")
        else:
            done += 1
            rows.append(f"| {number} | `{name}` | implemented | {where} |")
    total = len(rows)
    head = [
        "# lx: Linux system calls, one by one",
        "",
        "Made by `tools/lx-syscalls.py` from lx's system-call table (`personalities/lx/kernel/syscall.c`);",
        "do not edit by hand: run `python3 tools/lx-syscalls.py` after changing the table (the test",
        "`lx-syscalls-doc` fails while this file is not current). Every x86_64 Linux system call, with its",
        "number, its status under lx and the file that implements it. \"implemented\" is as `man 2` describes",
        "it, within what docs/lx.md lists as not done yet; \"partial\" says what is missing; \"ENOSYS\" is what a",
        "program gets (counted in lx's report of unimplemented calls, unless Linux itself may answer so).",
        "",
        f"{done} implemented, {partial} partial, {total - done - partial} ENOSYS, of {total}.",
        "",
        "| Number | Call | Status | Implemented in |",
        "|---|---|---|---|",
    ]
    return "\n".join(head + rows) + "\n"


def main():
    args = [a for a in sys.argv[1:] if a != "--check"]
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    text = table(root)
    out = os.path.join(root, "docs", "lx-syscalls.md")
    if "--check" in sys.argv:
        current = open(out).read() if os.path.exists(out) else ""
        if current != text:
            old, new = current.splitlines(), text.splitlines()
            diff = [f"- {l}" for l in old if l not in new][:5] + [f"+ {l}" for l in new if l not in old][:5]
            print("lx-syscalls: docs/lx-syscalls.md is not current: run python3 tools/lx-syscalls.py", file=sys.stderr)
            print("\n".join(diff), file=sys.stderr)
            return 1
        print("docs/lx-syscalls.md is current")
        return 0
    with open(out, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
