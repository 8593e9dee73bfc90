#!/usr/bin/env python3
"""Boot a Proteus image in QEMU: interactively (`run`) or as a test (`test`).

`test` boots with a timeout, captures the serial console, parses the KTAP that in-kernel tests print and
reports TAP on stdout (for `meson test`). The run fails, with the reason and the last 50 lines of serial
output, when the kernel panics, the machine resets (a triple fault: QEMU runs with -no-reboot), the
time runs out, a test fails or the plan is not met. See docs/testing.md.
"""
import argparse
import ctypes
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time

# isa-debug-exit turns the kernel's shutdown code c into QEMU's exit status 2c+1 (core/kernel.h).
EXIT_OK, EXIT_TEST_FAILED, EXIT_PANIC, EXIT_ROOT_FAILED = 1, 3, 5, 7
TAIL_LINES = 50
BANNER = re.compile(r"^Proteus \d+\.\d+\.\d+ - ")
KVM_HELP = ("/dev/kvm here may be a software paravirtual hypervisor (kvm_pvm) rather than hardware "
            "virtualization: Proteus needs VT-x or AMD-V under --accel kvm. Use --accel tcg (the default).")


def qemu_command(args, interactive):
    qemu = shutil.which("qemu-system-x86_64")
    if not qemu:
        sys.exit("runner: qemu-system-x86_64 not found: install Debian's qemu-system-x86 package")
    # One I/O APIC (ioapic2=off): device lines 0..23; the 8 virtio-mmio transports are on lines 16..23.
    cmd = [qemu, "-M", "microvm,isa-serial=on,ioapic2=off", "-nodefaults", "-no-user-config", "-no-reboot",
           "-display", "none", "-m", args.memory, "-smp", "1",
           "-kernel", args.kernel, "-append", args.cmdline,
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if args.accel == "kvm":
        cmd += ["-accel", "kvm", "-cpu", "host"]
    else:
        cmd += ["-accel", "tcg", "-cpu", "max"]
        if args.icount:
            # sleep=off: while the guest idles, its clock jumps to the next timer deadline instead of
            # following the host's, so idle time costs no host latency (the RTOS's real-time runs).
            cmd += ["-icount", "shift=0" if getattr(args, "icount_sleep", True) else "shift=0,sleep=off"]
    if args.module:
        cmd += ["-initrd", args.module]
    disks = getattr(args, "disk", None) or []
    if disks:
        cmd += ["-global", "virtio-mmio.force-legacy=false"]  # virtio 1.x (mmio version 2), not legacy
    for i, disk in enumerate(disks):
        cmd += ["-drive", f"id=disk{i},file={disk},if=none,format=raw",
                "-device", f"virtio-blk-device,drive=disk{i}"]
    cmd += ["-serial", "mon:stdio" if interactive else "stdio"]
    if getattr(args, "gdb", False):
        cmd += ["-s", "-S"]
    return cmd + list(args.qemu_arg or [])


def kvm_warning(args):
    if args.accel == "kvm" and os.path.isdir("/sys/module/kvm_pvm"):
        print("runner: warning: " + KVM_HELP, file=sys.stderr)


def die_with_parent():
    """In QEMU's child before exec: SIGKILL when this process dies, so that a runner killed by a signal
    (timeout(1), a closed pipe, Ctrl-C) leaves no machine running on (Linux's PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)


class Boot:
    """One QEMU run with its serial output collected line by line."""

    def __init__(self, cmd, echo, typing=False):
        """typing: the serial console's input comes from type() (else there is none)."""
        self.lines, self.echo, self.partial = [], echo, b""
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if typing else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                     preexec_fn=die_with_parent)

    def type(self, data):
        """Bytes typed on the serial console (QEMU takes them as the UART has room). Type after the system
        is up: the kernel resets the UART at boot, which drops what it holds, as on a real machine."""
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def pump(self, deadline):
        """Read output until QEMU exits or the deadline passes; returns QEMU's status or None."""
        out = self.proc.stdout.fileno()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([out], [], [], min(left, 0.5))
            if ready:
                data = os.read(out, 65536)
                if not data:
                    self.proc.wait()
                    self._flush()
                    return self.proc.returncode
                self._feed(data)

    def _feed(self, data):
        if self.echo:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        self.partial += data
        *complete, self.partial = self.partial.split(b"\n")
        self.lines += [c.decode("utf-8", "replace").rstrip("\r") for c in complete]

    def _flush(self):
        if self.partial:
            self.lines.append(self.partial.decode("utf-8", "replace").rstrip("\r"))
            self.partial = b""

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._flush()

    def stderr(self):
        return self.proc.stderr.read().decode("utf-8", "replace").strip()


# A line as a console server prints it: "[name] text" (with colour codes when enabled).
CONSOLE_PREFIX = re.compile(r"^(?:\x1b\[[0-9;]*m)?\[[^\]]*\](?:\x1b\[0m)? ")


def parse_ktap(lines):
    plan, results = None, []
    for line in lines:
        line = CONSOLE_PREFIX.sub("", line)
        m = re.match(r"^1\.\.(\d+)$", line)
        if m and plan is None:
            plan = int(m.group(1))
        m = re.match(r"^(ok|not ok) (\d+) (.*)$", line)
        if m:
            results.append((m.group(1) == "ok", m.group(3)))
    return plan, results


def judge(status, lines, timeout, banner_seen):
    """The reason the run failed, or None."""
    panic = next((l for l in lines if l.startswith("PANIC:")), None)
    if status is None:
        if not banner_seen:
            return f"timeout after {timeout:g} s: the kernel never printed its banner (did it come up?)"
        return f"timeout after {timeout:g} s"
    if panic or status == EXIT_PANIC:
        return "kernel panic: " + (panic[len("PANIC: "):] if panic else "(no message)")
    if status == 0:
        return "machine reset (triple fault?): QEMU exited on reset with -no-reboot"
    if status == EXIT_TEST_FAILED:
        return "the kernel reported failing tests"
    if status == EXIT_ROOT_FAILED:
        root = next((l for l in lines if l.startswith("root: the root task")), "")
        return "root task failed" + (": " + root[len("root: "):] if root else "")
    if status != EXIT_OK:
        return f"QEMU exited with status {status}"
    return None


def tap_report(args, status, lines, stderr):
    plan, results = parse_ktap(lines)
    banner_seen = any(BANNER.match(l) for l in lines)
    reason = judge(status, lines, args.timeout, banner_seen)
    if reason is None and plan is None and args.ktap:
        reason = "the kernel printed no KTAP plan"
    elif reason is None and plan is not None and plan != len(results):
        reason = f"the plan announced {plan} tests but {len(results)} reported"
    tests = [(ok, f"{args.name}: {name}") for ok, name in results]
    for pattern in args.expect or []:
        tests.append((any(re.search(pattern, l) for l in lines), f"{args.name}: serial shows /{pattern}/"))
    tests.append((reason is None, f"{args.name}: kernel run completes"))

    print("TAP version 13")
    for i, (ok, name) in enumerate(tests, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    print(f"1..{len(tests)}")
    failed = [name for ok, name in tests if not ok]
    if failed:
        print(f"# FAILED: {reason or 'see the failing tests above'}")
        if stderr:
            print("# QEMU: " + stderr.replace("\n", "\n# QEMU: "))
        print(f"# last {TAIL_LINES} lines of serial output:")
        for line in lines[-TAIL_LINES:]:
            print("#   " + line)
    return 1 if failed else 0


def scratch_disks(args, tmp):
    """Fresh sparse disk images for this run (--scratch-disk SIZE), added to args.disk."""
    for i, size in enumerate(args.scratch_disk or []):
        path = os.path.join(tmp, f"scratch{i}.img")
        with open(path, "wb") as f:
            f.truncate(int(size[:-1]) << {"K": 10, "M": 20, "G": 30}[size[-1]] if size[-1] in "KMG" else int(size))
        args.disk = (args.disk or []) + [path]


def cmd_test(args):
    import tempfile
    kvm_warning(args)
    with tempfile.TemporaryDirectory() as tmp:
        scratch_disks(args, tmp)
        return run_test(args)


def run_test(args):
    boot = Boot(qemu_command(args, interactive=False), echo=False)
    status = boot.pump(time.monotonic() + args.timeout)
    boot.kill()
    if args.log:
        with open(args.log, "w") as f:
            f.write("\n".join(boot.lines) + "\n")
    return tap_report(args, status, boot.lines, boot.stderr())


def cmd_run(args):
    kvm_warning(args)
    interactive = sys.stdin.isatty() and not args.timeout
    cmd = qemu_command(args, interactive)
    saved = None
    if interactive:
        import termios
        saved = termios.tcgetattr(0)
        print("runner: Ctrl-A x quits QEMU, Ctrl-A c switches to its monitor", file=sys.stderr)
        stdin = None
    else:
        stdin = subprocess.DEVNULL
    if args.gdb:
        print(f"runner: waiting for gdb: gdb -ex 'target remote :1234' {args.kernel}", file=sys.stderr)
    proc = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, start_new_session=not interactive)
    start, banner, buf, timed_out = time.monotonic(), False, b"", False
    come_up = args.come_up
    try:
        while True:
            wait = None
            if args.timeout:
                wait = start + args.timeout - time.monotonic()
            if not banner and not args.gdb:
                limit = start + come_up - time.monotonic()
                wait = limit if wait is None else min(wait, limit)
            if wait is not None and wait <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([proc.stdout], [], [], wait)
            if not ready:
                continue
            data = os.read(proc.stdout.fileno(), 65536)
            if not data:
                break
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            if not banner:
                buf = (buf + data)[-4096:]
                banner = any(BANNER.match(l.decode("utf-8", "replace").lstrip("\r"))
                             for l in buf.split(b"\n"))
    finally:
        if timed_out or sys.exc_info()[0] is not None:
            proc.kill()
        status = proc.wait()
        if saved is not None:
            termios.tcsetattr(0, termios.TCSADRAIN, saved)
    if not banner and not args.gdb:
        print(f"\nrunner: the kernel did not come up under --accel {args.accel} within {come_up:g} s "
              "(no banner on the serial console).", file=sys.stderr)
        if args.accel == "kvm":
            print("runner: " + KVM_HELP, file=sys.stderr)
        return 1
    if timed_out:
        print(f"\nrunner: powered off after {args.timeout:g} s (--timeout)", file=sys.stderr)
        return 0
    if status in (EXIT_OK, 0):
        return 0
    print(f"\nrunner: the kernel stopped with QEMU status {status}", file=sys.stderr)
    return 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)
    for name in ("run", "test"):
        s = sub.add_parser(name)
        s.add_argument("--kernel", required=True)
        s.add_argument("--cmdline", default="")
        s.add_argument("--module", help="file handed to the kernel as the PVH boot module")
        s.add_argument("--accel", choices=["tcg", "kvm"], default="tcg")
        s.add_argument("--memory", default="256M")
        s.add_argument("--icount", action="store_true", 
                       help="TCG: -icount shift=0 (rdtsc counts instructions)")
        s.add_argument("--qemu-arg", action="append", help="extra QEMU argument (repeatable)")
        s.add_argument("--disk", action="append", help="raw disk image for a virtio-blk device (repeatable)")
    run, test = sub.choices["run"], sub.choices["test"]
    run.add_argument("--timeout", type=float, default=0, help="power off after this many seconds")
    run.add_argument("--come-up", type=float, default=30, help="seconds to wait for the banner")
    run.add_argument("--gdb", action="store_true", help="start halted, with a gdb server on :1234")
    test.add_argument("--timeout", type=float, default=60)
    test.add_argument("--name", default="guest")
    test.add_argument("--expect", action="append", help="regex the serial output must match (repeatable)")
    test.add_argument("--no-ktap", dest="ktap", action="store_false",
                      help="the system prints no KTAP: judge by the exit status and --expect alone")
    test.add_argument("--log", help="also write the whole serial output to this file")
    test.add_argument("--scratch-disk", action="append", metavar="SIZE",
                      help="attach a fresh, empty disk image of SIZE (e.g. 16M) for this run only")
    args = p.parse_args()
    return cmd_run(args) if args.mode == "run" else cmd_test(args)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # the reader went away (| head): stop quietly
        sys.stderr.close()
        sys.exit(1)
