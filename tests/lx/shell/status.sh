# Exit statuses and the statuses of processes killed by signals.
false; echo "false: $?"
false | true; echo "false | true: $?"
true | false; echo "true | false: $?"
sh -c 'exit 7'; echo "sh -c exit 7: $?"
(exit 3); echo "subshell exit 3: $?"
sh -c 'kill -9 $$'; echo "killed by SIGKILL: $?"
sh -c 'kill $$'; echo "killed by SIGTERM: $?"
sh -c 'kill -SEGV $$'; echo "killed by SIGSEGV: $?"
nosuchcommand 2>/dev/null; echo "not found: $?"
if grep -q two data/lines.txt; then echo "grep -q found it"; fi
grep -q nothing data/lines.txt || echo "grep -q: $?"
test 3 -gt 2 && echo "test and &&"
trap 'echo "EXIT trap ran"' EXIT
echo "last line"
