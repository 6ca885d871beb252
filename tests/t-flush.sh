# MIT licence: see LICENSE.
#
# t-flush.sh - one disk flush per relayed message (issue #12; DESIGN.md,
# law 1, Postfix's way): strace -f over a real master counts the fsync,
# fdatasync, sync_file_range and directory fsyncs while N messages go
# smtpd -> cleanup -> qmgr -> smtp -> smtp-sink.  sendmail too: as an
# ordinary user (and postdrop) one flush for the maildrop file and none
# of maildrop/, two in all with pickup and cleanup (Postfix's postdrop,
# pickup, cleanup); as root, straight to cleanup, one; without master
# (sendmail runs cleanup itself) one.  A maildrop file not yet g+r is
# being written: pickup leaves it alone.  postfix start removes the
# incomplete files a day old (postsuper), as Postfix's.  Then the "complete"
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
sent() {
	set -- "$(grep -c 'status=sent' "$T/maillog" 2>/dev/null)"
	echo "${1:-0}"
}
# waitsent N: N deliveries logged within 30 s
waitsent() {
	i=0
	while [ "$(sent)" -lt "$1" ] && [ $i -lt 300 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ "$(sent)" -ge "$1" ]
}
# flushes: the flushes in the strace output on stdin
flushes() {
	grep -cE '(fsync|fdatasync|sync_file_range|syncfs|msync)\(|sync\(\)'
}
# delivered N LABEL: check LABEL, that N deliveries are logged within 30 s
delivered() {
	if waitsent "$1"; then
		ok "$2"
	else
		fail "$2" "$(ls "$Q/maildrop" "$Q/incoming" "$Q/active" |
		    tr '\n' ' ')| $(tail -n 3 "$T/maillog" | tr '\n' '|')"
	fi
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
calls=$(flushes < "$T/strace")
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

# sendmail ------------------------------------------------------------------
# submit LABEL CMD...: N messages, each by CMD (a sendmail command line)
# under strace; counts the flushes of the submitters (sub, mdir: those
# of maildrop/) and of the daemons (dmn: pickup, cleanup, qmgr, smtp)
submit() {
	sm_label=$1
	shift
	: > "$T/strace"
	rm -f "$T"/sm.*
	sm_before=$(sent)
	sm_rc=0
	i=0
	while [ $i -lt "$N" ]; do
		printf 'Subject: %s %d\n\nbody %d\n' "$sm_label" $i $i |
		    ASAN_OPTIONS=detect_leaks=0 strace -f -qq -y \
		    -o "$T/sm.$i" -e trace=$TRACE "$@" 2>>"$T/sm.err" ||
		    sm_rc=1
		i=$((i + 1))
	done
	if [ $sm_rc = 0 ] && waitsent $((sm_before + N)); then
		ok "$sm_label: $N messages submitted and relayed"
	else
		fail "$sm_label: $N messages submitted and relayed" \
		    "sent $(($(sent) - sm_before)): $(tail -c 300 "$T/sm.err")"
	fi
	sleep 0.5
	sub=$(cat "$T"/sm.* | flushes)
	mdir=$(cat "$T"/sm.* | grep -cE 'fsync\([0-9]+<[^>]*/maildrop>')
	dmn=$(flushes < "$T/strace")
}
# what the flushes were, for a failure
whatsync() {
	cat "$@" | grep -E 'sync' |
	    sed 's/^[0-9]* *//; s/[0-9A-Za-z]\{9,\}/ID/g' |
	    sort | uniq -c | sort -rn | head -n 6 | tr '\n' '|'
}
TRACE=fsync,fdatasync,sync_file_range,sync,syncfs,msync
# an ordinary user (not mail_owner): sendmail writes a maildrop file
U=
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	U=65534
	[ "$owner" = nobody ] && U=4242
fi
if [ -n "$U" ]; then
	submit "sendmail as uid $U (maildrop, pickup)" setpriv --reuid=$U \
	    --regid=$U --clear-groups "$MTA" sendmail -f u@client.test \
	    to@remote.test
	# Postfix: postdrop fsyncs the file once (no directory fsync),
	# pickup removes it without a flush, cleanup fsyncs the queue file
	if [ "$sub" -le "$N" ] && [ "$mdir" = 0 ]; then
		ok "sendmail: one flush per message, none of maildrop/"
	else
		fail "sendmail: one flush per message, none of maildrop/" \
		    "$sub flushes for $N messages: $(whatsync "$T"/sm.*)"
	fi
	check "sendmail, pickup, cleanup: two flushes per message in all, \
as Postfix's postdrop, pickup, cleanup ($sub + $dmn for $N)" \
	    test $((sub + dmn)) -le $((2 * N))
	check "... maildrop left empty" test "$(count maildrop)" = 0
else
	echo "skip - sendmail as an ordinary user: needs root and setpriv"
fi
submit "postdrop" "$MTA" postdrop -f u@client.test to@remote.test
check "postdrop: one flush per message, none of maildrop/ ($sub for $N)" \
    test "$sub" -le "$N" -a "$mdir" = 0
check "postdrop, pickup, cleanup: two flushes per message \
($sub + $dmn for $N)" test $((sub + dmn)) -le $((2 * N))
if [ "$owner" != "$(id -un)" ]; then
	submit "sendmail as root (cleanup)" "$MTA" sendmail -f r@client.test \
	    to@remote.test
	check "sendmail straight to cleanup: one flush per message \
($sub + $dmn for $N)" test $((sub + dmn)) -le "$N"
fi
check "nothing left in maildrop or the queue" test "$(count maildrop)" = 0 \
    -a "$(count incoming)" = 0 -a "$(count active)" = 0 \
    -a "$(count deferred)" = 0 -a "$(count corrupt)" = 0

# a maildrop file is complete once it is group-readable (sendmail writes
# it 0600, makes it 0640, fsyncs it): pickup leaves one still 0600 alone,
# even one it could read (the owner's), as it would one being written
mkdrop() {
	set -- "$1" "S u@client.test" "R to@remote.test" "M " \
	    "L Subject: $2" "L " "L body" "X " "E "
	f=$1
	shift
	for r in "$@"; do
		d=${r#? }
		printf '%s%d %s\n' "${r%"${r#?}"}" ${#d} "$d"
	done > "$Q/maildrop/$f"
	chown "$owner" "$Q/maildrop/$f" 2>/dev/null
	chmod 600 "$Q/maildrop/$f"
}
D=0123456789abcdef01234567
mkdrop $D "not yet complete"
before=$(sent)
mta postqueue -c "$T/etc" -f >/dev/null 2>&1
sleep 2
check "pickup leaves a maildrop file without g+r (being written) alone" \
    test -f "$Q/maildrop/$D" -a "$(sent)" = "$before" \
    -a "$(count corrupt)" = 0
mta postqueue -c "$T/etc" -p > "$T/mailq" 2>&1
check "... nor does mailq list it" grep -qx "Mail queue is empty" "$T/mailq"
chmod 640 "$Q/maildrop/$D"
mta postqueue -c "$T/etc" -f >/dev/null 2>&1
delivered $((before + 1)) "... and takes it once it is g+r (complete)"

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
delivered $((before + 1)) "marked complete (u+x), the file is delivered"
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
delivered $((before + 2)) \
    "a 0600 file in deferred/ (an older mta's) is delivered"
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
# what crashes left being written: postfix start removes those a day
# old, as Postfix's runs postsuper (-s -p) before master
cp -p "$T/copy" "$Q/incoming/tmp"
OLD=$(printf '%05X%X' 5 "$(stat -c %i "$Q/incoming/tmp")")
mv "$Q/incoming/tmp" "$Q/incoming/$OLD"
chmod 600 "$Q/incoming/$OLD"
touch -d '2 days ago' "$Q/incoming/$OLD"
cp -p "$T/copy" "$Q/incoming/tmp"
YOUNG=$(printf '%05X%X' 6 "$(stat -c %i "$Q/incoming/tmp")")
mv "$Q/incoming/tmp" "$Q/incoming/$YOUNG"
chmod 600 "$Q/incoming/$YOUNG"
mkdrop $D "stale maildrop file"
touch -d '2 days ago' "$Q/maildrop/$D"
before=$(sent)
mta postfix -c "$T/etc" start >/dev/null 2>&1
check "postfix start removes an incomplete file a day old, in incoming/" \
    test ! -e "$Q/incoming/$OLD"
check "... and one from maildrop/" test ! -e "$Q/maildrop/$D"
check "... and leaves a young one" test -f "$Q/incoming/$YOUNG"
delivered $((before + 1)) \
    "a 0600 file left in active/ is delivered after a restart"
sleep 1
check "... and nothing else" test "$(sent)" = $((before + 1))
mta postfix -c "$T/etc" stop >/dev/null 2>&1
i=0
while mta postfix -c "$T/etc" status >/dev/null 2>&1 && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
stop_pid "$SINK"

# no master: sendmail as root runs cleanup itself, one flush a message;
# an ordinary user's maildrop file costs one flush and waits for pickup
N=5
rm -f "$Q/incoming/$YOUNG" "$T"/sm.*
n0=$(count incoming)
i=0
while [ $i -lt $N ]; do
	printf 'Subject: alone %d\n\nbody\n' $i |
	    ASAN_OPTIONS=detect_leaks=0 strace -f -qq -y -o "$T/sm.$i" \
	    -e trace=$TRACE "$MTA" sendmail -f r@client.test to@remote.test
	i=$((i + 1))
done
sub=$(cat "$T"/sm.* | flushes)
check "no master: sendmail runs cleanup, $N messages in incoming/" \
    test "$(count incoming)" = $((n0 + N))
check "... one flush per message ($sub for $N)" test "$sub" -le $N
if [ -n "$U" ]; then
	rm -f "$T"/sm.*
	printf 'Subject: alone\n\nbody\n' |
	    ASAN_OPTIONS=detect_leaks=0 strace -f -qq -y -o "$T/sm.0" \
	    -e trace=$TRACE setpriv --reuid=$U --regid=$U --clear-groups \
	    "$MTA" sendmail -f u@client.test to@remote.test
	F=$(ls "$Q/maildrop")
	check "no master: uid $U's message waits in maildrop, mode 0640" \
	    test -n "$F" -a "$(stat -c %a "$Q/maildrop/$F" 2>/dev/null)" = 640
	if [ "$(flushes < "$T/sm.0")" -le 1 ]; then
		ok "... one flush"
	else
		fail "... one flush" "$(whatsync "$T/sm.0")"
	fi
fi
