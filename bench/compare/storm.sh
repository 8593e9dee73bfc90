# bench compare's fork/exec storm (bench/compare/cmpbench.c runs it with busybox sh): many short programs,
# as a build's shell steps run them: each command is a busybox program started by the shell.
# "quick" as the argument runs fewer. Fails (non-zero) if a command does.
set -e
n=30
[ "$1" = quick ] && n=5
d=/tmp/exec-storm
rm -rf $d
mkdir -p $d
i=0
while [ $i -lt $n ]; do
    /bin/echo "int f$i(void) { return $i; }" > $d/f$i.c
    /bin/cp $d/f$i.c $d/f$i.o
    /usr/bin/basename $d/f$i.c .c > /dev/null
    /usr/bin/expr $i + 1 > /dev/null
    /usr/bin/test -s $d/f$i.o
    i=$((i + 1))
done
[ "$(/bin/ls $d | /usr/bin/wc -l)" -eq $((n * 2)) ]
/bin/rm -rf $d
