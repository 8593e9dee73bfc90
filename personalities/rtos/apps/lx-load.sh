#!/bin/sh
# lx's share of the side-by-side system: fork-, pipe- and file-heavy work (rounds given as $1, default 20).
rounds=${1:-20}
i=0
while [ $i -lt "$rounds" ]; do
    echo "round $i" | tr a-z A-Z > /tmp/load.$i
    cat /tmp/load.$i | wc -c > /dev/null
    ls / | sort | head -n 3 > /dev/null
    rm /tmp/load.$i
    i=$((i + 1))
    [ $((i % 5)) -eq 0 ] && echo "load: $i rounds"
done
echo "load: done"
