# Background jobs and wait.
sleep 0.2 & pid=$!
echo "started one"
wait $pid; echo "waited: $?"
(exit 5) & wait $!; echo "background status: $?"
for i in 1 2 3; do (echo "job $i" > /dev/null; exit $i) & done; wait; echo "all waited"
sh -c 'sleep 5' & victim=$!
# (the shell's "Terminated" note depends on when SIGCHLD arrives, so it is not compared)
kill $victim; { wait $victim; } 2>/dev/null; echo "killed job: $?"
echo "$(seq 1 3 | while read n; do echo $((n * n)); done)"
