#!/usr/bin/env python3
"""Every ABI header must compile on its own, freestanding, as C99 -pedantic, C11 and C++11 (the ABI's
promise to guest kernels written in any of them). Prints TAP, one test per header and language.

Usage: check_headers.py ABI_DIR CC CXX
"""
import os
import subprocess
import sys
import tempfile

MODES = [
    ("C99 -pedantic", "c", ["-std=c99", "-pedantic-errors"]),
    ("C11", "c", ["-std=c11", "-pedantic-errors"]),
    ("C++11", "c++", ["-std=c++11", "-pedantic-errors"]),
]


def main():
    abi, cc, cxx = sys.argv[1:4]
    headers = sorted(os.path.relpath(os.path.join(d, f), abi)
                     for d, _, files in os.walk(abi) for f in files if f.endswith(".h"))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for h in headers:
            for name, lang, flags in MODES:
                src = os.path.join(tmp, "t." + ("cc" if lang == "c++" else "c"))
                with open(src, "w") as f:
                    # Twice: the include guard must work. Nothing else: the header stands alone.
                    f.write(f"#include <{h}>\n#include <{h}>\ntypedef int translation_unit_not_empty;\n")
                cmd = [cxx if lang == "c++" else cc, "-ffreestanding", "-Wall", "-Wextra", "-Werror",
                       *flags, "-I", abi, "-fsyntax-only", src]
                r = subprocess.run(cmd, capture_output=True, text=True)
                results.append((r.returncode == 0, f"{h} compiles alone as {name}", r.stderr))
    print("TAP version 13")
    for i, (ok, name, err) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
        if not ok:
            print("# " + err.strip().replace("\n", "\n# "))
    print(f"1..{len(results)}")
    return 0 if results and all(ok for ok, _, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
