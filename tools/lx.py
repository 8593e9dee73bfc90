#!/usr/bin/env python3
"""Run a Linux program under lx (tools/proteus lx) as a drop-in for running it natively: boot the lx system
in QEMU, pass the caller's standard streams through, and exit with the program's status (128 + signal
when it was killed).

Usage: lx.py --kernel ELF --image DTB [--timeout S] [--icount] [--verbose] [--report FILE] [--terminal]
             [--disk IMG]...
             [--env NAME=VALUE]... [--input TEXT] [--then PATTERN TEXT]... [--power-off PATTERN] -- PROGRAM [ARGS...]

Transport: the streams that are not a terminal travel over a second UART (COM2) served by the stdio server
(abi/proteus/io/stdio.h), through a pair of FIFOs QEMU reads and writes. What is known before the start
goes as QEMU fw_cfg files, which the server reads at memory speed: the start block ("opt/proteus/start":
a 32-bit little-endian length, then entries, each a kind byte ('a' argument, 'e' environment, 't' the
descriptors that are lx's terminal, as digits) and a NUL-terminated string), and stdin when it is a
regular file ("opt/proteus/stdin"). Nothing goes through the kernel's command line but `lx.hostio`.

Streams: each of stdin, stdout and stderr is passed through byte for byte (binary too, no \\r added) when
the caller's is not a terminal; the program then sees a pipe or file (isatty says no). When the caller's
stdout is a terminal, the program gets lx's terminal (the console) for stdout and stderr that are
terminals, as before, and for stdin if the caller's stdin is one too (--terminal forces the terminal for
all three; --input and --then type on it).

Nothing but the program's output reaches stdout and stderr. The console's lines (lx's report of
unimplemented system calls, the kernel's and the servers' messages) go to the --report file, and with
--verbose to stderr too; when the system fails, the reason and the console's last lines go to stderr.
"""
import argparse
import os
import re
import select
import stat
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runner  # noqa: E402

LX_LINE = re.compile(r"^(?:\x1b\[[0-9;]*m)?\[lx\s*\](?:\x1b\[0m)? ?(.*)$")
STATUS = re.compile(r"^lx: (.*) exited with status (\d+)$")
UP = re.compile(r"root: \d+ of \d+ tasks running")
READY, DATA, EOF, OUT, ERR = 1, 2, 3, 4, 5
DEFAULT_ENV = ["PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/", "TERM=dumb"]
# Linux's limits (execve(2)): a single string up to 32 pages, all of them together up to 2 MiB here.
MAX_ARG_STRLEN = 32 * 4096
ARG_MAX = 2 * 1024 * 1024


def args_block(program, env, terminal_fds):
    entries = [b"t" + "".join(str(fd) for fd in terminal_fds).encode() + b"\0"]
    total = 0
    for kind, items in ((b"a", program), (b"e", env)):
        for s in items:
            data = s.encode("utf-8", "surrogateescape")
            if b"\0" in data:
                sys.exit("lx: an argument or environment string holds a NUL byte")
            if len(data) + 1 > MAX_ARG_STRLEN:
                sys.exit(f"lx: an argument or environment string is longer than Linux's {MAX_ARG_STRLEN} bytes "
                         "(E2BIG)")
            total += len(data) + 1 + 8
            entries.append(kind + data + b"\0")
    if total > ARG_MAX:
        sys.exit(f"lx: the arguments and environment are longer than {ARG_MAX} bytes (E2BIG)")
    body = b"".join(entries)
    return struct.pack("<I", len(body)) + body


def regular_file(fd):
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        return False


def frames(kind, data):
    return b"".join(bytes([kind]) + struct.pack("<H", len(data[i:i + 65535])) + data[i:i + 65535]
                    for i in range(0, len(data), 65535))


class HostLink:
    """The host's end of COM2: FIFOs QEMU opens as `-chardev pipe` (path.in it reads, path.out it writes)."""

    def __init__(self, folder, stdin_is_stream):
        self.path = os.path.join(folder, "stdio")
        os.mkfifo(self.path + ".in")
        os.mkfifo(self.path + ".out")
        # Read-write opens never block, whichever side comes first.
        self.to_guest = os.open(self.path + ".in", os.O_RDWR | os.O_NONBLOCK)
        self.from_guest = os.open(self.path + ".out", os.O_RDWR | os.O_NONBLOCK)
        self.pending = b""   # bytes for the guest, waiting for room in the FIFO
        self.incoming = b""  # bytes from the guest, not yet a whole frame
        self.ready = False
        self.stdin_open = stdin_is_stream
        self.out_tail = b""  # the program's last output (--power-off looks for its pattern there)
        self.eof_sent = not stdin_is_stream

    def qemu_args(self, start, stdin_file):
        args = ["-chardev", f"pipe,id=stdio,path={self.path}",
                "-device", "isa-serial,chardev=stdio,iobase=0x2f8,irq=3",
                "-fw_cfg", f"name=opt/proteus/start,file={start}"]
        return args + (["-fw_cfg", f"name=opt/proteus/stdin,file={stdin_file}"] if stdin_file else [])

    def send(self, data):
        self.pending += data

    def pump_out(self):
        if self.ready and self.pending:
            try:
                n = os.write(self.to_guest, self.pending[:65536])
                self.pending = self.pending[n:]
            except BlockingIOError:
                pass

    def take(self):
        """Read what the guest sent and pass whole frames on; False when there was nothing."""
        try:
            data = os.read(self.from_guest, 65536)
        except BlockingIOError:
            return False
        self.incoming += data
        self._frames()
        return bool(data)

    def _frames(self):
        while self.incoming:
            kind = self.incoming[0]
            if kind == READY:
                self.ready, self.incoming = True, self.incoming[1:]
                continue
            if kind not in (OUT, ERR):
                self.incoming = self.incoming[1:]  # not a frame start: skipped, as the protocol says
                continue
            if len(self.incoming) < 3:
                return
            n = struct.unpack("<H", self.incoming[1:3])[0]
            if len(self.incoming) < 3 + n:
                return
            out = sys.stdout.buffer if kind == OUT else sys.stderr.buffer
            out.write(self.incoming[3:3 + n])
            if kind == OUT:
                self.out_tail = (self.out_tail + self.incoming[3:3 + n])[-4096:]
            out.flush()
            self.incoming = self.incoming[3 + n:]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kernel", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--verbose", action="store_true", help="also show the console's lines on stderr")
    p.add_argument("--report", help="write the console's lines (lx's report of unimplemented system calls "
                                    "among them) to this file")
    p.add_argument("--icount", action="store_true", help="rdtsc counts guest instructions (QEMU -icount)")
    p.add_argument("--terminal", action="store_true", help="give the program lx's terminal for all three streams")
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                   help="set a variable in the program's environment (repeatable)")
    p.add_argument("--disk", action="append", default=[], help="a raw disk image for a virtio-blk device")
    p.add_argument("--cmdline", action="append", default=[], metavar="WORD",
                   help="more of the kernel's command line for lx (lx.root=/dev/vda), repeatable")
    p.add_argument("--input", help="text typed on the console (Python escapes: \\n, \\x7f)")
    p.add_argument("--then", nargs=2, action="append", default=[], metavar=("PATTERN", "TEXT"),
                   help="then type TEXT once the program has printed a line holding PATTERN (repeatable)")
    p.add_argument("--power-off", metavar="PATTERN",
                   help="end the system at once, as a power loss would (QEMU killed: nothing written back), when "
                        "the program's output holds PATTERN; the status is then 0")
    p.add_argument("program", nargs="+")
    a = p.parse_args()

    def raw(text):
        return text.encode().decode("unicode_escape").encode("latin-1")
    typed = raw(a.input) if a.input else None
    then = [(pattern, raw(text)) for pattern, text in a.then]
    if a.terminal or typed or then:
        terminal = [0, 1, 2]
    elif os.isatty(1):
        terminal = [fd for fd in (0, 1, 2) if os.isatty(fd)]
    else:
        terminal = []
    env = DEFAULT_ENV + [e for e in a.env if "=" in e]
    for e in a.env:
        if "=" not in e:
            sys.exit(f"lx: --env needs NAME=VALUE, not '{e}'")
    block = args_block(a.program, env, terminal)

    with tempfile.TemporaryDirectory(prefix="proteus-lx-") as folder:
        start = os.path.join(folder, "start")
        with open(start, "wb") as f:
            f.write(block)
        stdin_file = None
        if 0 not in terminal and regular_file(0):  # all of it known now: passed up front, and fast
            stdin_file = os.path.join(folder, "stdin")
            with open(stdin_file, "wb") as f:
                while data := os.read(0, 1 << 20):
                    f.write(data)
        link = HostLink(folder, 0 not in terminal and not stdin_file)
        args = argparse.Namespace(kernel=a.kernel, module=a.image, accel="tcg", memory="2G", icount=a.icount,
                                  cmdline=" ".join(["console.focus=lx lx.hostio"] + a.cmdline), qemu_arg=link.qemu_args(start, stdin_file),
                                  gdb=False, disk=a.disk)
        boot = runner.Boot(runner.qemu_command(args, interactive=False), echo=False, typing=bool(typed or then))
        report = open(a.report, "w") if a.report else None
        status, code = run(a, boot, link, typed, then, report, not link.stdin_open)
        if report:
            report.close()
    return status if code is None else code


def run(a, boot, link, typed, then, report, no_stdin_stream):
    deadline = time.monotonic() + a.timeout
    shown, code, status = 0, None, None
    stdin = None if no_stdin_stream else sys.stdin.buffer.fileno()
    while True:
        readers = [boot.proc.stdout.fileno(), link.from_guest]
        if stdin is not None and link.ready and len(link.pending) < (1 << 20):
            readers.append(stdin)
        writers = [link.to_guest] if link.ready and link.pending else []
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, w, _ = select.select(readers, writers, [], min(left, 0.5))
        if link.from_guest in r:
            link.take()
        if w:
            link.pump_out()
        if stdin is not None and stdin in r:
            data = os.read(stdin, 65536)
            if data:
                link.send(frames(DATA, data))
            else:
                link.send(bytes([EOF]))
                stdin = None
        if boot.proc.stdout.fileno() in r:
            # typing on the terminal: read in 0.2 s rounds, so a line that answers a prompt is typed once
            # what printed it has gone on a little, as a person would (the tests wait on such lines)
            status = boot.pump(time.monotonic() + (0.2 if then else 0.01))
        if typed and any(UP.search(line) for line in boot.lines[shown:]):
            boot.type(typed)  # once every task runs
            typed = None
        for line in boot.lines[shown:]:
            m = LX_LINE.match(line)
            text = m.group(1) if m else None
            if text is not None and not typed and then and then[0][0] in text:
                boot.type(then.pop(0)[1])
            if text is not None and STATUS.match(text):
                code = int(STATUS.match(text).group(2))
            elif text is not None and not text.startswith("lx: "):
                print(text, flush=True)  # the program's terminal
            else:
                if report:
                    print(text if text is not None else line, file=report)
                if a.verbose:
                    print(line, file=sys.stderr)
        shown = len(boot.lines)
        if a.power_off and a.power_off.encode() in link.out_tail:
            boot.kill()  # the power goes: what lx and the disk server held in memory is lost
            return 0, 0
        if status is not None:
            break
    boot.kill()
    while link.take():  # what QEMU wrote before it went
        pass
    if code is None:
        reason = runner.judge(status, boot.lines, a.timeout, True) or "lx ended without a status"
        print(f"lx: the system failed: {reason}", file=sys.stderr)
        if not link.ready or link.pending:
            print(f"lx: the stdio server {'took' if link.ready else 'never took'} input; "
                  f"{len(link.pending)} bytes were still to send", file=sys.stderr)
        for line in boot.lines[-runner.TAIL_LINES:]:
            print("  " + line, file=sys.stderr)
        return 125, None
    return 0, code


if __name__ == "__main__":
    sys.exit(main())
