#!/bin/sh
# MIT licence: see LICENSE.
#
# t-reuse.sh - nothing leaks between the sessions of one long-lived
# service process.  A real instance (`mta postfix start`: master, smtpd,
# cleanup, qmgr, local) whose smtpd, cleanup and local services each
# have a process limit of 1 and max_use 1000, so that one process of
# each serves every client here (checked by the pids of the log lines).
# Client A does something to its session, then client B, in the same
# process, must see nothing of it: A's SASL login (B may not relay; no
# sasl_username in B's log line; B's Received: says ESMTP, not ESMTPA),
# A's STARTTLS (B's session is plaintext: ESMTP, no "using TLS"), A's
# errors and recipients (B has its own hard error limit and recipient
# limit), A's restriction results (check_client_access REJECT, PREPEND,
# REDIRECT), A's half-sent BDAT message, A's XCLIENT/XFORWARD attempts,
# A's exemption from the event rate limits; the Dovecot back end (a
# stand-in server) is tried again when it was down for A, and hears the
# server address each client reached (lip=).  cleanup: messages through
# one process keep nothing of each other (headers, recipients, HOLD and
# REDIRECT of header_checks).  local: deliveries through one process
# (one user's .forward does not apply to the next user).  Clients come
# from different loopback addresses (127.0.0.N) where that matters.
# Test users exist in a private mount namespace only (as in t-local.sh).
# Loopback only; every process started here is stopped by its pid.
if [ -z "$MTA_REUSE_NS" ]; then
	if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null ||
	    ! command -v openssl >/dev/null; then
		echo "# not root, no unshare -m or no openssl: reuse tests skipped"
		exit 0
	fi
	MTA_REUSE_NS=1 exec unshare -m sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

Q=$T/q
H=mx.example.com
K=$T/k
P=$(free_port)
P2=$(free_port)
P3=$(free_port)
P4=$(free_port)
finish() {
	"$MTA" postfix -c "$T/etc" stop >/dev/null 2>&1
	[ -s "$T/auth.pid" ] && stop_pid "$(cat "$T/auth.pid")"
	for p in $(instance_pids); do stop_pid "$p"; done
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM

chmod 755 "$T"
mkdir -p "$T/spool" "$T/home" "$T/data" "$K"
chmod 1777 "$T/spool"
chown postfix "$T/data"
cp /etc/passwd "$T/passwd"
cp /etc/group "$T/group"
uid=5200
for u in alice bob carol dave erin frank ivan judy; do
	uid=$((uid + 1))
	echo "$u:x:$uid:$uid:test:$T/home/$u:/bin/sh" >> "$T/passwd"
	echo "$u:x:$uid:" >> "$T/group"
	mkdir "$T/home/$u"
	chown "$uid:$uid" "$T/home/$u"
done
mount --bind "$T/passwd" /etc/passwd ||
    { fail setup "bind /etc/passwd"; exit 1; }
mount --bind "$T/group" /etc/group || { fail setup "bind /etc/group"; exit 1; }
echo "judy@$H" > "$T/home/bob/.forward"
chown bob "$T/home/bob/.forward"

(pki_ca ca && pki_cert srv "$H") >/dev/null 2>&1 ||
    { fail setup "openssl: certificates"; exit 1; }
chmod 644 "$K"/*.key
printf 'alice %s\n' "$(openssl passwd -6 'alice pw')" > "$T/users"
cat > "$T/clients" <<EOF
127.0.0.2 REJECT client A refused
127.0.0.3 PREPEND X-Client-Tag: from-A3
127.0.0.6 REDIRECT carol@$H
EOF
# the clients A with no name that the restrictions still let in
printf '127.0.0.3 OK\n127.0.0.6 OK\n' > "$T/known"
cat > "$T/hc" <<EOF
/^Subject: hold-me/ HOLD held by header_checks
/^Subject: redirect-me/ REDIRECT carol@$H
EOF

cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
data_directory = $T/data
maillog_file = $T/maillog
mail_owner = postfix
myhostname = $H
mydomain = example.com
mydestination = \$myhostname
inet_interfaces = 127.0.0.1, 127.0.0.2
inet_protocols = ipv4
mynetworks = 10.99.0.0/16
alias_maps =
local_recipient_maps =
mail_spool_directory = $T/spool
recipient_delimiter = +
smtpd_error_sleep_time = 0
smtpd_hard_error_limit = 5
smtpd_recipient_limit = 3
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = mta
smtpd_sasl_password_maps = texthash:$T/users
smtpd_sasl_security_options = noanonymous
smtpd_tls_security_level = may
smtpd_tls_cert_file = $K/srv.crt
smtpd_tls_key_file = $K/srv.key
smtpd_tls_received_header = yes
smtpd_client_restrictions = check_client_access cidr:$T/clients,
    check_client_access cidr:$T/known, reject_unknown_reverse_client_hostname
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated,
    reject_unauth_destination
header_checks = regexp:$T/hc
service_throttle_time = 1s
EOF
cat > "$T/etc/master.cf" <<EOF
127.0.0.1:$P inet n - n - 1 smtpd -o max_use=1000 -o max_idle=300s
127.0.0.1:$P2 inet n - n - 1 smtpd -o max_use=1000 -o max_idle=300s
  -o syslog_name=mta/rates
  -o smtpd_client_message_rate_limit=1
  -o smtpd_client_event_limit_exceptions=127.0.0.4
$P3 inet n - n - 1 smtpd -o max_use=1000 -o max_idle=300s
  -o syslog_name=mta/dove
  -o smtpd_sasl_type=dovecot -o smtpd_sasl_path=unix:$T/auth
$P4 inet n - n - 1 smtpd -o max_use=1000 -o max_idle=300s
  -o syslog_name=mta/dove2
  -o smtpd_sasl_type=dovecot -o smtpd_sasl_path=unix:$T/auth
cleanup unix n - n - 1 cleanup -o max_use=1000 -o max_idle=300s
qmgr unix n - n 300 1 qmgr
local unix - n n - 1 local -o max_use=1000 -o max_idle=300s
EOF

check "start" sh -c "'$MTA' postfix -c '$T/etc' start > '$T/start.out' 2>&1"
check "listening" wait_port "$P" 10

# c SRC SCENARIO ARGS...: one client session (tests/reuse_client.py),
# its answers in $T/out
c() {
	src=$1; shift
	python3 "$TOP/tests/reuse_client.py" "$P" "127.0.0.$src" "$@" \
	    > "$T/out" 2>&1
}
# the mailbox of a user
mb() { cat "$T/spool/$1" 2>/dev/null; }
# lacks NAME PATTERN FILE: FILE does not match grep -E PATTERN
lacks() {
	if grep -Eq -- "$2" "$3"; then
		fail "$1" "/$2/ in $3: $(grep -E -- "$2" "$3" | head -n 2 |
		    tr '\n' '|')"
	else ok "$1"; fi
}
# received SUBJECT USER: the Received: header of USER's message SUBJECT
received() {
	python3 - "$T/spool/$2" "$1" <<'EOF'
import mailbox, sys
for m in mailbox.mbox(sys.argv[1]):
    if m["Subject"] == sys.argv[2]:
        print(" ".join(m.get_all("Received")[0].split()))
EOF
}
# header SUBJECT USER: the header of USER's message SUBJECT
header() {
	python3 - "$T/spool/$2" "$1" <<'EOF'
import mailbox, sys
for m in mailbox.mbox(sys.argv[1]):
    if m["Subject"] == sys.argv[2]:
        for k, v in m.items():
            print("%s: %s" % (k, " ".join(v.split())))
EOF
}
# rcvd NAME USER SUBJECT GLOB [BAD-GLOB]: the Received: header of USER's
# message SUBJECT matches GLOB, and not BAD-GLOB
rcvd() {
	r=$(received "$3" "$2")
	case $r in
	${5:-@none@}) fail "$1" "[$r]" ;;
	$4) ok "$1" ;;
	*) fail "$1" "[$r]" ;;
	esac
}
# delivered USER SUBJECT: USER's mailbox has SUBJECT within 15 s
delivered() { waitfor "$T/spool/$1" "^Subject: $2\$" 15; }

# --- SASL: A logs in, B does not -----------------------------------------
c 1 auth-plain "$H" alice "alice pw"
check_out "sasl A: logged in, may relay, message queued" "ehlo 250
auth 235
mail 250
relay-rcpt 250
rset 250
mail 250
rcpt 250
data 250" cat "$T/out"
c 1 relay
check_out "sasl B: not logged in: relay refused" "ehlo 250
mail 250
relay-rcpt 554" cat "$T/out"
c 1 msg "$H" "dave@$H" from-B-sasl
check "sasl B: message queued" grep -qx "data 250" "$T/out"
check "sasl A: delivered" delivered alice from-A-sasl
check "sasl B: delivered" delivered dave from-B-sasl
rcvd "sasl A: Received: with ESMTPA" alice from-A-sasl "* with ESMTPA id *"
rcvd "sasl B: Received: with ESMTP, not ESMTPA" dave from-B-sasl \
    "* with ESMTP id *"
idb=$(header from-B-sasl dave |
    sed -n 's/^Received: .* with [A-Z]* id \([0-9A-Za-z]*\).*/\1/p')
check "sasl B: its queue id known" test -n "$idb"
grep -E "smtpd\[[0-9]+\]: $idb: client=" "$T/maillog" > "$T/cl"
check_out "sasl B: one client= line" 1 sh -c "wc -l < '$T/cl' | tr -d ' '"
lacks "sasl B: no sasl_method/sasl_username/sasl_sender in its log line" \
    "sasl_" "$T/cl"
check "sasl A: its client= line has sasl_username=alice" grep -Eq \
    "client=localhost\[127\.0\.0\.1\], sasl_method=PLAIN, \
sasl_username=alice$" \
    "$T/maillog"

# A gives LOGIN its user name and goes; B's LOGIN starts at the start
c 1 auth-login-half
check "sasl A: LOGIN asked for the password" grep -q "^user UGFzc3dvcmQ6 334" \
    "$T/out"
c 1 auth-login-start
check_out "sasl B: LOGIN asks for the user name" "ehlo 250
auth VXNlcm5hbWU6 334
cancel 501" cat "$T/out"

# --- TLS: A uses STARTTLS (and goes without close_notify), B does not -----
c 1 tls-msg "$H" "alice@$H" from-A-tls
check_out "tls A: STARTTLS, message queued" "ehlo 250
starttls 220
ehlo-tls 250
mail 250
rcpt 250
data 250" cat "$T/out"
c 1 ehlo
check "tls B: STARTTLS offered again" grep -qx "kw STARTTLS" "$T/out"
c 1 msg "$H" "dave@$H" from-B-plain
check "tls A: delivered" delivered alice from-A-tls
check "tls B: delivered" delivered dave from-B-plain
rcvd "tls A: Received: TLS, ESMTPS" alice from-A-tls \
    "*(using TLS* with ESMTPS id *"
rcvd "tls B: Received: plaintext ESMTP" dave from-B-plain \
    "* with ESMTP id *" "*TLS*"

# --- errors and recipients: A's do not count against B --------------------
c 1 errors 4 "$H" "alice@$H" 3
check_out "errors A: 4 errors (hard limit 5), 3 recipients (limit 3)" \
    "ehlo 250
bogus 500
bogus 500
bogus 500
bogus 500
noop 250
mail 250
rcpt 250
rcpt 250
rcpt 250" cat "$T/out"
c 1 errors 4 "$H" "dave@$H" 3
check_out "errors B: its own 4 errors and 3 recipients" "ehlo 250
bogus 500
bogus 500
bogus 500
bogus 500
noop 250
mail 250
rcpt 250
rcpt 250
rcpt 250" cat "$T/out"

# --- restriction results: A's are A's ------------------------------------
c 2 msg "$H" "alice@$H" from-A2
check "restrictions A (127.0.0.2): REJECT" grep -qx "rcpt 554" "$T/out"
c 3 msg "$H" "alice@$H" from-A3
check "restrictions A (127.0.0.3): PREPEND, queued" grep -qx "data 250" \
    "$T/out"
c 6 msg "$H" "alice@$H" from-A6
check "restrictions A (127.0.0.6): REDIRECT, queued" grep -qx "data 250" \
    "$T/out"
c 7 msg "$H" "alice@$H" from-A7
# (550, or 450 where the DNS cannot be asked)
has "restrictions A (127.0.0.7): no name: reject_unknown_..." "^rcpt [45]50$"
c 1 msg "$H" "dave@$H" from-B-restr
check_out "restrictions B: accepted" "ehlo 250
mail 250
rcpt 250
data 250" cat "$T/out"
check "restrictions A3: delivered" delivered alice from-A3
check "restrictions A6: delivered" delivered carol from-A6
check "restrictions B: delivered" delivered dave from-B-restr
check "restrictions A: PREPEND made" sh -c \
    "grep -qx 'X-Client-Tag: from-A3' '$T/spool/alice'"
header from-B-restr dave > "$T/h"
lacks "restrictions B: no PREPEND of A's" "X-Client-Tag" "$T/h"
check "restrictions B: not redirected (dave has it)" test -s "$T/h"
lacks "restrictions B: carol has only A's redirected message" \
    "^Subject: from-B" "$T/spool/carol"

# --- BDAT: A's half message is gone -------------------------------------
c 1 bdat-half "$H" "alice@$H"
check_out "bdat A: a chunk, then gone" "ehlo 250
mail 250
rcpt 250
bdat 250" cat "$T/out"
c 1 bdat-msg "$H" "dave@$H" from-B-bdat
check_out "bdat B: its message queued" "ehlo 250
mail 250
rcpt 250
bdat 250" cat "$T/out"
check "bdat B: delivered" delivered dave from-B-bdat
header from-B-bdat dave > "$T/h"
lacks "bdat B: nothing of A's chunk" "A-bdat|X-A-Bdat" "$T/h"
lacks "bdat A: its half message was not delivered" "A-bdat" \
    "$T/spool/alice"

# --- XCLIENT/XFORWARD (not implemented: refused), B's attributes are its own
c 1 xclient "$H" "alice@$H" from-A-xclient
check "xclient A: XCLIENT and XFORWARD refused" sh -c \
    "grep -qx 'xclient 5[0-9][0-9]' '$T/out' &&
    grep -qx 'xforward 5[0-9][0-9]' '$T/out'"
c 1 msg "$H" "dave@$H" from-B-xclient
check "xclient B: delivered" delivered dave from-B-xclient
rcvd "xclient B: Received: its own HELO, name and address" dave \
    from-B-xclient "from b-helo.example (localhost \[127.0.0.1\]) by $H*"
lacks "xclient: no spoofed attribute anywhere" "10\.9\.9\.9|spoof" \
    "$T/maillog"

# --- event rate limits: A's exemption is not B's ---------------------------
python3 "$TOP/tests/reuse_client.py" "$P2" 127.0.0.4 mails 2 > "$T/out" 2>&1
check_out "rates A (127.0.0.4, exempt): 2 MAILs in a row" "ehlo 250
mail 250
mail 250" cat "$T/out"
python3 "$TOP/tests/reuse_client.py" "$P2" 127.0.0.5 mails 2 > "$T/out" 2>&1
check_out "rates B (127.0.0.5): the second MAIL is over the limit" "ehlo 250
mail 250
mail 450" cat "$T/out"

# --- the SASL back end: Dovecot (a stand-in), one service with two
# listeners (inet_interfaces 127.0.0.1 and 127.0.0.2) ----------------------
d() {
	dst=$1 port=$2; shift 2
	REUSE_DST=$dst python3 "$TOP/tests/reuse_client.py" "$port" 127.0.0.1 \
	    "$@" > "$T/out" 2>&1
}
# the first session of $P3 finds no server; the next finds it
d 127.0.0.1 "$P3" ehlo
check "dovecot A: its session" grep -qx "kw STARTTLS" "$T/out"
lacks "dovecot A: no auth server yet, no AUTH offered" "^kw AUTH" "$T/out"
python3 "$TOP/tests/reuse_client.py" auth-server "$T/auth" "$T/auth.log" \
    "$T/auth.pid" &
waitfor "$T/auth.pid" . 10
d 127.0.0.1 "$P3" ehlo
has "dovecot B: the server is up: AUTH offered (tried again)" \
    "^kw AUTH PLAIN$"
# one process of $P4, clients through its two listeners
d 127.0.0.2 "$P4" auth-try alice pw
check "dovecot C (to 127.0.0.2): AUTH refused by the server" \
    grep -qx "auth 535" "$T/out"
d 127.0.0.1 "$P4" auth-try alice pw
check "dovecot D (to 127.0.0.1): AUTH refused by the server" \
    grep -qx "auth 535" "$T/out"
check_out "dovecot: each request names the address its client reached" \
    "lip=127.0.0.2
lip=127.0.0.1" sh -c "grep -o 'lip=[0-9.]*' '$T/auth.log'"

# --- cleanup: header_checks actions and headers are one message's ---------
c 1 msg "$H" "frank@$H" hold-me "X-One: c1"
check "cleanup 1: HOLD (queued)" grep -qx "data 250" "$T/out"
c 1 msg "$H" "erin@$H" c2
c 1 msg "$H" "erin@$H" redirect-me
c 1 msg "$H" "erin@$H" c4
check "cleanup 4: delivered" delivered erin c4
check "cleanup 3: delivered" delivered carol redirect-me
check_out "cleanup 1: on hold, alone" 1 sh -c "ls '$Q/hold' | wc -l"
check "cleanup 2: not held, delivered" grep -qx "Subject: c2" \
    "$T/spool/erin"
header c2 erin > "$T/h"
lacks "cleanup 2: no header of message 1" "X-One" "$T/h"
check "cleanup 3: REDIRECT to carol" grep -qx "Subject: redirect-me" \
    "$T/spool/carol"
lacks "cleanup 3: not to erin" "^Subject: redirect-me" "$T/spool/erin"
lacks "cleanup 4: not redirected to carol" "^Subject: c4" "$T/spool/carol"
check "cleanup: frank got nothing (message 1 is held)" \
    test ! -e "$T/spool/frank"

# --- local: one user's .forward is not the next one's ---------------------
c 1 msg "$H" "bob@$H" to-bob
c 1 msg "$H" "ivan@$H" to-ivan
check "local 1: delivered" delivered judy to-bob
check "local 2: delivered" delivered ivan to-ivan
check "local 1: bob's .forward: to judy" grep -qx "Subject: to-bob" \
    "$T/spool/judy"
check "local 1: not in bob's mailbox" test ! -e "$T/spool/bob"
lacks "local 2: ivan's message not forwarded to judy" "^Subject: to-ivan" \
    "$T/spool/judy"
header to-ivan ivan > "$T/h"
check "local 2: Delivered-To ivan" grep -qx "Delivered-To: ivan@$H" "$T/h"
lacks "local 2: nothing of bob's delivery" "bob|judy" "$T/h"

# --- one process of each --------------------------------------------------
# npids TAG PATTERN: how many pids log "mta/TAG[PID]: PATTERN" (0: none)
npids() {
	sed -n "s|.* mta/$1\[\([0-9]*\)\]: $2.*|\1|p" "$T/maillog" |
	    sort -u | wc -l | tr -d ' '
}
n=$(grep -c "mta/smtpd\[[0-9]*\]: connect from" "$T/maillog")
check "more than 20 smtpd sessions" test "$n" -gt 20
check_out "one smtpd process served all $n clients" 1 npids smtpd \
    'connect from'
check_out "one rates smtpd process served its 2 clients" 1 npids \
    rates/smtpd 'connect from'
check_out "one dovecot smtpd process served its 2 clients" 1 npids \
    dove/smtpd 'connect from'
check_out "one dovecot smtpd process served its 2 clients (lip)" 1 npids \
    dove2/smtpd 'connect from'
check_out "one cleanup process for all messages" 1 npids cleanup \
    '[0-9A-Z]*: message-id='
check_out "one local process for all deliveries" 1 npids local \
    '.*relay=local'
# what this test provokes: master's process limit of 1, A's LOGIN left
# half done, B over the rate limit; anything else is news
grep -Ev 'has reached its process limit|SASL [A-Z]+ authentication (abo|fai)' \
    "$T/maillog" | grep -v 'Message delivery request rate limit exceeded' |
    grep -v "SASL: Connect to Dovecot auth socket 'unix:$T/auth' failed" \
    > "$T/ml"
lacks "no other warning, no crash" "(warning|fatal|panic): " "$T/ml"
exit 0
