# Names looked up again after each change that could leave a name cache wrong: a name created after a
# failed lookup, a directory moved (and what lies below it), removed and made again, a file renamed over
# another, hard links and symlinks made and removed, a deep path looked up many times.
W=$(mktemp -d)
cd "$W"
t() { if [ -e "$1" ]; then echo "$1: there"; else echo "$1: missing"; fi; }
t new; echo made > new; t new; cat new
mkdir -p d/e/f; echo deep > d/e/f/leaf
t d/e/f/leaf; mv d moved; t d/e/f/leaf; t moved/e/f/leaf; cat moved/e/f/leaf
mv moved/e moved/g; t moved/e/f/leaf; cat moved/g/f/leaf
rm -r moved; t moved/g/f/leaf; mkdir -p moved/g/f; t moved/g/f/leaf; ls -a moved/g/f
echo one > a; echo two > b; mv b a; cat a; t b
ln a hard; rm a; t a; cat hard; ln hard a; cat a
ln -s hard sym; cat sym; rm hard; cat sym 2>/dev/null || echo dangling; echo back > hard; cat sym
mkdir x; rmdir x; t x; mkdir x; t x/y; touch x/y; t x/y
mkdir -p p/q/r/s/t/u/v/w; echo end > p/q/r/s/t/u/v/w/end
i=0; while [ $i -lt 50 ]; do cat p/q/r/s/t/u/v/w/end > /dev/null; i=$((i + 1)); done; cat p/q/r/s/t/u/v/w/end
rm -r p; t p/q/r/s/t/u/v/w/end
cd /; rm -r "$W"; echo done
