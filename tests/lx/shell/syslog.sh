# busybox syslogd and logger over an AF_UNIX datagram socket, /dev/log (under lx only: natively it
# would be the host's log). syslogd binds /dev/log; logger's syslog(3) sends each message to it.
rm -f /tmp/syslog.out
syslogd -n -O /tmp/syslog.out &
i=0
while ! test -S /dev/log && test $i -lt 200; do sleep 0.1; i=$((i + 1)); done
test -S /dev/log && echo "/dev/log is a socket"
logger -t tag hello world
logger -t tag2 -p user.err second
i=0
while test "$(grep -c tag /tmp/syslog.out)" != 2 && test $i -lt 200; do sleep 0.1; i=$((i + 1)); done
sed -n 's/^.* proteus \(.*tag.*\)$/\1/p' /tmp/syslog.out
kill $!
wait
rm -f /tmp/syslog.out /dev/log
echo done
