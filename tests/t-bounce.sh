# MIT licence: see LICENSE.
#
# t-bounce.sh - delivery status notifications (applets/qmgr/bounce.c,
# bounce(5)).
#
# 1. The notices composed by the unit test tests/unit/bounce.c (run here
#    with $BOUNCE_OUT) go through Python's email package (policy default,
#    tests/bounce_check.py): a valid multipart/report with a message/
#    delivery-status part whose per-recipient fields parse, the original
#    attached or its headers only, Original-Recipient, Original-Envelope-
#    Id, lines under 999 octets.  The unit binary is $UNITDIR/bounce when
#    make check runs this (tests/run.sh exports UNITDIR); otherwise this
#    script runs "make units" itself and takes the one it built.
# 2. End to end under a real master: mail to a domain whose transport is
#    error: bounces; qmgr queues the notice from <> back to the sender
#    (whose domain goes to retry:, so the notice stays in the queue to be
#    read); a bounce that bounces goes to postmaster when notify_classes
#    asks (2bounce), and mail from double_bounce_sender is discarded.
# Loopback only; every process started here is stopped by its pid.
. "${TOP:-.}/tests/lib.sh"

# --- 1. composition ------------------------------------------------------
U=
if [ -n "$UNITDIR" ] && [ -x "$UNITDIR/bounce" ]; then
	U=$UNITDIR/bounce
elif make -s -C "$TOP" units >"$T/make.log" 2>&1; then
	U=$(ls -t "$TOP"/build/*/unit/bounce 2>/dev/null | head -n 1)
fi
if [ -z "$U" ] || [ ! -x "$U" ]; then
	fail "unit binary bounce" "not found ($(tail -n 3 "$T/make.log" 2>/dev/null))"
else
	mkdir -p "$T/eml"
	BOUNCE_OUT=$T/eml "$U" >"$T/unit.out" 2>"$T/unit.err"
	rc=$?
	if [ $rc = 0 ]; then ok "unit test bounce composes the notices"
	else fail "unit test bounce composes the notices" \
	    "exit $rc: $(grep FAIL "$T/unit.out" | head -n 3 | tr '\n' '|')"; fi
	python3 "$TOP/tests/bounce_check.py" "$T/eml"
fi

# --- 2. end to end -------------------------------------------------------
Q=$T/q
cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
data_directory = $T/data
maillog_file = $T/maillog
myhostname = h.example.com
mydomain = example.com
service_throttle_time = 1s
inet_interfaces = loopback-only
inet_protocols = ipv4
transport_maps = texthash:$T/etc/transport
EOF
cat > "$T/etc/transport" <<EOF
err.example	error:5.1.2 no such domain here
snd.example	retry:4.4.4 the notice waits here
h.example.com	retry:4.4.4 postmaster mail waits here
EOF
cat > "$T/etc/master.cf" <<EOF
cleanup unix n - n - 0 cleanup
pickup fifo n - n 1 1 pickup
qmgr fifo n - n 1 1 qmgr
EOF

MPID=
cleanup_master() {
	[ -n "$MPID" ] && stop_pid "$MPID"
	rm -rf "$T"
}
trap cleanup_master EXIT
trap 'exit 1' INT TERM

# waitfor FILE PATTERN: FILE matches PATTERN within 10 s
# notice QUEUEID: the queued notice as a message (with X-Envelope-From/To)
notice() {
	# the queue file, not its defer/ or bounce/ log of the same name
	f=$(find "$Q/incoming" "$Q/active" "$Q/deferred" "$Q/hold" -type f \
	    -name "$1" 2>/dev/null | head -n 1)
	[ -n "$f" ] && python3 "$TOP/tests/bounce_check.py" qf "$f"
}

if ! mta postfix start >"$T/start.out" 2>&1; then
	fail "master starts" "$(head -c 300 "$T/start.out")"
	exit 0
fi
MPID=$(tr -d ' \n' < "$Q/pid/master.pid" 2>/dev/null)

printf 'From: s@snd.example\nTo: u@err.example\n%s\n\nthe text\n' \
    'Subject: to bounce' |
    mta sendmail -f s@snd.example -V env-42 -N failure u@err.example
if waitfor "$T/maillog" ': sender non-delivery notification: [0-9A-F]+'; then
	ok "log: sender non-delivery notification"
else
	fail "log: sender non-delivery notification" \
	    "$(tail -n 5 "$T/maillog" | tr '\n' '|')"
fi
NID=$(sed -nE \
    's/.*: sender non-delivery notification: ([0-9A-Za-z]+)$/\1/p' \
    "$T/maillog" | head -n 1)
# the notice reaches qmgr, which defers it (retry:) and so keeps it
waitfor "$T/maillog" "$NID: to=<s@snd.example>.*status=deferred" >/dev/null
notice "$NID" > "$T/n1.eml"
python3 - "$T/n1.eml" <<'PY'
import email, re, sys
from email import policy
raw = open(sys.argv[1], "rb").read()
m = email.message_from_bytes(raw, policy=policy.default)
def check(name, cond, why=""):
    print(("ok - %s" if cond else "FAIL - %s: " + (why or "no")) % name)
check("e2e: the notice is queued from <> to the sender",
      m["X-Envelope-From"] == "<>" and m["X-Envelope-To"] == "<s@snd.example>",
      "%s %s" % (m["X-Envelope-From"], m["X-Envelope-To"]))
check("e2e: Subject and From",
      m["Subject"] == "Undelivered Mail Returned to Sender"
      and "MAILER-DAEMON@h.example.com" in str(m["From"]), str(m["From"]))
check("e2e: cleanup added Date and Message-Id",
      m["Date"] is not None and m["Message-Id"] is not None)
check("e2e: multipart/report",
      m.get_content_type() == "multipart/report"
      and m.get_param("report-type") == "delivery-status")
parts = m.get_payload() if m.is_multipart() else []
ok = len(parts) == 3
if ok:
    b = parts[1].get_payload()
    r = dict(b[1].items()) if len(b) > 1 else {}
    check("e2e: Final-Recipient, Action, Status",
          r.get("Final-Recipient") == "rfc822; u@err.example"
          and r.get("Action") == "failed" and r.get("Status") == "5.1.2",
          repr(r))
    check("e2e: Diagnostic-Code",
          r.get("Diagnostic-Code") == "X-Postfix; no such domain here",
          repr(r.get("Diagnostic-Code")))
    check("e2e: Original-Envelope-Id",
          b[0]["Original-Envelope-Id"] == "env-42")
    a = parts[2].get_payload(0) if parts[2].get_content_type() == \
        "message/rfc822" else None
    check("e2e: the original attached", a is not None
          and a["Subject"] == "to bounce" and "the text" in a.get_content())
else:
    check("e2e: three parts", False, repr(raw[:300]))
PY

# a bounce that bounces: dropped by default, to postmaster with 2bounce
# bounced N: the log has N "status=bounced" lines within 10 s
bounced() {
	i=0
	while [ $i -lt 100 ]; do
		[ "$(grep -c 'status=bounced' "$T/maillog")" -ge "$1" ] &&
		    return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
printf 'Subject: a bounce\n\nbounced text\n' |
    mta sendmail -f '<>' u@err.example
if bounced 2 && sleep 1 &&
    ! grep -q 'postmaster non-delivery notification' "$T/maillog"; then
	ok "a bounce bounced, default notify_classes: no double bounce"
else
	fail "a bounce bounced, default notify_classes: no double bounce" \
	    "$(tail -n 5 "$T/maillog" | tr '\n' '|')"
fi
echo 'notify_classes = 2bounce, resource, software' >> "$T/etc/main.cf"
mta postfix reload >/dev/null 2>&1
sleep 1
printf 'Subject: a second bounce\n\nbounced text\n' |
    mta sendmail -f '<>' u@err.example
if waitfor "$T/maillog" ': postmaster non-delivery notification: [0-9A-F]+'
then
	ok "2bounce: postmaster non-delivery notification"
else
	fail "2bounce: postmaster non-delivery notification" \
	    "$(tail -n 5 "$T/maillog" | tr '\n' '|')"
fi
PID2=$(sed -nE \
    's/.*: postmaster non-delivery notification: ([0-9A-Za-z]+)$/\1/p' \
    "$T/maillog" | head -n 1)
waitfor "$T/maillog" "$PID2: to=<postmaster@h.example.com>.*status=deferred" \
    >/dev/null
notice "$PID2" > "$T/n2.eml"
has "double bounce: from double_bounce_sender" \
    '^X-Envelope-From: <double-bounce@h.example.com>$' "$T/n2.eml"
has "double bounce: to postmaster" \
    '^X-Envelope-To: <postmaster@h.example.com>$' "$T/n2.eml"
has "double bounce: Postfix's subject" \
    '^Subject: Postmaster Copy: Undelivered Mail$' "$T/n2.eml"
has "double bounce: the bounced text returned" '^bounced text$' "$T/n2.eml"

# mail from double_bounce_sender that fails is discarded, never bounced
printf 'Subject: triple\n\ntext\n' |
    mta sendmail -f double-bounce@h.example.com u@err.example
if waitfor "$T/maillog" \
    'warning: [0-9A-F]+: undeliverable postmaster notification discarded'
then
	ok "from double_bounce_sender: discarded with a warning"
else
	fail "from double_bounce_sender: discarded with a warning" \
	    "$(tail -n 5 "$T/maillog" | tr '\n' '|')"
fi
c=$(grep -c 'non-delivery notification' "$T/maillog")
if [ "$c" = 2 ]; then ok "no notice for the double-bounce sender's mail"
else fail "no notice for the double-bounce sender's mail" "$c notices"; fi

mta postfix stop >/dev/null 2>&1
stop_pid "$MPID"
MPID=
