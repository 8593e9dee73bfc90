# Run by bash-static, zsh-static and mksh-static, natively and under lx: the output must be the same.
tmp=/tmp/lxsh.$$

# pipelines, printf, command substitution
echo one two three | tr ' ' '\n' | sort -r | head -n 2
printf '%s|%5d|%-4s|%x|%o|%c\n' abc 42 xy 255 8 zed
x=$( (echo sub; echo shell) | wc -l); echo "lines: $((x))"
echo chain | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat | cat

# redirections and here-documents
{ echo to-stderr >&2; echo to-stdout; } 2>/dev/null
echo first > $tmp; echo second >> $tmp; cat < $tmp; wc -l < $tmp | tr -d ' '
exec 3> $tmp.3; echo via-fd3 >&3; exec 3>&-; cat $tmp.3
echo both >$tmp.4 2>&1; cat $tmp.4
cat <<EOF
here $x
  indented \$notexpanded $(echo substituted)
EOF
cat <<'EOF'
quoted $x $(echo not)
EOF
cat <<-EOF
	tabs stripped
	EOF

# functions, recursion, arithmetic
fact() { if [ $1 -le 1 ]; then echo 1; else echo $(( $1 * $(fact $(( $1 - 1 ))) )); fi; }
echo "fact 12 = $(fact 12)"
i=0; s=0; while [ $i -lt 200 ]; do s=$((s + i * i)); i=$((i + 1)); done; echo "sum $s"
echo $(( (7 + 3) * 4 / 3 % 5 )) $(( 1 << 10 )) $(( 0x1f )) $(( -7 / 2 )) $(( 7 > 3 && 2 < 1 )) $(( 10 ^ 3 ))
n=5; n=$((n += 2)); echo "n $n"

# globbing
mkdir -p $tmp.d && cd $tmp.d && touch a1 a2 b1 c10 .hidden && echo a* && echo ?1 && echo [ab]2 && echo * && echo .h*
cd / && rm -rf $tmp.d

# read loops and IFS
printf 'k1 v1\nk2 v2 extra\nk3\n' > $tmp
while read k v; do echo "[$v]=[$k]"; done < $tmp
IFS=: read a b c <<EOF
x:y:z:w
EOF
echo "$c|$b|$a"
cat $tmp | while read line; do echo "piped: $line"; done

# subshells, status, case, for
( exit 3 ); echo "status $?"
( cd /tmp && echo "in $(pwd)" )
false || echo "or"; true && echo "and"; ! false && echo "not"
for w in apple banana cherry date; do
  case $w in a*) echo "A $w";; *an*) echo "AN $w";; c*|d*) echo "CD $w";; esac
done
set -- p q r; echo "$# $2"; shift; echo "$*"

# background jobs, wait, signals and traps
sleep 0.3 & p1=$!; (sleep 0.1; exit 7) & p2=$!
wait $p2; echo "job2 $?"; wait $p1; echo "job1 $?"
(sleep 5) & p3=$!; kill -KILL $p3; { wait $p3; } 2>/dev/null; echo "killed $?" # (a TERM can come before the child has its handlers)
trap 'echo "got USR1"' USR1
kill -USR1 $$
trap - USR1
( trap 'echo "subshell exits"' EXIT; echo "in subshell" )
sh_sub=$(echo nested $(echo deeper $(echo deepest))); echo "$sh_sub"

rm -f $tmp $tmp.3 $tmp.4
trap 'echo "exit trap"' EXIT
exit 4
