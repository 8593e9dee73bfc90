# A battery of busybox applets, working in a scratch directory (tmpfs under lx).
set -e
W=$(mktemp -d)
cd "$W"
mkdir -p a/b/c
echo "first" > a/one.txt
printf 'line %d\n' 1 2 3 >> a/one.txt
cat a/one.txt
cp a/one.txt a/b/two.txt
mv a/b/two.txt a/b/c/three.txt
ls -1R a
touch -d '2021-02-03 04:05:06' a/stamped
date -u -r a/stamped '+%Y-%m-%d %H:%M:%S' 2>/dev/null || echo "stamped file exists"
ln -s one.txt a/link
readlink a/link; cat a/link | wc -l
rm a/link; test -e a/link || echo "link removed"
echo "one file" > h1
ln h1 a/h2 && echo "hard link made"
echo "written through the second name" >> a/h2
cat h1
stat -c '%h %s' h1 a/h2
[ "$(stat -c %i h1)" = "$(stat -c %i a/h2)" ] && echo "one inode"
mv h1 h3 && rm h3 && cat a/h2 && stat -c %h a/h2
ln a a/dirlink 2>/dev/null || echo "no hard link to a directory"
ln a/h2 a/h2 2>/dev/null || echo "no link over an existing name"
rm a/h2
rmdir a/b/c 2>/dev/null || echo "rmdir of a non-empty directory fails"
rm a/b/c/three.txt; rmdir a/b/c && echo "rmdir of an empty one works"
seq 1 20 > n.txt
head -n 3 n.txt | tr '\n' ' '; echo
tail -n 2 n.txt | tr '\n' ' '; echo
sort -rn n.txt | head -n 1
printf 'b\na\nb\nc\na\n' | sort | uniq -c | sed 's/^ *//'
cut -d: -f1,3 /dev/null; echo "a:b:c:d" | cut -d: -f2,4
grep -c 1 n.txt
sed -n '5,7p' n.txt | tr '\n' ,; echo
sed -i 's/^1$/one/' n.txt; head -n 1 n.txt
awk '{ s += $1 } END { print "sum", s }' n.txt
find . -name '*.txt' | sort
find . -type d | sort | xargs echo dirs:
echo 1 2 3 4 | xargs -n 2 echo pair
expr 7 \* 6; expr length hello
test -d a && test -f n.txt && test ! -e nothing && echo "tests pass"
printf '%05.1f|%-4s|%x\n' 3.14159 ab 255
echo hello > h.txt; sha256sum h.txt; md5sum h.txt
gzip -k h.txt; ls -1 h.txt*; gunzip -c h.txt.gz
seq 1 5000 > big.txt; gzip big.txt; gunzip big.txt.gz; wc -l big.txt
tar cf a.tar a; tar tf a.tar | sort
mkdir x; tar xf a.tar -C x; cat x/a/one.txt | head -n 1
dd if=/dev/zero bs=1024 count=64 2>/dev/null | wc -c
dd if=n.txt of=copy.txt bs=7 2>/dev/null; cmp n.txt copy.txt && echo "dd copy matches"
od -A d -t x1 h.txt
date -u -d @86400 '+%Y-%m-%d'
sleep 0.1 && echo "slept"
sleep 10 & kill $!; { wait $!; } 2>/dev/null || echo "killed sleep: $?"
echo "x" | tee t.txt > /dev/null; cat t.txt
wc -c < big.txt
cd /; rm -rf "$W"; test -e "$W" || echo "cleaned up"
