# Pipelines, command substitution, subshells and groups.
echo hello | wc -c
echo one two three | tr ' ' '\n' | sort -r | head -n 2
seq 1 100 | grep 7 | wc -l
cat data/lines.txt | cut -c 1-3 | sort | uniq -c | sort -rn | head -n 3
x=$(echo inner | tr a-z A-Z); echo "substituted: $x"
echo "nested: $(echo $(echo deep) $(echo er))"
echo "arithmetic: $(( $(seq 1 10 | wc -l) * 3 ))"
(cd data/dir && ls -1); ls -d data
{ echo grouped; echo twice; } | wc -l
seq 1 2000 | sort -n | tail -n 1
yes | head -n 3
echo big | awk '{ for (i = 0; i < 3000; i++) print i, $1 }' | md5sum
