#!/usr/bin/env python3
"""Runs manifest-check over the manifest corpus and prints TAP, one test per .dts file.

Every file in good/ must compile with dtc and be accepted (exit status 0). Every file in bad/ starts with
the line "// expect: <error line>" and must be rejected: exit status 1 and exactly that line on stdout.

    check_corpus.py --dtc DTC --checker MANIFEST_CHECK --corpus DIR
"""
import argparse
import os
import subprocess
import sys
import tempfile

EXPECT = "// expect: "


def expected_line(path):
    """The error line a bad file announces on its first line, or None."""
    with open(path, encoding="utf-8") as f:
        first = f.readline().rstrip("\n")
    return first[len(EXPECT):] if first.startswith(EXPECT) else None


def check(args, kind, path, tmp):
    """Returns a list of diagnostic lines: empty when the file passes."""
    expect = None
    if kind == "bad":
        expect = expected_line(path)
        if expect is None:
            return [f"the first line must be '{EXPECT}<error line>'"]
    dtb = os.path.join(tmp, os.path.basename(path) + ".dtb")
    dtc = subprocess.run([args.dtc, "-I", "dts", "-O", "dtb", "-o", dtb, path],
                         capture_output=True, text=True)
    if dtc.returncode != 0:
        return [f"dtc failed with status {dtc.returncode}"] + dtc.stderr.splitlines()
    run = subprocess.run([args.checker, dtb], capture_output=True, text=True)
    got = run.stdout.rstrip("\n")
    if kind == "good":
        if run.returncode != 0:
            return [f"expected acceptance, got status {run.returncode}", f"got: {got}"] + \
                run.stderr.splitlines()
        return []
    if run.returncode != 1 or got != expect:
        return [f"expected: status 1, {expect}", f"     got: status {run.returncode}, {got}"] + \
            run.stderr.splitlines()
    return []


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtc", required=True)
    parser.add_argument("--checker", required=True)
    parser.add_argument("--corpus", required=True)
    args = parser.parse_args()

    files = []
    for kind in ("good", "bad"):
        folder = os.path.join(args.corpus, kind)
        files += [(kind, os.path.join(folder, n)) for n in sorted(os.listdir(folder)) if n.endswith(".dts")]
    print("TAP version 13")
    print(f"1..{len(files)}")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="manifest-corpus-") as tmp:
        for number, (kind, path) in enumerate(files, 1):
            problems = check(args, kind, path, tmp)
            failed += bool(problems)
            print(f"{'not ok' if problems else 'ok'} {number} - {kind}/{os.path.basename(path)}")
            for line in problems:
                print(f"# {line}")
    if not files:
        print("# no corpus files found")
    return 1 if failed or not files else 0


if __name__ == "__main__":
    sys.exit(main())
