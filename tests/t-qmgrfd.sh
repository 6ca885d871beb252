# MIT licence: see LICENSE.
#
# t-qmgrfd.sh - qmgr under a low descriptor limit (DESIGN.md, laws 1 and
# 7): a deferred queue of a few hundred messages comes due under
# `ulimit -n 32` and flows to a real smtp-sink on 127.0.0.1, none of it
# in corrupt/; when descriptors run out, qmgr warns and tries again, and
# only a file whose format is bad goes to corrupt/.
# Loopback only; every process started here is stopped by its pid.
. "${TOP:-.}/tests/lib.sh"

if "$MTA" smtp --help 2>&1 | grep -q "not built" ||
    [ ! -x /usr/sbin/smtp-sink ]; then
	echo "skip - qmgr descriptors: no smtp agent or no smtp-sink"
	exit 0
fi

N=300
Q=$T/q
SP=$(free_port)
mkdir -p "$T/dump" && chmod 777 "$T/dump"
conf() {
	cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
maillog_file = $T/maillog
inet_interfaces = loopback-only
inet_protocols = ipv4
relayhost = [127.0.0.1]:$SP
minimal_backoff_time = 1s
maximal_backoff_time = 2s
queue_run_delay = 1s
$1
EOF
}
cat > "$T/etc/master.cf" <<EOF
pickup fifo n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr fifo n - n 300 1 qmgr
smtp unix - - n - - smtp
EOF
start() { mta postfix -c "$T/etc" start >/dev/null 2>&1; }
stop() { mta postfix -c "$T/etc" stop >/dev/null 2>&1; }
count() { set -- "$Q/$1"/*; [ -e "$1" ] && echo $# || echo 0; }
# waitq N SECONDS: N files in deferred/ and none elsewhere, within SECONDS
waitq() {
	i=0
	while [ $i -lt $(($2 * 10)) ]; do
		[ "$(count deferred)" = "$1" ] && [ "$(count active)" = 0 ] &&
		    [ "$(count incoming)" = 0 ] && [ "$(count maildrop)" = 0 ] &&
		    return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
# fill N PREFIX: N messages to PREFIXi@remote.example through sendmail
fill() {
	i=0
	while [ $i -lt "$1" ]; do
		printf 'Subject: m%d\n\nhello %d\n' $i $i |
		    mta sendmail -C "$T/etc" -f me@here.example \
		    "$2$i@remote.example"
		i=$((i + 1))
	done
}
qstate() {
	echo "deferred=$(count deferred) active=$(count active)" \
	    "incoming=$(count incoming) corrupt=$(count corrupt)" \
	    "sent=$(grep -c 'status=sent' "$T/maillog")"
}

# the queue: N messages held back by defer_transports
conf "defer_transports = smtp"
start
fill $N r
if waitq $N 60; then ok "a deferred queue of $N messages"
else fail "a deferred queue of $N messages" "$(qstate)"; fi
stop

# it comes due under ulimit -n 32: every message to the sink
smtp-sink -u postfix -d "$T/dump/%H%M%S." "127.0.0.1:$SP" 64 \
    >/dev/null 2>&1 &
SINK=$!
wait_port "$SP"
conf
: > "$T/maillog"
(ulimit -n 32 && start)
if waitq 0 120; then ok "ulimit -n 32: the deferred queue drains"
else fail "ulimit -n 32: the deferred queue drains" "$(qstate)"; fi
check "ulimit -n 32: all $N messages are sent to the sink" \
    test "$(grep -c "relay=127.0.0.1\[127.0.0.1\]:$SP, .*status=sent" \
    "$T/maillog")" = $N
check "ulimit -n 32: nothing in corrupt/" test "$(count corrupt)" = 0
check "ulimit -n 32: no queue file called corrupt" \
    sh -c "! grep -q 'moved to corrupt' '$T/maillog'"
stop

# harder: qmgr alone (it spawns its smtp agents), with no descriptor to
# spare for a queue file: every load fails, and none may go to corrupt/
conf "defer_transports = smtp"
start
fill 40 s
waitq 40 30 || fail "a second deferred queue" "$(qstate)"
stop
# one file whose format is bad: that one alone belongs in corrupt/
BAD=$(ls "$Q/deferred" | head -n 1)
printf 'V 1\nZ 3 bad\n' > "$Q/deferred/$BAD"
conf
# the agents qmgr spawns run as mail_owner: they log here too
: > "$T/maillog"
chmod 666 "$T/maillog"
# qmgr LIMIT SECONDS: qmgr alone under ulimit -n LIMIT for SECONDS at most,
# until the queue is empty
qmgr() {
	(exec </dev/null >/dev/null 2>&1; ulimit -n "$1" &&
	    exec "$MTA" qmgr -c "$T/etc") &
	QM=$!
	i=0
	while [ $i -lt $(($2 * 10)) ] &&
	    [ "$(count deferred)$(count active)$(count incoming)" != 000 ]; do
		sleep 0.1; i=$((i + 1))
	done
	stop_pid "$QM"
}
# fds 0-2, the log and the directory being scanned: the limit
qmgr 5 3
# musl says "No file descriptors available" for EMFILE, glibc "Too many
# open files"
check "ulimit -n 5: no queue file can be opened: a warning, then a retry" \
    test "$(grep -Ec "warning: [0-9A-F]+: open .*: (Too many open files|No file descriptors available); will try again" \
    "$T/maillog")" -ge 2
check "ulimit -n 5: no file is moved to corrupt/" \
    test "$(count corrupt)" = 0
check "ulimit -n 5: all 40 files are still queued" \
    test "$(($(count deferred) + $(count incoming) + $(count active)))" = 40
check "ulimit -n 5: nothing is sent or bounced" \
    sh -c "! grep -Eq 'status=(sent|bounced)' '$T/maillog'"
# a few more descriptors: the same queue flows
qmgr 8 60
if [ "$(count deferred)$(count active)$(count incoming)" = 000 ]; then
	ok "ulimit -n 8: the queue drains"
else
	fail "ulimit -n 8: the queue drains" "$(qstate)"
fi
check "ulimit -n 8: the 39 good messages are sent" \
    test "$(grep -Ec "to=<s[0-9]+@remote.example>, relay=127.0.0.1.*status=sent" \
    "$T/maillog")" = 39
check "ulimit -n 8: the malformed file alone is in corrupt/" \
    test "$(count corrupt)" = 1 -a -f "$Q/corrupt/$BAD"
check "ulimit -n 8: one file was called corrupt" \
    test "$(grep -c 'moved to corrupt' "$T/maillog")" = 1

# a deferred queue larger than qmgr_message_active_limit: taken in parts
# as the active queue empties, not left until the next queue run
conf "defer_transports = smtp"
start
fill 30 a
waitq 30 30 || fail "a third deferred queue" "$(qstate)"
stop
conf "qmgr_message_active_limit = 4
queue_run_delay = 1000s"
: > "$T/maillog"
start
sleep 0.5
mta postqueue -c "$T/etc" -f
if waitq 0 30; then ok "active limit 4: all 30 deferred leave in parts"
else fail "active limit 4: all 30 deferred leave in parts" "$(qstate)"; fi
check "active limit 4: all 30 are sent" \
    test "$(grep -Ec "to=<a[0-9]+@remote.example>, relay=127.0.0.1.*status=sent" \
    "$T/maillog")" = 30
stop
stop_pid "$SINK"
