# Run by zsh-static natively and under lx: zsh's own ways.
tmp=/tmp/lxzsh.$$

# process substitution (pipes through /dev/fd/N) and =(...) (a temporary file)
cmp -s <(print -l a b) <(print -l a c); print "cmp $?"; cat <(print left) <(print right)
while read -r line; do print "got $line"; done < <(print -l x y)
wc -c < =(print "through a temporary file")
cat /dev/fd/0 <<< "here-string"

# arrays, associative arrays, parameter flags, globbing qualifiers
arr=(one two "three four"); arr+=(five); print "${#arr} $arr[2] ${arr[2,3]}"
typeset -A map; map=(k1 v1 k2 v2); for k in ${(ok)map}; do print "$k=$map[$k]"; done
s="Hello, World"; print "${(L)s} ${(U)s} ${s/World/lx} ${#s} ${s[8,-1]}"
print -l ${(s:,:)s}
mkdir -p $tmp.d && cd $tmp.d && touch f1 f2 f10 && mkdir dir && print *(.) && print *(/) && print f<1-5> && print *(On[1])
cd / && rm -rf $tmp.d
printf '%5.2f|%-3s|%d\n' 2.5 ab 0x10
integer i=0; float f=1.5; (( i = 7 ** 2, f *= 2 )); print "$i $f"

# functions, recursion, local scope
fib() { local n=$1; (( n < 2 )) && { print $n; return }; print $(( $(fib $((n-1))) + $(fib $((n-2))) )) }
print "fib 11 = $(fib 11)"
outer() { local v=inner; inner_f }; inner_f() { print "sees $v" }; v=global; outer

# jobs, wait, traps, coprocesses
sleep 0.2 & p=$!; (sleep 0.05; exit 6) & q=$!
wait $q; print "q $?"; wait $p; print "p $?"
trap 'print "USR2 caught"' USR2; kill -USR2 $$; trap - USR2
TRAPUSR1() { print "TRAPUSR1 function" }; kill -USR1 $$; unfunction TRAPUSR1
coproc cat; print -p "zsh coproc"; read -p reply; print "from the coprocess: $reply"; kill %cat 2>/dev/null; wait
{ print "in always block"; false } always { print "always runs" }
repeat 3 print -n "r"; print
rm -f $tmp
