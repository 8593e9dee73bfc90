#!/usr/bin/env python3
"""bench compare: the same static programs on Debian's Linux kernel and under lx, on the same QEMU machine
(QEMU microvm, -cpu max, TCG, 512 MiB, one CPU), and the ratio lx / Linux (docs/benchmarks.md).

Usage: bench_compare.py --kernel ELF --image DTB --cmpbench BIN --sqlbench BIN --scripts DIR --out DIR
                        [--icount] [--runs N] [--quick] [--check] [--no-host] [--linux VMLINUZ]

Both sides run bench/compare/cmpbench (and its sqlite driver and shell scripts, with Debian's busybox);
Linux boots from /boot/vmlinuz-* (linux-image-amd64; its vmlinux, extracted, boots by PVH) with an
initramfs of the same files. Prints one line per benchmark,
  bench compare.<name> linux=<n> lx=<n> ratio=<lx/linux> unit=<insn|ns> [lx_asw=<switches per operation>]
with `failed` for a side that could not run it (and no ratio), then a table; writes compare*.json and PNG
charts in OUT. --check (the quick test): exit non-zero unless both sides printed every benchmark, Linux
ran all of them, and lx all but those it is known to lack (KNOWN_LX_GAPS).
"""
import argparse
import glob
import json
import lzma
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import runner  # noqa: E402

# The benchmarks, in cmpbench's order: name, what one operation is (lmbench's name in brackets).
BENCHMARKS = [
    ("null_call", "getppid [lat_syscall null]"),
    ("null_read", "read 1 byte of /dev/zero [lat_syscall read]"),
    ("null_write", "write 1 byte to /dev/null [lat_syscall write]"),
    ("stat", "stat of a file [lat_syscall stat]"),
    ("open_close", "open + close of a file [lat_syscall open]"),
    ("sig_install", "sigaction [lat_sig install]"),
    ("sig_deliver", "kill self + handler [lat_sig catch]"),
    ("pipe_lat", "1-byte round trip, 2 processes [lat_pipe]"),
    ("pipe_bw_64k", "64 KiB through a pipe [bw_pipe]"),
    ("unix_lat", "1-byte AF_UNIX stream round trip [lat_unix]"),
    ("ctx_2", "one hop of a 2-process pipe ring [lat_ctx 2]"),
    ("ctx_16", "one hop of a 16-process pipe ring [lat_ctx 16]"),
    ("fork_exit", "fork + _exit + wait [lat_proc fork]"),
    ("fork_execve", "fork + execve /bin/true + wait [lat_proc exec]"),
    ("fork_sh", "fork + sh -c /bin/true + wait [lat_proc shell]"),
    ("mmap_file_1m", "mmap + munmap of 1 MiB of a file [lat_mmap]"),
    ("page_fault_file", "first read of a page of a mapped file [lat_pagefault]"),
    ("page_fault_anon", "first write of an anonymous page"),
    ("file_create_0k", "create an empty file [lat_fs 0k]"),
    ("file_delete_0k", "delete it [lat_fs 0k]"),
    ("file_create_10k", "create + write a 10 KiB file [lat_fs 10k]"),
    ("file_delete_10k", "delete it [lat_fs 10k]"),
    ("file_reread_1m", "read 1 MiB of a cached file [bw_file_rd]"),
    ("shell_workload", "busybox sh: tar, gzip, find, sort, sed, awk"),
    ("sqlite", "sqlite: bulk insert, index, range queries"),
    ("exec_storm", "busybox sh running short busybox programs"),
]
NAMES = [n for n, _ in BENCHMARKS]
MACRO = {"shell_workload", "sqlite", "exec_storm"}
# What lx is known not to have yet: --check accepts a failure there (and a success).
KNOWN_LX_GAPS = {"ctx_16": "16 live processes (fork fails with EAGAIN at about 10)"}
# The goals (issue: same machine, --icount): lx within this many times Linux's instructions.
GOALS = {"fork_exit": 1.5, "fork_execve": 1.5, "page_fault_file": 1.5, "page_fault_anon": 1.5,
         "shell_workload": 1.5, "sqlite": 1.5, "exec_storm": 1.5, "null_call": 3.0}

LINE = re.compile(r"cmpbench (\S+) (?:median=(\d+) min=(\d+) unit=(\w+) n=(\d+)(?: asw=([\d.]+))?|failed: (.*))$")
LINUX_APPEND = "console=ttyS0 quiet nokaslr norandmaps"
INIT = """#!/bin/sh
# bench compare's init on Linux: the file systems lx gives its programs, then the benchmark
mount -t proc proc /proc
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
# the kernel hands init the command line words it does not know (nokaslr): keep cmpbench's own
args=
for word in "$@"; do
    case $word in insn | quick) args="$args $word" ;; esac
done
/bin/cmpbench $args
echo "cmpbench exit $?"
poweroff -f
"""


def parse(text):
    """cmpbench's output: ({name: result}, done). A result is {median, min, unit, n[, asw]} or {failed}."""
    out, done = {}, False
    for line in text.splitlines():
        line = line.strip()
        if line == "cmpbench done":
            done = True
            continue
        m = LINE.search(line)
        if not m:
            continue
        if m.group(7) is not None:
            out[m.group(1)] = {"failed": m.group(7).strip()}
        else:
            r = {"median": int(m.group(2)), "min": int(m.group(3)), "unit": m.group(4), "n": int(m.group(5))}
            if m.group(6) is not None:
                r["asw"] = float(m.group(6))
            out[m.group(1)] = r
    return out, done


def combine(runs):
    """Several runs of one side into one: the median of the medians, the least minimum; a benchmark that
    failed in any run is failed (with the first reason)."""
    out = {}
    for name in dict.fromkeys(n for r in runs for n in r):
        results = [r.get(name, {"failed": "not reported"}) for r in runs]
        bad = next((x for x in results if "failed" in x), None)
        if bad:
            out[name] = dict(bad)
            continue
        c = {"median": int(statistics.median(x["median"] for x in results)), "min": min(x["min"] for x in results),
             "unit": results[0]["unit"], "n": sum(x["n"] for x in results)}
        if all("asw" in x for x in results):
            c["asw"] = round(statistics.median(x["asw"] for x in results), 2)
        out[name] = c
    return out


def rows(linux, lx, host=None):
    """One row per benchmark (cmpbench's order, then any others): name, the two sides, the ratio or None."""
    host = host or {}
    names = NAMES + [n for n in list(linux) + list(lx) if n not in NAMES]
    out = []
    for name in dict.fromkeys(names):
        a = linux.get(name, {"failed": "not reported"})
        b = lx.get(name, {"failed": "not reported"})
        ratio = None
        if "failed" not in a and "failed" not in b and a["unit"] == b["unit"] and a["median"] > 0:
            ratio = round(b["median"] / a["median"], 2)
        out.append({"name": name, "linux": a, "lx": b, "ratio": ratio, "host": host.get(name)})
    return out


def figure(r):
    return "failed" if "failed" in r else str(r["median"])


def lines(table_rows):
    """The `bench compare.<name>` lines."""
    out = []
    for r in table_rows:
        unit = next((s["unit"] for s in (r["linux"], r["lx"]) if "unit" in s), "-")
        text = (f"bench compare.{r['name']} linux={figure(r['linux'])} lx={figure(r['lx'])} "
                f"ratio={r['ratio'] if r['ratio'] is not None else '-'} unit={unit}")
        if "asw" in r["lx"]:
            text += f" lx_asw={r['lx']['asw']:g}"
        out.append(text)
    return out


def goal(r):
    """'met', 'not met' or '' for a row under --icount."""
    limit = GOALS.get(r["name"])
    if limit is None:
        return ""
    if r["ratio"] is None:
        return "not met (failed)"
    return f"{'met' if r['ratio'] <= limit else 'not met'} (<= {limit:g}x)"


def table(table_rows, icount):
    """A text table: Linux, lx, the ratio, lx's address-space switches per operation (and the host)."""
    unit = "insn" if icount else "ns"
    head = f"{'benchmark':<17} {'Linux ' + unit:>14} {'lx ' + unit:>14} {'lx/Linux':>9} {'lx AS sw':>9}"
    host = any(r["host"] for r in table_rows)
    if host:
        head += f" {'host CPU ns':>13}"
    if icount:
        head += "  goal"
    out = [head]
    for r in table_rows:
        asw = r["lx"].get("asw")
        line = (f"{r['name']:<17} {figure(r['linux']):>14} {figure(r['lx']):>14} "
                f"{r['ratio'] if r['ratio'] is not None else '-':>9} {asw if asw is not None else '-':>9}")
        if host:
            line += f" {figure(r['host']) if r['host'] else '-':>13}"
        if icount and goal(r):
            line += "  " + goal(r)
        out.append(line)
    failures = [(side, r["name"], r[side]["failed"]) for r in table_rows for side in ("linux", "lx")
                if "failed" in r[side]]
    if failures:
        out.append("")
        out += [f"failed on {side}: {name}: {why}" for side, name, why in failures]
    return "\n".join(out)


def check(table_rows):
    """Problems that make the quick test fail: a benchmark missing on a side, or failing where it must not."""
    problems = []
    for r in table_rows:
        if r["name"] not in NAMES:
            continue
        if r["linux"].get("failed"):
            problems.append(f"{r['name']}: Linux: {r['linux']['failed']}")
        if r["lx"].get("failed") == "not reported" or (r["lx"].get("failed") and r["name"] not in KNOWN_LX_GAPS):
            problems.append(f"{r['name']}: lx: {r['lx']['failed']}")
    return problems


# --- the charts ---

def ratio_chart(table_rows, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    shown = [r for r in table_rows if r["ratio"] is not None]
    if not shown:
        return False
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(shown) + 1.6))
    names = [r["name"] for r in shown][::-1]
    values = [r["ratio"] for r in shown][::-1]
    colors = ["#c0504d" if v > 1.5 else "#4f81bd" if v >= 1 else "#9bbb59" for v in values]
    ax.barh(names, [v - 1 for v in values], left=1, color=colors)  # from 1: left of it lx is faster
    ax.set_xscale("log")
    ax.set_xlim(min(0.5, min(values) / 1.5), max(values) * 2.5)
    plain = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}")
    ax.xaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xlabel("lx / Linux (log scale; 1: as fast as Linux; red: over 1.5x; green: lx ahead)")
    ax.set_title(title, fontsize=10)
    for y, v in enumerate(values):
        ax.text(v, y, f" {v:g}", va="center", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def ipc_chart(ipc_json, path):
    """The kernel's hot paths (the ipc suite's results), one bar each, log scale."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    with open(ipc_json) as f:
        doc = json.load(f)
    res = [r for r in doc.get("results", []) if r.get("unit") != "ratio" and r.get("median", 0) > 0]
    if not res:
        return False
    unit = res[0]["unit"]
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(res) + 1.4))
    ax.barh([r["name"] for r in res][::-1], [r["median"] for r in res][::-1], color="#4f81bd")
    ax.set_xscale("log")
    ax.set_xlabel(f"median, {unit} (log scale)")
    ax.set_title(f"Proteus kernel hot paths (bench ipc{', --icount' if doc.get('icount') else ''}, {doc.get('date', '')})",
                 fontsize=10)
    for y, r in enumerate(res[::-1]):
        ax.text(r["median"], y, f" {r['median']:,}", va="center", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# --- the Linux side ---

class StepFailed(Exception):
    pass


def find_kernel(given):
    if given:
        if not os.path.isfile(given):
            raise StepFailed(f"find Debian's kernel: {given}: no such file")
        return given
    found = sorted(glob.glob("/boot/vmlinuz-*"))
    if not found:
        raise StepFailed("find Debian's kernel: no /boot/vmlinuz-*: install linux-image-amd64 (tools/proteus setup)")
    return found[-1]


def extract_vmlinux(bzimage, cache_dir):
    """The ELF vmlinux inside a bzImage (xz, Debian's choice, or gzip), which QEMU boots by PVH; None if it
    cannot be found (the bzImage then boots the slower way)."""
    out = os.path.join(cache_dir, "vmlinux-" + os.path.basename(bzimage).replace("vmlinuz-", ""))
    if os.path.isfile(out) and os.path.getmtime(out) >= os.path.getmtime(bzimage):
        return out
    with open(bzimage, "rb") as f:
        data = f.read()
    for magic, make in ((b"\xfd7zXZ\x00", lambda: lzma.LZMADecompressor(format=lzma.FORMAT_XZ)),
                        (b"\x1f\x8b\x08", None)):
        start = data.find(magic)
        while start >= 0:
            try:
                if make:
                    elf = make().decompress(data[start:])
                else:
                    import zlib
                    elf = zlib.decompressobj(31).decompress(data[start:])
            except (lzma.LZMAError, EOFError, ValueError, Exception):
                elf = b""
            if elf[:4] == b"\x7fELF":
                os.makedirs(cache_dir, exist_ok=True)
                with open(out + ".tmp", "wb") as f:
                    f.write(elf)
                os.replace(out + ".tmp", out)
                return out
            start = data.find(magic, start + 1)
    return None


def linux_initramfs(a, path):
    """The same files as lx's initramfs, with an /init for Linux, as an uncompressed cpio."""
    with tempfile.TemporaryDirectory() as tmp:
        init = os.path.join(tmp, "init")
        with open(init, "w") as f:
            f.write(INIT)
        packed = os.path.join(tmp, "initramfs.cpio.lz4")
        cmd = [sys.executable, os.path.join(HERE, "mkinitramfs.py"), packed, "--busybox", "/bin/busybox",
               "--add", init + ":/init", "--add", a.cmpbench + ":/bin/cmpbench", "--add", a.sqlbench + ":/bin/sqlbench",
               "--add", os.path.join(a.scripts, "shell.sh") + ":/bench/shell.sh",
               "--add", os.path.join(a.scripts, "storm.sh") + ":/bench/storm.sh"]
        made = subprocess.run(cmd, capture_output=True, text=True)
        if made.returncode != 0:
            raise StepFailed("make the Linux initramfs: " + (made.stderr.strip() or made.stdout.strip()))
        unpacked = subprocess.run(["lz4", "-d", "-q", "-f", packed, path], capture_output=True, text=True)
        if unpacked.returncode != 0:
            raise StepFailed("make the Linux initramfs: lz4 -d: " + unpacked.stderr.strip())


def tsc_khz(cmpbench):
    """The host's TSC rate. Without -icount, TCG's guest TSC is the host's, and Linux on microvm (no HPET,
    and a PIT calibration that fails on a loaded host) must be told it (tsc_early_khz) or it stops at boot."""
    done = subprocess.run([cmpbench, "tsckhz"], capture_output=True, text=True, timeout=60)
    if done.returncode != 0 or not done.stdout.strip().isdigit():
        raise StepFailed("measure the host's TSC rate (for Linux's tsc_early_khz): " + done.stderr.strip())
    return int(done.stdout.strip())


def run_linux(a, kernel, initrd, prog_args, timeout):
    append = LINUX_APPEND if a.icount else f"{LINUX_APPEND} tsc_early_khz={tsc_khz(a.cmpbench)}"
    args = argparse.Namespace(kernel=kernel, module=initrd, accel="tcg", memory="512M", icount=a.icount,
                              cmdline=append + " -- " + " ".join(prog_args), qemu_arg=[], gdb=False, disk=[])
    boot = runner.Boot(runner.qemu_command(args, interactive=False), echo=False)
    deadline, status = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        status = boot.pump(min(deadline, time.monotonic() + 1))
        if status is not None or any(l.strip().startswith("cmpbench exit") for l in boot.lines):
            break
    boot.kill()
    if status is not None and not boot.lines:
        raise StepFailed(f"boot Linux: QEMU exited with status {status}: {boot.stderr()[-500:]}")
    text = "\n".join(boot.lines)
    results, done = parse(text)
    if not done:
        tail = "\n".join("  " + l for l in boot.lines[-20:])
        why = "the benchmark did not finish" if results else "Linux did not boot to the benchmark"
        raise StepFailed(f"boot Linux and run the benchmark: {why} within {timeout:g} s; its console ended:\n{tail}",
                         results)
    return results


def run_lx(a, prog_args, timeout):
    cmd = [sys.executable, os.path.join(HERE, "lx.py"), "--kernel", a.kernel, "--image", a.image,
           "--timeout", str(timeout)] + (["--icount"] if a.icount else []) + ["--", "/bin/cmpbench"] + prog_args
    under = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 60)
    results, done = parse(under.stdout)
    if not done or under.returncode != 0:
        tail = "\n".join("  " + l for l in (under.stdout + under.stderr).strip().splitlines()[-20:])
        raise StepFailed(f"run the benchmark under lx: it ended with status {under.returncode} "
                         f"{'after' if done else 'before'} finishing:\n{tail}", results)
    return results


def run_host(a):
    """The host CPU's figures, for context only (micro benchmarks; host programs differ from busybox)."""
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "bench"))
        os.makedirs(os.path.join(tmp, "bin"))
        for s in ("shell.sh", "storm.sh"):
            shutil.copy(os.path.join(a.scripts, s), os.path.join(tmp, "bench", s))
        shutil.copy(a.sqlbench, os.path.join(tmp, "bin", "sqlbench"))
        args = [a.cmpbench, "micro", "root=" + tmp] + (["quick"] if a.quick else [])
        done = subprocess.run(args, capture_output=True, text=True, timeout=900, cwd=tmp)
    return {n: r for n, r in parse(done.stdout)[0].items() if n not in MACRO}


def side(name, fn, runs, problems):
    """Run one side `runs` times; on a failed step, keep what it measured and note the step."""
    got = []
    for i in range(runs):
        try:
            got.append(fn())
        except StepFailed as e:
            problems.append(f"{name}: {e.args[0]}")
            if len(e.args) > 1 and e.args[1]:
                got.append(e.args[1])
            break
        except subprocess.TimeoutExpired:
            problems.append(f"{name}: the run timed out")
            break
    return combine(got) if got else {}


def draw(json_path):
    """The charts for a results file, next to it: messages naming what was written or what failed."""
    with open(json_path) as f:
        doc = json.load(f)
    out, stem = os.path.dirname(json_path), os.path.basename(json_path)[:-len(".json")]
    said = []
    title = (f"lx / Linux {doc.get('linux') or ''} on QEMU microvm (TCG"
             f"{', -icount: guest instructions' if doc.get('icount') else ', wall time'}), {doc['date'][:10]}")
    if ratio_chart(doc["results"], os.path.join(out, stem + "-ratios.png"), title):
        said.append(f"chart: {os.path.join(out, stem + '-ratios.png')}")
    for ipc in ("ipc-icount.json", "ipc.json"):
        if os.path.isfile(os.path.join(out, ipc)):
            png = os.path.join(out, ipc.replace(".json", "-hotpaths.png"))
            if ipc_chart(os.path.join(out, ipc), png):
                said.append(f"chart: {png}")
            break
    return said


def charts(json_path):
    """draw(), with Debian's python3 if this one has no matplotlib (a python3 of its own earlier in PATH)."""
    try:
        import matplotlib  # noqa: F401
        return draw(json_path)
    except ImportError:
        pass
    debian = "/usr/bin/python3"
    if os.path.realpath(sys.executable) != os.path.realpath(debian) and os.path.exists(debian):
        done = subprocess.run([debian, os.path.abspath(__file__), "--draw", json_path], capture_output=True, text=True)
        if done.returncode == 0:
            return done.stdout.splitlines()
        return [f"bench compare: charts: {debian} failed: {done.stderr.strip()[-500:]}"]
    return ["bench compare: charts: python3-matplotlib is not installed (tools/proteus setup)"]


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--draw":
        for message in draw(sys.argv[2]):
            print(message)
        return 0
    p = argparse.ArgumentParser()
    p.add_argument("--kernel", required=True, help="Proteus's kernel ELF")
    p.add_argument("--image", required=True, help="the lx system image with cmpbench (cmpbench.dtb)")
    p.add_argument("--cmpbench", required=True)
    p.add_argument("--sqlbench", required=True)
    p.add_argument("--scripts", required=True, help="bench/compare, for shell.sh and storm.sh")
    p.add_argument("--out", required=True, help="the directory for the JSON and the charts")
    p.add_argument("--linux", help="Debian's kernel (default: the newest /boot/vmlinuz-*)")
    p.add_argument("--icount", action="store_true")
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--check", action="store_true")
    p.add_argument("--no-host", action="store_true")
    p.add_argument("--timeout", type=float, default=0, help="seconds for each boot (default 300 quick, 1200)")
    a = p.parse_args()
    if a.runs < 1:
        sys.exit("bench compare: --runs needs a number of runs of at least 1")
    timeout = a.timeout or (300 if a.quick else 1200)
    prog_args = (["insn"] if a.icount else []) + (["quick"] if a.quick else [])
    os.makedirs(a.out, exist_ok=True)
    problems = []

    linux_version = None
    def linux_once():
        return run_linux(a, boot_kernel, initrd, prog_args, timeout)
    try:
        bzimage = find_kernel(a.linux)
        linux_version = os.path.basename(bzimage).replace("vmlinuz-", "")
        vmlinux = extract_vmlinux(bzimage, os.path.join(a.out, "linux"))
        if not vmlinux:
            problems.append(f"Linux: extract vmlinux from {bzimage}: no ELF kernel inside; booting the bzImage")
        boot_kernel = vmlinux or bzimage
        initrd = os.path.join(a.out, "linux", "initramfs.cpio")
        os.makedirs(os.path.dirname(initrd), exist_ok=True)
        linux_initramfs(a, initrd)
        linux = side("Linux", linux_once, a.runs, problems)
    except StepFailed as e:
        problems.append(f"Linux: {e.args[0]}")
        linux = {}
    lx = side("lx", lambda: run_lx(a, prog_args, timeout), a.runs, problems)
    host = {} if a.no_host else run_host(a)

    table_rows = rows(linux, lx, host)
    for line in lines(table_rows):
        print(line)
    print()
    print(table(table_rows, a.icount))
    if problems:
        print()
        for pr in problems:
            print("bench compare: " + pr, file=sys.stderr)
    stem = "compare" + ("-icount" if a.icount else "") + ("-quick" if a.quick else "")
    doc = {"suite": "compare", "accel": "tcg", "icount": a.icount, "quick": a.quick, "runs": a.runs,
           "machine": "QEMU microvm, -cpu max, TCG, 512 MiB, 1 CPU", "linux": linux_version,
           "linux_append": LINUX_APPEND, "host": platform.node(),
           "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "problems": problems,
           "results": table_rows}
    path = os.path.join(a.out, stem + ".json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
    print(f"\nresults: {path}")
    for message in charts(path):
        (print if message.startswith("chart:") else lambda m: print(m, file=sys.stderr))(message)
        if not message.startswith("chart:"):
            problems.append(message)
    if a.check:
        bad = check(table_rows)
        for b in bad:
            print("bench compare: check: " + b, file=sys.stderr)
        return 1 if bad or problems else 0
    return 1 if not linux or not lx else 0


if __name__ == "__main__":
    sys.exit(main())
