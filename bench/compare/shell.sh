# bench compare's shell workload (bench/compare/cmpbench.c runs it with busybox sh): a generated tree of
# files archived with tar, compressed with gzip, unpacked again, and searched and transformed with find,
# sort, sed and awk. "quick" as the argument makes the tree smaller. Fails (non-zero) if a step does.
set -e
n=40
[ "$1" = quick ] && n=8
w=/tmp/shell-workload
rm -rf $w
mkdir -p $w/src
i=0
while [ $i -lt $n ]; do
    mkdir -p $w/src/d$((i % 5))
    awk -v i=$i 'BEGIN { for (l = 0; l < 60; l++) printf "line %d of file %d: %d\n", l, i, (l * 7919 + i) % 1000 }' \
        > $w/src/d$((i % 5))/f$i.txt
    i=$((i + 1))
done
cd $w
tar cf src.tar src
gzip -6 src.tar
mkdir out
cd out
gunzip -c ../src.tar.gz | tar xf -
[ "$(find src -type f | wc -l)" -eq $n ]
find src -name '*.txt' | sort > files
cat $(cat files) | sort -t: -k2 -n | sed -e 's/line/LINE/' -e 's/of file/in/' > sorted
[ "$(wc -l < sorted)" -eq $((n * 60)) ]
awk -F': ' '{ s += $2 } END { print s }' sorted > sum
[ -s sum ]
cd /
rm -rf $w
