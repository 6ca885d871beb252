#!/bin/sh
# MIT licence: see LICENSE.
#
# t-smtp.sh - the smtp and lmtp delivery agents, driven the way qmgr
# drives them (tests/agent_req.py), against real peers on loopback:
# Postfix's smtp-sink (SMTP and LMTP modes), a real Postfix smtpd, a
# scriptable honest-or-malicious server (tests/smtp_server.py: per
# recipient replies, stalls, dropped connections, oversized, malformed
# and 100000-line replies), and dnsmasq for MX, A, AAAA and null MX.
# Each result is checked exactly: status, DSN code, relay= and
# Postfix's reason text.
#
# Runs as root in a private network and mount namespace (unshare -mn):
# loopback only, /etc/resolv.conf and /etc/hosts bind-mounted to this
# test's own.  Queue files are made by `mta sendmail` (no master: it
# runs cleanup itself); the agent drops to mail_owner (postfix).
. "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent_lib.sh"

Q=$T/q
SPID= DPID= PFDIR=
finish() {
	[ -n "$SPID" ] && stop_pid "$SPID"
	[ -n "$DPID" ] && stop_pid "$DPID"
	[ -n "$PFDIR" ] && postfix -c "$PFDIR" stop >/dev/null 2>&1
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM

netns_hosts '127.0.0.1 native.test' '::1 native6.test'
netns_resolver

cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
maillog_file = $T/maillog
mail_owner = postfix
myhostname = client.example.com
EOF
mkqueue || { fail "queue" "set-permissions failed"; exit 1; }

# srv ARGS...: the test server on a new port $P, transcript $T/s.log
srv() {
	srv_start python3 "$TOP/tests/smtp_server.py" 0 "$T/s.log" "$@"
}
sink() {
	srv_stop
	P=$(free_port)
	/usr/sbin/smtp-sink -u postfix "$@" "127.0.0.1:$P" 10 \
	    > /dev/null 2>&1 &
	SPID=$!
	wait_port "$P" 10 || fail "smtp-sink start" "port $P"
}

R=127.0.0.1[127.0.0.1]
H=127.0.0.1[127.0.0.1]
HR='127\.0\.0\.1\[127\.0\.0\.1\]'	# $H as a regex

printf 'Subject: test\n\nbody line\n.leading dot\n' > "$T/m1"
newmsg -f sender@example.com a@example.org b@example.org < "$T/m1" ||
    fail "setup: queue a message" "sendmail failed"
M1=$ID

# --- smtp-sink: delivery, the log line ----------------------------------
if [ -x /usr/sbin/smtp-sink ]; then
	sink
	req smtp "[127.0.0.1]:$P"
	same "smtp-sink: both recipients sent" \
"a@example.org sent 2.0.0 $R:$P 250 2.0.0 Ok
b@example.org sent 2.0.0 $R:$P 250 2.0.0 Ok"
	has "log: Postfix's delivery line" \
"smtp\[[0-9]+\]: $M1: to=<a@example.org>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$P, delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+, dsn=2\.0\.0, status=sent \(250 2\.0\.0 Ok\)$" \
	    "$T/maillog"
	sink -r RCPT
	req smtp "[127.0.0.1]:$P"
	has "smtp-sink -r RCPT: deferred with the reply" \
"^a@example.org deferred 4\.[0-9.]+ $HR:$P host $HR said: 4[0-9][0-9] .* \(in reply to RCPT TO command\)$"
	sink -f RCPT
	req smtp "[127.0.0.1]:$P"
	has "smtp-sink -f RCPT: bounced" \
"^b@example.org bounced 5\.[0-9.]+ $HR:$P host $HR said: 5[0-9][0-9] .* \(in reply to RCPT TO command\)$"
	sink -q DATA
	req smtp "[127.0.0.1]:$P"
	same "smtp-sink -q DATA: lost connection" \
"a@example.org deferred 4.4.2 $R:$P lost connection with $H while sending DATA command
b@example.org deferred 4.4.2 $R:$P lost connection with $H while sending DATA command"
	sink -L
	req lmtp "inet:127.0.0.1:$P"
	same "smtp-sink -L: LMTP delivery" \
"a@example.org sent 2.2.0 $R:$P 250 2.2.0 Ok
b@example.org sent 2.2.0 $R:$P 250 2.2.0 Ok"
	srv_stop
else
	echo "# no smtp-sink: its checks skipped"
fi

# --- the conversation: EHLO, pipelining, SIZE, dot-stuffing, folding -----
long=$(python3 -c 'print("x" * 2500)')
printf 'Subject: long\n\n%s\n.%s\n..two\n' "$long" "$long" > "$T/m2"
newmsg -f sender@example.com c@example.org d@example.org < "$T/m2"
M2=$ID
srv
req smtp "[127.0.0.1]:$P"
same "server: sent" \
"c@example.org sent 2.0.0 $R:$P 250 2.0.0 Ok: queued as 4XYZ
d@example.org sent 2.0.0 $R:$P 250 2.0.0 Ok: queued as 4XYZ"
has "EHLO with myhostname" '^C: EHLO client\.example\.com$' "$T/s.log"
has "MAIL with SIZE" '^C: MAIL FROM:<sender@example\.com> SIZE=[0-9]+$' \
    "$T/s.log"
has "pipelined: RCPTs and DATA with MAIL" '^P: 3 commands$' "$T/s.log"
has "dot-stuffed line" '^D: \.\.' "$T/s.log"
has "dot-stuffed line stays stuffed" '^D: \.\.\.two\\r\\n$' "$T/s.log"
check "no line over 998 octets" python3 - "$T/s.log" <<'EOF'
import sys
n = 0
for l in open(sys.argv[1], "rb"):
    if l.startswith(b"D: "):
        for piece in l[3:].rstrip(b"\n").split(b"\\r\\n"):
            if len(piece) > 998:
                sys.exit("line of %d" % len(piece))
            n += 1
sys.exit(0 if n >= 8 else "only %d lines" % n)
EOF
check "long lines folded with CRLF SPACE, nothing lost" python3 - "$T/s.log" "$long" <<'EOF'
import sys
data = b"".join(l[3:].rstrip(b"\n") for l in open(sys.argv[1], "rb")
                if l.startswith(b"D: "))
data = data.replace(b"\\r\\n", b"\r\n")
body = data.split(b"\r\n\r\n", 1)[1].replace(b"\r\n ", b"")
want = ("%s\r\n..%s\r\n...two\r\n" % (sys.argv[2], sys.argv[2])).encode()
sys.exit(0 if body == want else "body %r" % body[:200])
EOF
srv --ehlo SIZE
ID=$M1
req smtp "[127.0.0.1]:$P"
check "without PIPELINING: one command at a time" \
    sh -c "! grep -q '^P:' '$T/s.log' && grep -q '^C: DATA' '$T/s.log'"
srv --no-ehlo
req smtp "[127.0.0.1]:$P"
has "EHLO refused: HELO, then sent" "^a@example.org sent 2.0.0" 
has "HELO with myhostname" '^C: HELO client\.example\.com$' "$T/s.log"
check "no SIZE= after HELO" sh -c "! grep -q 'SIZE=' '$T/s.log'"
srv --ehlo "SIZE 20"
req smtp "[127.0.0.1]:$P"
has "SIZE over the server's limit: bounced before MAIL" \
"^a@example.org bounced 5\.3\.4 $HR:$P message size [0-9]+ exceeds size limit 20 of server $HR$"
check "SIZE: no MAIL sent" sh -c "! grep -q '^C: MAIL' '$T/s.log'"
srv
req smtp "[127.0.0.1]:$P" -o smtp_helo_name=helo.example.net
has "smtp_helo_name" '^C: EHLO helo\.example\.net$' "$T/s.log"

# --- per-recipient and per-message replies ------------------------------
srv --rcpt "b@example.org=450 4.2.1 <b@example.org>: mailbox busy"
req smtp "[127.0.0.1]:$P"
same "RCPT 450: that recipient deferred, the other sent" \
"a@example.org sent 2.0.0 $R:$P 250 2.0.0 Ok: queued as 4XYZ
b@example.org deferred 4.2.1 $R:$P host $H said: 450 4.2.1 <b@example.org>: mailbox busy (in reply to RCPT TO command)"
srv --rcpt "a@example.org=550 5.1.1 <a@example.org>: User unknown" \
    --rcpt "b@example.org=550 5.1.1 <b@example.org>: User unknown"
req smtp "[127.0.0.1]:$P"
same "RCPT 550 for all: bounced, no DATA" \
"a@example.org bounced 5.1.1 $R:$P host $H said: 550 5.1.1 <a@example.org>: User unknown (in reply to RCPT TO command)
b@example.org bounced 5.1.1 $R:$P host $H said: 550 5.1.1 <b@example.org>: User unknown (in reply to RCPT TO command)"
check "no message after every RCPT failed" \
    sh -c "! grep -q '^D:' '$T/s.log'"
req smtp "[127.0.0.1]:$P" -o soft_bounce=yes
has "soft_bounce: 550 deferred as 4.1.1" \
    "^a@example.org deferred 4\.1\.1 $HR:$P host $HR said: 550 5\.1\.1 "
srv --reply "mail=553 5.7.1 sender rejected"
req smtp "[127.0.0.1]:$P"
same "MAIL 553: every recipient bounced" \
"a@example.org bounced 5.7.1 $R:$P host $H said: 553 5.7.1 sender rejected (in reply to MAIL FROM command)
b@example.org bounced 5.7.1 $R:$P host $H said: 553 5.7.1 sender rejected (in reply to MAIL FROM command)"
srv --reply "data=451 4.3.0 try later"
req smtp "[127.0.0.1]:$P"
has "DATA 451: deferred" \
    "^a@example.org deferred 4\.3\.0 $HR:$P host $HR said: 451 4\.3\.0 try later \(in reply to DATA command\)$"
srv --reply "dot=554 5.7.1 spam"
req smtp "[127.0.0.1]:$P"
has "end of data 554: bounced" \
    "^b@example.org bounced 5\.7\.1 $HR:$P host $HR said: 554 5\.7\.1 spam \(in reply to end of DATA command\)$"
srv --reply "greet=554 5.7.1 go away"
req smtp "[127.0.0.1]:$P"
has "5xx greeting skipped: deferred as 4.7.1" \
    "^a@example.org deferred 4\.7\.1 $HR:$P host $HR refused to talk to me: 554 5\.7\.1 go away$"
req smtp "[127.0.0.1]:$P" -o smtp_skip_5xx_greeting=no
has "smtp_skip_5xx_greeting=no: bounced" \
    "^a@example.org bounced 5\.7\.1 $HR:$P host $HR refused to talk to me: 554 5\.7\.1 go away$"
check "answered server: no dead=" sh -c "! grep -q '^dead=' '$T/out'"

# --- DSN and SMTPUTF8 ---------------------------------------------------
printf 'EHLO x\r\nMAIL FROM:<s@example.com> RET=HDRS ENVID=e+2Bnv\r\nRCPT TO:<dsn@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;orig+2B@example.org\r\nDATA\r\nSubject: dsn\r\n\r\nhi\r\n.\r\nQUIT\r\n' > "$T/dsn.in"
newmsg -bs < "$T/dsn.in" > /dev/null
srv
req smtp "[127.0.0.1]:$P"
has "DSN: RET and ENVID (xtext) on MAIL" \
    '^C: MAIL FROM:<s@example\.com> SIZE=[0-9]+ RET=HDRS ENVID=e\+2Bnv$' \
    "$T/s.log"
has "DSN: NOTIFY and ORCPT (xtext) on RCPT" \
    '^C: RCPT TO:<dsn@example\.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;orig\+2B@example\.org$' \
    "$T/s.log"
srv --ehlo PIPELINING
req smtp "[127.0.0.1]:$P"
has "no DSN offered: no DSN parameters" '^C: RCPT TO:<dsn@example\.org>$' \
    "$T/s.log"
printf 'EHLO x\r\nMAIL FROM:<s@example.com> SMTPUTF8\r\nRCPT TO:<\303\274ser@example.org>\r\nDATA\r\nSubject: utf8\r\n\r\nhi\r\n.\r\nQUIT\r\n' > "$T/u8.in"
newmsg -bs < "$T/u8.in" > /dev/null
srv --ehlo PIPELINING,8BITMIME
req smtp "[127.0.0.1]:$P"
has "SMTPUTF8 needed, not offered: bounced 5.6.7" \
    "bounced 5\.6\.7 $HR:$P SMTPUTF8 is required, but was not offered by host $HR$"
srv
req smtp "[127.0.0.1]:$P"
has "SMTPUTF8 offered: MAIL ... SMTPUTF8" \
    '^C: MAIL FROM:<s@example\.com> SIZE=[0-9]+ SMTPUTF8$' "$T/s.log"
has "SMTPUTF8 offered: sent" "sent 2\.0\.0 $HR:$P"

# --- connections that fail ----------------------------------------------
ID=$M1
srv_stop
req smtp "[127.0.0.1]:$P"
same "connection refused: deferred, destination dead" \
"a@example.org deferred 4.4.1 none connect to $H:$P: Connection refused
b@example.org deferred 4.4.1 none connect to $H:$P: Connection refused
dead=connect to $H:$P: Connection refused"
srv --close rcpt
req smtp "[127.0.0.1]:$P"
has "dropped after RCPT: lost connection" \
    "^a@example.org deferred 4\.4\.2 $HR:$P lost connection with $HR while sending RCPT TO$"
srv --close dot
req smtp "[127.0.0.1]:$P"
has "dropped after the dot: may be sent twice" \
    "^a@example.org deferred 4\.4\.2 $HR:$P lost connection with $HR while sending end of data -- message may be sent more than once$"
srv --stall greet
req smtp "[127.0.0.1]:$P" -o smtp_helo_timeout=1
has "greeting stall: timed out" \
    "^a@example.org deferred 4\.4\.2 $HR:$P conversation with $HR timed out while receiving the initial server greeting$"
check "a server that greets nothing counts as dead" grep -q '^dead=' "$T/out"
srv --stall ehlo
req smtp "[127.0.0.1]:$P" -o smtp_helo_timeout=1
has "EHLO stall: timed out" \
    "timed out while performing the EHLO handshake$"
srv --stall mail
req smtp "[127.0.0.1]:$P" -o smtp_mail_timeout=1
has "MAIL stall: smtp_mail_timeout" "timed out while sending MAIL FROM$"
srv --stall rcpt
req smtp "[127.0.0.1]:$P" -o smtp_rcpt_timeout=1
has "RCPT stall: smtp_rcpt_timeout" "timed out while sending RCPT TO$"
srv --stall data
req smtp "[127.0.0.1]:$P" -o smtp_data_init_timeout=1
has "DATA stall: smtp_data_init_timeout" \
    "timed out while sending DATA command$"
srv --stall dot
start=$(date +%s)
req smtp "[127.0.0.1]:$P" -o smtp_data_done_timeout=1
has "dot stall: smtp_data_done_timeout" \
    "timed out while sending end of data -- message may be sent more than once$"
check "stalls end within the timeouts" test $(($(date +%s) - start)) -lt 10
# a listener whose backlog is full: the SYN is dropped, connect hangs
python3 - "$T/full.port" <<'EOF' &
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
fill = []
for _ in range(4):
    c = socket.socket(); c.setblocking(False)
    try:
        c.connect(s.getsockname())
    except BlockingIOError:
        pass
    fill.append(c)
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
time.sleep(30)
EOF
FPID=$!
i=0; while [ ! -s "$T/full.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
FP=$(cat "$T/full.port")
req smtp "[127.0.0.1]:$FP" -o smtp_connect_timeout=1
has "connect timeout: Postfix's words" \
    "^a@example.org deferred 4\.4\.1 none connect to $HR:$FP: Connection timed out$"
stop_pid "$FPID"

# --- malicious replies: bounded, and a clear failure ---------------------
for k in greet:long:"receiving the initial server greeting" \
    ehlo:lines:"performing the EHLO handshake" \
    mail:garbage:"sending MAIL FROM" rcpt:nul:"sending RCPT TO" \
    data:mixed:"sending DATA command"; do
	st=${k%%:*}; rest=${k#*:}; kind=${rest%%:*}; where=${rest#*:}
	srv --raw "$st=$kind"
	req smtp "[127.0.0.1]:$P"
	has "$kind reply to $st: malformed reply, deferred" \
	    "^a@example.org deferred 4\.5\.0 $HR:$P malformed reply from $HR while $where$"
done

# --- LMTP ------------------------------------------------------------------
srv --lmtp --dot "b@example.org=452 4.2.2 <b@example.org> over quota"
req lmtp "inet:127.0.0.1:$P"
same "LMTP over TCP: a reply per recipient after the dot" \
"a@example.org sent 2.1.5 $R:$P 250 2.1.5 <a@example.org> delivered
b@example.org deferred 4.2.2 $R:$P host $H said: 452 4.2.2 <b@example.org> over quota (in reply to end of DATA command)"
has "LHLO" '^C: LHLO client\.example\.com$' "$T/s.log"
srv_stop
S=$T/lmtp.sock
python3 "$TOP/tests/smtp_server.py" "unix:$S" "$T/s.log" --lmtp \
    --dot "a@example.org=550 5.1.1 <a@example.org> unknown" &
SPID=$!
i=0; while [ ! -S "$S" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
chmod 755 "$T"
req lmtp "unix:$S"
same "LMTP over a unix socket: relay=myhostname[path]" \
"a@example.org bounced 5.1.1 client.example.com[$S] host client.example.com[$S] said: 550 5.1.1 <a@example.org> unknown (in reply to end of DATA command)
b@example.org sent 2.1.5 client.example.com[$S] 250 2.1.5 <b@example.org> delivered"
srv_stop
req lmtp "unix:$S"
has "LMTP socket gone" \
    "^a@example.org deferred 4\.4\.1 none connect to client\.example\.com\[$S\]: (No such file or directory|Connection refused)$"

# --- host lookups: /etc/hosts (native), DNS (dnsmasq) ---------------------
srv
req smtp "[native.test]:$P" -o smtp_host_lookup=native
has "smtp_host_lookup=native: /etc/hosts" \
    "^a@example.org sent 2\.0\.0 native\.test\[127\.0\.0\.1\]:$P "
req smtp "[native.test]:$P" -o disable_dns_lookups=yes
has "disable_dns_lookups=yes: /etc/hosts" \
    "^a@example.org sent 2\.0\.0 native\.test\[127\.0\.0\.1\]:$P "
req smtp "[127.0.0.9]:$P" -o "smtp_fallback_relay=[127.0.0.1]:$P"
has "smtp_fallback_relay after a refused connection" \
    "^a@example.org sent 2\.0\.0 $HR:$P "
if [ -x /usr/sbin/dnsmasq ]; then
	/usr/sbin/dnsmasq -C /dev/null --keep-in-foreground --no-resolv \
	    --no-hosts --port=53 --listen-address=127.0.0.1 --bind-interfaces \
	    --pid-file="$T/dnsmasq.pid" --log-facility="$T/dnsmasq.log" \
	    --user=root --local=/test/ \
	    --mx-host=mx.test,mx1.mx.test,10 --mx-host=mx.test,mx2.mx.test,20 \
	    --host-record=mx1.mx.test,127.0.0.9 \
	    --host-record=mx2.mx.test,127.0.0.1 \
	    --host-record=amx.test,127.0.0.1 \
	    --host-record=v6.test,::1 \
	    --mx-host=null.test,.,0 \
	    2>"$T/dnsmasq.err" &
	DPID=$!
	i=0
	while [ $i -lt 50 ]; do
		[ "$(python3 "$TOP/tests/dns_query.py" 127.0.0.1 A amx.test 0.2 | head -n 1)" = NOERROR ] && break
		sleep 0.1; i=$((i + 1))
	done
	req smtp "native.test:$P" -o "smtp_host_lookup=dns, native"
	has "dns, native: not in DNS, /etc/hosts answers" \
	    "^a@example.org sent 2\.0\.0 native\.test\[127\.0\.0\.1\]:$P "
	req smtp "mx.test:$P"
	has "MX: the first MX refuses, the second takes it" \
	    "^a@example.org sent 2\.0\.0 mx2\.mx\.test\[127\.0\.0\.1\]:$P 250 "
	has "MX: the failed MX is logged" \
	    "connect to mx1\.mx\.test\[127\.0\.0\.9\]:$P: Connection refused" \
	    "$T/maillog"
	req smtp "mx.test:$P" -o smtp_mx_address_limit=1
	has "smtp_mx_address_limit=1: only the first MX" \
	    "^a@example.org deferred 4\.4\.1 none connect to mx1\.mx\.test\[127\.0\.0\.9\]:$P: Connection refused$"
	req smtp "[mx.test]:$P"
	has "[mx.test]: no MX lookup, no address" \
	    "^a@example.org bounced 5\.4\.4 none Host or domain name not found\. Name service error for name=mx\.test type=A: Host not found$"
	req smtp "amx.test:$P"
	has "no MX: the domain's A record" \
	    "^a@example.org sent 2\.0\.0 amx\.test\[127\.0\.0\.1\]:$P "
	req smtp "null.test:$P"
	same "null MX: bounced as Postfix" \
"a@example.org bounced 5.1.0 none Domain null.test does not accept mail (nullMX)
b@example.org bounced 5.1.0 none Domain null.test does not accept mail (nullMX)"
	req smtp "nosuch.test:$P"
	has "NXDOMAIN: bounced 5.4.4" \
	    "^a@example.org bounced 5\.4\.4 none Host or domain name not found\. Name service error for name=nosuch\.test type=MX: Host not found$"
	srv_stop
	python3 "$TOP/tests/smtp_server.py" "[::1]:$P" "$T/s.log" &
	SPID=$!
	sleep 0.5
	req smtp "v6.test:$P"
	has "AAAA only: delivered over IPv6" \
	    "^a@example.org sent 2\.0\.0 v6\.test\[::1\]:$P "
	req smtp "v6.test:$P" -o inet_protocols=ipv4
	has "inet_protocols=ipv4: the AAAA is not used" \
	    "^a@example.org bounced 5\.4\.4 none Host or domain name not found"
	stop_pid "$DPID"
	DPID=
	req smtp "mx.test:$P"
	has "no name server: deferred 4.4.3, destination dead" \
	    "^a@example.org deferred 4\.4\.3 none Host or domain name not found\. Name service error for name=mx\.test type=MX: Host not found, try again$"
else
	echo "# no dnsmasq: DNS checks skipped"
fi
srv_stop

# --- a real Postfix smtpd ---------------------------------------------------
if [ -x /usr/sbin/postfix ] && [ -f /etc/postfix/master.cf ]; then
	PFDIR=$T/pfx/etc
	PP=$(free_port)
	mkdir -p "$PFDIR" "$T/pfx/q" "$T/pfx/data"
	chown postfix "$T/pfx/data"
	cat > "$PFDIR/main.cf" <<EOC
compatibility_level = 3.6
queue_directory = $T/pfx/q
data_directory = $T/pfx/data
myhostname = pf.example.net
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains = example.org
relay_recipient_maps = inline:{a@example.org=ok, c@example.org=ok}
maillog_file = $T/pfx/maillog
maillog_file_prefixes = /tmp
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_tls_security_level = none
alias_maps =
defer_transports = smtp
EOC
	sed -e "s/^smtp      inet.*/127.0.0.1:$PP inet n - n - - smtpd/" \
	    -e 's/^\([a-z][^ ]* *[a-z-]* *[-yn] *[-yn] *\)[-y]\( \)/\1n\2/' \
	    /etc/postfix/master.cf > "$PFDIR/master.cf"
	if postfix -c "$PFDIR" start >/dev/null 2>&1 && wait_port "$PP" 10; then
		ID=$M1
		req smtp "[127.0.0.1]:$PP"
		has "Postfix smtpd: a@ queued" \
		    "^a@example.org sent 2\.0\.0 $HR:$PP 250 2\.0\.0 Ok: queued as [0-9A-Za-z]+$"
		has "Postfix smtpd: b@ rejected in Postfix's words" \
		    "^b@example.org bounced 5\.1\.1 $HR:$PP host $HR said: 550 5\.1\.1 <b@example\.org>: Recipient address rejected: User unknown in relay recipient table \(in reply to RCPT TO command\)$"
		ID=$M2
		req smtp "[127.0.0.1]:$PP" -o smtp_line_length_limit=100
		has "Postfix smtpd: long lines accepted" \
		    "^c@example.org sent 2\.0\.0 $HR:$PP 250 2\.0\.0 Ok: queued as"
	else
		fail "Postfix peer" "did not start"
	fi
	postfix -c "$PFDIR" stop >/dev/null 2>&1
	PFDIR=
else
	echo "# no Postfix: real smtpd checks skipped"
fi

# --- smtp_generic_maps: local addresses made valid as mail leaves -----------
printf '%s\n' 'root@client.example.com alerts@isp.example' \
    '@localdomain.lan @isp.example' > "$T/generic"
cp "$T/etc/main.cf" "$T/main.cf.keep"
echo "smtp_generic_maps = texthash:$T/generic" >> "$T/etc/main.cf"
printf '%s\n' 'From: Root <root@client.example.com>' \
    'To: admin@localdomain.lan,' '  other@elsewhere.example' \
    'Reply-To: root@client.example.com' \
    'Subject: root@client.example.com is no address header' '' \
    'body root@client.example.com' > "$T/mg"
newmsg -f root@client.example.com admin@localdomain.lan < "$T/mg" ||
    fail "generic: queue a message" "sendmail failed"
srv
REQ_FRESH=1 req smtp "[127.0.0.1]:$P"
has "generic: delivered, reported under the original address" \
    "^admin@localdomain\.lan sent 2\.0\.0 "
has "generic: MAIL FROM mapped (user@domain)" \
    '^C: MAIL FROM:<alerts@isp\.example>' "$T/s.log"
has "generic: RCPT TO mapped (@domain)" '^C: RCPT TO:<admin@isp\.example>' \
    "$T/s.log"
has "generic: From: mapped, the phrase kept" \
    '^D: From: Root <alerts@isp\.example>\\r\\n$' "$T/s.log"
has "generic: To: mapped in a folded header" \
    '^D: To: admin@isp\.example,\\r\\n$' "$T/s.log"
has "generic: the folded line kept" '^D:   other@elsewhere\.example\\r\\n$' \
    "$T/s.log"
has "generic: Reply-To: mapped" '^D: Reply-To: alerts@isp\.example\\r\\n$' \
    "$T/s.log"
has "generic: Subject: left alone" \
    '^D: Subject: root@client\.example\.com is no' "$T/s.log"
has "generic: the body left alone" '^D: body root@client\.example\.com' \
    "$T/s.log"
has "generic: the log keeps the original recipient" \
    "to=<admin@localdomain\.lan>, relay=$HR:$P, .*status=sent" "$T/maillog"
cp "$T/main.cf.keep" "$T/etc/main.cf"

# --- sendmail without a queue: straight to the relay ------------------------
mkdir -p "$T/nq"
# nq PARAM: main.cf without a queue, the relay on $P named by PARAM
nq() {
	printf '%s\n' "queue_directory = $T/no-such-queue" \
	    "myorigin = origin.example.com" "maillog_file = $T/nq.log" \
	    "$1 = [127.0.0.1]:$P" > "$T/nq/main.cf"
}
srv
nq sendmail_relay
printf 'Subject: relayed\n\nrelay body\n.dot\n' > "$T/m3"
check_exit "relay mode: exit 0 on the relay's 250" 0 \
    "$MTA" sendmail -C "$T/nq" -f me rcpt@example.org < "$T/m3"
has "relay mode: sender qualified with myorigin" \
    '^C: MAIL FROM:<me@origin\.example\.com> SIZE=[0-9]+$' "$T/s.log"
has "relay mode: the message, dot-stuffed" '^D: \.\.dot\\r\\n$' "$T/s.log"
srv
nq sendmail_relay
echo "smtp_generic_maps = texthash:$T/generic" >> "$T/nq/main.cf"
echo '@origin.example.com @isp.example' >> "$T/generic"
check_exit "relay mode, smtp_generic_maps: sent" 0 \
    "$MTA" sendmail -C "$T/nq" -f me rcpt@example.org < "$T/m3"
has "relay mode: smtp_generic_maps maps the sender" \
    '^C: MAIL FROM:<me@isp\.example> SIZE=[0-9]+$' "$T/s.log"
srv
nq relayhost
check_exit "relay mode: relayhost when sendmail_relay is empty" 0 \
    "$MTA" sendmail -C "$T/nq" -f me rcpt@example.org < "$T/m3"
has "relay mode: relayhost got it" '^C: RCPT TO:<rcpt@example\.org>$' \
    "$T/s.log"
srv
nq sendmail_relay
printf 'To: One <one@example.org>, two@example.org\nBcc: hidden@example.org\nSubject: t\n\nbody\n' > "$T/m4"
check_exit "relay mode: sendmail -t" 0 \
    "$MTA" sendmail -C "$T/nq" -t -f me < "$T/m4"
has "relay mode -t: the To: recipients" \
    '^C: RCPT TO:<two@example\.org>' "$T/s.log"
has "relay mode -t: the Bcc: recipient" \
    '^C: RCPT TO:<hidden@example\.org>' "$T/s.log"
check "relay mode -t: Bcc: is removed" sh -c "! grep -qi '^D: Bcc' '$T/s.log'"
has "relay mode: a missing Date: is added" '^D: Date: ' "$T/s.log"
has "relay mode: a missing Message-Id: is added" \
    '^D: Message-Id: <[0-9]{14}\.[0-9A-Za-z]+@' "$T/s.log"
has "relay mode: a missing From: is added" \
    '^D: From: me@origin\.example\.com' "$T/s.log"
printf 'Subject: none\n\nbody\n' > "$T/m5"
srv
check_exit "relay mode -t without recipients: EX_USAGE, as Postfix" 64 \
    "$MTA" sendmail -C "$T/nq" -t -f me < "$T/m5"
has "relay mode -t without recipients: Postfix's message" \
    "No recipient addresses found in message header" "$T/.err"
srv --rcpt "bad@example.org=550 5.1.1 <bad@example.org>: User unknown"
nq sendmail_relay
check_exit "relay mode: a rejected recipient is EX_TEMPFAIL" 75 \
    "$MTA" sendmail -C "$T/nq" -f me bad@example.org < "$T/m3"
has "relay mode: the relay's reply shown" \
    "fatal: me\([0-9]+\): 4\.1\.1 host $HR said: 550 5\.1\.1 <bad@example\.org>: User unknown \(in reply to RCPT TO command\)" \
    "$T/.err"
srv --reply "dot=451 4.3.0 queue full"
nq sendmail_relay
check_exit "relay mode: 451 after the dot is EX_TEMPFAIL" 75 \
    "$MTA" sendmail -C "$T/nq" -f me rcpt@example.org < "$T/m3"
srv_stop
check_exit "relay mode: relay down is EX_TEMPFAIL" 75 \
    "$MTA" sendmail -C "$T/nq" -f me rcpt@example.org < "$T/m3"
has "relay mode: connect failure shown" \
    "4\.4\.1 connect to $HR:$P: Connection refused" "$T/.err"

check "every agent run answered, nothing on stderr" \
    sh -c "! grep . '$T/req.err'"
