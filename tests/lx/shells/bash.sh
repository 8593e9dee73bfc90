# Run by bash-static natively and under lx: what bash has beyond POSIX sh.
tmp=/tmp/lxbash.$$

# process substitution: /dev/fd/N both ways
cmp -s <(printf "a\nb\n") <(printf "a\nc\n"); echo "cmp $?"; cat <(echo left) <(echo right)
while read -r line; do echo "got $line"; done < <(printf 'x\ny\n')
# (tee in this shell, not in a pipeline: only then is $! the substitution's, for wait)
tee >(wc -c > $tmp) > /dev/null <<< data; wait $!; cat $tmp
paste <(seq 1 3) <(seq 4 6)
cat /dev/fd/0 <<< "here-string through /dev/fd/0"
echo "to /dev/stderr" > /dev/stderr 2>&1

# arrays, associative arrays, [[ ]], string operations
arr=(one two "three four"); arr+=(five); echo "${#arr[@]} ${arr[2]} ${arr[@]:1:2}"
declare -A map=([k1]=v1 [k2]=v2); for k in $(printf '%s\n' "${!map[@]}" | sort); do echo "$k=${map[$k]}"; done
s="Hello, World"; echo "${s,,} ${s^^} ${s/World/lx} ${#s} ${s:7} ${s%,*}"
[[ $s == H*d && $s =~ W(or)ld ]] && echo "match ${BASH_REMATCH[1]}"
printf -v out '%05.1f' 3.14159; echo "$out"
mapfile -t lines < <(printf 'l1\nl2\nl3\n'); echo "${#lines[@]} ${lines[2]}"

# coprocesses
coproc upper { tr a-z A-Z; }
echo "coproc input" >&${upper[1]}; exec {upper[1]}>&-
read -r reply <&${upper[0]}; echo "$reply"; wait $upper_PID

# wait -n, read -t, ulimit
(sleep 0.3; exit 3) & (sleep 0.05; exit 5) &
wait -n; echo "first done: $?"; wait
read -t 0.2 never < <(sleep 1); echo "read -t: $?"
ulimit -n 512; echo "nofile $(ulimit -n)"; (ulimit -n 100; echo "in subshell $(ulimit -n)"); echo "after $(ulimit -n)"

# deep recursion through subshells, and a function recursing in the shell
depth() { if (( $1 > 0 )); then echo $(depth $(( $1 - 1 ))); else echo bottom; fi; }
echo "$(depth 30)"
fib() { local n=$1; (( n < 2 )) && { echo $n; return; }; echo $(( $(fib $((n-1))) + $(fib $((n-2))) )); }
echo "fib 12 = $(fib 12)"

# job control bits without a terminal: jobs, %1, kill %1, disown
sleep 2 & sleep 2 &
jobs | wc -l; kill %1 %2; wait 2>/dev/null; echo "jobs left: $(jobs -r | wc -l)"
set -m 2>/dev/null; (exit 9) & wait $!; echo "monitor status $?"; set +m

# traps: ERR, RETURN, DEBUG-free ones; a signal to a child running a trap
trap 'echo "ERR trapped"' ERR; false; trap - ERR
f() { trap 'echo "leaving f"' RETURN; echo "in f"; }; f; trap - RETURN
(trap 'echo "child got TERM"; exit 0' TERM; echo ready > $tmp.r; while :; do sleep 0.05; done) &
c=$!; while [ ! -s $tmp.r ]; do sleep 0.05; done; kill -TERM $c; wait $c; echo "child status $?"
rm -f $tmp $tmp.r
