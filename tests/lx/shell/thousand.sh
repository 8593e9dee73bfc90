# A thousand processes alive at once: a 1,000-stage pipeline whose first stage waits until its last has
# started (so every stage is there, waiting for input, at the same time), then 1,000 cats carry a line.
d=$(mktemp -d)
c="{ while [ ! -e $d/last ]; do sleep 0.1; done; echo through a thousand processes; }"
i=2
while [ $i -lt 1000 ]; do c="$c | cat"; i=$((i + 1)); done
eval "$c | { touch $d/last; cat; }"
echo "status $?"
rm -r "$d"
