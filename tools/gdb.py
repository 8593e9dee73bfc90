#!/usr/bin/env python3
"""tools/proteus gdb: boot a system in QEMU, halted, with a gdb server on a free port, and run gdb on it
with the kernel's symbols and every task program's symbols loaded at their addresses (docs/debugging.md).

Usage: gdb.py --kernel ELF --image DTB [--symbols ELF]... [--serial LOG] [--cmdline TEXT] [--timeout S]
              [--batch] [-ex CMD]...
With --batch, gdb runs the -ex commands and exits (the machine is stopped then); otherwise it is
interactive. The serial console goes to LOG (default: a file in the build directory, named on stderr).
"""
import argparse
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    try:
        with open("/proc/net/tcp") as f:
            return any(l.split()[1].endswith(f":{port:04X}") and l.split()[3] == "0A" for l in list(f)[1:])
    except OSError:
        time.sleep(1)
        return True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kernel", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--symbols", action="append", default=[], help="a task program (ELF) whose symbols to load")
    p.add_argument("--serial", default="gdb-serial.log")
    p.add_argument("--cmdline", default="")
    p.add_argument("--timeout", type=float, default=0, help="--batch: give up after this many seconds")
    p.add_argument("--batch", action="store_true")
    p.add_argument("-ex", dest="ex", action="append", default=[])
    a = p.parse_args()
    port = free_port()
    args = argparse.Namespace(kernel=a.kernel, module=a.image, accel="tcg", memory="512M", icount=False,
                              cmdline=a.cmdline, gdb=False, disk=[],
                              qemu_arg=["-S", "-gdb", f"tcp:127.0.0.1:{port}"])
    with open(a.serial, "wb") as serial:
        qemu = subprocess.Popen(runner.qemu_command(args, interactive=False), stdin=subprocess.DEVNULL,
                                stdout=serial, stderr=subprocess.STDOUT, start_new_session=True)
        print(f"gdb: QEMU waits on 127.0.0.1:{port}; its serial console goes to {a.serial}", file=sys.stderr)
        cmd = ["gdb", "-nx", "-q"] + (["-batch"] if a.batch else [])
        cmd += ["-ex", "set pagination off", "-ex", "set confirm off", "-ex", f"file {a.kernel}"]
        for elf in a.symbols:  # tasks are static executables: their sections' own addresses
            cmd += ["-ex", f"add-symbol-file {elf}"]
        for _ in range(300):  # QEMU opens its port shortly after starting (a probe would resume it)
            if listening(port) or qemu.poll() is not None:
                break
            time.sleep(0.1)
        cmd += ["-ex", f"target remote 127.0.0.1:{port}"]
        for ex in a.ex:
            cmd += ["-ex", ex]
        try:
            status = subprocess.run(cmd, timeout=a.timeout or None).returncode
        except subprocess.TimeoutExpired:
            print(f"gdb: gave up after {a.timeout:g} s", file=sys.stderr)
            status = 124
        finally:
            qemu.kill()
            qemu.wait()
    return status


if __name__ == "__main__":
    sys.exit(main())
