# tests/lx/disk.py's second boot: what the first wrote, and a page it did not touch.
dd if=/dev/vda bs=4096 skip=7 count=1 2>/dev/null | head -c 25; echo
dd if=/dev/vda bs=65536 skip=64 count=16 2>/dev/null | tr -d '\000' | wc -c
dd if=/dev/vda bs=4096 skip=8 count=1 2>/dev/null | head -c 10; echo
