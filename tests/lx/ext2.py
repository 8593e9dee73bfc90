#!/usr/bin/env python3
"""lx's ext2: its root on an ext2 disk, a second disk mounted and unmounted, damaged file systems refused,
and the file-touching programs of the differential test run on the ext2 root. The disks are slices of one
image (tests/lx/lx-ext2.dts): vda (64 MiB, the root, made by mke2fs -d from a tree like the initramfs),
vdb (8 MiB), vdc and vdd (1 MiB). After every boot the host checks each file system with Debian's
e2fsprogs: `e2fsck -fn` must find it clean (and marked clean: lx's shutdown unmounts), and debugfs must
show exactly the files, sizes, modes, owners and contents the test wrote. Prints TAP.

Usage: ext2.py --lx LX.PY --kernel ELF --image DTB --image-two DTB --progs DIR [--libc musl]... [--only TEST]...
"""
import argparse
import calendar
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import differential  # noqa: E402  (its cases and its native runs)

MIB = 1 << 20
SLICES = [("vda", 0, 64), ("vdb", 64, 8), ("vdc", 72, 1), ("vdd", 73, 1)]
ENV = dict(os.environ, PATH=os.environ.get("PATH", "") + ":/sbin:/usr/sbin")
# The differential cases that touch files (argv[0] "@x" is a program of tests/lx/progs).
FS_CASES = [c for c in differential.CASES
            if c[0] in ("@files", "@args", "@spawn", "@mapshared") or
            (not c[0].startswith("@") and c[0] not in ("echo", "printf", "true", "false", "seq", "expr", "basename") and
             c[:2] not in (["sh", "shell/jobs.sh"], ["sh", "shell/status.sh"]))]

failures = 0
number = 0


def result(ok, name, detail=""):
    global failures, number
    number += 1
    print(f"{'ok' if ok else 'not ok'} {number} - {name}")
    if not ok:
        failures += 1
        for line in detail.strip().splitlines()[-40:]:
            print(f"  # {line}")
    sys.stdout.flush()


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, env=ENV, **kw)


def mkfs(path, mib, tree=None):
    cmd = ["mke2fs", "-q", "-F", "-t", "ext2", "-b", "1024"] + (["-d", tree] if tree else []) + [path, f"{mib}M"]
    r = run(cmd)
    if r.returncode:
        sys.exit(f"ext2.py: mke2fs failed: {r.stderr}")


def assemble(parts, out):
    """One disk image of the slices' images (a missing one is zeros)."""
    with open(out, "wb") as f:
        for name, _, mib in SLICES:
            data = open(parts[name], "rb").read() if name in parts else b""
            f.write(data[:mib * MIB].ljust(mib * MIB, b"\0"))


def split(disk, folder):
    """Each slice of the disk image as a file of its own."""
    parts = {}
    with open(disk, "rb") as f:
        for name, off, mib in SLICES:
            f.seek(off * MIB)
            parts[name] = os.path.join(folder, name + ".img")
            with open(parts[name], "wb") as g:
                g.write(f.read(mib * MIB))
    return parts


def fsck(image):
    """'' if e2fsck -fn finds the file system clean and marked clean, else what it said."""
    r = run(["e2fsck", "-fn", image])
    state = re.search(r"Filesystem state:\s*(\S+)", run(["dumpe2fs", "-h", image]).stdout)
    if r.returncode == 0 and state and state.group(1) == "clean":
        return ""
    return f"e2fsck status {r.returncode}, state {state.group(1) if state else '?'}\n{r.stdout}{r.stderr}"


def debugfs(image, request):
    return run(["debugfs", "-R", request, image]).stdout


def stat_of(image, path):
    """Mode, links, uid, gid, size and mtime (seconds) of path as debugfs shows them."""
    text = debugfs(image, f"stat {path}")
    mode = re.search(r"Mode:\s*(\d+)", text)
    links = re.search(r"Links:\s*(\d+)", text)
    user = re.search(r"User:\s*(\d+)\s+Group:\s*(\d+)", text)
    size = re.search(r"Size:\s*(\d+)", text)
    if not (mode and links and user and size):
        return None
    return (int(mode.group(1), 8), int(links.group(1)), int(user.group(1)), int(user.group(2)),
            int(size.group(1)))


def lx(a, disk, script, root=True, cmdline=(), power_off=None, image=None):
    """Run sh -c script under lx with the disk (or disks: a list): status, stdout lines, stderr, lx's
    console notes. power_off: the system ends as a power loss would once the output holds that text."""
    with tempfile.TemporaryDirectory() as d:
        report = os.path.join(d, "report.txt")
        disks = [w for path in (disk if isinstance(disk, list) else [disk]) for w in ("--disk", path)]
        cmd = [sys.executable, a.lx, "--kernel", a.kernel, "--image", image or a.image] + disks + [
               "--timeout", "300", "--report", report] + (["--cmdline", "lx.root=/dev/vda"] if root else [])
        cmd += ["--power-off", power_off] if power_off else []
        for word in cmdline:
            cmd += ["--cmdline", word]
        cmd += ["--", "sh", "-c", script]
        r = subprocess.run(cmd, capture_output=True, text=True)
        notes = open(report).read() if os.path.exists(report) else ""
    return r.returncode, r.stdout.splitlines(), r.stderr, notes


def root_tree(a, folder):
    """The root file system's tree: busybox and its links, the test programs, data and scripts."""
    tree = os.path.join(folder, "tree")
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "tmp", "etc", "root", "mnt", "t", "dev", "proc"):
        os.makedirs(os.path.join(tree, d), exist_ok=True)
    shutil.copy("/bin/busybox", os.path.join(tree, "bin/busybox"))
    for applet in run(["/bin/busybox", "--list-full"]).stdout.split():
        path = os.path.join(tree, applet)
        if applet != "bin/busybox" and not os.path.lexists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            os.symlink("/bin/busybox", path)
    for name in sorted(os.listdir(a.progs)):
        if any(name.endswith("-" + libc) for libc in a.libc) and os.access(os.path.join(a.progs, name), os.X_OK):
            shutil.copy(os.path.join(a.progs, name), os.path.join(tree, "t", name))
    shutil.copytree(os.path.join(HERE, "data"), os.path.join(tree, "data"), symlinks=True)
    shutil.copytree(os.path.join(HERE, "shell"), os.path.join(tree, "shell"))
    return tree


LONG = "/w/deep/a/b/c/d/" + "x" * 70  # a slow symlink's target (60 bytes or more: in a block)
WRITE = f"""set -e
mkdir /w; cd /w
echo hello > small
dd if=/dev/urandom of=big bs=65536 count=48 2>/dev/null
md5sum big | cut -d ' ' -f 1
mkdir -p deep/a/b/c/d; echo leaf > deep/a/b/c/d/leaf
ln -s small fast; ln -s {LONG} slow; ln small hard
chmod 640 small; chown 5:6 small; touch -d '2001-02-03 04:05:06' small
printf abcdefghij > trunc; truncate -s 4 trunc
dd if=/dev/zero of=sparse bs=1 count=1 seek=5000000 2>/dev/null
echo x > gone; rm gone
mkdir many; i=0; while [ $i -lt 300 ]; do echo $i > many/f$i; i=$((i + 1)); done
mv many/f0 many/renamed; ls many | wc -l
/t/mapfile-{{libc}} big
/t/args-{{libc}} run from ext2
sync
"""


def test_write(a, tmp, disk, parts):
    libc = a.libc[0]
    code, out, err, notes = lx(a, disk, WRITE.replace("{libc}", libc))
    parts = split(disk, tmp)
    vda = parts["vda"]
    bad = fsck(vda)
    result(code == 0 and len(out) >= 2 and out[1] == "300" and not bad,
           "files of every kind written on the ext2 root; e2fsck -fn finds it clean",
           f"status {code}\n{out}\n{err}\n{bad}\n{notes}")
    dump = os.path.join(tmp, "dump")
    shutil.rmtree(dump, ignore_errors=True)
    os.makedirs(dump)
    run(["debugfs", "-R", f"rdump /w {dump}", vda])
    w = os.path.join(dump, "w")

    def read(name):
        try:
            return open(os.path.join(w, name), "rb").read()
        except OSError:
            return None
    big = read("big")
    problems = []
    if not big or len(big) != 48 * 65536 or hashlib.md5(big).hexdigest() != (out[0] if out else ""):
        problems.append(f"big: {len(big) if big else None} bytes, md5 differs from lx's {out[:1]}")
    if read("small") != b"hello\n":
        problems.append(f"small holds {read('small')!r}")
    if read("trunc") != b"abcd":
        problems.append(f"trunc holds {read('trunc')!r}")
    sparse = read("sparse")
    if sparse is None or len(sparse) != 5000001 or sparse.count(0) != len(sparse):
        problems.append("sparse: not 5000001 zero bytes")
    if read("deep/a/b/c/d/leaf") != b"leaf\n":
        problems.append("deep/a/b/c/d/leaf")
    names = sorted(os.listdir(os.path.join(w, "many"))) if os.path.isdir(os.path.join(w, "many")) else []
    want = sorted(["renamed"] + [f"f{i}" for i in range(1, 300)])
    if names != want:
        problems.append(f"many holds {len(names)} names, not f1..f299 and renamed")
    elif read("many/renamed") != b"0\n" or read("many/f299") != b"299\n":
        problems.append("many/renamed or many/f299 holds the wrong bytes")
    if os.path.lexists(os.path.join(w, "gone")):
        problems.append("gone is still there")
    for link, target in (("fast", "small"), ("slow", LONG)):
        got = debugfs(vda, f"stat /w/{link}")
        if f'Fast link dest: "{target}"' not in got and target not in run(["debugfs", "-R", f"cat /w/{link}", vda]).stdout:
            problems.append(f"symlink {link} does not lead to {target}")
    st = stat_of(vda, "/w/small")
    if st != (0o640, 2, 5, 6, 6):
        problems.append(f"small: mode, links, uid, gid, size {st}")
    mt = re.search(r"mtime: (0x[0-9a-f]+)", debugfs(vda, "stat /w/small"))
    if not mt or int(mt.group(1), 16) != calendar.timegm((2001, 2, 3, 4, 5, 6)):
        problems.append(f"small's mtime {mt.group(1) if mt else '?'} is not 2001-02-03 04:05:06 UTC")
    mapped = out[2] if len(out) > 2 else ""
    m = re.match(r"size (\d+) mapped (\w+) read (\w+)$", mapped)
    if not m or m.group(1) != str(48 * 65536) or m.group(2) != m.group(3) or out[3:4] != ["private copy changed, file unchanged"]:
        problems.append(f"mapfile said {out[2:4]}")
    if "argv[3] ext2" not in out[4:]:
        problems.append(f"args (a program on ext2) said {out[4:]}")
    result(not problems, "debugfs shows the files, sizes, modes, owners, links and contents lx wrote; "
           "a private mapping and a program run from ext2", "\n".join(problems))
    return out[0] if out else ""


def test_persist(a, tmp, disk, md5):
    script = ("cat /w/small; md5sum /w/big | cut -d ' ' -f 1; cat /w/deep/a/b/c/d/leaf; readlink /w/slow; "
              "stat -c '%a %u %g %h %s %X %Y' /w/small; stat -c '%s %b' /w/sparse; "
              "rm -r /w/many /w/big /w/hard; stat -c %h /w/small")
    blocks = re.search(r"Blockcount:\s*(\d+)", debugfs(split(disk, tmp)["vda"], "stat /w/sparse"))
    code, out, err, notes = lx(a, disk, script)
    parts = split(disk, tmp)
    bad = fsck(parts["vda"])
    when = calendar.timegm((2001, 2, 3, 4, 5, 6))
    want = ["hello", md5, "leaf", LONG, f"640 5 6 2 6 {when} {when}",
            f"5000001 {blocks.group(1) if blocks else '?'}", "1"]
    gone = "many" not in debugfs(parts["vda"], "ls /w") and "big" not in debugfs(parts["vda"], "ls /w")
    result(code == 0 and out == want and not bad and gone,
           "a second boot of the same image reads what the first wrote; removals free cleanly",
           f"status {code}\ngot {out}\nwant {want}\n{err}\n{bad}\n{notes}")


def test_mount(a, tmp, disk):
    script = ("mkdir -p /mnt/two && mount -t ext2 /dev/vdb /mnt/two && echo second > /mnt/two/f && "
              "mkdir /mnt/two/d && grep vdb /proc/mounts && stat -f -c '%t %S %f %c %d' /mnt/two && "
              "df /mnt/two | tail -n 1 | cut -c 1-8 && sync && umount /mnt/two && test ! -e /mnt/two/f && echo unmounted")
    code, out, err, notes = lx(a, disk, script)
    parts = split(disk, tmp)
    vdb = parts["vdb"]
    bad = fsck(vdb) or fsck(parts["vda"])
    head = run(["dumpe2fs", "-h", vdb]).stdout

    def field(name):
        m = re.search(rf"^{name}:\s*(\d+)", head, re.M)
        return m.group(1) if m else "?"
    figures = f"ef53 1024 {field('Free blocks')} {field('Inode count')} {field('Free inodes')}"
    want = ["/dev/vdb /mnt/two ext2 rw 0 0", figures, "/dev/vdb", "unmounted"]
    content = run(["debugfs", "-R", "cat /f", vdb]).stdout
    result(code == 0 and out == want and not bad and content == "second\n",
           "mount -t ext2 of a second disk, /proc/mounts, statfs's real figures, umount; its files on the disk",
           f"status {code}\ngot {out}\nwant {want}\n/f holds {content!r}\n{err}\n{bad}\n{notes}")


def test_restarts(a, tmp, disk):
    """The disk server crashes (blk.crash=N,K: after N writes, in each of its first K lives; the manifest
    restarts it) while lx
    writes: its restarts are invisible to the processes, and everything lx wrote is there."""
    script = ("mkdir /r; i=0; while [ $i -lt 6 ]; do dd if=/dev/urandom of=/r/f$i bs=65536 count=8 2>/dev/null; "
              "sync; i=$((i + 1)); done; md5sum /r/f0 /r/f1 /r/f2 /r/f3 /r/f4 /r/f5 | cut -d ' ' -f 1")
    code, out, err, notes = lx(a, disk, script, cmdline=["blk.crash=25,2"])
    parts = split(disk, tmp)
    bad = fsck(parts["vda"])
    dump = os.path.join(tmp, "restarts")
    shutil.rmtree(dump, ignore_errors=True)
    os.makedirs(dump)
    run(["debugfs", "-R", f"rdump /r {dump}", parts["vda"]])
    got = []
    for i in range(6):
        try:
            got.append(hashlib.md5(open(os.path.join(dump, "r", f"f{i}"), "rb").read()).hexdigest())
        except OSError:
            got.append(None)
    crashes = notes.count("blk: crashing on purpose")
    result(code == 0 and len(out) == 6 and out == got and not bad and crashes == 2,
           "the disk server crashes twice while lx writes: the processes do not notice, e2fsck is clean "
           "and every file holds what lx wrote",
           f"{notes[-1500:]}\n{err}\n{bad}\nstatus {code}, {crashes} crashes\nlx {out}\ndisk {got}")


def damage(tmp):
    """Two damaged 1 MiB file systems: vdc with a bad magic, vdd with a group's bitmap outside the disk."""
    vdc, vdd = os.path.join(tmp, "bad-magic.img"), os.path.join(tmp, "bad-group.img")
    mkfs(vdc, 1)
    mkfs(vdd, 1)
    with open(vdc, "r+b") as f:
        f.seek(1024 + 56)
        f.write(b"\0\0")
    with open(vdd, "r+b") as f:
        f.seek(2048)  # the group descriptors, in the block after the superblock (1 KiB blocks)
        f.write(struct.pack("<I", 0x7fffffff))
    return vdc, vdd


MAPPED = bytes((i * 13 + 7) & 255 for i in range(5 * 4096 + 123))  # what tests/lx/progs/mapwrite.c stores


def fsck_after_crash(image):
    """'' if a file system left by a power loss holds nothing worse than ext2 without a journal may leave:
    e2fsck -fy (on a copy) repairs it, a second e2fsck -fn finds it clean; else what e2fsck said."""
    copy = image + ".repaired"
    shutil.copy(image, copy)
    first = run(["e2fsck", "-fy", copy])
    second = run(["e2fsck", "-fn", copy])
    os.unlink(copy)
    if first.returncode in (0, 1) and second.returncode == 0:
        return ""
    return f"e2fsck -fy status {first.returncode}:\n{first.stdout}\ne2fsck -fn after it: {second.returncode}\n{second.stdout}"


def test_mapped(a, tmp, disk):
    """Stores through a MAP_SHARED mapping reach the disk: one process ends without msync or munmap (its
    pages are written back when its mapping goes; sync then has them on the disk), another msyncs
    (MS_SYNC) and the system loses its power at once: both files must hold every byte stored."""
    libc = a.libc[0]
    script = f"/t/mapwrite-{libc} /ma exit && sync && /t/mapwrite-{libc} /mb msync"
    code, out, err, notes = lx(a, disk, script, power_off="synced")
    parts = split(disk, tmp)
    got = {f: run_bytes(["debugfs", "-R", f"cat {f}", parts["vda"]]) for f in ("/ma", "/mb")}
    bad = fsck_after_crash(parts["vda"])
    wrong = [f"{f}: {len(b)} bytes, {'same' if b == MAPPED else 'not the bytes stored'}" for f, b in got.items()
             if b != MAPPED]
    result(code == 0 and out == ["synced"] and not wrong and not bad,
           "stores through shared mappings are on the disk after exit and sync, and after msync(MS_SYNC) "
           "when the power is lost right after it",
           f"status {code}\n{out}\n{wrong}\n{err}\n{bad}\n{notes}")
    # The next boot finds the file system not clean (a power loss): e2fsck repairs what it must.
    run(["e2fsck", "-fy", parts["vda"]])
    assemble({"vda": parts["vda"], "vdb": parts["vdb"]}, disk)


def test_power_loss(a, tmp, disk):
    """The power is lost while lx writes: files are written with fsync, then others without, in new
    directories, with older ones removed (write-back of more than 1 MiB of dirty pages is under way), and
    the power goes after the sixth of those. Every file whose fsync returned must hold what was written,
    and e2fsck must find nothing worse than what a crash of ext2 without a journal may leave (typically
    block bitmap differences, wrong free counts, an inode's size behind its blocks: docs/ext2.md)."""
    script = ("mkdir /p /q; i=0; while [ $i -lt 6 ]; do "
              "dd if=/dev/urandom of=/p/f$i bs=4096 count=24 conv=fsync 2>/dev/null; "
              "echo fsynced f$i $(md5sum /p/f$i | cut -d ' ' -f 1); i=$((i + 1)); done; "
              "j=0; while :; do mkdir -p /q/d$j; dd if=/dev/urandom of=/q/d$j/u bs=4096 count=300 2>/dev/null; "
              "echo wrote u$j; rm -rf /q/d$((j - 2)); j=$((j + 1)); done")
    code, out, err, notes = lx(a, disk, script, power_off="wrote u5")
    parts = split(disk, tmp)
    bad = fsck_after_crash(parts["vda"])
    repaired = parts["vda"] + ".fixed"
    shutil.copy(parts["vda"], repaired)
    run(["e2fsck", "-fy", repaired])
    lost = []
    for line in out:
        m = re.match(r"fsynced (f\d+) ([0-9a-f]{32})$", line)
        if not m:
            continue
        for image, when in ((parts["vda"], "as left"), (repaired, "after e2fsck -fy")):
            data = run_bytes(["debugfs", "-R", f"cat /p/{m.group(1)}", image])
            if hashlib.md5(data).hexdigest() != m.group(2):
                lost.append(f"/p/{m.group(1)} {when}: {len(data)} bytes, not what was fsynced")
    synced = sum(1 for line in out if line.startswith("fsynced "))
    result(code == 0 and synced >= 6 and not lost and not bad,
           "power lost while lx writes: every fsynced file is intact and e2fsck repairs the rest",
           f"status {code}\n{out}\n{lost}\n{err}\n{bad}\n{notes}")
    run(["e2fsck", "-fy", parts["vda"]])
    assemble({"vda": parts["vda"], "vdb": parts["vdb"]}, disk)


def test_gone(a, tmp, disk):
    """The disk server crashes for good (blk.crash=25,10: it crashes after 25 writes in each life, and the
    manifest restarts it three times at most) while lx writes with fsync: lx takes the disk as gone after
    20 s without an answer, the calls waiting for it and every later one fail with EIO, other processes
    go on, and lx ends normally (saying it could not write everything back)."""
    gone = os.path.join(tmp, "gone.img")
    shutil.copy(disk, gone)
    script = ("mkdir /g; i=0; while [ $i -lt 60 ]; do dd if=/dev/zero of=/g/f$i bs=65536 count=4 conv=fsync "
              "2>/dev/null || break; i=$((i + 1)); done; echo stopped $([ $i -lt 60 ] && echo early); "
              "echo hello | (read x; echo pipe $x); echo > /g/after 2>/dev/null || echo write failed; echo alive")
    code, out, err, notes = lx(a, gone, script, cmdline=["blk.crash=25,10"])
    os.unlink(gone)
    said = "taken as gone; its I/O fails with EIO" in notes
    result(code == 0 and out == ["stopped early", "pipe hello", "write failed", "alive"] and said,
           "a disk server gone for good: lx gives up on the disk after 20 s, its I/O fails with EIO at once "
           "from then on, other processes go on and lx ends normally",
           f"status {code}\n{out}\n{err}\n{notes[-3000:]}")


def test_two_disks(a, tmp, tree):
    """Two physical disks (tests/lx/lx-ext2-two.dts): the disk server drives both virtio-blk devices, the
    root on the first and the second mounted at /mnt/vdb (lx.mount=); both written, both clean after."""
    first, second = os.path.join(tmp, "two-a.img"), os.path.join(tmp, "two-b.img")
    mkfs(first, 64, tree)
    mkfs(second, 8)
    script = ("grep vd /proc/mounts; echo on-a > /a; echo on-b > /mnt/vdb/b; "
              "dd if=/dev/urandom of=/mnt/vdb/big bs=65536 count=16 2>/dev/null; cp /mnt/vdb/big /big; "
              "cmp /big /mnt/vdb/big && echo same")
    code, out, err, notes = lx(a, [first, second], script, image=a.image_two,
                               cmdline=["lx.mount=/dev/vdb:/mnt/vdb"])
    bad = fsck(first) or fsck(second)
    a_big = run_bytes(["debugfs", "-R", "cat /big", first])
    b_big = run_bytes(["debugfs", "-R", "cat /big", second])
    files = (run_bytes(["debugfs", "-R", "cat /a", first]) == b"on-a\n" and
             run_bytes(["debugfs", "-R", "cat /b", second]) == b"on-b\n" and len(a_big) == 16 * 65536 and
             a_big == b_big)
    want = ["/dev/vda / ext2 rw 0 0", "/dev/vdb /mnt/vdb ext2 rw 0 0", "same"]
    result(code == 0 and out == want and files and not bad,
           "two disks on one disk server: the root on the first, the second at /mnt/vdb; both written and "
           "e2fsck -fn clean",
           f"status {code}\ngot {out}\nfiles right: {files}\n{err}\n{bad}\n{notes}")


def run_bytes(cmd):
    return subprocess.run(cmd, capture_output=True, env=ENV).stdout


def test_bad(a, tmp, good_root):
    vdc, vdd = damage(tmp)
    disk = os.path.join(tmp, "bad.img")
    assemble({"vda": good_root, "vdc": vdc, "vdd": vdd}, disk)
    script = ("mkdir -p /mnt/bad; mount -t ext2 /dev/vdc /mnt/bad 2>/dev/null; echo vdc $?; "
              "mount -t ext2 /dev/vdd /mnt/bad 2>/dev/null; echo vdd $?; ls /mnt/bad | wc -l; echo alive")
    code, out, err, notes = lx(a, disk, script)
    said = "ext2: bad superblock magic" in notes and "descriptor points outside the file system" in notes
    refused = len(out) == 4 and out[0] not in ("vdc 0", "vdc") and out[1] not in ("vdd 0", "vdd")
    result(code == 0 and refused and out[2:] == ["0", "alive"] and said,
           "damaged file systems are refused by mount with a message naming what is wrong, and lx goes on",
           f"status {code}\ngot {out}\n{err}\n{notes}")
    # A root that cannot be mounted: lx says so and the initramfs is the root.
    assemble({"vda": vdc}, disk)
    code, out, err, notes = lx(a, disk, "cat /proc/mounts | head -n 1; echo alive")
    result(code == 0 and out == ["tmpfs / tmpfs rw 0 0", "alive"] and "cannot mount /dev/vda as the root" in notes,
           "a root disk that is not a sound ext2 file system: lx says why and the initramfs is the root",
           f"status {code}\ngot {out}\n{err}\n{notes}")


def test_differential(a, tmp, tree):
    """The file-touching cases of the differential test, with the root on ext2."""
    root = os.path.join(tmp, "diff-root.img")
    mkfs(root, 64, tree)
    disk = os.path.join(tmp, "diff.img")
    assemble({"vda": root}, disk)
    for argv in FS_CASES:
        for libc in (a.libc if argv[0].startswith("@") else ["busybox"]):
            want = differential.native(argv, a.progs, libc)
            guest = [f"/t/{argv[0][1:]}-{libc}" if argv[0].startswith("@") else argv[0]] + argv[1:]
            script = "cd / && exec " + " ".join("'" + w.replace("'", "'\\''") + "'" for w in guest)
            code, out, err, notes = lx(a, disk, script)
            got = ("".join(line + "\n" for line in out), err, code)
            extra = differential.unexplained(notes)
            name = f"on ext2: {libc}: {' '.join(argv).lstrip('@')}"
            same = got[0] == want[0] and got[1] == want[1] and got[2] == want[2] and not extra
            result(same, name, f"native: {want}\nunder lx: {got}\n{notes}")
    bad = fsck(split(disk, tmp)["vda"])
    result(not bad, "the ext2 root is clean after the differential runs", bad)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lx", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--progs", required=True)
    p.add_argument("--image-two", required=True, help="the system with two physical disks (lx-ext2-two.dtb)")
    p.add_argument("--libc", action="append", default=[])
    p.add_argument("--only", action="append", default=[], help="run only these tests (by function name, "
                   "without test_: write, persist, mount, mapped, power_loss, restarts, gone, two_disks, bad, differential)")
    a = p.parse_args()
    a.libc = a.libc or ["glibc"]
    cases = sum(len(a.libc) if c[0].startswith("@") else 1 for c in FS_CASES)

    def want(name):
        return not a.only or name in a.only or (name == "write" and "persist" in a.only)
    print("TAP version 13")
    print("1..%d" % (sum(n for name, n in (("write", 2), ("persist", 1), ("mount", 1), ("mapped", 1),
                                            ("power_loss", 1), ("restarts", 1), ("gone", 1), ("two_disks", 1), ("bad", 2),
                                            ("differential", cases + 1)) if want(name))))
    with tempfile.TemporaryDirectory() as tmp:
        tree = root_tree(a, tmp)
        root, second = os.path.join(tmp, "root.img"), os.path.join(tmp, "second.img")
        mkfs(root, 64, tree)
        mkfs(second, 8)
        disk = os.path.join(tmp, "disk.img")
        assemble({"vda": root, "vdb": second}, disk)
        if want("write") or want("persist"):
            md5 = test_write(a, tmp, disk, None)
            if want("persist"):
                test_persist(a, tmp, disk, md5)
        if want("mount"):
            test_mount(a, tmp, disk)
        if want("mapped"):
            test_mapped(a, tmp, disk)
        if want("power_loss"):
            test_power_loss(a, tmp, disk)
        if want("restarts"):
            test_restarts(a, tmp, disk)
        if want("gone"):
            test_gone(a, tmp, disk)
        if want("two_disks"):
            test_two_disks(a, tmp, tree)
        if want("bad"):
            test_bad(a, tmp, root)
        if want("differential"):
            test_differential(a, tmp, tree)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
