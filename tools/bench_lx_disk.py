#!/usr/bin/env python3
"""bench lx's file-level figure (docs/benchmarks.md): dd of a 64 MiB file from lx's ext2 root, with a cold and
then a warm buffer cache, against dd of 64 MiB of the raw device (/dev/vda) in the same boot, all through
the disk server. The image is made here (mke2fs -d, 4 KiB blocks: busybox and a 64 MiB file of random
bytes) and booted with `tools/proteus lx --disk`. Times come from lx's clock (/proc/uptime, in hundredths
of a second, around each dd). In the same boot, lxbench (bench/lx) times stat(2) of a path 16 directories
deep on the ext2 root, 2,000 times (the name cache's figure: lx.disk_stat_deep_path).

Usage: bench_lx_disk.py --proteus TOOLS/PROTEUS --lxbench LXBENCH --json OUT [--runs N]

Prints `bench lx.disk_<name> median=<ns> min=<ns> unit=ns n=<runs>` and `... unit=MiB/s` lines and a table,
and writes OUT as JSON.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

MIB = 1 << 20
SCRIPT = """t() { read u i < /proc/uptime; echo $((${u%.*} * 100 + 1${u#*.} - 100))0000000; }
a=$(t); dd if=/dev/vda of=/dev/null bs=65536 count=1024 2>/dev/null; b=$(t)
dd if=/big of=/dev/null bs=65536 2>/dev/null; c=$(t)
dd if=/big of=/dev/null bs=65536 2>/dev/null; d=$(t)
echo "raw $((b - a)) cold $((c - b)) warm $((d - c))"
/bin/lxbench stat /DEEP/leaf
""".replace("DEEP", "/".join("d%d" % i for i in range(16)))
LINE = re.compile(r"^raw (\d+) cold (\d+) warm (\d+)$")
STAT = re.compile(r"^bench lx\.stat_path median=(\d+) min=(\d+) unit=ns")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--proteus", required=True)
    p.add_argument("--lxbench", required=True)
    p.add_argument("--json", required=True)
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args()
    env = dict(os.environ, PATH=os.environ.get("PATH", "") + ":/sbin:/usr/sbin")
    samples = {"raw": [], "cold": [], "warm": []}
    stats = []
    with tempfile.TemporaryDirectory(prefix="proteus-bench-disk-") as tmp:
        tree = os.path.join(tmp, "tree")
        os.makedirs(os.path.join(tree, "bin"))
        shutil.copy("/bin/busybox", os.path.join(tree, "bin/busybox"))
        for applet in ("sh", "dd", "echo"):
            os.symlink("/bin/busybox", os.path.join(tree, "bin", applet))
        with open(os.path.join(tree, "big"), "wb") as f:
            f.write(os.urandom(64 * MIB))
        shutil.copy(a.lxbench, os.path.join(tree, "bin/lxbench"))
        deep = os.path.join(tree, *("d%d" % i for i in range(16)))
        os.makedirs(deep)
        open(os.path.join(deep, "leaf"), "w").close()
        image = os.path.join(tmp, "disk.img")
        r = subprocess.run(["mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", "-d", tree, image, "128M"],
                           capture_output=True, text=True, env=env)
        if r.returncode:
            sys.exit(f"bench lx disk: mke2fs failed: {r.stderr.strip()}")
        for _ in range(a.runs):
            r = subprocess.run([a.proteus, "lx", "--disk", image, "--timeout", "600", "--", "sh", "-c", SCRIPT],
                               capture_output=True, text=True, timeout=700)
            lines = r.stdout.strip().splitlines()
            m = LINE.match(lines[0]) if lines else None
            st = STAT.match(lines[1]) if len(lines) > 1 else None
            if r.returncode or not m or not st:
                sys.exit(f"bench lx disk: the run under lx failed ({r.returncode}): {r.stdout}{r.stderr}")
            for key, value in zip(("raw", "cold", "warm"), m.groups()):
                samples[key].append(int(value))
            stats.append(int(st.group(1)))
    results = []
    for key, values in samples.items():
        name = {"raw": "dd_raw_64m", "cold": "dd_file_64m_cold", "warm": "dd_file_64m_warm"}[key]
        med = int(statistics.median(values))
        results.append({"suite": "lx", "name": f"disk_{name}", "median": med, "min": min(values), "unit": "ns",
                        "n": len(values)})
        results.append({"suite": "lx", "name": f"disk_{name}_rate", "median": int(64 * 1e9 / med),
                        "min": int(64 * 1e9 / max(values)), "unit": "MiB/s", "n": len(values)})
    raw = statistics.median(samples["raw"])
    for key in ("cold", "warm"):
        results.append({"suite": "lx", "name": f"disk_ratio_file_{key}_to_raw", "median": round(raw / statistics.median(samples[key]), 3),
                        "min": 0, "unit": "ratio", "n": len(samples[key])})
    results.append({"suite": "lx", "name": "disk_stat_deep_path", "median": int(statistics.median(stats)),
                    "min": min(stats), "unit": "ns", "n": len(stats)})
    for r in results:
        print(f"bench lx.{r['name']} median={r['median']} min={r['min']} unit={r['unit']} n={r['n']}")
    print(f"\n| dd of 64 MiB under lx (TCG) | median | rate |\n|---|---|---|")
    for key, label in (("raw", "raw /dev/vda"), ("cold", "file on ext2, cold cache"), ("warm", "file on ext2, again")):
        med = statistics.median(samples[key])
        print(f"| {label} | {med / 1e9:.2f} s | {64 * 1e9 / med:.1f} MiB/s |")
    print(f"| stat(2) of a path 16 directories deep on ext2 | {statistics.median(stats) / 1e3:.1f} us | |")
    with open(a.json, "w") as f:
        json.dump({"suite": "lx-disk", "results": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
