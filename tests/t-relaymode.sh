#!/bin/sh
# MIT licence: see LICENSE.
#
# t-relaymode.sh - sendmail as the real world calls it (cron, mailx,
# PHP mail(), Symfony Mailer and Laravel with `sendmail -bs`), in both of
# its modes, against a real SMTP server on loopback (tests/smtp_server.py,
# which keeps the transcript: "C: MAIL FROM:<...> BODY=8BITMIME", "D: "
# per line of the message):
#   relay mode (no queue: a chroot, a container): `sendmail -bs` speaks
#   SMTP on stdin/stdout and relays at the end of DATA, answering 250 only
#   after the relay's 250, or the relay's refusal; the message gets the
#   header work of cleanup (From: root -> root@$myorigin, Date:,
#   Message-Id:, Received:), BODY=8BITMIME for 8-bit content, and each
#   recipient's delivery line is logged as Postfix's smtp logs it;
#   queue mode (master, cleanup, qmgr, smtp): 8-bit content, or
#   Content-Transfer-Encoding: 8bit, makes the smtp client say
#   BODY=8BITMIME.
# Loopback only; every process started here is stopped by its pid.
. "${TOP:-.}/tests/lib.sh"
. "$TOP/tests/agent_lib.sh"

Q=$T/q
SPID=
finish() {
	srv_stop
	"$MTA" postfix -c "$T/etc" stop >/dev/null 2>&1
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM

srv() {
	srv_start python3 "$TOP/tests/smtp_server.py" 0 "$T/s.log" "$@"
}

# nq [LINES]: main.cf of a system without a queue, the relay on $P
mkdir -p "$T/nq"
nq() {
	printf '%s\n' "queue_directory = $T/no-such-queue" \
	    "myorigin = origin.example.com" "mydomain = example.com" \
	    "myhostname = client.example.com" "maillog_file = $T/nq.log" \
	    "alias_maps =" "local_recipient_maps =" \
	    "sendmail_relay = [127.0.0.1]:$P" "$@" > "$T/nq/main.cf"
	: > "$T/nq.log"
}

# bs < SESSION: `sendmail -bs` in relay mode; its replies in $T/out
bs() { "$MTA" sendmail -C "$T/nq" -bs > "$T/out" 2> "$T/.err"; }

# crlf < TEXT: the text with CRLF line ends, as an SMTP client sends it
crlf() { sed 's/$/\r/'; }

E=$(printf '\303\251')	# é in UTF-8: 8-bit content

# --- relay mode: sendmail -bs ---------------------------------------------
srv
nq
crlf <<EOF | bs
EHLO app.example
MAIL FROM:<root>
RCPT TO:<user>
RCPT TO:<other@example.org>
DATA
From: root
To: user, Other <other@example.org>
Cc: "Some One" <cc>
Reply-To: reply
Sender: sender
Resent-From: rfrom
Bcc: hidden
Subject: caf$E

body caf$E
.
QUIT
EOF
check "-bs relay mode: exit 0" test $? = 0
has "-bs relay mode: 250 after the relay took it, with its queue id" \
    '^250 2\.0\.0 Ok: queued as [0-9A-F]+' "$T/out"
ID=$(sed -n 's/^250 2\.0\.0 Ok: queued as \([0-9A-F]*\).*/\1/p' "$T/out" |
    tr -d '\r')
has "-bs relay mode: the relay got the message" '^C: DATA' "$T/s.log"
has "-bs relay mode: the envelope sender qualified (append_at_myorigin)" \
    '^C: MAIL FROM:<root@origin\.example\.com> SIZE=[0-9]+' "$T/s.log"
has "-bs relay mode: the envelope recipient qualified" \
    '^C: RCPT TO:<user@origin\.example\.com>' "$T/s.log"
has "-bs relay mode: From: root -> root@myorigin" \
    '^D: From: root@origin\.example\.com\\r\\n$' "$T/s.log"
has "-bs relay mode: To: addresses qualified, names kept" \
    '^D: To: user@origin\.example\.com, Other <other@example\.org>\\r\\n$' \
    "$T/s.log"
has "-bs relay mode: Cc: qualified" \
    '^D: Cc: "Some One" <cc@origin\.example\.com>\\r\\n$' "$T/s.log"
has "-bs relay mode: Reply-To: qualified" \
    '^D: Reply-To: reply@origin\.example\.com\\r' "$T/s.log"
has "-bs relay mode: Sender: qualified" \
    '^D: Sender: sender@origin\.example\.com\\r' "$T/s.log"
has "-bs relay mode: Resent-From: qualified" \
    '^D: Resent-From: rfrom@origin\.example\.com\\r' "$T/s.log"
lacks "-bs relay mode: Bcc: removed" '^D: Bcc' "$T/s.log"
has "-bs relay mode: Received: with the queue id goes first" \
    "^D: Received: by client\.example\.com \(.*\)\\\\r\\\\n\$" "$T/s.log"
has "-bs relay mode: ... its id line" "^D: 	id $ID; " "$T/s.log"
has "-bs relay mode: a missing Date: is added" \
    '^D: Date: [A-Z][a-z][a-z], [ 0-9][0-9] [A-Z][a-z][a-z] [0-9]{4} ' \
    "$T/s.log"
has "-bs relay mode: a missing Message-Id: is added, as cleanup's" \
    "^D: Message-Id: <[0-9]{14}\\.$ID@client\\.example\\.com>" "$T/s.log"
has "-bs relay mode: 8-bit content: MAIL FROM says BODY=8BITMIME" \
    '^C: MAIL FROM:<[^>]*> .*BODY=8BITMIME' "$T/s.log"
has "-bs relay mode: Postfix's delivery line, orig_to= as written" \
    "sendmail|smtpd\[[0-9]+\]: $ID: to=<user@origin\.example\.com>, orig_to=<user>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$P, delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+, dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok" \
    "$T/nq.log"
has "-bs relay mode: a delivery line for each recipient" \
    "$ID: to=<other@example\.org>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$P, .*status=sent" \
    "$T/nq.log"
has "-bs relay mode: the message-id logged, as cleanup does" \
    "$ID: message-id=<[0-9]{14}\.$ID@client\.example\.com>" "$T/nq.log"

# a header that is there already is not added again; 7-bit: no BODY=
srv
nq
crlf <<EOF | bs
HELO app.example
MAIL FROM:<me@example.org>
RCPT TO:<rcpt@example.org>
DATA
From: Me <me@example.org>
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <given@example.org>
Subject: plain

plain body
.
QUIT
EOF
has "-bs relay mode, 7-bit: 250" '^250 2\.0\.0 Ok: queued as' "$T/out"
check "-bs relay mode: a Date: given is kept, not added" \
    test "$(grep -c '^D: Date:' "$T/s.log")" = 1
check "-bs relay mode: a Message-ID: given is kept, not added" \
    test "$(grep -ci '^D: Message-Id:' "$T/s.log")" = 1
lacks "-bs relay mode, 7-bit content: no BODY=8BITMIME" 'BODY=8BITMIME'

# the relay refuses: its reply, mapped to the SMTP reply, and logged
srv --rcpt "bad@example.org=550 5.1.1 <bad@example.org>: User unknown"
nq
crlf <<EOF | bs
EHLO app.example
MAIL FROM:<me@example.org>
RCPT TO:<bad@example.org>
DATA
Subject: t

x
.
QUIT
EOF
has "-bs relay mode: the relay's 550 for the recipient is a 550" \
    '^550 5\.1\.1 host 127\.0\.0\.1\[127\.0\.0\.1\] said: 550 5\.1\.1 <bad@example\.org>: User unknown \(in reply to RCPT TO command\)' \
    "$T/out"
has "-bs relay mode: the failure is logged, status=bounced" \
    ": to=<bad@example\.org>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$P, .*dsn=5\.1\.1, status=bounced \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 550 5\.1\.1" \
    "$T/nq.log"
srv --reply "dot=451 4.3.0 queue full"
nq
crlf <<EOF | bs
EHLO app.example
MAIL FROM:<me@example.org>
RCPT TO:<rcpt@example.org>
DATA
Subject: t

x
.
QUIT
EOF
has "-bs relay mode: the relay's 451 after the dot is a 451" \
    '^451 4\.3\.0 host .* said: 451 4\.3\.0 queue full \(in reply to end of DATA command\)' \
    "$T/out"
has "-bs relay mode: ... logged as deferred" \
    ": to=<rcpt@example\.org>, .*dsn=4\.3\.0, status=deferred" "$T/nq.log"
srv_stop
nq
crlf <<EOF | bs
EHLO app.example
MAIL FROM:<me@example.org>
RCPT TO:<rcpt@example.org>
DATA
Subject: t

x
.
QUIT
EOF
has "-bs relay mode: relay down is 451 4.4.1" \
    "^451 4\.4\.1 connect to 127\.0\.0\.1\[127\.0\.0\.1\]:$P: Connection refused" \
    "$T/out"
has "-bs relay mode: ... logged with relay=none" \
    ": to=<rcpt@example\.org>, relay=none, .*dsn=4\.4\.1, status=deferred \(connect to" \
    "$T/nq.log"

# SMTP AUTH to the relay with root's own password table (mode 0600): -bs
# reads it before smtpd drops to mail_owner, as the smtp agent does
if [ "$(id -u)" = 0 ] && id postfix >/dev/null 2>&1; then
	srv --ehlo "PIPELINING,AUTH PLAIN LOGIN,8BITMIME" --auth 'joe:s3cret!'
	printf '%s\n' "[127.0.0.1]:$P joe:s3cret!" > "$T/passwd"
	chmod 600 "$T/passwd"
	nq "smtp_sasl_auth_enable = yes" "mail_owner = postfix" \
	    "smtp_sasl_password_maps = texthash:$T/passwd" \
	    "smtp_sasl_security_options = noanonymous"
	crlf <<EOF | bs
EHLO app.example
MAIL FROM:<me@example.org>
RCPT TO:<rcpt@example.org>
DATA
Subject: t

x
.
QUIT
EOF
	has "-bs relay mode as root: AUTH with root's password table" \
	    '^A: ok joe PLAIN$' "$T/s.log"
	has "-bs relay mode as root: ... and 250" \
	    '^250 2\.0\.0 Ok: queued as' "$T/out"
fi

# --- relay mode: the sendmail command --------------------------------------
srv
nq "append_dot_mydomain = yes"
printf 'From: root\nTo: user, x@host\nSubject: cron\n\nout of disk\n' |
    "$MTA" sendmail -C "$T/nq" -t > "$T/.out" 2> "$T/.err"
check "sendmail -t relay mode: exit 0" test $? = 0
has "sendmail relay mode: From: root -> root@myorigin" \
    '^D: From: root@origin\.example\.com\\r' "$T/s.log"
has "sendmail relay mode: append_dot_mydomain: user@host.mydomain" \
    '^D: To: user@origin\.example\.com, x@host\.example\.com\\r' "$T/s.log"
has "sendmail relay mode: Received: says the user id" \
    "^D: Received: by client\.example\.com \(.*, from userid $(id -u)\)" \
    "$T/s.log"
lacks "sendmail relay mode, 7-bit: no BODY=8BITMIME" 'BODY=8BITMIME'
has "sendmail relay mode: the delivery line is logged" \
    "sendmail\[[0-9]+\]: [0-9A-F]+: to=<user@origin\.example\.com>, orig_to=<user>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$P, delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+, dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok" \
    "$T/nq.log"
check "sendmail relay mode: nothing on stderr (cron mails what it sees)" \
    test ! -s "$T/.err"
# canonical maps, as cleanup applies them: envelope and headers
srv
printf 'root@origin.example.com me@isp.example\n' > "$T/canonical"
nq "sender_canonical_maps = texthash:$T/canonical"
printf 'From: root\nSubject: t\n\nx\n' |
    "$MTA" sendmail -C "$T/nq" -f root rcpt@example.org 2> "$T/.err"
has "relay mode: sender_canonical_maps in the envelope" \
    '^C: MAIL FROM:<me@isp\.example> ' "$T/s.log"
has "relay mode: sender_canonical_maps in From:" \
    '^D: From: me@isp\.example\\r' "$T/s.log"
srv
nq "sender_canonical_maps = texthash:$T/no-such-file"
printf 'Subject: t\n\nx\n' |
    "$MTA" sendmail -C "$T/nq" -f root rcpt@example.org > "$T/.out" 2> "$T/.err"
check "relay mode: a table that cannot be read: EX_TEMPFAIL" test $? = 75
has "relay mode: ... cleanup's reason" '4\.3\.0 address rewriting error' \
    "$T/.err"
lacks "relay mode: ... and nothing is sent" '^C: MAIL'
srv
nq
printf 'Subject: caf%s\n\nhello\n' "$E" |
    "$MTA" sendmail -C "$T/nq" -f me rcpt@example.org 2> "$T/.err"
has "sendmail relay mode: an 8-bit header: BODY=8BITMIME" \
    '^C: MAIL FROM:<me@origin\.example\.com> SIZE=[0-9]+ BODY=8BITMIME$' \
    "$T/s.log"
srv
nq
printf 'Content-Transfer-Encoding: 8bit\n\nseven bit\n' |
    "$MTA" sendmail -C "$T/nq" -f me rcpt@example.org 2> "$T/.err"
has "sendmail relay mode: Content-Transfer-Encoding: 8bit: BODY=8BITMIME" \
    'BODY=8BITMIME' "$T/s.log"
srv
nq "detect_8bit_encoding_header = no"
printf 'Content-Transfer-Encoding: 8bit\n\nseven bit\n' |
    "$MTA" sendmail -C "$T/nq" -f me rcpt@example.org 2> "$T/.err"
lacks "detect_8bit_encoding_header = no: the header alone does not count" \
    'BODY=8BITMIME'
srv --ehlo PIPELINING,SIZE
nq
printf 'Subject: t\n\ncaf%s\n' "$E" |
    "$MTA" sendmail -C "$T/nq" -f me rcpt@example.org 2> "$T/.err"
lacks "no BODY= to a server without 8BITMIME" 'BODY='
srv --rcpt "bad@example.org=550 5.1.1 <bad@example.org>: User unknown"
nq
printf 'Subject: t\n\nx\n' |
    "$MTA" sendmail -C "$T/nq" -f me bad@example.org 2> "$T/.err"
has "sendmail relay mode: the failure line is logged" \
    "sendmail\[[0-9]+\]: [0-9A-F]+: to=<bad@example\.org>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$P, .*dsn=5\.1\.1, status=bounced" \
    "$T/nq.log"

# --- queue mode: cleanup records 8-bit content, smtp says BODY=8BITMIME ----
srv
cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
maillog_file = $T/maillog
mail_owner = postfix
myhostname = client.example.com
myorigin = origin.example.com
inet_interfaces = loopback-only
inet_protocols = ipv4
alias_maps =
relayhost = [127.0.0.1]:$P
queue_run_delay = 1s
header_size_limit = 60
EOF
cat > "$T/etc/master.cf" <<EOF
pickup fifo n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr fifo n - n 300 1 qmgr
smtp unix - - n - - smtp
EOF
mkqueue >/dev/null 2>&1
: > "$T/maillog"
"$MTA" postfix -c "$T/etc" start > /dev/null 2>&1
# qsend SENDMAIL-ARGS... < MESSAGE: queue it, wait for its delivery line
qsend() {
	n=$(grep -c 'status=sent' "$T/maillog")
	"$MTA" sendmail -C "$T/etc" "$@" &&
	    waitfor "$T/maillog" "status=sent" 1 &&
	    i=0 && while [ "$(grep -c 'status=sent' "$T/maillog")" -le "$n" ] &&
	    [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
printf 'Subject: plain\n\nseven bit\n' | qsend -f me a@example.org
has "queue mode: delivered through qmgr and smtp" \
    "smtp\[[0-9]+\]: [0-9A-F]+: to=<a@example\.org>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$P, .*status=sent" \
    "$T/maillog"
lacks "queue mode, 7-bit: no BODY=8BITMIME" 'BODY='
: > "$T/s.log"
printf 'From: root\nSubject: t\n\ncaf%s\n' "$E" | qsend -f me b@example.org
has "queue mode: 8-bit body: MAIL FROM says BODY=8BITMIME" \
    '^C: MAIL FROM:<me@origin\.example\.com> SIZE=[0-9]+ BODY=8BITMIME$' \
    "$T/s.log"
has "queue mode: From: root -> root@myorigin (cleanup)" \
    '^D: From: root@origin\.example\.com\\r' "$T/s.log"
: > "$T/s.log"
printf 'Content-Transfer-Encoding: 8bit\n\nseven bit\n' |
    qsend -f me c@example.org
has "queue mode: Content-Transfer-Encoding: 8bit: BODY=8BITMIME" \
    '^C: MAIL FROM:<[^>]*> .*BODY=8BITMIME$' "$T/s.log"
: > "$T/s.log"
printf 'EHLO app\r\nMAIL FROM:<me>\r\nRCPT TO:<d@example.org>\r\nDATA\r\nSubject: caf%s\r\n\r\nx\r\n.\r\nQUIT\r\n' \
    "$E" | "$MTA" sendmail -C "$T/etc" -bs > "$T/out" 2>&1
has "queue mode -bs: queued" '^250 2\.0\.0 Ok: queued as' "$T/out"
waitfor "$T/maillog" "to=<d@example\.org>.*status=sent" 10
has "queue mode -bs: 8-bit header: BODY=8BITMIME" \
    '^C: MAIL FROM:<[^>]*> .*BODY=8BITMIME$' "$T/s.log"
# header_size_limit: the excess of a header goes, its line break too
: > "$T/s.log"
printf 'Subject: %s\n\t%s\nFrom: root\n\nbody\n' \
    0123456789012345678901234567890123456789 \
    0123456789012345678901234567890123456789 | qsend -f me e@example.org
has "queue mode: a header over header_size_limit is cut" \
    '^D: Subject: 0123456789012345678901234567890123456789\\r\\n$' "$T/s.log"
lacks "queue mode: ... its continuation dropped" '^D: 	0123'
has "queue mode: ... and the next header is still a header" \
    '^D: From: root@origin\.example\.com\\r' "$T/s.log"
check "queue mode: ... one empty line: the end of the headers" \
    test "$(grep -c '^D: \\r\\n$' "$T/s.log")" = 1
"$MTA" postfix -c "$T/etc" stop > /dev/null 2>&1
