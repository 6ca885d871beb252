#!/bin/sh
# MIT licence: see LICENSE.
#
# t-smuggle.sh - no path writes a bare CR or LF to the next hop (SMTP
# smuggling, outbound) and ORCPT is RFC 3461 4.2 syntax.  Checked:
# smtpd refuses an ORCPT whose addr-type is no atom (raw CR, control
# bytes, empty) with Postfix's reply; a message with bare CRs in its body
# goes smtpd -> queue file -> smtp agent -> tests/smtp_server.py with no
# bare CR/LF and no second transaction; a queue file edited by hand (CRs
# inside a content record, ORCPT's type and address, a recipient, the
# sender, RET and ENVID: what an older version or a hand-made file may
# hold) goes out with the content CR as a space, ORCPT left out, ENVID as
# xtext, RET left out, and the addresses refused (5.1.3, 5.1.7), over
# SMTP and LMTP.
#
# Runs as root in a private network and mount namespace (unshare -mn).
# smtpd runs inetd-style (tests/smtpd_server.py) and writes $Q/incoming;
# the agents are driven the way qmgr drives them (tests/agent_req.py).
. "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent_lib.sh"

H=mx.example.com
Q=$T/q
SPID= SERVERS=
finish() {
	[ -n "$SPID" ] && stop_pid "$SPID"
	for p in $SERVERS; do stop_pid "$p"; done
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM
netns_hosts

mkqueue || { fail "queue" "set-permissions failed"; exit 1; }
mkdir -p "$T/data" && chown postfix "$T/data"
cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
data_directory = $T/data
maillog_file = $T/maillog
myhostname = $H
mydomain = example.com
mail_owner = postfix
alias_maps =
local_recipient_maps =
smtpd_error_sleep_time = 0
mynetworks = 127.0.0.0/8
EOF
chmod 755 "$T/etc"
: > "$T/maillog" && chmod 666 "$T/maillog"

serve std

# --- smtpd: ORCPT=addr-type ";" xtext, addr-type an atom ----------------
G="220 $H ESMTP Postfix"
BAD="501 5.5.4 Error: Bad ORCPT parameter syntax"
# orcpt NAME REPLY ORCPT-VALUE: RCPT TO with ORCPT=VALUE gets REPLY
orcpt() {
	talk "$P_std" <<EOF
1
1|EHLO c.example.org\r\n
1|MAIL FROM:<s@example.org>\r\n
1|RCPT TO:<u@example.org> ORCPT=$3\r\n
1|QUIT\r\n
EOF
	got=$(sed -n 's/^\([0-9][0-9][0-9] [^|]*\)$/\1/p' "$T/out" |
	    sed -n 4p)
	if [ "$got" = "$2" ]; then ok "$1"
	else fail "$1" "RCPT got [$got], want [$2]"; fi
}
orcpt "ORCPT: raw CRs in the type" "$BAD" 'rfc822\rRSET\rQUIT;x@example.org'
orcpt "ORCPT: a control byte in the type" "$BAD" 'rfc\x01822;x@example.org'
orcpt "ORCPT: a space in the type (\\\\t)" "$BAD" 'rfc\t822;x@example.org'
orcpt "ORCPT: empty type" "$BAD" ';x@example.org'
orcpt "ORCPT: no ';'" "$BAD" 'rfc822'
orcpt "ORCPT: +0D in the address" "$BAD" 'rfc822;x+0D+0ARSET@example.org'
orcpt "ORCPT: empty address" "$BAD" 'rfc822;'
orcpt "ORCPT: rfc822;x@y accepted" "250 2.1.5 Ok" 'rfc822;x+40example.org'
orcpt "ORCPT: ';' in the address accepted" "250 2.1.5 Ok" \
    'rfc822;a;b@example.org'
orcpt "ORCPT: an atom with atext specials accepted" "250 2.1.5 Ok" \
    'x-rfc_822{~};a@example.org'

# --- smtpd -> queue -> smtp -> sink: bare CRs in the body ------------------
# queued ID-VAR < SCRIPT: talk to smtpd, the new queue id in ID
queued() {
	talk "$P_std"
	ID=$(sed -n 's/^250 2.0.0 Ok: queued as //p' "$T/out")
	[ -n "$ID" ] && [ -f "$Q/incoming/$ID" ] ||
	    { fail "queued" "$(tr '\n' '|' < "$T/out")"; return 1; }
}
# clean NAME: the transcript $T/s.log holds no CR byte, each data line
# ended with CRLF, and one transaction only
clean() {
	if tr -d '\n' < "$T/s.log" | od -An -c | grep -q '\\r'; then
		fail "$1: no bare CR on the wire" \
		    "$(tr '\r' '^' < "$T/s.log" | tr '\n' '|' | head -c 600)"
	else ok "$1: no bare CR on the wire"; fi
	if grep '^D: ' "$T/s.log" | grep -qv '\\r\\n$'; then
		fail "$1: every data line ends with CRLF" \
		    "$(grep '^D: ' "$T/s.log" | grep -v '\\r\\n$' | head -3)"
	else ok "$1: every data line ends with CRLF"; fi
	n=$(grep -c '^C: MAIL FROM' "$T/s.log")
	if [ "$n" = 1 ] && ! grep -q '^C: .*evil' "$T/s.log"; then
		ok "$1: one transaction, nothing smuggled"
	else fail "$1: one transaction, nothing smuggled" \
	    "$(grep '^C: ' "$T/s.log" | tr '\n' '|')"; fi
}

queued <<'EOF' || exit 1
1
1|EHLO c.example.org\r\n
1|MAIL FROM:<s@example.org>\r\n
1|RCPT TO:<good@example.org>\r\n
1|DATA\r\n
0|Subject: t\r\n\r\nline\r.\rMAIL FROM:<evil@example.org>\r
0|RCPT TO:<evil@example.org>\rDATA\rsmuggled\r.\r\n
1|end\r\n.\r\n
1|QUIT\r\n
EOF
srv_start python3 "$TOP/tests/smtp_server.py" 0 "$T/s.log"
req smtp "[127.0.0.1]:$P"
has "smtpd -> smtp: delivered" '^good@example.org sent 2\.0\.0 '
clean "smtpd -> smtp"
has "smtpd -> smtp: the CRs went out as spaces" \
    '^D: line \. MAIL FROM:<evil@example\.org> RCPT' "$T/s.log"

# --- a queue file edited by hand ------------------------------------------
# Made by smtpd with '~' where a CR goes, then each '~' made a CR in
# place (the same length: no offset moves); RET=HDRS becomes "H\rDS".
queued <<'EOF' || exit 1
1
1|EHLO c.example.org\r\n
1|MAIL FROM:<s@example.org> RET=HDRS ENVID=e~nv\r\n
1|RCPT TO:<good@example.org> ORCPT=rfc822~RSET~QUIT;g~o@example.org\r\n
1|RCPT TO:<b~ad@example.org>\r\n
1|DATA\r\n
1|Subject: t\r\n\r\nline~.~MAIL FROM:<evil@example.org>~DATA~\r\nend\r\n.\r\n
1|QUIT\r\n
EOF
python3 - "$Q/incoming/$ID" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    b = f.read()
    b = b.replace(b"~", b"\r").replace(b"dsn_ret=HDRS", b"dsn_ret=H\rDS")
    f.seek(0)
    f.write(b)
PY
if grep -q "$(printf 'O[0-9]* rfc822\rRSET')" "$Q/incoming/$ID"; then
	ok "queue file: CRs in place"
else fail "queue file: CRs in place" "no O record with a CR"; fi
M=$ID

for tr in smtp lmtp; do
	if [ $tr = smtp ]; then
		srv_start python3 "$TOP/tests/smtp_server.py" 0 "$T/s.log"
		nh="[127.0.0.1]:$P"
	else
		srv_start python3 "$TOP/tests/smtp_server.py" 0 "$T/s.log" \
		    --lmtp
		nh="inet:127.0.0.1:$P"
	fi
	ID=$M
	req $tr "$nh"
	clean "queue file by hand, $tr"
	has "queue file by hand, $tr: good recipient sent" \
	    '^good@example.org sent 2\.'
	has "queue file by hand, $tr: CR in the recipient: 5.1.3" \
	    "$(printf '^b\rad@example.org bounced 5\\.1\\.3 ')"
	has "queue file by hand, $tr: the 5.1.3 reason" \
	    'bounced 5\.1\.3 .* bad recipient address syntax$'
	has "queue file by hand, $tr: ORCPT with a CR in its type left out" \
	    '^C: RCPT TO:<good@example\.org>$' "$T/s.log"
	has "queue file by hand, $tr: ENVID as xtext, bad RET left out" \
	    '^C: MAIL FROM:<s@example\.org> SIZE=[0-9]+ ENVID=e\+0Dnv$' \
	    "$T/s.log"
	has "queue file by hand, $tr: content CRs as spaces" \
	    '^D: line \. MAIL FROM:<evil@example\.org> DATA \\r\\n$' \
	    "$T/s.log"
	srv_stop
done

# the sender with a CR: every recipient refused, nothing sent
queued <<'EOF' || exit 1
1
1|EHLO c.example.org\r\n
1|MAIL FROM:<s~x@example.org>\r\n
1|RCPT TO:<good@example.org>\r\n
1|DATA\r\n
1|Subject: t\r\n\r\nbody\r\n.\r\n
1|QUIT\r\n
EOF
python3 - "$Q/incoming/$ID" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    b = f.read().replace(b"~", b"\r")
    f.seek(0)
    f.write(b)
PY
srv_start python3 "$TOP/tests/smtp_server.py" 0 "$T/s.log"
req smtp "[127.0.0.1]:$P"
has "queue file by hand: CR in the sender: 5.1.7" \
    '^good@example.org bounced 5\.1\.7 .*bad sender address syntax$'
lacks "queue file by hand: CR in the sender: no MAIL FROM" '^C: MAIL'
srv_stop

# --- sendmail's relay mode (no queue; the same client) ---------------------
srv_start python3 "$TOP/tests/smtp_server.py" 0 "$T/s.log"
mkdir -p "$T/nq"
printf '%s\n' "queue_directory = $T/no-such-queue" \
    "mydomain = example.com" "myhostname = client.example.com" \
    "maillog_file = $T/nq.log" "alias_maps =" "local_recipient_maps =" \
    "sendmail_relay = [127.0.0.1]:$P" > "$T/nq/main.cf"
printf 'Subject: t\n\nline\r.\rMAIL FROM:<evil@example.org>\rDATA\r\nend\n' \
    | "$MTA" sendmail -C "$T/nq" -f s@example.org good@example.org \
    > "$T/.out" 2> "$T/.err"
check "relay mode: sent" test $? = 0
clean "relay mode"
printf 'Subject: t\n\nbody\n' | "$MTA" sendmail -C "$T/nq" -f s@example.org \
    "$(printf 'b\rad@example.org')" > "$T/.out" 2> "$T/.err"
lacks "relay mode: a recipient argument with a CR never goes out" \
    "$(printf '\r')"
srv_stop
exit 0
