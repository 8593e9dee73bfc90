#!/usr/bin/env python3
"""Unit tests of bench compare's parser, run combination, lines, table and check (tools/bench_compare.py)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_compare as bc  # noqa: E402

LINUX = """\
[    0.090244] PCI: Fatal: No config space access function found
cmpbench null_call median=346 min=346 unit=insn n=31
cmpbench unix_lat median=23897 min=21458 unit=insn n=21
cmpbench fork_exit median=256525 min=252296 unit=insn n=11
cmpbench done
"""
LX = """\
cmpbench null_call median=2122 min=2100 unit=insn n=31 asw=2.00
cmpbench unix_lat failed: socketpair(AF_UNIX, SOCK_STREAM): Address family not supported by protocol
cmpbench fork_exit median=450764 min=450000 unit=insn n=11 asw=31.50
"""


class Parse(unittest.TestCase):
    def test_results_failures_and_the_end(self):
        r, done = bc.parse(LINUX)
        self.assertTrue(done)
        self.assertEqual(r["null_call"], {"median": 346, "min": 346, "unit": "insn", "n": 31})
        self.assertEqual(set(r), {"null_call", "unix_lat", "fork_exit"})
        r, done = bc.parse(LX)
        self.assertFalse(done)
        self.assertEqual(r["null_call"]["asw"], 2.0)
        self.assertEqual(r["unix_lat"], {"failed": "socketpair(AF_UNIX, SOCK_STREAM): Address family not supported "
                                                   "by protocol"})

    def test_a_console_prefix_and_carriage_return(self):
        r, _ = bc.parse("\x1b[32m[lx ]\x1b[0m cmpbench stat median=10 min=9 unit=ns n=3\r\n")
        self.assertEqual(r["stat"]["median"], 10)

    def test_garbage_is_not_a_result(self):
        r, done = bc.parse("cmpbench stat median=x min=1 unit=ns n=3\ncmpbench\nbench lx.stat median=1\n")
        self.assertEqual(r, {})
        self.assertFalse(done)


class Combine(unittest.TestCase):
    def test_median_of_medians_and_least_minimum(self):
        runs = [{"a": {"median": 10, "min": 8, "unit": "ns", "n": 3, "asw": 2.0}},
                {"a": {"median": 30, "min": 9, "unit": "ns", "n": 3, "asw": 4.0}},
                {"a": {"median": 20, "min": 7, "unit": "ns", "n": 3, "asw": 3.0}}]
        self.assertEqual(bc.combine(runs)["a"], {"median": 20, "min": 7, "unit": "ns", "n": 9, "asw": 3.0})

    def test_a_failure_in_any_run_fails_it(self):
        runs = [{"a": {"median": 10, "min": 8, "unit": "ns", "n": 3}}, {"a": {"failed": "no"}}, {}]
        self.assertEqual(bc.combine(runs)["a"], {"failed": "no"})
        runs = [{"a": {"median": 10, "min": 8, "unit": "ns", "n": 3}}, {}]
        self.assertEqual(bc.combine(runs)["a"], {"failed": "not reported"})


class Rows(unittest.TestCase):
    def setUp(self):
        self.rows = bc.rows(bc.parse(LINUX)[0], bc.parse(LX)[0])
        self.by = {r["name"]: r for r in self.rows}

    def test_ratio_only_where_both_sides_ran(self):
        self.assertEqual(self.by["null_call"]["ratio"], round(2122 / 346, 2))
        self.assertIsNone(self.by["unix_lat"]["ratio"])
        self.assertIsNone(self.by["stat"]["ratio"])  # reported by neither side
        self.assertEqual(self.by["stat"]["lx"], {"failed": "not reported"})

    def test_no_ratio_across_units(self):
        r = bc.rows({"x": {"median": 1, "min": 1, "unit": "ns", "n": 1}},
                    {"x": {"median": 5, "min": 5, "unit": "insn", "n": 1}})
        self.assertIsNone(next(x for x in r if x["name"] == "x")["ratio"])

    def test_every_benchmark_has_a_row_in_order(self):
        self.assertEqual([r["name"] for r in self.rows], bc.NAMES)

    def test_lines(self):
        out = {l.split()[1]: l for l in bc.lines(self.rows)}
        self.assertEqual(out["compare.null_call"],
                         f"bench compare.null_call linux=346 lx=2122 ratio={round(2122 / 346, 2)} unit=insn lx_asw=2")
        self.assertEqual(out["compare.unix_lat"], "bench compare.unix_lat linux=23897 lx=failed ratio=- unit=insn")
        self.assertEqual(out["compare.stat"], "bench compare.stat linux=failed lx=failed ratio=- unit=-")
        self.assertNotIn("ratio=0", "\n".join(out.values()))

    def test_table(self):
        text = bc.table(self.rows, icount=True)
        head, *body = text.splitlines()
        self.assertIn("Linux insn", head)
        fork = next(l for l in body if l.startswith("fork_exit "))
        self.assertEqual(fork.split()[:5], ["fork_exit", "256525", "450764", str(round(450764 / 256525, 2)), "31.5"])
        self.assertIn("not met (<= 1.5x)", fork)
        self.assertTrue(next(l for l in body if l.startswith("null_call ")).endswith("  not met (<= 3x)"))
        self.assertIn("failed on lx: unix_lat: socketpair", text)
        self.assertNotIn("goal", bc.table(self.rows, icount=False))

    def test_goal_is_met_at_the_limit_and_not_past_it(self):
        self.assertTrue(bc.goal({"name": "fork_exit", "ratio": 1.5}).startswith("met"))
        self.assertTrue(bc.goal({"name": "fork_exit", "ratio": 1.51}).startswith("not met"))
        self.assertEqual(bc.goal({"name": "fork_exit", "ratio": None}), "not met (failed)")
        self.assertEqual(bc.goal({"name": "stat", "ratio": 9}), "")

    def test_check(self):
        problems = bc.check(self.rows)
        # lx has AF_UNIX sockets: unix_lat failing is a problem now, not a known gap
        self.assertIn("unix_lat: lx: socketpair(AF_UNIX, SOCK_STREAM): Address family not supported by protocol",
                      problems)
        self.assertIn("stat: Linux: not reported", problems)
        self.assertIn("stat: lx: not reported", problems)
        full = {n: {"median": 1, "min": 1, "unit": "ns", "n": 1} for n in bc.NAMES}
        self.assertEqual(bc.check(bc.rows(full, full)), [])
        lx = dict(full, fork_exit={"failed": "fork: ENOMEM"})
        self.assertEqual(bc.check(bc.rows(full, lx)), ["fork_exit: lx: fork: ENOMEM"])
        lx = dict(full, unix_lat={"failed": "not reported"})
        self.assertEqual(bc.check(bc.rows(full, lx)), ["unix_lat: lx: not reported"])
        lx = dict(full, ctx_16={"failed": "fork: EAGAIN"})
        self.assertEqual(bc.check(bc.rows(full, lx)), [])  # a known gap in lx


class LinuxSteps(unittest.TestCase):
    def test_a_missing_kernel_names_the_step(self):
        with self.assertRaises(bc.StepFailed) as e:
            bc.find_kernel("/nonexistent/vmlinuz")
        self.assertIn("find Debian's kernel: /nonexistent/vmlinuz: no such file", e.exception.args[0])

    def test_no_vmlinux_in_a_file_without_one(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            fake = os.path.join(tmp, "vmlinuz-0")
            with open(fake, "wb") as f:
                f.write(b"MZ" + b"\0" * 100 + b"\xfd7zXZ\0" + b"not xz at all" + b"\x1f\x8b\x08" + b"nor gzip")
            self.assertIsNone(bc.extract_vmlinux(fake, os.path.join(tmp, "cache")))


class Charts(unittest.TestCase):
    def test_the_ratio_and_hot_path_charts_are_pngs(self):
        import json
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            doc = {"icount": True, "linux": "6.1", "date": "2026-12-02T00:00:00Z",
                   "results": bc.rows(bc.parse(LINUX)[0], bc.parse(LX)[0])}
            with open(os.path.join(tmp, "compare-icount.json"), "w") as f:
                json.dump(doc, f)
            with open(os.path.join(tmp, "ipc-icount.json"), "w") as f:
                json.dump({"icount": True, "date": "2026-12-02", "results": [
                    {"name": "call_reply_empty", "median": 845, "min": 845, "unit": "insn", "n": 1}]}, f)
            said = bc.charts(os.path.join(tmp, "compare-icount.json"))
            self.assertEqual(said, [f"chart: {tmp}/compare-icount-ratios.png", f"chart: {tmp}/ipc-icount-hotpaths.png"])
            for png in ("compare-icount-ratios.png", "ipc-icount-hotpaths.png"):
                with open(os.path.join(tmp, png), "rb") as f:
                    self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")


if __name__ == "__main__":
    unittest.main()
