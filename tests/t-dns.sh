#!/bin/sh
# MIT licence: see LICENSE.
#
# t-dns.sh - smtpd's DNS restrictions against a real name server: Debian's
# dnsmasq on 127.0.0.1:53 in a private network and mount namespace
# (unshare -mn), with /etc/resolv.conf bind-mounted to point at it, so
# only this test sees it.  A real `mta postfix start` instance serves
# one smtpd per restriction set on 127.0.0.1; clients connect from
# 127.0.0.x (tests/dns_talk.py binds the source address).  Checked
# exactly: reject_rbl_client and reject_rhsbl_sender replies (Postfix's
# default_rbl_reply), reject_unknown_{sender,recipient}_domain,
# reject_unknown_helo_hostname, reject_unknown_client_hostname, and with
# the name server stopped, that a lookup failure is a 4xx deferral,
# never a 5xx.  Every process started here is stopped by its pid; the
# namespace goes with the shell.
if [ -z "$MTA_DNS_NS" ]; then
	if [ "$(id -u)" != 0 ] || [ ! -x /usr/sbin/dnsmasq ] ||
	    ! unshare -mn true 2>/dev/null; then
		echo "# not root, no /usr/sbin/dnsmasq or no unshare -mn: DNS tests skipped"
		exit 0
	fi
	MTA_DNS_NS=1 exec unshare -mn sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

Q=$T/q
HOST=mx.example.com
OWNER=$(id -un)
id postfix >/dev/null 2>&1 && OWNER=postfix
mkdir -p "$T/d"
chown "$OWNER" "$T/d"
DPID=
finish() {
	"$MTA" postfix -c "$T/etc" stop >/dev/null 2>&1
	[ -n "$DPID" ] && stop_pid "$DPID"
	for p in $(instance_pids); do stop_pid "$p"; done
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM

# --- the namespace: loopback up, resolv.conf -> 127.0.0.1 ----------------
ip link set lo up || { fail "namespace: lo up" "ip link failed"; exit 1; }
netns_resolver

# dq TYPE NAME: ask the test's name server (tests/dns_query.py)
dq() { python3 "$TOP/tests/dns_query.py" 127.0.0.1 "$@"; }

# --- dnsmasq: the zone ---------------------------------------------------
# bl.test: 127.0.0.2 listed (A 127.0.0.2, TXT "listed")
# rhs.test: spam.test listed (A only, no TXT)
# good.test MX mx.good.test, mx.good.test A; nomx.test A only;
# anything else under test. is NXDOMAIN (local=/test/);
# 127.0.0.3 <-> client3.good.test; 127.0.0.4 -> forged.good.test (A
# 127.0.0.5); 127.0.0.6 -> noaddr.good.test (NXDOMAIN); 127.0.0.2 has no
# PTR (local=/127.in-addr.arpa/: NXDOMAIN)
start_dns() {
	/usr/sbin/dnsmasq -C /dev/null --keep-in-foreground --no-resolv \
	    --no-hosts --port=53 --listen-address=127.0.0.1 --bind-interfaces \
	    --pid-file="$T/dnsmasq.pid" --log-facility="$T/dnsmasq.log" \
	    --log-queries --user=root \
	    --local=/test/ --local=/127.in-addr.arpa/ \
	    --address=/2.0.0.127.bl.test/127.0.0.2 \
	    --txt-record=2.0.0.127.bl.test,listed \
	    --address=/spam.test.rhs.test/127.0.0.2 \
	    --mx-host=good.test,mx.good.test,10 \
	    --host-record=mx.good.test,127.0.0.1 \
	    --host-record=nomx.test,127.0.0.1 \
	    --host-record=client3.good.test,127.0.0.3 \
	    --ptr-record=4.0.0.127.in-addr.arpa,forged.good.test \
	    --address=/forged.good.test/127.0.0.5 \
	    --ptr-record=6.0.0.127.in-addr.arpa,noaddr.good.test \
	    2>"$T/dnsmasq.err" &
	DPID=$!
	i=0
	while [ $i -lt 50 ]; do
		[ "$(dq A nomx.test 0.2 | head -n 1)" = NOERROR ] && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
check "dnsmasq: start and answer" start_dns
check_out "zone: A 2.0.0.127.bl.test" "NOERROR
127.0.0.2" dq A 2.0.0.127.bl.test
check_out "zone: TXT 2.0.0.127.bl.test" "NOERROR
listed" dq TXT 2.0.0.127.bl.test
check_out "zone: MX good.test" "NOERROR
10 mx.good.test" dq MX good.test
check_out "zone: good.test has no A" "NOERROR" dq A good.test
check_out "zone: A nomx.test" "NOERROR
127.0.0.1" dq A nomx.test
check_out "zone: nomx.test has no MX" "NOERROR" dq MX nomx.test
check_out "zone: bad.test is NXDOMAIN" "NXDOMAIN" dq MX bad.test
check_out "zone: 127.0.0.2 has no PTR" "NXDOMAIN" dq PTR 2.0.0.127.in-addr.arpa
check_out "zone: resolv.conf in the namespace" "nameserver 127.0.0.1" \
    head -n 1 /etc/resolv.conf

# --- the mta instance: one smtpd per restriction set ---------------------
ports=
newport() {
	while :; do
		p=$(free_port)
		case " $ports " in *" $p "*) continue ;; esac
		ports="$ports $p"; echo "$p"; return
	done
}
P_RBL=$(newport); P_RBLF=$(newport); P_RHS=$(newport); P_SND=$(newport)
P_RCP=$(newport); P_HELO=$(newport); P_CLI=$(newport); P_REV=$(newport)
P_DEF=$(newport); P_550=$(newport); P_H550=$(newport); P_C550=$(newport)
P_R550=$(newport)
cat > "$T/etc/main.cf" <<EOC
queue_directory = $Q
data_directory = $T/d
maillog_file = $T/maillog
mail_owner = $OWNER
myhostname = $HOST
mydomain = example.com
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
alias_maps =
local_recipient_maps =
smtpd_error_sleep_time = 0
service_throttle_time = 1s
EOC
cat > "$T/etc/master.cf" <<EOC
127.0.0.1:$P_RBL inet n - n - - smtpd
  -o smtpd_client_restrictions=reject_rbl_client,bl.test
127.0.0.1:$P_RBLF inet n - n - - smtpd
  -o smtpd_client_restrictions=reject_rbl_client,bl.test=127.0.0.3
127.0.0.1:$P_RHS inet n - n - - smtpd
  -o smtpd_sender_restrictions=reject_rhsbl_sender,rhs.test
127.0.0.1:$P_SND inet n - n - - smtpd
  -o smtpd_sender_restrictions=reject_unknown_sender_domain
127.0.0.1:$P_RCP inet n - n - - smtpd
  -o smtpd_recipient_restrictions=reject_unknown_recipient_domain
127.0.0.1:$P_HELO inet n - n - - smtpd
  -o smtpd_helo_required=yes
  -o smtpd_helo_restrictions=reject_unknown_helo_hostname
127.0.0.1:$P_CLI inet n - n - - smtpd
  -o smtpd_client_restrictions=reject_unknown_client_hostname
127.0.0.1:$P_REV inet n - n - - smtpd
  -o smtpd_client_restrictions=reject_unknown_reverse_client_hostname
127.0.0.1:$P_DEF inet n - n - - smtpd
  -o smtpd_sender_restrictions=reject_unknown_sender_domain
  -o unknown_address_tempfail_action=defer
127.0.0.1:$P_550 inet n - n - - smtpd
  -o smtpd_sender_restrictions=reject_unknown_sender_domain
  -o unknown_address_reject_code=550
127.0.0.1:$P_H550 inet n - n - - smtpd
  -o smtpd_helo_restrictions=reject_unknown_helo_hostname
  -o unknown_hostname_reject_code=550
127.0.0.1:$P_C550 inet n - n - - smtpd
  -o smtpd_client_restrictions=reject_unknown_client_hostname
  -o unknown_client_reject_code=550
127.0.0.1:$P_R550 inet n - n - - smtpd
  -o smtpd_client_restrictions=reject_unknown_reverse_client_hostname
  -o unknown_client_reject_code=550
cleanup unix n - n - 0 cleanup
EOC
start() {
	"$MTA" postfix -c "$T/etc" start > "$T/start.out" 2>&1 || return 1
	for p in $ports; do wait_port "$p" 10 || return 1; done
}
check "mta postfix start" start

# talk SOURCE PORT [TIMEOUT] < SCRIPT: a session from SOURCE, in $T/out
talk() { python3 "$TOP/tests/dns_talk.py" "$@" > "$T/out"; }

# same NAME EXPECTED: $T/out is exactly EXPECTED
same() {
	if [ "$(cat "$T/out")" = "$2" ]; then ok "$1"
	else fail "$1" "got [$(tr '\n' '|' < "$T/out" | head -c 800)]" \
	    "want [$(printf %s "$2" | tr '\n' '|')]"; fi
}

# has NAME PATTERN [FILE]: FILE ($T/out) matches grep -E PATTERN
has() {
	if grep -Eq -- "$2" "${3:-$T/out}"; then ok "$1"
	else fail "$1" "[$(tr '\n' '|' < "${3:-$T/out}" | tail -c 600)] lacks /$2/"; fi
}

# mailrcpt NAME SOURCE PORT FROM TO RCPTREPLY: HELO, MAIL, RCPT, QUIT; the
# RCPT reply is RCPTREPLY (delayed client and sender restrictions fire there)
mailrcpt() {
	printf '1|\n1|HELO client.example\\r\\n\n1|MAIL FROM:<%s>\\r\\n\n1|RCPT TO:<%s>\\r\\n\n1|QUIT\\r\\n\n' \
	    "$4" "$5" | talk "$2" "$3" 20
	same "$1" "220 $HOST ESMTP Postfix
250 $HOST
250 2.1.0 Ok
$6
221 2.0.0 Bye
[closed]"
}
OK="250 2.1.5 Ok"

# --- 1. reject_rbl_client ------------------------------------------------
mailrcpt "rbl: listed 127.0.0.2 rejected at RCPT, TXT as reason" \
    127.0.0.2 "$P_RBL" a@good.test b@good.test \
    "554 5.7.1 Service unavailable; Client host [127.0.0.2] blocked using bl.test; listed"
mailrcpt "rbl: 127.0.0.1 not listed: 250" \
    127.0.0.1 "$P_RBL" a@good.test b@good.test "$OK"
mailrcpt "rbl: bl.test=127.0.0.3 filter, answer 127.0.0.2: 250" \
    127.0.0.2 "$P_RBLF" a@good.test b@good.test "$OK"
has "rbl: smtpd asked the name server for 2.0.0.127.bl.test" \
    'query\[A\] 2\.0\.0\.127\.bl\.test from 127\.0\.0\.1' "$T/dnsmasq.log"
has "rbl: maillog has the reject" \
    'NOQUEUE: reject: RCPT from [^ ]*\[127\.0\.0\.2\]: 554 5\.7\.1 Service unavailable; Client host \[127\.0\.0\.2\] blocked using bl\.test; listed;' \
    "$T/maillog"

# --- reject_rhsbl_sender: a listing without TXT, no "; reason" -----------
mailrcpt "rhsbl: sender domain listed, no TXT" \
    127.0.0.1 "$P_RHS" a@spam.test b@good.test \
    "554 5.7.1 Service unavailable; Sender address [a@spam.test] blocked using rhs.test"
mailrcpt "rhsbl: sender domain not listed: 250" \
    127.0.0.1 "$P_RHS" a@good.test b@good.test "$OK"

# --- 2. reject_unknown_sender_domain -------------------------------------
mailrcpt "sender: MX domain good.test: 250" \
    127.0.0.1 "$P_SND" a@good.test b@good.test "$OK"
mailrcpt "sender: A-only domain nomx.test: 250" \
    127.0.0.1 "$P_SND" a@nomx.test b@good.test "$OK"
mailrcpt "sender: NXDOMAIN bad.test: 450 Domain not found" \
    127.0.0.1 "$P_SND" a@bad.test b@good.test \
    "450 4.1.8 <a@bad.test>: Sender address rejected: Domain not found"
mailrcpt "sender: unknown_address_reject_code=550 applies to NXDOMAIN" \
    127.0.0.1 "$P_550" a@bad.test b@good.test \
    "550 5.1.8 <a@bad.test>: Sender address rejected: Domain not found"
mailrcpt "sender: null sender is not looked up: 250" \
    127.0.0.1 "$P_SND" "" b@good.test "$OK"

# --- 3. reject_unknown_recipient_domain ----------------------------------
mailrcpt "recipient: MX domain good.test: 250" \
    127.0.0.1 "$P_RCP" a@bad.test b@good.test "$OK"
mailrcpt "recipient: A-only domain nomx.test: 250" \
    127.0.0.1 "$P_RCP" a@bad.test b@nomx.test "$OK"
mailrcpt "recipient: NXDOMAIN bad.test: 450 Domain not found" \
    127.0.0.1 "$P_RCP" a@good.test b@bad.test \
    "450 4.1.2 <b@bad.test>: Recipient address rejected: Domain not found"

# --- reject_unknown_helo_hostname ----------------------------------------
# heloscript HELONAME: HELO, MAIL, RCPT, QUIT
heloscript() {
	printf '1|\n1|HELO %s\\r\\n\n1|MAIL FROM:<a@good.test>\\r\\n\n1|RCPT TO:<b@good.test>\\r\\n\n1|QUIT\\r\\n\n' "$1"
}
heloscript nomx.test | talk 127.0.0.1 "$P_HELO" 20
same "helo: nomx.test (A) passes" "220 $HOST ESMTP Postfix
250 $HOST
250 2.1.0 Ok
$OK
221 2.0.0 Bye
[closed]"
heloscript bad.test | talk 127.0.0.1 "$P_HELO" 20
same "helo: bad.test (NXDOMAIN): 450 Host not found" "220 $HOST ESMTP Postfix
250 $HOST
250 2.1.0 Ok
450 4.7.1 <bad.test>: Helo command rejected: Host not found
221 2.0.0 Bye
[closed]"

heloscript bad.test | talk 127.0.0.1 "$P_H550" 20
same "helo: unknown_hostname_reject_code=550 applies to NXDOMAIN" \
    "220 $HOST ESMTP Postfix
250 $HOST
250 2.1.0 Ok
550 5.7.1 <bad.test>: Helo command rejected: Host not found
221 2.0.0 Bye
[closed]"

# --- client names: PTR, then forward confirmation ------------------------
mailrcpt "client: 127.0.0.3 <-> client3.good.test passes" \
    127.0.0.3 "$P_CLI" a@good.test b@good.test "$OK"
has "client: maillog names client3.good.test[127.0.0.3]" \
    'connect from client3\.good\.test\[127\.0\.0\.3\]' "$T/maillog"
mailrcpt "client: 127.0.0.2 without PTR: 450 cannot find your hostname" \
    127.0.0.2 "$P_CLI" a@good.test b@good.test \
    "450 4.7.25 Client host rejected: cannot find your hostname, [127.0.0.2]"
mailrcpt "client: 127.0.0.4 PTR not confirmed by A: 450" \
    127.0.0.4 "$P_CLI" a@good.test b@good.test \
    "450 4.7.25 Client host rejected: cannot find your hostname, [127.0.0.4]"
mailrcpt "client: 127.0.0.4 has a reverse name: reverse check passes" \
    127.0.0.4 "$P_REV" a@good.test b@good.test "$OK"
mailrcpt "client: 127.0.0.2 without PTR: reverse check 450" \
    127.0.0.2 "$P_REV" a@good.test b@good.test \
    "450 4.7.1 Client host rejected: cannot find your reverse hostname, [127.0.0.2]"
mailrcpt "client: PTR without matching A, unknown_client_reject_code=550" \
    127.0.0.4 "$P_C550" a@good.test b@good.test \
    "550 5.7.25 Client host rejected: cannot find your hostname, [127.0.0.4]"
has "client: maillog warns of the unconfirmed name" \
    'warning: hostname forged\.good\.test does not resolve to address 127\.0\.0\.4$' \
    "$T/maillog"
mailrcpt "client: PTR name without any address: 550" \
    127.0.0.6 "$P_C550" a@good.test b@good.test \
    "550 5.7.25 Client host rejected: cannot find your hostname, [127.0.0.6]"
has "client: maillog: the PTR name has no address" \
    'warning: hostname noaddr\.good\.test does not resolve to address 127\.0\.0\.6: Name or service not known' \
    "$T/maillog"
mailrcpt "client: no PTR, unknown_client_reject_code=550: 550" \
    127.0.0.2 "$P_C550" a@good.test b@good.test \
    "550 5.7.25 Client host rejected: cannot find your hostname, [127.0.0.2]"
mailrcpt "client: no PTR, reverse check with code 550: 550" \
    127.0.0.2 "$P_R550" a@good.test b@good.test \
    "550 5.7.1 Client host rejected: cannot find your reverse hostname, [127.0.0.2]"
# a good PTR and A: accepted, and the name in the log and Received:
printf '1|\n1|HELO client.example\\r\\n\n1|MAIL FROM:<a@good.test>\\r\\n\n1|RCPT TO:<b@good.test>\\r\\n\n1|DATA\\r\\n\n1|Subject: named\\r\\n\\r\\nbody\\r\\n.\\r\\n\n1|QUIT\\r\\n\n' |
    talk 127.0.0.3 "$P_C550" 20
id=$(sed -n 's/^250 2.0.0 Ok: queued as //p' "$T/out")
check "client: verified name, code 550: message accepted" test -n "$id"
has "client: maillog: client=client3.good.test[127.0.0.3]" \
    "smtpd\[[0-9]+\]: $id: client=client3\.good\.test\[127\.0\.0\.3\]\$" \
    "$T/maillog"
has "client: Received: names client3.good.test" \
    'Received: from client\.example \(client3\.good\.test \[127\.0\.0\.3\]\)' \
    "$Q/incoming/$id"

# --- 4. the name server down: 4xx, never 5xx -----------------------------
stop_pid "$DPID"
DPID=
check_out "dnsmasq stopped: no answer" "TIMEOUT" dq A nomx.test 0.5
mailrcpt "dns down: sender domain: 450 (defer_if_permit)" \
    127.0.0.1 "$P_SND" a@good.test b@good.test \
    "450 4.1.8 <a@good.test>: Sender address rejected: Domain not found"
mailrcpt "dns down: unknown_address_reject_code=550 still 450" \
    127.0.0.1 "$P_550" a@good.test b@good.test \
    "450 4.1.8 <a@good.test>: Sender address rejected: Domain not found"
mailrcpt "dns down: unknown_address_tempfail_action=defer: 450" \
    127.0.0.1 "$P_DEF" a@good.test b@good.test \
    "450 4.1.8 <a@good.test>: Sender address rejected: Domain not found"
mailrcpt "dns down: recipient domain: 450" \
    127.0.0.1 "$P_RCP" a@good.test b@x.test \
    "450 4.1.2 <b@x.test>: Recipient address rejected: Domain not found"
heloscript bad.test | talk 127.0.0.1 "$P_HELO" 20
same "dns down: helo: 450 Host not found" "220 $HOST ESMTP Postfix
250 $HOST
250 2.1.0 Ok
450 4.7.1 <bad.test>: Helo command rejected: Host not found
221 2.0.0 Bye
[closed]"
heloscript bad.test | talk 127.0.0.1 "$P_H550" 20
same "dns down: helo: unknown_hostname_reject_code=550 still 450" \
    "220 $HOST ESMTP Postfix
250 $HOST
250 2.1.0 Ok
450 4.7.1 <bad.test>: Helo command rejected: Host not found
221 2.0.0 Bye
[closed]"
mailrcpt "dns down: client name: 450 although unknown_client_reject_code=550" \
    127.0.0.2 "$P_C550" a@good.test b@good.test \
    "450 4.7.25 Client host rejected: cannot find your hostname, [127.0.0.2]"
mailrcpt "dns down: a name that resolved before: 450 now" \
    127.0.0.3 "$P_C550" a@good.test b@good.test \
    "450 4.7.25 Client host rejected: cannot find your hostname, [127.0.0.3]"
mailrcpt "dns down: reverse client name: 450 although code 550" \
    127.0.0.2 "$P_R550" a@good.test b@good.test \
    "450 4.7.1 Client host rejected: cannot find your reverse hostname, [127.0.0.2]"
has "dns down: the client is unknown[127.0.0.3] in the log" \
    'NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.3\]: 450 4\.7\.25 ' \
    "$T/maillog"
mailrcpt "dns down: rbl lookup failure is not a listing: 250" \
    127.0.0.1 "$P_RBL" a@good.test b@good.test "$OK"
has "dns down: mta's maillog warns of the RBL lookup error" \
    'warning: 1\.0\.0\.127\.bl\.test: RBL lookup error' "$T/maillog"
has "dns down: maillog logs the deferral (450, not 5xx)" \
    'reject: RCPT from [^ ]*: 450 4\.1\.8 <a@good\.test>: Sender address rejected: Domain not found' \
    "$T/maillog"
check "dns down: no 5xx Domain not found in maillog" \
    sh -c "! grep -E ': 5[0-9][0-9] [0-9.]+ <a@good\.test>' '$T/maillog'"
