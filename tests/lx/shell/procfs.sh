# /proc under lx (run under lx only: the output names lx's processes). The states of sh and sleep
# depend on scheduling, so only a process reading its own stat (running) has its state shown.
sleep 0.5 & ps -o pid,ppid,user,comm
wait
readlink /proc/self/exe
tr '\0' '|' < /proc/1/cmdline; echo
cut -d ' ' -f 2,3 /proc/self/stat
cat /proc/version
grep -c '^MemTotal:' /proc/meminfo
head -c 5 /proc/stat; echo
free | head -n 1 | tr -s ' '
top -b -n 1 | head -n 1 | cut -c 1-4
ls /proc | grep -c -v '^[0-9]'
awk '{ print ($1 > 0 && $2 >= 0 && $2 <= $1) }' /proc/uptime
cat /proc/mounts
df -k / | awk 'NR == 2 { print ($2 > 0 && $4 > 0 && $2 >= $4) }'
