#!/bin/sh
# MIT licence: see LICENSE.
#
# t-tls.sh - smtpd(8) with TLS (lib/tls.c over BearSSL): STARTTLS with
# RSA and ECDSA certificates made here by openssl, wrapper mode, level
# encrypt, the STARTTLS command injection (CVE-2011-0411), a second
# STARTTLS, garbage instead of a ClientHello, the Received: header,
# smtpd_tls_(mandatory_)protocols, _ciphers and _exclude_ciphers.
# Peers: openssl s_client, Python's ssl and smtplib, swaks.
. "$(dirname "$0")/lib.sh"

H=mx.example.com
Q=$T/q
SERVERS=
M=$T/m
finish() {
	[ -f "$M/etc/main.cf" ] && "$MTA" postfix -c "$M/etc" stop \
	    >/dev/null 2>&1
	for p in $SERVERS; do stop_pid "$p"; done
	MPID=$(tr -d ' \n' < "$M/q/pid/master.pid" 2>/dev/null)
	[ -n "$MPID" ] && stop_pid "$MPID"
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM

for d in incoming active deferred hold corrupt maildrop private public \
    pid bounce defer; do
	mkdir -p "$Q/$d"
done
mkdir -p "$T/data" "$T/pki"
cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
data_directory = $T/data
maillog_file = $T/maillog
maillog_file_prefixes = $T
myhostname = $H
mydomain = example.com
mynetworks = 127.0.0.0/8
mail_owner = $(id -un)
alias_maps =
local_recipient_maps =
smtpd_error_sleep_time = 0
EOF

# a CA, an RSA server certificate (PKCS#8 key) and an ECDSA one (SEC1)
K=$T/pki
(
	cd "$K" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key \
	    -out ca.crt -subj /CN=Test-CA -days 2
	openssl req -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.csr \
	    -subj "/CN=$H"
	openssl x509 -req -in rsa.csr -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -out rsa.crt -days 2
	openssl ecparam -name prime256v1 -genkey -noout -out ec.key
	openssl req -new -key ec.key -out ec.csr -subj "/CN=$H"
	openssl x509 -req -in ec.csr -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -out ec.crt -days 2
	cat rsa.crt ca.crt > rsa-chain.crt
	# client certificates: one from the CA, one self-signed
	openssl req -newkey rsa:2048 -nodes -keyout cl.key -out cl.csr \
	    -subj /CN=client.example
	openssl x509 -req -in cl.csr -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -out cl.crt -days 2
	openssl req -x509 -newkey rsa:2048 -nodes -keyout evil.key \
	    -out evil.crt -subj /CN=evil.example -days 2
	cat ec.key ec.crt ca.crt > ec-all.pem
) > "$T/openssl.log" 2>&1 || { fail "openssl" "$(tail -3 "$T/openssl.log")"
	exit 1; }
chmod 600 "$K"/*.key

serve() {
	name=$1; shift
	port=$(free_port)
	python3 "$TOP/tests/smtpd_server.py" "$port" "$T/$name.pid" \
	    "$MTA" smtpd -c "$T/etc" -o "service_name=$name" "$@" &
	SERVERS="$SERVERS $!"
	wait_port "$port" 10 || { fail "serve $name" "no listener"; exit 1; }
	eval "P_$name=$port"
}
nfiles() { find "$Q/incoming" -type f | wc -l | tr -d ' '; }
peer() { python3 "$TOP/tests/tls_peer.py" "$@" "$K/ca.crt" > "$T/out" \
	2>&1; }

RSA="-o smtpd_tls_cert_file=$K/rsa-chain.crt -o smtpd_tls_key_file=$K/rsa.key"
# shellcheck disable=SC2086
# (pipelining out of turn is only logged here: "peer pipe" below)
serve rsa -o smtpd_tls_security_level=may $RSA -o smtpd_tls_loglevel=1 \
    -o smtpd_tls_received_header=yes -o smtpd_forbid_unauth_pipelining=no
serve ec -o smtpd_tls_security_level=may \
    -o "smtpd_tls_chain_files=$K/ec-all.pem"
# shellcheck disable=SC2086
serve enc -o smtpd_tls_security_level=encrypt $RSA
# shellcheck disable=SC2086
serve none $RSA
# shellcheck disable=SC2086
serve helo -o smtpd_tls_security_level=may $RSA -o smtpd_helo_required=yes
# shellcheck disable=SC2086
serve wrap -o smtpd_tls_wrappermode=yes $RSA
# protocols and ciphers
# shellcheck disable=SC2086
serve p12 -o smtpd_tls_security_level=may $RSA -o smtpd_tls_loglevel=2 \
    -o "smtpd_tls_protocols=>=TLSv1.2" \
    -o "smtpd_tls_mandatory_protocols=<=TLSv1.1"
# shellcheck disable=SC2086
serve p11 -o smtpd_tls_security_level=encrypt $RSA \
    -o "smtpd_tls_protocols=>=TLSv1.2" \
    -o "smtpd_tls_mandatory_protocols=!SSLv2, !SSLv3, !TLSv1.2"
# shellcheck disable=SC2086
serve p13 -o smtpd_tls_security_level=may $RSA \
    -o "smtpd_tls_protocols=>=TLSv1.3"
# shellcheck disable=SC2086
serve hi -o smtpd_tls_security_level=may $RSA -o smtpd_tls_ciphers=high
# shellcheck disable=SC2086
serve ex -o smtpd_tls_security_level=may $RSA \
    -o "smtpd_tls_exclude_ciphers=AESGCM, CHACHA20, SHA384, SHA256"
# client certificates
# shellcheck disable=SC2086
serve ask -o smtpd_tls_security_level=may $RSA -o smtpd_tls_loglevel=1 \
    -o smtpd_tls_ask_ccert=yes -o "smtpd_tls_CAfile=$K/ca.crt" \
    -o smtpd_tls_received_header=yes
# shellcheck disable=SC2086
serve req -o smtpd_tls_security_level=encrypt $RSA -o smtpd_tls_req_ccert=yes \
    -o "smtpd_tls_CAfile=$K/ca.crt"
# shellcheck disable=SC2086
serve reqmay -o smtpd_tls_security_level=may $RSA -o smtpd_tls_req_ccert=yes \
    -o "smtpd_tls_CAfile=$K/ca.crt" -o smtpd_tls_loglevel=1
serve nokey -o smtpd_tls_security_level=may \
    -o "smtpd_tls_cert_file=$K/missing.crt"
# submission: AUTH only over TLS, relaying only for logged-in users
printf 'alice %s\n' "$(openssl passwd -6 'alice pw')" > "$T/etc/users"
# shellcheck disable=SC2086
serve sub -o smtpd_tls_security_level=encrypt $RSA \
    -o smtpd_sasl_auth_enable=yes -o smtpd_sasl_type=mta \
    -o "smtpd_sasl_password_maps=texthash:$T/etc/users" \
    -o smtpd_tls_auth_only=yes -o smtpd_sasl_authenticated_header=yes \
    -o "smtpd_relay_restrictions=permit_sasl_authenticated,reject" \
    -o smtpd_tls_received_header=yes

G="220 $H ESMTP Postfix"

# --- openssl s_client -starttls smtp ---------------------------------------
sc() {
	port=$1; shift
	printf 'QUIT\r\n' | timeout 15 openssl s_client -connect \
	    "127.0.0.1:$port" -CAfile "$K/ca.crt" -verify_return_error \
	    -servername "$H" -ign_eof "$@" > "$T/out" 2>&1
}
sc "$P_rsa" -starttls smtp -tls1_2
has "s_client RSA: TLSv1.2" "Protocol *: TLSv1.2"
has "s_client RSA: ECDHE-RSA AES256-GCM" "Cipher *: ECDHE-RSA-AES256-GCM-SHA384"
has "s_client RSA: chain verifies" "Verify return code: 0 \(ok\)"
has "s_client RSA: 221 after QUIT over TLS" "^221 2.0.0 Bye"
sc "$P_ec" -starttls smtp -tls1_2
has "s_client ECDSA (chain_files): ECDHE-ECDSA" \
    "Cipher *: ECDHE-ECDSA-AES256-GCM-SHA384"
has "s_client ECDSA: verifies" "Verify return code: 0 \(ok\)"
sc "$P_rsa" -starttls smtp -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305
has "s_client: ChaCha20-Poly1305 when asked" \
    "Cipher *: ECDHE-RSA-CHACHA20-POLY1305"
sc "$P_wrap"
has "s_client wrapper mode: TLS at connect" "Protocol *: TLSv1.2"
has "s_client wrapper mode: greeting over TLS" "^$G"

# --- smtpd_tls_protocols, smtpd_tls_ciphers ----------------------------------
# lacks NAME PATTERN [FILE]: FILE ($T/out) does not match PATTERN
lacks() {
	if grep -Eq -- "$2" "${3:-$T/out}"; then fail "$1" "/$2/ found"
	else ok "$1"; fi
}
OLD="-cipher DEFAULT:@SECLEVEL=0"
# shellcheck disable=SC2086
sc "$P_p12" -starttls smtp -tls1_1 $OLD
has "smtpd_tls_protocols >=TLSv1.2: TLSv1.1 refused" "Cipher is \(NONE\)"
lacks "smtpd_tls_protocols >=TLSv1.2: no session over TLSv1.1" "^221 "
sc "$P_p12" -starttls smtp -tls1_2
has "smtpd_tls_protocols >=TLSv1.2: TLSv1.2 taken" "Protocol *: TLSv1\.2"
has "smtpd_tls_loglevel 2: setting up" \
    "setting up TLS connection from localhost\[127\.0\.0\.1\]$" "$T/maillog"
sc "$P_p11" -starttls smtp -tls1_2
has "mandatory protocols at encrypt: TLSv1.2 refused" "Cipher is \(NONE\)"
lacks "mandatory protocols at encrypt: no session over TLSv1.2" "^221 "
# shellcheck disable=SC2086
sc "$P_p11" -starttls smtp -tls1_1 $OLD
has "mandatory protocols at encrypt: TLSv1.1 taken" "Protocol *: TLSv1\.1"
has "TLSv1.1: a CBC suite" "Cipher *: ECDHE-RSA-AES256-SHA$"
has "TLSv1.1: 221 after QUIT" "^221 2.0.0 Bye"
# shellcheck disable=SC2086
sc "$P_p11" -starttls smtp -tls1 $OLD
has "mandatory protocols at encrypt: TLSv1 taken" "Protocol *: TLSv1$"
talk "$P_p13" <<'EOF'
1
1|EHLO client.example\r\n
1|STARTTLS\r\n
1|QUIT\r\n
EOF
lacks "TLSv1.3 only (none here): no STARTTLS offered" "^250.STARTTLS"
has "TLSv1.3 only: STARTTLS answered 454" \
    "^454 4.7.0 TLS not available due to local problem"
has "TLSv1.3 only: warned" "smtpd_tls_protocols, smtpd_tls_ciphers: \
protocol list \">=TLSv1\.3\" leaves no TLS version" "$T/maillog"
sc "$P_hi" -starttls smtp -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
has "smtpd_tls_ciphers high: AES128 refused" "Cipher is \(NONE\)"
sc "$P_hi" -starttls smtp -tls1_2 -cipher ECDHE-RSA-AES256-SHA384
has "smtpd_tls_ciphers high: CBC refused" "Cipher is \(NONE\)"
sc "$P_hi" -starttls smtp -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305
has "smtpd_tls_ciphers high: ChaCha20 taken" \
    "Cipher *: ECDHE-RSA-CHACHA20-POLY1305"
sc "$P_ex" -starttls smtp -tls1_2
has "smtpd_tls_exclude_ciphers: the best suite left (CBC, SHA1)" \
    "Cipher *: ECDHE-RSA-AES256-SHA$"

# --- client certificates ------------------------------------------------------
CL="-cert $K/cl.crt -key $K/cl.key"
EV="-cert $K/evil.crt -key $K/evil.key"
: > "$T/maillog"
# shellcheck disable=SC2086
sc "$P_ask" -starttls smtp $CL
has "ask_ccert: the CA named in the request" \
    "Acceptable client certificate CA names" 
has "ask_ccert: CN = Test-CA" "^/?CN ?= ?Test-CA"
has "ask_ccert: session with a certificate" "^221 2.0.0 Bye"
has "ask_ccert, a certificate from the CA: Trusted" \
    "Trusted TLS connection established from localhost\[127\.0\.0\.1\]" \
    "$T/maillog"
: > "$T/maillog"
sc "$P_ask" -starttls smtp -cert "$K/ec.crt" -key "$K/ec.key"
has "ask_ccert, an ECDSA certificate from the CA: Trusted" \
    "Trusted TLS connection established from localhost" "$T/maillog"
: > "$T/maillog"
# shellcheck disable=SC2086
sc "$P_ask" -starttls smtp $EV
has "ask_ccert, self-signed certificate: session" "^221 2.0.0 Bye"
has "ask_ccert, self-signed certificate: Untrusted" \
    "Untrusted TLS connection established from localhost" "$T/maillog"
: > "$T/maillog"
sc "$P_ask" -starttls smtp
has "ask_ccert, no certificate: session" "^221 2.0.0 Bye"
has "ask_ccert, no certificate: Anonymous" \
    "Anonymous TLS connection established from localhost" "$T/maillog"
: > "$T/maillog"
sc "$P_req" -starttls smtp
has "req_ccert, no certificate: 421" \
    "^421 4\.7\.1 $H Error: No client certificate presented"
lacks "req_ccert, no certificate: no QUIT reply" "^221 "
has "req_ccert, no certificate: logged" "NOQUEUE: abort: TLS from \
localhost\[127\.0\.0\.1\]: No client certificate presented" "$T/maillog"
# shellcheck disable=SC2086
sc "$P_req" -starttls smtp $EV
has "req_ccert, untrusted certificate: 421" \
    "^421 4\.7\.1 $H Error: Client certificate not trusted"
# shellcheck disable=SC2086
sc "$P_req" -starttls smtp $CL
has "req_ccert, trusted certificate: session" "^221 2.0.0 Bye"
: > "$T/maillog"
sc "$P_reqmay" -starttls smtp
has "req_ccert at may: ignored" "^221 2.0.0 Bye"
has "req_ccert at may: Postfix's warning" \
    "Can't require client certs unless TLS is required" "$T/maillog"

# the client certificate in the Received: header, as Postfix writes it
# rcvd_ccert NAME SUBJECT SWAKS-TLS-ARGS...: the line of the message sent
rcvd_ccert() {
	name=$1 subj=$2; shift 2
	swaks --server "127.0.0.1:$P_ask" --tls --from a@example.org \
	    --to u@mx.example.com --header "Subject: $subj" "$@" \
	    --silent 2 > /dev/null 2>&1
	f=$(grep -l "Subject: $subj" "$Q"/incoming/* 2>/dev/null | head -1)
	if [ -n "$f" ]; then
		"$MTA" postcat -c "$T/etc" "$f" > "$T/out" 2>&1
	else : > "$T/out"; fi
}
rcvd_ccert ask1 ccert-trusted --tls-cert "$K/cl.crt" --tls-key "$K/cl.key"
has "Received: a trusted client certificate" \
    '^	\(Client CN "client\.example", Issuer "Test-CA" \(verified OK\)\)$'
rcvd_ccert ask2 ccert-evil --tls-cert "$K/evil.crt" --tls-key "$K/evil.key"
has "Received: an untrusted client certificate" \
    '^	\(Client CN "evil\.example", Issuer "evil\.example" \(not verified\)\)$'
rcvd_ccert ask3 ccert-none
has "Received: asked, no certificate" \
    '^	\(Client did not present a certificate\)$'

# --- the protocol ------------------------------------------------------------
peer inject "$P_rsa"
same "STARTTLS+RSET in one packet: the RSET is not answered" "$G
starttls offered
220 2.0.0 Ready to start TLS
TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384
250 2.1.0 Ok
250 2.0.0 Ok
221 2.0.0 Bye"
peer inject "$P_helo"
same "after STARTTLS the EHLO is forgotten (smtpd_helo_required)" "$G
starttls offered
220 2.0.0 Ready to start TLS
TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384
503 5.5.1 Error: send HELO/EHLO first
250 2.0.0 Ok
221 2.0.0 Bye"
peer twice "$P_rsa"
same "second STARTTLS refused, not offered again" "$G
starttls offered
220 2.0.0 Ready to start TLS
TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384
no starttls
554 5.5.1 Error: TLS already active
250 2.1.0 Ok
250 2.0.0 Ok
221 2.0.0 Bye"
peer pipe "$P_rsa"
same "pipelining over TLS: two records in one segment answered" "$G
starttls offered
220 2.0.0 Ready to start TLS
250 $H
250 2.0.0 Ok
221 2.0.0 Bye"
sleep 0.3
has "pipelining over TLS: seen in the decrypted input" "improper command \
pipelining after HELO from localhost\[127\.0\.0\.1\]: NOOP" "$T/maillog"
peer garbage "$P_rsa"
same "garbage instead of a ClientHello ends the session" "$G
starttls offered
220 2.0.0 Ready to start TLS
closed"
sleep 0.3
has "garbage: logged" "SSL_accept error from localhost\[127.0.0.1\]" \
    "$T/maillog"
has "garbage: lost connection after STARTTLS" \
    "lost connection after STARTTLS from localhost\[127.0.0.1\]" "$T/maillog"
if grep -q "panic\|fatal\|signal" "$T/maillog"; then
	fail "garbage: no crash" "$(grep "panic\|fatal\|signal" "$T/maillog")"
else
	ok "garbage: no crash"
fi

talk "$P_enc" <<'EOF'
1
1|EHLO client.example\r\n
1|MAIL FROM:<a@example.org>\r\n
1|VRFY u\r\n
1|QUIT\r\n
EOF
has "encrypt: STARTTLS offered" "^250-STARTTLS"
has "encrypt: MAIL before STARTTLS refused" \
    "^530 5.7.0 Must issue a STARTTLS command first"
[ "$(grep -c '^530 ' "$T/out")" = 2 ] && ok "encrypt: VRFY refused too" ||
    fail "encrypt: VRFY refused too" "$(cat "$T/out")"

talk "$P_none" <<'EOF'
1
1|EHLO client.example\r\n
1|STARTTLS\r\n
1|QUIT\r\n
EOF
if grep -q "^250.STARTTLS" "$T/out"; then fail "level none: no STARTTLS" \
    "$(cat "$T/out")"; else ok "level none: no STARTTLS"; fi
has "level none: STARTTLS not implemented" \
    "^502 5.5.1 Error: command not implemented"

talk "$P_nokey" <<'EOF'
1
1|EHLO client.example\r\n
1|STARTTLS\r\n
1|QUIT\r\n
EOF
has "missing certificate: 454" \
    "^454 4.7.0 TLS not available due to local problem"
has "missing certificate: warning" "cannot load TLS certificate" "$T/maillog"

peer wrapper "$P_wrap"
same "wrapper mode: Python ssl, no STARTTLS inside" "$G
TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384
no starttls
221 2.0.0 Bye"

# --- mail over TLS -----------------------------------------------------------
n0=$(nfiles)
peer send "$P_rsa"
same "smtplib: starttls, ehlo, sendmail" "no starttls
TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384
sent"
[ "$(nfiles)" = $((n0 + 1)) ] && ok "smtplib: message queued" ||
    fail "smtplib: message queued" "$(nfiles) files"
has "log: Anonymous TLS connection established" "Anonymous TLS connection \
established from localhost\[127.0.0.1\]: TLSv1.2 with cipher \
ECDHE-RSA-AES256-GCM-SHA384 \(256/256 bits\)" "$T/maillog"
f=$(grep -l "over TLS" "$Q"/incoming/* 2>/dev/null | head -1)
if [ -n "$f" ]; then
	"$MTA" postcat -c "$T/etc" "$f" > "$T/out" 2>&1
	has "Received: using TLSv1.2 with cipher" "^	\(using TLSv1.2 with \
cipher ECDHE-RSA-AES256-GCM-SHA384 \(256/256 bits\)\)$"
	has "Received: no client certificate" \
	    "^	\(No client certificate requested\)$"
	has "Received: with ESMTPS" "^	by $H \(Postfix\) with ESMTPS id"
else
	fail "Received: header" "no queue file with the message"
fi

# --- SMTP AUTH over TLS (submission) ----------------------------------------
talk "$P_sub" <<'EOF'
1
1|EHLO client.example\r\n
1|QUIT\r\n
EOF
if grep -q "^250.AUTH" "$T/out"; then fail "submission: no AUTH before TLS" \
    "$(cat "$T/out")"; else ok "submission: no AUTH before TLS"; fi
if command -v swaks >/dev/null; then
	n0=$(nfiles)
	swaks --server "127.0.0.1:$P_sub" --tls --auth PLAIN \
	    --auth-user alice --auth-password 'alice pw' \
	    --from alice@example.com --to friend@elsewhere.example \
	    --h-Subject "tls and auth" > "$T/swaks" 2>&1
	has "submission: STARTTLS then AUTH PLAIN: 235" \
	    "235 2.7.0 Authentication successful" "$T/swaks"
	has "submission: relayed for the logged-in user" \
	    "250 2.0.0 Ok: queued as" "$T/swaks"
	f=$(grep -l "tls and auth" "$Q"/incoming/* 2>/dev/null | head -1)
	check "submission: Received: says ESMTPSA, TLS and the sender" \
	    sh -c "grep -q 'with ESMTPSA id' '$f' && grep -q '(using TLSv1.2' '$f' && grep -q '(Authenticated sender: alice)' '$f'"
	swaks --server "127.0.0.1:$P_sub" --tls --auth PLAIN \
	    --auth-user alice --auth-password 'wrong' \
	    --from alice@example.com --to friend@elsewhere.example \
	    > "$T/swaks" 2>&1
	has "submission: a wrong password over TLS: 535 5.7.8" \
	    "535 5.7.8 Error: authentication failed" "$T/swaks"
fi

if command -v swaks >/dev/null; then
	n0=$(nfiles)
	check "swaks --tls" swaks --server "127.0.0.1:$P_ec" --tls \
	    --from a@example.org --to u@mx.example.com --silent 2
	check "swaks --tls-on-connect (wrapper)" swaks --server \
	    "127.0.0.1:$P_wrap" --tlsc --from a@example.org \
	    --to u@mx.example.com --silent 2
	[ "$(nfiles)" = $((n0 + 2)) ] && ok "swaks messages queued" ||
	    fail "swaks messages queued" "$(nfiles) files, want $((n0 + 2))"
	check "swaks --tls refused without a certificate" sh -c \
	    "! swaks --server 127.0.0.1:$P_none --tls --from a@example.org \
	    --to u@mx.example.com --silent 2"
else
	fail "swaks" "not installed"
fi

# --- under master: port 465 style, mail_owner postfix, a root-only key ------
OWNER=$(id -un)
[ "$(id -u)" = 0 ] && id postfix >/dev/null 2>&1 && OWNER=postfix
PM=$(free_port)
PW=$(free_port)
mkdir -p "$M/etc" "$M/d"
chown "$OWNER" "$M/d"
cat > "$M/etc/main.cf" <<EOF
queue_directory = $M/q
data_directory = $M/d
maillog_file = $M/maillog
mail_owner = $OWNER
myhostname = $H
mydomain = example.com
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
alias_maps =
local_recipient_maps =
smtpd_error_sleep_time = 0
smtpd_tls_cert_file = $K/rsa-chain.crt
smtpd_tls_key_file = $K/rsa.key
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
EOF
cat > "$M/etc/master.cf" <<EOF
127.0.0.1:$PM inet n - n - - smtpd
127.0.0.1:$PW inet n - n - - smtpd -o smtpd_tls_wrappermode=yes
cleanup unix n - n - 0 cleanup
EOF
"$MTA" postfix -c "$M/etc" start > "$T/start.out" 2>&1
if wait_port "$PW" 10 && wait_port "$PM" 10; then
	ok "master: smtpd services listen"
	printf 'QUIT\r\n' | timeout 15 openssl s_client -connect \
	    "127.0.0.1:$PW" -CAfile "$K/ca.crt" -verify_return_error \
	    -ign_eof > "$T/out" 2>&1
	has "master wrapper service: TLS at connect" \
	    "Cipher *: ECDHE-RSA-AES256-GCM-SHA384"
	has "master wrapper service: greeting over TLS" "^$G"
	n0=$(find "$M/q/incoming" -type f ! -name '.*' | wc -l)
	check "master: swaks --tlsc (key read before privileges dropped)" \
	    swaks --server "127.0.0.1:$PW" --tlsc --from a@example.org \
	    --to u@mx.example.com --silent 2
	check "master: swaks --tls (STARTTLS)" swaks --server \
	    "127.0.0.1:$PM" --tls --from a@example.org --to u@mx.example.com \
	    --silent 2
	n1=$(find "$M/q/incoming" -type f ! -name '.*' | wc -l)
	[ "$n1" -eq $((n0 + 2)) ] && ok "master: both messages queued" ||
	    fail "master: both messages queued" "$n0 -> $n1"
	# the session runs as mail_owner, not root, by the time it greets
	python3 - "$PM" "$M/etc" > "$T/out" 2>&1 <<'PY'
import os, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.recv(512)
for p in os.listdir("/proc"):
    try:
        cmd = open("/proc/%s/cmdline" % p, "rb").read().split(b"\0")
        if cmd[0].endswith(b"smtpd") and sys.argv[2].encode() in cmd:
            uid = [l for l in open("/proc/%s/status" % p)
                   if l.startswith("Uid:")][0].split()[1:]
            print("smtpd uids", " ".join(uid))
    except (OSError, IndexError):
        pass
s.close()
PY
	u=$(id -u "$OWNER")
	has "master: smtpd greets as mail_owner" "^smtpd uids $u $u $u $u$"
	has "master: TLS logged" "smtpd.*Anonymous TLS connection \
established from localhost\[127.0.0.1\]: TLSv1.2" "$M/maillog"
else
	fail "master: smtpd services listen" "$(cat "$T/start.out")"
fi
"$MTA" postfix -c "$M/etc" stop >/dev/null 2>&1
