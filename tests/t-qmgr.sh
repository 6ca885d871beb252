# MIT licence: see LICENSE.
#
# t-qmgr.sh - the queue manager under a real master: routing (transport_maps
# with error:, retry:, discard:, relocated_maps, defer_transports), the
# defer/bounce logs, backoff by the deferred file's time, expiry with
# "status=expired, returned to sender", recovery of active/ after a crash,
# and Postfix's log line shapes.
# Loopback only; every process started here is stopped by its pid.
. "${TOP:-.}/tests/lib.sh"

Q=$T/q
chmod 755 "$T"
cat > "$T/etc/transport" <<EOF
err.example	error:5.1.2 no such domain
ret.example	retry:4.4.4 try later
dis.example	discard:
held.example	slow:
here.example	discard:
EOF
cat > "$T/etc/relocated" <<EOF
moved@x.example	new@y.example
EOF
cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
data_directory = $T/data
maillog_file = $T/maillog
inet_interfaces = loopback-only
inet_protocols = ipv4
transport_maps = texthash:$T/etc/transport
relocated_maps = texthash:$T/etc/relocated
defer_transports = slow
minimal_backoff_time = 2s
maximal_backoff_time = 4s
queue_run_delay = 1s
delay_warning_time = 1s
EOF
# no agents in master.cf: "slow" is a transport nobody serves
cat > "$T/etc/master.cf" <<EOF
pickup fifo n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr fifo n - n 300 1 qmgr
EOF

start() { mta postfix -c "$T/etc" start >/dev/null 2>&1; }
stop() { mta postfix -c "$T/etc" stop >/dev/null 2>&1; }
send() { printf 'Subject: t\n\nhello\n' | mta sendmail -C "$T/etc" "$@"; }
# waitlog PATTERN [SECONDS]: the maillog matches within SECONDS (10)
waitlog() { waitfor "$T/maillog" "$1" "${2:-10}"; }
count() { set -- "$Q/$1"/*; [ -e "$1" ] && echo $# || echo 0; }
logchk() {
	if waitlog "$2" "${3:-10}"; then ok "$1"
	else fail "$1" "no /$2/ in maillog: $(tail -n 5 "$T/maillog" |
	    tr '\n' '|')"; fi
}

start
send -f me@here.example a@err.example b@ret.example c@dis.example \
    moved@x.example h@held.example
logchk "qmgr takes the message: from=, size=, nrcpt= (queue active)" \
    "qmgr\[[0-9]+\]: [0-9A-F]+: from=<me@here.example>, size=[0-9]+, nrcpt=5 \(queue active\)"
logchk "error:5.1.2 text bounces with that code and text" \
    ": to=<a@err.example>, relay=none, delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+, dsn=5.1.2, status=bounced \(no such domain\)"
logchk "retry:4.4.4 text defers with that code and text" \
    ": to=<b@ret.example>, relay=none, .*dsn=4.4.4, status=deferred \(try later\)"
logchk "discard: is status=sent" \
    ": to=<c@dis.example>, relay=none, .*dsn=2.0.0, status=sent"
logchk "relocated_maps: 5.1.6 user has moved to" \
    ": to=<moved@x.example>, .*dsn=5.1.6, status=bounced \(user has moved to new@y.example\)"
logchk "defer_transports: deferred transport" \
    ": to=<h@held.example>, .*dsn=4.3.2, status=deferred \(deferred transport\)"
sleep 0.5
ID=$(ls "$Q/deferred" | head -n 1)
check "the message waits in deferred" test -n "$ID"
check "its defer log names the deferred recipients" \
    grep -q "try later" "$Q/defer/$ID"
check "the bounce log is gone once the notice is queued" \
    test ! -e "$Q/bounce/$ID"
MT=$(stat -c %Y "$Q/deferred/$ID" 2>/dev/null || echo 0)
NOW=$(date +%s)
check "the deferred file's time is its next attempt (now + backoff)" \
    test "$MT" -ge "$((NOW + 1))" -a "$MT" -le "$((NOW + 5))"
logchk "the deferred message is tried again after the backoff" \
    "$ID: to=<b@ret.example>.*delay=[2-9].*status=deferred" 15
logchk "after delay_warning_time: the sender gets one delay notice" \
    "$ID: sender delay notification: [0-9A-F]+"
check "done recipients are not tried again" \
    test "$(grep -c "to=<a@err.example>" "$T/maillog")" = 1
# a flush ("FA") takes defer_transports mail too: "slow" has no agent,
# so it fails as Postfix says when a transport is missing
mta postfix -c "$T/etc" flush >/dev/null 2>&1
logchk "a flush tries defer_transports mail: mail transport unavailable" \
    "to=<h@held.example>, .*status=deferred \(mail transport unavailable\)"
check "a missing transport is a warning naming it" \
    grep -q "warning: connect to transport private/slow" "$T/maillog"

check "the delay notice is sent once" \
    test "$(grep -c "$ID: sender delay notification" "$T/maillog")" = 1
# NOTIFY=SUCCESS: a delivery status notification once delivered
send -N success -f me@here.example c3@dis.example
logchk "NOTIFY=SUCCESS: the sender gets a delivery status notification" \
    "sender delivery status notification: [0-9A-F]+"
send -N never -f me@here.example nb@err.example
logchk "NOTIFY=NEVER: the recipient bounces..." "to=<nb@err.example>.*status=bounced"
sleep 0.5
check "... and no notice is sent" sh -c "! grep -E \"\$(grep 'to=<nb@err.example>' '$T/maillog' | sed 's/.*: \\([0-9A-F]*\\): to=.*/\\1/'): sender non-delivery\" '$T/maillog'"

# expiry: the lifetime is over -> every deferred recipient bounces
mta postconf -c "$T/etc" -e maximal_queue_lifetime=1s
mta postfix -c "$T/etc" reload >/dev/null 2>&1
logchk "an expired message: status=expired, returned to sender" \
    "$ID: from=<me@here.example>, status=expired, returned to sender" 15
logchk "... and is removed" "$ID: removed"
sleep 0.3
check "nothing is left in the queue" test "$(count deferred)" = 0 \
    -a "$(count active)" = 0 -a "$(count incoming)" = 0
check "no defer log is left" test "$(count defer)" = 0
mta postconf -c "$T/etc" -e maximal_queue_lifetime=5d
stop

# a crash with mail in active/: the next qmgr takes it again
start
send -f me@here.example r2@ret.example
waitlog "to=<r2@ret.example>" 10
sleep 0.3
stop
F=$(ls "$Q/deferred" | head -n 1)
[ -n "$F" ] && mv "$Q/deferred/$F" "$Q/active/$F"
start
logchk "after a crash, active/ mail is taken again" \
    "$F: from=<me@here.example>.*\(queue active\)"
stop
mta postsuper -c "$T/etc" -d ALL >/dev/null 2>&1
check "postsuper -d ALL empties the queue" test "$(count deferred)" = 0 \
    -a "$(count active)" = 0 -a "$(count incoming)" = 0

# end to end through the smtp agent ---------------------------------------
if ! "$MTA" smtp --help 2>&1 | grep -q "not built" && [ -x /usr/sbin/smtp-sink ]
then
SP=$(free_port)
BP=$(free_port)
while [ "$BP" = "$SP" ]; do BP=$(free_port); done
mkdir -p "$T/dump" "$T/bdump" && chmod 777 "$T/dump" "$T/bdump"
cat > "$T/etc/transport" <<EOF
bad.example	smtp:[127.0.0.1]:$BP
back.example	smtp:[127.0.0.1]:$SP
EOF
cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
data_directory = $T/data
maillog_file = $T/maillog
inet_interfaces = loopback-only
inet_protocols = ipv4
relayhost = [127.0.0.1]:$SP
transport_maps = texthash:$T/etc/transport
minimal_backoff_time = 1s
maximal_backoff_time = 2s
queue_run_delay = 1s
EOF
cat > "$T/etc/master.cf" <<EOF
pickup fifo n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr fifo n - n 300 1 qmgr
smtp unix - - n - - smtp
EOF
: > "$T/maillog"
start
# nothing listens on $SP yet: deferred with Postfix's reason
send -f me@back.example r1@remote.example r2@remote.example
logchk "a refused connection defers with Postfix's reason" \
    "smtp\[[0-9]+\]: [0-9A-F]+: to=<r1@remote.example>, relay=none, .*dsn=4.4.1, status=deferred \(connect to 127.0.0.1\[127.0.0.1\]:$SP: Connection refused\)"
sleep 0.3
ID=$(ls "$Q/deferred" | head -n 1)
mta postqueue -c "$T/etc" -p > "$T/mq" 2>&1
has "mailq shows the reason of the deferral" \
    "\(connect to 127.0.0.1\[127.0.0.1\]:$SP: Connection refused\)" "$T/mq"
smtp-sink -u postfix -d "$T/dump/%H%M%S." "127.0.0.1:$SP" 20 \
    >/dev/null 2>&1 &
SINK=$!
wait_port "$SP"
mta postqueue -c "$T/etc" -f >/dev/null 2>&1
logchk "then the destination accepts: status=sent with the server's reply" \
    "$ID: to=<r1@remote.example>, relay=127.0.0.1\[127.0.0.1\]:$SP, delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+, dsn=2.0.0, status=sent \(250 2.0.0"
logchk "... and the message is removed" "$ID: removed"
check "both recipients went in one SMTP transaction" \
    sh -c "cat '$T'/dump/* | grep -c '^X-Rcpt-Args' | grep -qx 2"

# a 5xx at RCPT bounces; the notice goes back to the sender, as RFC 3464
smtp-sink -u postfix -f RCPT -d "$T/bdump/%H%M%S." "127.0.0.1:$BP" 20 \
    >/dev/null 2>&1 &
BSINK=$!
wait_port "$BP"
send -f sender@back.example nobody@bad.example
logchk "a 5xx reply bounces: host said ... (in reply to RCPT TO command)" \
    "to=<nobody@bad.example>, relay=127.0.0.1\[127.0.0.1\]:$BP, .*dsn=5.3.0, status=bounced \(host 127.0.0.1\[127.0.0.1\] said: 500 5.3.0 Error: command failed \(in reply to RCPT TO command\)\)"
logchk "qmgr sends the non-delivery notification" \
    "sender non-delivery notification: [0-9A-F]+"
i=0
while [ $i -lt 50 ] && ! grep -lq "Undelivered Mail" "$T/dump"/* 2>/dev/null; do
	sleep 0.1; i=$((i + 1))
done
B=$(grep -l "Undelivered Mail" "$T/dump"/* 2>/dev/null | head -n 1)
check "the notice reached the sender's server" test -n "$B"
check "the notice is sent from the null sender" \
    grep -q "^X-Mail-Args: <>" "${B:-/dev/null}"
check "the notice is an RFC 3464 report naming the recipient and reply" \
    python3 - "${B:-/dev/null}" <<'PY'
import email, sys
from email import policy
raw = open(sys.argv[1], "rb").read()
# smtp-sink puts its X- lines and a Received: first; the message follows
m = email.message_from_bytes(raw, policy=policy.default)
assert m.get_content_type() == "multipart/report", m.get_content_type()
assert m.get_param("report-type") == "delivery-status"
parts = list(m.iter_parts())
ds = [p for p in parts if p.get_content_type() == "message/delivery-status"]
assert ds, [p.get_content_type() for p in parts]
body = ds[0].as_string()
assert "Final-Recipient: rfc822; nobody@bad.example" in body, body
assert "Action: failed" in body and "Status: 5.3.0" in body, body
assert "Diagnostic-Code: smtp; 500 5.3.0 Error: command failed" in body, body
types = [p.get_content_type() for p in parts]
assert "message/rfc822" in types or "text/rfc822-headers" in types, types
PY

# kill -9 of an agent in the middle of a delivery: the server waits 4 s
# before it answers DATA; the agent dies at once (a signal does not make
# master throttle the service); the mail is deferred, then delivered: at
# least once, never lost
stop_pid "$SINK"
rm -f "$T/dump"/*
smtp-sink -u postfix -w 4 -d "$T/dump/%H%M%S." "127.0.0.1:$SP" 20 \
    >/dev/null 2>&1 &
SINK=$!
wait_port "$SP"
send -f me@back.example k1@remote.example
i=0
AG=
while [ $i -lt 50 ] && [ -z "$AG" ]; do
	AG=$(pgrep -f "^smtp -c $T/etc" | head -n 1)
	sleep 0.1; i=$((i + 1))
done
sleep 0.3
[ -n "$AG" ] && kill -9 "$AG"
logchk "an agent killed mid-delivery: deferred (unknown mail transport error)" \
    "to=<k1@remote.example>, relay=none, .*status=deferred \(unknown mail transport error\)"
mta postqueue -c "$T/etc" -f >/dev/null 2>&1
logchk "... then delivered on the next attempt" \
    "to=<k1@remote.example>, relay=127.0.0.1.*status=sent" 20
if grep -q 'smtp: bad command startup' "$T/maillog"; then
	fail "an agent killed at once: master does not throttle smtp" \
	    "$(grep 'bad command' "$T/maillog" | head -n 1)"
else ok "an agent killed at once: master does not throttle smtp"; fi

# kill -9 of qmgr in the middle of a delivery: master starts a new qmgr,
# which takes the mail in active/ again
send -f me@back.example k2@remote.example
i=0
AG=
while [ $i -lt 50 ] && [ -z "$AG" ]; do
	AG=$(pgrep -f "^smtp -c $T/etc" | head -n 1)
	sleep 0.1; i=$((i + 1))
done
sleep 1
QM=$(pgrep -f "^qmgr -c $T/etc" | head -n 1)
[ -n "$QM" ] && kill -9 "$QM"
logchk "qmgr killed mid-delivery: the new qmgr delivers the message" \
    "to=<k2@remote.example>, relay=127.0.0.1.*status=sent" 30
# a second delivery of k2 (the new qmgr's) may still be under way
i=0
while [ $i -lt 150 ] && [ "$(count active)$(count incoming)" != 00 ]; do
	sleep 0.1; i=$((i + 1))
done
check "no mail is left behind after the kills" test "$(count deferred)" = 0 \
    -a "$(count active)" = 0 -a "$(count incoming)" = 0
check "each message reached the server at least once" \
    sh -c "grep -l '^X-Rcpt-Args: <k1@remote.example>' '$T'/dump/* >/dev/null &&
    grep -l '^X-Rcpt-Args: <k2@remote.example>' '$T'/dump/* >/dev/null"

# pflogsumm reads the log as Postfix's and counts the same deliveries
if command -v pflogsumm >/dev/null; then
	pflogsumm --syslog-name=mta "$T/maillog" > "$T/pfl" 2>&1
	NS=$(grep -c "status=sent" "$T/maillog")
	NB=$(grep -c "status=bounced" "$T/maillog")
	has "pflogsumm counts every status=sent as delivered ($NS)" \
	    "^ +$NS +delivered$" "$T/pfl"
	has "pflogsumm counts the bounces ($NB)" "^ +$NB +bounced$" "$T/pfl"
	has "pflogsumm counts deferrals" "^ +[1-9][0-9]* +deferred" "$T/pfl"
fi
stop
stop_pid "$SINK" "$BSINK"
fi

# end to end through the local agent: an alias, two mailboxes ---------------
if ! "$MTA" local --help 2>&1 | grep -q "not built"; then
mkdir -p "$T/mail" && chmod 1777 "$T/mail"
printf 'team: nobody, root\n' > "$T/etc/aliases"
mta postalias -c "$T/etc" "cdb:$T/etc/aliases"
cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
data_directory = $T/data
maillog_file = $T/maillog
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination = localhost, \$myhostname
mail_spool_directory = $T/mail
alias_maps = cdb:$T/etc/aliases
EOF
cat > "$T/etc/master.cf" <<EOF
pickup fifo n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr fifo n - n 300 1 qmgr
local unix - n n - - local
EOF
: > "$T/maillog"
start
send -f me@localhost team@localhost
logchk "local: to=<nobody@localhost>, orig_to=<team@localhost>, relay=local ... delivered to mailbox" \
    "local\[[0-9]+\]: [0-9A-F]+: to=<nobody@[a-z.]+>, orig_to=<team@localhost>, relay=local, .*status=sent \(delivered to mailbox\)"
logchk "local: the second member too" \
    "to=<root@[a-z.]+>, orig_to=<team@localhost>, relay=local, .*status=sent \(delivered to mailbox\)"
check "nobody's mailbox is nobody's" \
    test "$(stat -c %U "$T/mail/nobody" 2>/dev/null)" = nobody
check "the mailbox holds the message with Delivered-To:" \
    grep -q "^Delivered-To: team@localhost" "$T/mail/nobody"
send -f me@localhost nosuchuser@localhost
logchk "an unknown local user bounces 5.1.1" \
    "to=<nosuchuser@localhost>, relay=local, .*dsn=5.1.1, status=bounced \(unknown user: \"nosuchuser\"\)"
logchk "... and the notice goes back to the local sender" \
    "to=<me@localhost>, relay=local, .*status=bounced \(unknown user: \"me\"\)"
logchk "the undeliverable notice is not bounced again (notify_classes)" \
    "[0-9A-F]+: removed"
stop
fi
