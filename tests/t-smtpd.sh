#!/bin/sh
# MIT licence: see LICENSE.
#
# t-smtpd.sh - smtpd(8) as a client sees it: one session per connection,
# run inetd-style (tests/smtpd_server.py) without master, driven byte by
# byte (tests/smtpd_talk.py), by swaks and by Python's smtplib.  Replies
# are checked exactly; accepted mail must be in $T/q/incoming.
. "$(dirname "$0")/lib.sh"

H=mx.example.com
Q=$T/q
SERVERS=
trap 'for p in $SERVERS; do stop_pid "$p"; done; rm -rf "$T"' EXIT INT TERM

smtpd_root "mynetworks = 127.0.0.0/8"

nfiles() { find "$Q/incoming" -type f | wc -l | tr -d ' '; }

G="220 $H ESMTP Postfix"
EHLO=$(ehlo_reply "$H")

serve std
serve fbl -o smtpd_forbid_bare_newline=reject \
    -o smtpd_forbid_bare_newline_exclusions=
serve fup -o smtpd_forbid_unauth_pipelining=yes
# greets after a second: a client's early bytes are there before the 220
serve fupd -o smtpd_forbid_unauth_pipelining=yes -o smtpd_delay_reject=no \
    -o "smtpd_client_restrictions=sleep 1"
serve lax -o smtpd_forbid_unauth_pipelining=no
serve small -o message_size_limit=1000 -o smtpd_recipient_limit=3 \
    -o smtpd_recipient_overshoot_limit=2
serve errs -o smtpd_soft_error_limit=2 -o smtpd_hard_error_limit=4 \
    -o smtpd_error_sleep_time=1s
serve slow -o smtpd_timeout=2s
serve tweak -o disable_vrfy_command=yes \
    -o "smtpd_discard_ehlo_keywords=chunking, dsn, silent-discard" \
    -o smtpd_helo_required=yes
serve count -o smtpd_client_connection_count_limit=1 \
    -o smtpd_client_event_limit_exceptions=
# (wait_port's probe is the first connection of each service)
serve rate -o smtpd_client_connection_rate_limit=3 \
    -o smtpd_client_event_limit_exceptions=

# --- the protocol --------------------------------------------------------

talk "$P_std" <<'EOF'
1
1|EHLO client.example.org\r\n
1|MAIL FROM:<a@example.org> SIZE=100 BODY=8BITMIME RET=HDRS ENVID=x+2By\r\n
1|RCPT TO:<u@mx.example.com> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;u+40mx.example.com\r\n
1|DATA\r\n
1|Subject: t\r\n\r\n..stuffed\r\nbody\r\n.\r\n
1|QUIT\r\n
EOF
id=$(sed -n 's/^250 2.0.0 Ok: queued as //p' "$T/out")
same "a whole ESMTP transaction" "$G
$EHLO
250 2.1.0 Ok
250 2.1.5 Ok
354 End data with <CR><LF>.<CR><LF>
250 2.0.0 Ok: queued as $id
221 2.0.0 Bye
[closed]"
if [ -n "$id" ] && [ -f "$Q/incoming/$id" ]; then ok "queue file in incoming"
else fail "queue file in incoming" "no $Q/incoming/$id"; fi
f=$Q/incoming/$id
has "envelope: sender" '^S13 a@example.org$' "$f"
has "envelope: DSN ORCPT" '^O[0-9]+ rfc822;u@mx.example.com$' "$f"
has "envelope: DSN NOTIFY (SUCCESS|DELAY = 10)" '^N2 10$' "$f"
has "envelope: ENVID decoded" '^A13 dsn_envid=x\+y$' "$f"
has "envelope: RET=HDRS" '^A12 dsn_ret=HDRS$' "$f"
has "envelope: client attributes" '^A24 client_address=127.0.0.1$' "$f"
has "envelope: helo" '^A28 helo_name=client.example.org$' "$f"
has "envelope: remote rewriting" '^A22 rewrite_context=remote$' "$f"
has "content: dot-unstuffed" '^L8 .stuffed$' "$f"
has "log: connect" 'smtpd\[[0-9]+\]: connect from localhost\[127.0.0.1\]$' \
    "$T/maillog"
has "log: client= with the queue id" "smtpd\\[[0-9]+\\]: $id: client=localhost\\[127.0.0.1\\]\$" \
    "$T/maillog"
has "log: disconnect with command counts" 'disconnect from localhost\[127.0.0.1\] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5$' \
    "$T/maillog"

talk "$P_std" <<'EOF'
1
1|HELO a.example\r\n
1|NOOP\r\n
1|RSET\r\n
1|RSET x\r\n
1|RCPT TO:<u@mx.example.com>\r\n
1|DATA\r\n
1|MAIL TO:<a@b>\r\n
1|MAIL FROM:<a@b\r\n
1|MAIL FROM:<a@b> FOO=1\r\n
1|MAIL FROM:<a@b> SIZE=1x\r\n
1|MAIL FROM:<a@b> RET=ALL\r\n
1|MAIL FROM:<a@b> ENVID=a=b\r\n
1|MAIL FROM:<a@b> BODY=9BIT\r\n
1|MAIL FROM:<a@b> SIZE=99999999999\r\n
1|MAIL FROM:a@b\r\n
1|MAIL FROM:<c@d>\r\n
1|DATA\r\n
1|RCPT TO:<>\r\n
1|RCPT TO:<u@mx.example.com> NOTIFY=NEVER,DELAY\r\n
1|RCPT TO:<u@mx.example.com> ORCPT=rfc822\r\n
1|RCPT TO:<u@mx.example.com> XYZ\r\n
1|QUIT\r\n
EOF
same "replies to errors, as Postfix" "$G
250 $H
250 2.0.0 Ok
250 2.0.0 Ok
501 5.5.4 Syntax: RSET
503 5.5.1 Error: need MAIL command
503 5.5.1 Error: need RCPT command
501 5.5.4 Syntax: MAIL FROM:<address>
501 5.1.7 Bad sender address syntax
555 5.5.4 Unsupported option: FOO=1
501 5.5.4 Bad message size syntax
501 5.5.4 Bad RET parameter syntax
501 5.5.4 Bad ENVID parameter syntax
555 5.5.4 Unsupported option: BODY=9BIT
552 5.3.4 Message size exceeds fixed limit
250 2.1.0 Ok
503 5.5.1 Error: nested MAIL command
554 5.5.1 Error: no valid recipients
501 5.1.3 Bad recipient address syntax
501 5.5.4 Error: Bad NOTIFY parameter syntax
501 5.5.4 Error: Bad ORCPT parameter syntax
555 5.5.4 Unsupported option: XYZ
221 2.0.0 Bye
[closed]"
has "log: SIZE refusal as Postfix" 'NOQUEUE: reject: MAIL from localhost\[127.0.0.1\]: 552 5.3.4 Message size exceeds fixed limit; from=<a@b> proto=SMTP helo=<a.example>$' \
    "$T/maillog"

# a web proxy talking HTTP, and a message sent without the protocol
talk "$P_std" <<'EOF'
1
1|GET / HTTP/1.0\r\n
EOF
same "HTTP GET ends the session as Postfix" "$G
221 2.7.0 Error: I can break rules, too. Goodbye.
[closed]"
talk "$P_std" <<'EOF'
1
1|HELO a.example\r\n
1|Subject: hello\r\n
EOF
same "a header line instead of a command ends the session" "$G
250 $H
221 2.7.0 Error: I can break rules, too. Goodbye.
[closed]"
has "log: non-SMTP command" 'warning: non-SMTP command from localhost\[127.0.0.1\]: GET / HTTP/1.0' \
    "$T/maillog"

talk "$P_std" <<'EOF'
1
1|HELO a.example\r\n
1|MAIL FROM:<c@d>\r\n
1|bogus\r\n
1|\r\n
1|VRFY\r\n
1|VRFY root\r\n
1|ETRN\r\n
1|HELP\r\n
1|QUIT\r\n
EOF
same "more replies to errors" "$G
250 $H
250 2.1.0 Ok
500 5.5.2 Error: command not recognized
500 5.5.2 Error: bad syntax
501 5.5.4 Syntax: VRFY address
252 2.0.0 root
503 Error: MAIL transaction in progress
500 5.5.2 Error: command not recognized
221 2.0.0 Bye
[closed]"

talk "$P_tweak" <<'EOF'
1
1|MAIL FROM:<a@b>\r\n
1|EHLO x\r\n
1|VRFY root\r\n
1|MAIL FROM:<a@b> RET=FULL\r\n
1|MAIL FROM:<a@b>\r\n
1|RCPT TO:<u@mx.example.com>\r\n
1|BDAT 3 LAST\r\n
1|QUIT\r\n
EOF
same "discarded EHLO keywords, VRFY off, HELO required" "$G
503 5.5.1 Error: send HELO/EHLO first
250-$H
250-PIPELINING
250-SIZE 10240000
250-ETRN
250-ENHANCEDSTATUSCODES
250-8BITMIME
250 SMTPUTF8
502 5.5.1 VRFY command is disabled
555 5.5.4 Unsupported option: RET=FULL
250 2.1.0 Ok
250 2.1.5 Ok
502 5.5.1 Error: command not implemented
221 2.0.0 Bye
[closed]"

# --- SMTPUTF8 ------------------------------------------------------------

talk "$P_std" <<'EOF'
1
1|EHLO x\r\n
1|MAIL FROM:<j\xc3\xb6rg@example.org>\r\n
1|MAIL FROM:<j\xc3rg@example.org> SMTPUTF8\r\n
1|MAIL FROM:<j\xc3\xb6rg@example.org> SMTPUTF8\r\n
1|RCPT TO:<\xc3\xbc@mx.example.com>\r\n
1|QUIT\r\n
EOF
same "SMTPUTF8: declared, well-formed, or refused" "$G
$EHLO
553 5.6.7 Must declare SMTPUTF8 to send unicode address
501 5.1.7 Bad sender address syntax
250 2.1.0 Ok
250 2.1.5 Ok
221 2.0.0 Bye
[closed]"

# --- pipelining -----------------------------------------------------------

n0=$(nfiles)
talk "$P_std" <<'EOF'
1
1|EHLO x\r\n
4|MAIL FROM:<a@b>\r\nRCPT TO:<u@mx.example.com>\r\nRCPT TO:<v@mx.example.com>\r\nDATA\r\n
2|Subject: p\r\n\r\nx\r\n.\r\nQUIT\r\n
EOF
has "pipelined MAIL, RCPT, RCPT, DATA" '^354 End data'
has "pipelined dot and QUIT" '^221 2.0.0 Bye$'
[ "$(nfiles)" = $((n0 + 1)) ] && ok "pipelined message queued" ||
    fail "pipelined message queued" "$(nfiles) files, want $((n0 + 1))"

# a stuffed line longer than line_length_limit is unstuffed too (law 3)
X=$(printf '%3000s' '' | tr ' ' x)
talk "$P_std" <<EOF
1
1|EHLO client.example.org\r\n
1|MAIL FROM:<a@example.org>\r\n
1|RCPT TO:<u@mx.example.com>\r\n
1|DATA\r\n
1|Subject: long\r\n\r\n..$X\r\n.\r\n
1|QUIT\r\n
EOF
id=$(sed -n 's/^250 2.0.0 Ok: queued as //p' "$T/out")
has "a long stuffed line: first piece unstuffed" '^P[0-9]+ \.x' \
    "$Q/incoming/$id"
check "a long stuffed line: no double dot kept" \
    sh -c '! grep -Eaq "^[LP][0-9]+ \.\." "$1"' sh "$Q/incoming/$id"

# HELO/EHLO in the middle of a BDAT transaction ends it
n0=$(nfiles)
talk "$P_std" <<'EOF'
1
1|EHLO client.example.org\r\n
1|MAIL FROM:<a@example.org>\r\n
1|RCPT TO:<u@mx.example.com>\r\n
1|BDAT 5\r\nabc\r\n
1|EHLO y\r\n
1|BDAT 5 LAST\r\ndef\r\n
1|QUIT\r\n
EOF
has "EHLO ends a BDAT transaction: the next BDAT needs RCPT" \
    '^503 5.5.1 Error: need RCPT command$'
[ "$(nfiles)" = "$n0" ] && ok "EHLO ends a BDAT transaction: nothing queued" ||
    fail "EHLO ends a BDAT transaction: nothing queued" "$(nfiles) files"

# --- BDAT -----------------------------------------------------------------

n0=$(nfiles)
talk "$P_std" <<'EOF'
1
1|EHLO x\r\n
1|BDAT 5\r\nhello
1|MAIL FROM:<a@b>\r\n
1|RCPT TO:<u@mx.example.com>\r\n
1|BDAT 12\r\nSubject: b\r\n
1|DATA\r\n
1|BDAT 9\r\n\r\nline 1\r
1|BDAT 10 LAST\r\n\nline 2\r\n.
1|QUIT\r\n
EOF
id=$(sed -n 's/^250 2.0.0 Ok: queued as //p' "$T/out")
same "BDAT chunks, BDAT without MAIL, DATA during BDAT" "$G
$EHLO
503 5.5.1 Error: need RCPT command
250 2.1.0 Ok
250 2.1.5 Ok
250 2.0.0 Ok: 12 bytes
503 5.5.1 Error: DATA after BDAT
250 2.0.0 Ok: 9 bytes
250 2.0.0 Ok: queued as $id
221 2.0.0 Bye
[closed]"
has "BDAT: a CRLF split across chunks is one line end" '^L6 line 1$' \
    "$Q/incoming/$id"
has "BDAT: no dot-unstuffing, the last line without CRLF kept" '^L1 \.$' \
    "$Q/incoming/$id"
talk "$P_std" <<'EOF'
1
1|EHLO x\r\n
1|BDAT x\r\n
1|NOOP\r\n
EOF
same "malformed BDAT ends the session" "$G
$EHLO
521 5.5.4 Syntax: BDAT count [LAST]
[closed]"

# --- smuggling: only CRLF.CRLF ends DATA --------------------------------

for v in 'LF.LF:\n.\n' 'LF.CRLF:\n.\r\n' 'CRLF.LF:\r\n.\n' 'CR.CR:\r.\r' \
    'CR.CRLF:\r.\r\n'; do
	name=${v%%:*}; seq=${v#*:}
	n0=$(nfiles)
	talk "$P_std" <<EOF
1
1|EHLO x\\r\\n
3|MAIL FROM:<a@b>\\r\\nRCPT TO:<u@mx.example.com>\\r\\nDATA\\r\\n
0|Subject: s\\r\\n\\r\\nhello${seq}MAIL FROM:<evil@x>\\r\\nRCPT TO:<victim@mx.example.com>\\r\\nDATA\\r\\nsmuggled\\r\\n
1|.\\r\\n
1|QUIT\\r\\n
EOF
	c=$(grep -c '^250 2.0.0 Ok: queued' "$T/out")
	id=$(sed -n 's/^250 2.0.0 Ok: queued as //p' "$T/out")
	if [ "$c" = 1 ] && [ "$(nfiles)" = $((n0 + 1)) ] &&
	    grep -q 'MAIL FROM:<evil@x>' "$Q/incoming/$id"; then
		ok "smuggling $name: one message, the rest is content"
	else
		fail "smuggling $name" "$c queued, $(nfiles) files: $(tr '\n' '|' < "$T/out")"
	fi
done

talk "$P_fbl" <<'EOF'
1
1|EHLO x\n
EOF
same "bare LF in a command with smtpd_forbid_bare_newline=reject" "$G
550 5.5.2 $H Error: bare <LF> received
[closed]"
n0=$(nfiles)
talk "$P_fbl" <<'EOF'
1
1|EHLO x\r\n
3|MAIL FROM:<a@b>\r\nRCPT TO:<u@mx.example.com>\r\nDATA\r\n
1|a\n.\nMAIL FROM:<evil@x>\r\n.\r\n
EOF
same "bare LF in DATA with smtpd_forbid_bare_newline=reject" "$G
$EHLO
250 2.1.0 Ok
250 2.1.5 Ok
354 End data with <CR><LF>.<CR><LF>
550 5.5.2 $H Error: bare <LF> received
[closed]"
[ "$(nfiles)" = "$n0" ] && ok "bare LF reject queues nothing" ||
    fail "bare LF reject queues nothing" "$(nfiles) files"

# --- unauthorized pipelining --------------------------------------------

talk "$P_lax" <<'EOF'
1
2|HELO x\r\nNOOP\r\n
1|QUIT\r\n
EOF
same "HELO session pipelining: replied, logged" "$G
250 $H
250 2.0.0 Ok
221 2.0.0 Bye
[closed]"
has "log: improper pipelining after HELO" 'improper command pipelining after HELO from localhost\[127.0.0.1\]: NOOP' \
    "$T/maillog"
talk "$P_fup" <<'EOF'
1
1|HELO x\r\nNOOP\r\n
EOF
same "smtpd_forbid_unauth_pipelining: 554 and disconnect" "$G
554 5.5.0 Error: SMTP protocol synchronization
[closed]"
talk "$P_fupd" <<'EOF'
0|EHLO x\r\n
3
EOF
same "talking before the greeting: 554 instead of the greeting" "554 5.5.0 Error: SMTP protocol synchronization
[closed]"
has "log: pipelining after CONNECT" 'improper command pipelining after CONNECT from localhost\[127.0.0.1\]: EHLO x' \
    "$T/maillog"
n0=$(nfiles)
talk "$P_fup" <<'EOF'
1
1|HELO x\r\n
1|MAIL FROM:<a@b>\r\n
1|RCPT TO:<u@mx.example.com>\r\n
1|DATA\r\n
1|x\r\n.\r\nMAIL FROM:<evil@x>\r\n
EOF
same "commands stuffed after the dot without PIPELINING" "$G
250 $H
250 2.1.0 Ok
250 2.1.5 Ok
354 End data with <CR><LF>.<CR><LF>
554 5.5.0 Error: SMTP protocol synchronization
[closed]"
[ "$(nfiles)" = "$n0" ] && ok "stuffed message not queued" ||
    fail "stuffed message not queued" "$(nfiles) files"

# --- limits ---------------------------------------------------------------

long=$(python3 -c 'print("x" * 3000)')
talk "$P_std" <<EOF
1
1|EHLO $long\\r\\n
1|NO\\x00OP\\r\\n
1|NOOP\\r\\n
EOF
same "overlong command line and NUL byte" "$G
500 5.5.2 Error: line too long
500 5.5.2 Error: bad syntax
250 2.0.0 Ok"

talk "$P_std" 30 <<'EOF'
1
1|EHLO x\r\n
1|MAIL FROM:<a@b>\r\n
repeat|1001|1001|RCPT TO:<u@mx.example.com>\r\n
1|QUIT\r\n
EOF
c=$(grep -c '^250 2.1.5 Ok$' "$T/out")
[ "$c" = 1000 ] && ok "1000 recipients accepted" ||
    fail "1000 recipients accepted" "$c"
has "recipient 1001: 452 4.5.3" '^452 4.5.3 Error: too many recipients$'

talk "$P_small" <<'EOF'
1
1|EHLO x\r\n
1|MAIL FROM:<a@b> SIZE=2000\r\n
1|MAIL FROM:<a@b>\r\n
repeat|6|6|RCPT TO:<u@mx.example.com>\r\n
1|NOOP\r\n
EOF
same "recipient limit and overshoot count as errors" "$G
250-$H
250-PIPELINING
250-SIZE 1000
250-VRFY
250-ETRN
250-ENHANCEDSTATUSCODES
250-8BITMIME
250-DSN
250-SMTPUTF8
250 CHUNKING
552 5.3.4 Message size exceeds fixed limit
250 2.1.0 Ok
250 2.1.5 Ok
250 2.1.5 Ok
250 2.1.5 Ok
452 4.5.3 Error: too many recipients
452 4.5.3 Error: too many recipients
452 4.5.3 Error: too many recipients
250 2.0.0 Ok"
has "log: disconnect counts the overshoot" 'rcpt=5/6' "$T/maillog"

n0=$(nfiles)
big=$(python3 -c 'print("y" * 70)')
talk "$P_small" <<EOF
1
1|EHLO x\\r\\n
3|MAIL FROM:<a@b>\\r\\nRCPT TO:<u@mx.example.com>\\r\\nDATA\\r\\n
repeat|30|0|$big\\r\\n
1|.\\r\\n
1|NOOP\\r\\n
EOF
has "message over message_size_limit: read to the end, then 552" \
    '^552 5.3.4 Message size exceeds fixed limit
250 2.0.0 Ok$'
[ "$(nfiles)" = "$n0" ] && ok "oversized message not queued" ||
    fail "oversized message not queued" "$(nfiles) files"

start=$(date +%s)
talk "$P_errs" 20 <<'EOF'
1
1|a\r\n
1|b\r\n
1|c\r\n
1|d\r\n
1|e\r\n
EOF
secs=$(( $(date +%s) - start ))
same "error storm: hard limit" "$G
500 5.5.2 Error: command not recognized
500 5.5.2 Error: command not recognized
500 5.5.2 Error: command not recognized
500 5.5.2 Error: command not recognized
421 4.7.0 $H Error: too many errors
[closed]"
[ "$secs" -ge 2 ] && ok "error storm: tarpit past the soft limit" ||
    fail "error storm: tarpit past the soft limit" "took ${secs}s"
has "log: too many errors" 'too many errors after UNKNOWN from localhost\[127.0.0.1\]$' \
    "$T/maillog"

talk "$P_slow" 10 <<'EOF'
1
1|EHLO x\r\n
1
EOF
same "smtpd_timeout" "$G
$EHLO
421 4.4.2 $H Error: timeout exceeded
[closed]"
has "log: timeout after EHLO" 'timeout after EHLO from localhost\[127.0.0.1\]' \
    "$T/maillog"

# connection count: one session open, a second one is refused
python3 - "$P_count" <<'EOF' > "$T/out"
import socket, sys, time
p = int(sys.argv[1])
a = socket.create_connection(("127.0.0.1", p)); a.recv(512)
b = socket.create_connection(("127.0.0.1", p)); b.settimeout(5)
print(b.recv(512).decode().strip())
a.close(); b.close()
time.sleep(0.5)
c = socket.create_connection(("127.0.0.1", p)); c.settimeout(5)
print(c.recv(512).decode().strip())
EOF
same "smtpd_client_connection_count_limit" "421 4.7.0 $H Error: too many connections from 127.0.0.1
$G"
python3 - "$P_rate" <<'EOF' > "$T/out"
import socket, sys
p = int(sys.argv[1])
for i in range(3):
    c = socket.create_connection(("127.0.0.1", p)); c.settimeout(5)
    print(c.recv(512).decode().strip())
    c.close()
EOF
same "smtpd_client_connection_rate_limit" "$G
$G
421 4.7.0 $H Error: too many connections from 127.0.0.1"
has "log: rate limit warning" 'warning: Connection rate limit exceeded: 4 from localhost\[127.0.0.1\] for service rate' \
    "$T/maillog"

# --- real clients ---------------------------------------------------------

n0=$(nfiles)
if command -v swaks >/dev/null; then
	check "swaks over TCP" swaks --server "127.0.0.1:$P_std" \
	    --from a@example.org --to u@mx.example.com --silent 2
	check "swaks with PIPELINING" swaks --server "127.0.0.1:$P_std" \
	    --from a@example.org --to u@mx.example.com --pipeline --silent 2
	check "swaks over sendmail -bs (local)" swaks --pipe \
	    "$MTA smtpd -c $T/etc" --from a@example.org \
	    --to u@mx.example.com --silent 2
	[ "$(nfiles)" = $((n0 + 3)) ] && ok "swaks messages queued" ||
	    fail "swaks messages queued" "$(nfiles) files, want $((n0 + 3))"
fi

python3 - "$P_std" <<'EOF' > "$T/out" 2>&1
import smtplib, sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "jörg@example.org"
m["To"] = "ü@mx.example.com"
m["Subject"] = "ü"
m.set_content("grüße\n")
with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as s:
    r = s.send_message(m, mail_options=["SMTPUTF8", "BODY=8BITMIME"],
                       rcpt_options=["NOTIFY=FAILURE"])
    print("refused", r)
    s.ehlo()
    print("chunking", s.has_extn("chunking"))
EOF
same "smtplib: SMTPUTF8, 8BITMIME and DSN" "refused {}
chunking True"
