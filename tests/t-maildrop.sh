# MIT licence: see LICENSE.
#
# t-maildrop.sh - maildrop files are untrusted, and what cleanup refuses
# after sendmail exited 0 bounces.
#
# 1. Hand-written maildrop files (any local user can write one: see the
#    record format in lib/queue/queue.c and lib/queue/submit.c), as
#    nobody: a content record with an LF inside (a forged mbox "From "
#    line, a line on the wire) goes to corrupt/ with a log line naming the file; so does
#    every envelope record (sender, recipient, ORCPT, NOTIFY, full name,
#    ENVID) with a CR, LF, NUL or other control character.  A bare CR in
#    a content line becomes a space (cleanup_replace_stray_cr_lf), in a
#    local mailbox and on the wire (tests/smtp_server.py logs the raw
#    DATA lines), for maildrop files and for root's sendmail alike.
# 2. sendmail refuses control characters in its arguments (-f, -F, -V,
#    recipients) with EX_DATAERR and one line, and writes nothing.
# 3. Under a real master (pickup, cleanup, qmgr, local, smtp): mail that
#    header_checks or body_checks REJECT, or that is over
#    message_size_limit, after sendmail (as nobody, through maildrop)
#    exited 0, comes back to the sender's mailbox as a non-delivery
#    notice with cleanup's reason; maildrop and corrupt/ stay empty.
# 4. Relay mode (a relayhost, no queue): mailq says "Mail queue is empty"
#    and exits 0; sendmail's relay masks a bare CR too.
# Runs as root (setpriv for nobody).  Loopback only; every process
# started here is stopped by its pid.
. "${TOP:-.}/tests/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	fail "setup" "t-maildrop.sh needs root and setpriv"
	exit 1
fi
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

Q=$T/q
H=h.example.com
SP=$(free_port)
mkdir -p "$T/spool" && chmod 1777 "$T/spool"
cat > "$T/etc/transport" <<EOF
relay.example	smtp:[127.0.0.1]:$SP
EOF
printf '/^Subject: reject-me/ REJECT no thanks\n' > "$T/etc/hc"
printf '/^FORBIDDEN/ REJECT\n' > "$T/etc/bc"
cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
maillog_file = $T/maillog
mail_owner = postfix
myhostname = $H
mydomain = example.com
mydestination = \$myhostname
inet_interfaces = loopback-only
inet_protocols = ipv4
alias_maps =
mail_spool_directory = $T/spool
biff = no
transport_maps = texthash:$T/etc/transport
header_checks = regexp:$T/etc/hc
body_checks = regexp:$T/etc/bc
message_size_limit = 20000
# below message_size_limit, as in any real configuration: a notice
# that returned all of a message near the limit would be refused
bounce_size_limit = 5000
service_throttle_time = 1s
EOF
cat > "$T/etc/master.cf" <<EOF
pickup fifo n - n 1 1 pickup
cleanup unix n - n - 0 cleanup
qmgr fifo n - n 1 1 qmgr
local unix - n n - - local
smtp unix - - n - - smtp
EOF
mkqueue || { fail "queue" "set-permissions failed"; exit 1; }

PIDS=
cleanup_all() {
	"$MTA" postfix stop >/dev/null 2>&1
	[ -n "$PIDS" ] && stop_pid $PIDS
	rm -rf "$T"
}
trap cleanup_all EXIT
trap 'exit 1' INT TERM

count() { set -- "$Q/$1"/*; [ -e "$1" ] && echo $# || echo 0; }

# forge NAME RECORD...: maildrop/NAME written by nobody, by hand; each
# RECORD is "TYPE DATA" with Python escapes (\r, \n, \x00) in DATA
forge() {
	name=$1; shift
	nobody /usr/bin/python3 - "$Q/maildrop" "$name" "$@" <<'PY'
import os, sys
d, name = sys.argv[1], sys.argv[2]
out = b""
for r in sys.argv[3:]:
    t, _, data = r.partition(" ")
    b = data.encode("latin-1").decode("unicode_escape").encode("latin-1")
    out += t.encode() + str(len(b)).encode() + b" " + b + b"\n"
tmp = os.path.join(d, "." + name)
with open(tmp, "wb") as f:
    f.write(out)
os.chmod(tmp, 0o644)
os.rename(tmp, os.path.join(d, name))
PY
}

# to_corrupt NAME WHAT LOGTEXT: pickup moved NAME to corrupt/ and said
# LOGTEXT about maildrop/NAME; nothing was queued
to_corrupt() {
	mta pickup -1 2>"$T/.err"
	if [ -f "$Q/corrupt/$1" ] && [ ! -e "$Q/maildrop/$1" ] &&
	    [ "$(count incoming)" = 0 ] &&
	    grep -q "maildrop/$1: uid=65534: .*$3" "$T/.err"; then
		ok "maildrop: $2: to corrupt/ with a log line naming the file"
	else
		fail "maildrop: $2: to corrupt/ with a log line naming the file" \
		    "maildrop $(count maildrop) incoming $(count incoming):" \
		    "$(head -c 300 "$T/.err")"
	fi
	rm -f "$Q"/corrupt/* "$Q"/incoming/*
}

S="S nobody@$H"
R="R root@$H"

# --- 1. hand-written maildrop files, one pass of pickup -------------------
forge LF1 "$S" "$R" M "L Subject: forged" "L " \
    'L hello\nFrom evil@example.com Mon Jan  1 00:00:00 2024\nX-Forged: 1' \
    X E
to_corrupt LF1 "LF inside a content line" "line break inside a content record"
forge LF2 "$S" "$R" M "L Subject: forged" "L " 'P part\n' 'L From evil' X E
to_corrupt LF2 "LF inside a line piece" "line break inside a content record"
forge LF3 "$S" "$R" M 'L Subject: x\nBcc: evil@example.com' X E
to_corrupt LF3 "LF inside a header line" "line break inside a content record"
forge EN1 'S nobody@h\r.example.com' "$R" M "L x" X E
to_corrupt EN1 "CR in the sender" "control character in a record of type S"
forge EN2 "$S" 'R root@h.example.com\r\nRCPT TO:<evil@x>' M "L x" X E
to_corrupt EN2 "CRLF in a recipient" "control character in a record of type R"
forge EN3 "$S" 'R root\x00@h.example.com' M "L x" X E
to_corrupt EN3 "NUL in a recipient" "control character in a record of type R"
forge EN4 "$S" 'O rfc822;a@b\nX' "$R" M "L x" X E
to_corrupt EN4 "LF in an ORCPT" "control character in a record of type O"
forge EN4B "$S" 'O rfc822 NOTIFY=NEVER;a@b' "$R" M "L x" X E
to_corrupt EN4B "an ORCPT type with a space (a parameter on the wire)" \
    "malformed ORCPT record"
forge EN5 "$S" 'N 4\r' "$R" M "L x" X E
to_corrupt EN5 "CR in a NOTIFY" "control character in a record of type N"
forge EN6 'A full_name=Eve\nFrom: ceo@example.com' "$S" "$R" M "L x" X E
to_corrupt EN6 "LF in the full name" "control character in a record of type A"
forge EN7 'A dsn_envid=x\x1by' "$S" "$R" M "L x" X E
to_corrupt EN7 "ESC in the ENVID" "control character in a record of type A"
forge EN8 'T 1\n2' "$S" "$R" M "L x" X E
to_corrupt EN8 "LF in the time" "control character in a record of type T"
forge EN9 "$S" 'R root@h.example.com\x7f' M "L x" X E
to_corrupt EN9 "DEL in a recipient" "control character in a record of type R"

# --- 2. sendmail's arguments ----------------------------------------------
# argcase NAME ARG...: sendmail (postdrop: $PROG) as nobody refuses with
# 65 and one line
PROG=sendmail
argcase() {
	what=$1; shift
	printf 'Subject: t\n\nx\n' | nobody "$MTA" $PROG "$@" \
	    >"$T/.out" 2>"$T/.err"
	rc=$?
	if [ "$rc" = 65 ] && [ "$(wc -l < "$T/.err")" = 1 ] &&
	    grep -q "control character" "$T/.err" &&
	    [ "$(count maildrop)" = 0 ]; then
		ok "$PROG: $what: EX_DATAERR, one line, nothing written"
	else
		fail "$PROG: $what: EX_DATAERR, one line, nothing written" \
		    "exit $rc, maildrop $(count maildrop): $(cat "$T/.err")"
	fi
	rm -f "$Q"/maildrop/*
}
argcase "-f with a CR" -f "$(printf 'a\rb@x')" "root@$H"
argcase "-f with an LF" -f "$(printf 'a@x\nRCPT TO:<e@x>')" "root@$H"
argcase "-r with a CR" -r "$(printf 'a\r@x')" "root@$H"
argcase "a recipient with a CR" "$(printf 'root@%s\rX' "$H")"
argcase "a recipient with an ESC" "$(printf 'ro\033ot@%s' "$H")"
argcase "-F with an LF" -F "$(printf 'Eve\nFrom: ceo@x')" "root@$H"
PROG=postdrop
argcase "-f with a CR" -f "$(printf 'a\rb@x')" "root@$H"
argcase "a recipient with an LF" "$(printf 'root@%s\nX' "$H")"
PROG=sendmail
printf 'Subject: t\n\nx\n' | nobody "$MTA" sendmail -V "$(printf 'e\rv')" \
    "root@$H" >"$T/.out" 2>"$T/.err"
rc=$?
if [ "$rc" = 64 ] && [ "$(wc -l < "$T/.err")" = 1 ] &&
    [ "$(count maildrop)" = 0 ]; then
	ok "sendmail: -V with a CR: EX_USAGE, one line, nothing written"
else
	fail "sendmail: -V with a CR: EX_USAGE, one line, nothing written" \
	    "exit $rc: $(cat "$T/.err")"
fi
rm -f "$Q"/maildrop/*
# -t: a control character in a To: header line is not a recipient
printf 'To: root@%s\nSubject: t\n\nx\n' "$H" | tr 'X' '\r' |
    nobody "$MTA" sendmail -t >"$T/.out" 2>"$T/.err"
check "sendmail -t: a plain To: still works" test "$(count maildrop)" = 1
rm -f "$Q"/maildrop/*

# --- 3. under master: delivery, the wire, and bounces ---------------------
python3 "$TOP/tests/smtp_server.py" "$SP" "$T/wire.log" \
    >/dev/null 2>&1 &
PIDS="$PIDS $!"
wait_port "$SP"
if ! mta postfix start >"$T/start.out" 2>&1; then
	fail "master starts" "$(head -c 300 "$T/start.out")"
	exit 0
fi
MB=$T/spool/root
NB=$T/spool/nobody
# wait FILE PATTERN: FILE (a mailbox, the log) has PATTERN within 15 s
waitin() { waitfor "$1" "$2" 15; }

forge CR1 "$S" "$R" M "L Subject: cr-local" "L " \
    'L one\rFrom evil@example.com Mon Jan  1 00:00:00 2024' 'L two\r' X E
forge LF5 "$S" "$R" M "L Subject: lf-local" "L " \
    'L hello\nFrom evil5@example.com Mon Jan  1 00:00:00 2024\nX: y' X E
mta postqueue -f >/dev/null 2>&1
if waitin "$MB" "^one From evil"; then
	ok "maildrop: a bare CR in a line is a space in the mailbox"
else
	fail "maildrop: a bare CR in a line is a space in the mailbox" \
	    "$(tail -n 5 "$T/maillog" | tr '\n' '|')"
fi
check "the mailbox holds no CR at all" \
    python3 -c 'import sys; assert b"\r" not in open(sys.argv[1], "rb").read()' \
    "$MB"
waitin "$T/maillog" "maildrop/LF5: uid=65534: line break" >/dev/null
check "maildrop: LF in a line: corrupt/, no forged From_ line delivered" \
    sh -c "test -f '$Q/corrupt/LF5' && ! grep -q '^From evil5' '$MB'"
check "the mailbox: one message, one From_ line" \
    test "$(grep -c '^From ' "$MB")" = 1
rm -f "$Q"/corrupt/*
printf 'Subject: cr-root\n\nthree\rfour\n' | mta sendmail "root@$H"
if waitin "$MB" "^three four"; then
	ok "root's sendmail: a bare CR is a space too (cleanup)"
else
	fail "root's sendmail: a bare CR is a space too (cleanup)" \
	    "$(tail -n 5 "$T/maillog" | tr '\n' '|')"
fi

forge CR2 "$S" "R r@relay.example" M "L Subject: cr-wire" "L " \
    'L five\r.\rMAIL FROM:<evil@example.com>' X E
forge LF4 "$S" "R r@relay.example" M "L Subject: lf-wire" "L " \
    'L six\r\n.\r\nMAIL FROM:<smuggled@example.com>' X E
mta postqueue -f >/dev/null 2>&1
if waitin "$T/wire.log" "^D: five \. MAIL FROM"; then
	ok "maildrop: a bare CR goes on the wire as a space"
else
	fail "maildrop: a bare CR goes on the wire as a space" \
	    "$(grep '^D:' "$T/wire.log" | tail -n 5 | tr '\n' '|')"
fi
waitin "$T/maillog" "maildrop/LF4: uid=65534: line break" >/dev/null
check "maildrop: LF on the way to the wire: corrupt/, not sent" \
    sh -c "test -f '$Q/corrupt/LF4' && ! grep -q smuggled '$T/wire.log'"
rm -f "$Q"/corrupt/*
check "the wire: every DATA line ends in CRLF, no bare CR or LF" \
    python3 - "$T/wire.log" <<'PY'
import sys
for l in open(sys.argv[1], "rb").read().split(b"\n"):
    if l.startswith(b"D: "):
        body = l[3:]
        assert body.endswith(b"\\r\\n"), l
        assert b"\r" not in body, l
PY

# bounces: what cleanup refuses after sendmail exited 0
# bounced SUBJECT REASON NAME: nobody's sendmail exits 0; the notice with
# REASON comes back to nobody's mailbox; maildrop and corrupt/ are empty
bounced() {
	if waitin "$NB" "$2"; then
		ok "$3: the sender's mailbox has the notice with the reason"
	else
		fail "$3: the sender's mailbox has the notice with the reason" \
		    "$(tail -n 6 "$T/maillog" | tr '\n' '|')"
	fi
	check "$3: the notice says Undelivered Mail" \
	    grep -q "^Subject: Undelivered Mail Returned to Sender" "$NB"
	check "$3: maildrop and corrupt/ are empty" \
	    test "$(count maildrop)/$(count corrupt)" = 0/0
}
printf 'Subject: body-rejected\n\nFORBIDDEN words\n' |
    nobody "$MTA" sendmail "root@$H"
check "body_checks: sendmail exits 0" test $? = 0
bounced body-rejected "message content rejected" "body_checks REJECT"
check "body_checks REJECT: logged status=bounced with the reason" \
    grep -Eq "to=<root@$H>, relay=none, .*dsn=5.7.1, status=bounced \(message content rejected\)" \
    "$T/maillog"
: > "$NB"
printf 'Subject: reject-me\n\nx\n' | nobody "$MTA" sendmail "root@$H"
check "header_checks: sendmail exits 0" test $? = 0
bounced reject-me "no thanks" "header_checks REJECT with a text"
: > "$NB"
# the size: sendmail itself checks message_size_limit, so a sendmail with
# a larger limit writes the file, as one run before the limit went down
mkdir -p "$T/etc2"
sed '/^message_size_limit/d' "$T/etc/main.cf" > "$T/etc2/main.cf"
python3 -c 'print("Subject: too-big\n"); print(("y" * 70 + "\n") * 400)' |
    MAIL_CONFIG=$T/etc2 nobody "$MTA" sendmail "root@$H"
check "message_size_limit: sendmail exits 0" test $? = 0
bounced too-big "5.3.4" "message_size_limit"
check "message_size_limit: the notice gives cleanup's reason" \
    grep -qi "message size exceeds fixed limit" "$NB"
check "message_size_limit: the notice returns the headers only" \
    sh -c "! grep -q yyyyyyyyyy '$NB'"
check "no message was left in the queue" \
    test "$(count incoming)/$(count active)/$(count deferred)" = 0/0/0
mta postfix stop >/dev/null 2>&1

# --- 4. relay mode: no queue, a relayhost ---------------------------------
mkdir -p "$T/relay"
cat > "$T/relay/main.cf" <<EOF
queue_directory = $T/noqueue
relayhost = [127.0.0.1]:$SP
myhostname = $H
inet_protocols = ipv4
EOF
MAIL_CONFIG=$T/relay nobody "$MTA" mailq >"$T/.out" 2>"$T/.err"
check "relay mode: mailq exits 0" test $? = 0
check_out "relay mode: mailq says the queue is empty" "Mail queue is empty" \
    cat "$T/.out"
MAIL_CONFIG=$T/relay nobody "$MTA" postqueue -j >"$T/.out" 2>&1
check "relay mode: postqueue -j: nothing, exit 0" \
    test $? = 0 -a ! -s "$T/.out"
sed -i '/^relayhost/d' "$T/relay/main.cf"
check_exit "no queue and no relay: mailq still says the system is down" 69 \
    env MAIL_CONFIG="$T/relay" "$MTA" mailq
printf 'relayhost = [127.0.0.1]:%s\n' "$SP" >> "$T/relay/main.cf"
printf 'Subject: relay-cr\n\nseven\r.\rRSET\n' |
    MAIL_CONFIG=$T/relay nobody "$MTA" sendmail "r@relay.example"
check "relay mode: sendmail exits 0" test $? = 0
check "relay mode: a bare CR goes on the wire as a space" \
    grep -q '^D: seven \. RSET\\r\\n$' "$T/wire.log"
check "relay mode: the wire has no bare CR or LF" \
    python3 - "$T/wire.log" <<'PY'
import sys
for l in open(sys.argv[1], "rb").read().split(b"\n"):
    if l.startswith(b"D: "):
        assert l.endswith(b"\\r\\n") and b"\r" not in l, l
PY
exit 0
