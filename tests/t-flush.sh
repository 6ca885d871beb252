# MIT licence: see LICENSE.
#
# t-flush.sh - one disk flush per relayed message (issue #12; DESIGN.md,
# law 1, Postfix's way): strace -f over a real master counts the fsync,
# fdatasync, sync_file_range and directory fsyncs while N messages go
# smtpd -> cleanup -> qmgr -> smtp -> smtp-sink.  Then the "complete"
# mode bit of queue files (mta-queue(5)): a file in incoming/ without it
# is neither delivered, nor listed by mailq, nor sent to corrupt/; the
# same file marked complete is delivered; postsuper -p removes one a day
# old and leaves a young one; in deferred/ the bit is not looked at.  HOLD from header_checks ends in hold/,
# marked complete.
# Loopback only; every process started here is stopped by its pid.
. "${TOP:-.}/tests/lib.sh"

if "$MTA" smtp --help 2>&1 | grep -q "not built" ||
    [ ! -x /usr/sbin/smtp-sink ] || ! command -v strace >/dev/null ||
    ! strace -f -o /dev/null true 2>/dev/null; then
	echo "skip - flushes: no smtp agent, smtp-sink or strace"
	exit 0
fi

N=20
Q=$T/q
SP=$(free_port)
PORT=$(free_port)
while [ "$PORT" = "$SP" ]; do PORT=$(free_port); done
owner=$(id -un)
if [ "$(id -u)" = 0 ]; then
	owner=nobody
	id postfix >/dev/null 2>&1 && owner=postfix
fi
mkdir -p "$T/dump" && chmod 777 "$T/dump"
printf '/^Subject: hold me/ HOLD\n' > "$T/etc/header_checks"
cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
data_directory = $T/data
mail_owner = $owner
maillog_file = $T/maillog
myhostname = mx.flush.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
mydestination = localhost
relayhost = [127.0.0.1]:$SP
header_checks = regexp:$T/etc/header_checks
minimal_backoff_time = 1s
maximal_backoff_time = 2s
queue_run_delay = 1s
EOF
cat > "$T/etc/master.cf" <<EOF
127.0.0.1:$PORT inet n - n - - smtpd
cleanup unix n - n - 0 cleanup
pickup fifo n - n 60 1 pickup
qmgr fifo n - n 300 1 qmgr
showq unix n - n - - showq
smtp unix - - n - - smtp
EOF
chmod -R go+rX "$T/etc"
count() { set -- "$Q/$1"/*; [ -e "$1" ] && echo $# || echo 0; }
sent() { grep -c 'status=sent' "$T/maillog" 2>/dev/null || echo 0; }
# waitsent N: N deliveries logged within 30 s
waitsent() {
	i=0
	while [ "$(sent)" -lt "$1" ] && [ $i -lt 300 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ "$(sent)" -ge "$1" ]
}
# smtp N SUBJECT: N messages over one SMTP session, one recipient each
smtp() {
	python3 - "$PORT" "$1" "$2" <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=60)
s.ehlo("client.test")
for i in range(int(sys.argv[2])):
    s.sendmail("from@client.test", ["to%d@remote.test" % i],
               "Subject: %s %d\r\n\r\nbody %d\r\n" % (sys.argv[3], i, i))
s.quit()
PY
}

smtp-sink -u "$owner" -d "$T/dump/%M%S." "127.0.0.1:$SP" 20 \
    >/dev/null 2>&1 &
SINK=$!
ASAN_OPTIONS=detect_leaks=0 strace -f -qq -y -o "$T/strace" \
    -e trace=fsync,fdatasync,sync_file_range,sync,syncfs,msync \
    "$MTA" postfix -c "$T/etc" start-fg >"$T/master.out" 2>&1 &
MPID=$!
trap 'mta postfix -c "$T/etc" stop >/dev/null 2>&1; stop_pid "$MPID" "$SINK"; rm -rf "$T"' EXIT INT TERM

if ! wait_port "$PORT" 20 || ! wait_port "$SP" 10; then
	fail "master and smtp-sink listen" "$(tail -c 300 "$T/master.out")"
	exit 1
fi
# a first message starts every service; the count covers the N after it
smtp 1 warm >/dev/null 2>&1
waitsent 1
sleep 0.5
: > "$T/strace"
if smtp "$N" relay > "$T/smtp.out" 2>&1 && waitsent $((N + 1)); then
	ok "$N messages relayed through smtpd, cleanup, qmgr, smtp"
else
	fail "$N messages relayed" "$(cat "$T/smtp.out") sent=$(sent)"
fi
sleep 0.5
calls=$(grep -cE '(fsync|fdatasync|sync_file_range|syncfs|msync)\(|sync\(\)' \
    "$T/strace")
dirs=$(grep -cE 'fsync\([0-9]+<[^>]*/(incoming|active|deferred|hold|corrupt)>' \
    "$T/strace")
if [ "$calls" -le "$N" ]; then
	ok "at most one flush per relayed message ($calls for $N)"
else
	fail "at most one flush per relayed message" \
	    "$calls flushes ($dirs of directories) for $N messages: $(sed \
	    's/^[0-9]* *//; s/[0-9A-Za-z]\{9,\}/ID/g' "$T/strace" | sort |
	    uniq -c | sort -rn | head -n 6 | tr '\n' '|')"
fi
check "no directory fsync for a message into incoming/" test "$dirs" = 0
check "nothing left in the queue" test "$(count incoming)" = 0 \
    -a "$(count active)" = 0 -a "$(count deferred)" = 0

# the "complete" mode bit ---------------------------------------------------
smtp 1 "hold me" >/dev/null 2>&1
i=0
while [ "$(count hold)" = 0 ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
H=$(ls "$Q/hold" | head -n 1)
check "HOLD: the message waits in hold/, marked complete (mode 0700)" \
    test -n "$H" -a "$(stat -c %a "$Q/hold/$H" 2>/dev/null)" = 700
# the same bytes in incoming/ under a new id, not marked complete
cp "$Q/hold/$H" "$Q/incoming/tmp"
chmod 600 "$Q/incoming/tmp"
chown "$owner" "$Q/incoming/tmp" 2>/dev/null
I=$(printf '%05X%X' 1 "$(stat -c %i "$Q/incoming/tmp")")
mv "$Q/incoming/tmp" "$Q/incoming/$I"
mta postsuper -c "$T/etc" -d "$H" hold >/dev/null 2>&1
before=$(sent)
mta postqueue -c "$T/etc" -f >/dev/null 2>&1
sleep 2
check "an incomplete file in incoming/ is not delivered" \
    test "$(sent)" = "$before" -a -f "$Q/incoming/$I"
check "... nor sent to corrupt/" test "$(count corrupt)" = 0
mta postqueue -c "$T/etc" -p > "$T/mailq" 2>&1
check "... nor listed by mailq" grep -qx "Mail queue is empty" "$T/mailq"
mta postsuper -c "$T/etc" -p >/dev/null 2>&1
check "postsuper -p leaves a young incomplete file" test -f "$Q/incoming/$I"
mta postsuper -c "$T/etc" -s >/dev/null 2>&1
check "postsuper -s does not quarantine it" \
    test -f "$Q/incoming/$I" -a "$(count corrupt)" = 0
cp -p "$Q/incoming/$I" "$T/copy"
touch -d '2 days ago' "$Q/incoming/$I"
mta postsuper -c "$T/etc" -p >/dev/null 2>&1
check "postsuper -p removes an incomplete file a day old" \
    test ! -e "$Q/incoming/$I"
# marked complete, the same file is delivered as any committed one
cp -p "$T/copy" "$Q/incoming/tmp"
I=$(printf '%05X%X' 2 "$(stat -c %i "$Q/incoming/tmp")")
mv "$Q/incoming/tmp" "$Q/incoming/$I"
chmod 700 "$Q/incoming/$I"
mta postqueue -c "$T/etc" -f >/dev/null 2>&1
if waitsent $((before + 1)); then
	ok "marked complete (u+x), the file is delivered"
else
	fail "marked complete (u+x), the file is delivered" \
	    "$(tail -n 3 "$T/maillog" | tr '\n' '|')"
fi
check "... and removed" sh -c "sleep 0.5; test ! -e '$Q/incoming/$I' \
    -a ! -e '$Q/active/$I' -a ! -e '$Q/deferred/$I'"
# outside incoming/ the bit is not looked at: an older mta's file (0600)
# in deferred/ is delivered
cp -p "$T/copy" "$Q/deferred/tmp"
I=$(printf '%05X%X' 3 "$(stat -c %i "$Q/deferred/tmp")")
mv "$Q/deferred/tmp" "$Q/deferred/$I"
chmod 600 "$Q/deferred/$I"
touch -d '1 hour ago' "$Q/deferred/$I"
mta postqueue -c "$T/etc" -f >/dev/null 2>&1
if waitsent $((before + 2)); then
	ok "a 0600 file in deferred/ (an older mta's) is delivered"
else
	fail "a 0600 file in deferred/ (an older mta's) is delivered" \
	    "$(tail -n 3 "$T/maillog" | tr '\n' '|')"
fi
check "no file in corrupt/ at the end" test "$(count corrupt)" = 0

mta postfix -c "$T/etc" stop >/dev/null 2>&1
i=0
while kill -0 "$MPID" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
stop_pid "$MPID"

# a crash left an older mta's file (0600) in active/: qmgr puts it back in
# incoming/ at start, marked complete, and delivers it
cp -p "$T/copy" "$Q/active/tmp"
I=$(printf '%05X%X' 4 "$(stat -c %i "$Q/active/tmp")")
mv "$Q/active/tmp" "$Q/active/$I"
chmod 600 "$Q/active/$I"
mta postfix -c "$T/etc" start >/dev/null 2>&1
if waitsent $((before + 3)); then
	ok "a 0600 file left in active/ is delivered after a restart"
else
	fail "a 0600 file left in active/ is delivered after a restart" \
	    "$(ls -l "$Q/incoming" "$Q/active" | tr '\n' '|')"
fi
mta postfix -c "$T/etc" stop >/dev/null 2>&1
stop_pid "$SINK"
