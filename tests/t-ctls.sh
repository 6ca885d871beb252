#!/bin/sh
# MIT licence: see LICENSE.
#
# t-ctls.sh - TLS in the smtp client (lib/smtp/client.c): the smtp agent
# driven as qmgr drives it (tests/agent_req.py) and sendmail's relay mode,
# against tests/ctls_server.py (Python's ssl: STARTTLS or wrapper mode)
# with a CA and a server certificate made here by openssl.  Checked:
# smtp_tls_security_level may / encrypt / verify / secure, the fallback
# to plaintext (may; also after a failed handshake, on a new connection)
# and the 4.7.x deferrals (encrypt, verify) with
# Postfix's reasons, smtp_tls_CAfile, the name check, wrapper mode,
# smtp_tls_policy_maps, AUTH PLAIN after STARTTLS with
# smtp_sasl_tls_security_options (noplaintext in plaintext), the
# STARTTLS response injection, SNI, the log lines; the certificate
# checks at each level (expired, not yet valid, self-signed, another
# name, an unknown CA; Trusted/Untrusted/Verified), smtp_tls_CApath,
# smtp_tls_(mandatory_)protocols, _ciphers, _exclude_ciphers,
# smtp_tls_note_starttls_offer, smtp_tls_loglevel 2, the policy
# attributes protocols=, ciphers=, exclude=, client certificates
# (smtp_tls_cert_file, smtp_tls_chain_files).
#
# Runs as root in a private network and mount namespace (unshare -mn),
# /etc/hosts bind-mounted to name srv.test.
. "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent_lib.sh"
REQ_FRESH=1
Q=$T/q
SPID=
finish() {
	[ -n "$SPID" ] && stop_pid "$SPID"
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM
chmod 755 "$T"
netns_hosts '127.0.0.1 srv.test'

K=$T/pki
mkdir -p "$K"
(
	pki_ca ca && pki_ca other && pki_cert srv srv.test || exit 1
	cd "$K" || exit 1
	# one not valid until 2099 (a clock before the build date looks so)
	openssl req -newkey rsa:2048 -nodes -keyout fut.key -out fut.csr \
	    -subj "/CN=srv.test"
	touch index.txt
	echo 01 > serial
	printf '[ca]\ndefault_ca=c\n[c]\ndatabase=index.txt\n' > ca.cnf
	printf 'new_certs_dir=.\nserial=serial\ndefault_md=sha256\n' >> ca.cnf
	printf 'policy=p\n' >> ca.cnf
	printf '[p]\ncommonName=supplied\n[e]\nsubjectAltName=DNS:srv.test\n' \
	    >> ca.cnf
	openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key \
	    -in fut.csr -out fut.crt -startdate 20991231000000Z \
	    -enddate 21001231000000Z -extensions e
	# one that expired in 2020
	: > index.txt
	openssl req -newkey rsa:2048 -nodes -keyout exp.key -out exp.csr \
	    -subj "/CN=srv.test"
	openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key \
	    -in exp.csr -out exp.crt -startdate 20200101000000Z \
	    -enddate 20200102000000Z -extensions e
	# one for another name, from the same CA
	openssl req -newkey rsa:2048 -nodes -keyout wn.key -out wn.csr \
	    -subj "/CN=other.test"
	printf 'subjectAltName=DNS:other.test\n' > ext2
	openssl x509 -req -in wn.csr -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -out wn.crt -days 2 -extfile ext2
	# a client certificate from the CA, and one in a chain file (EC)
	openssl req -newkey rsa:2048 -nodes -keyout cl.key -out cl.csr \
	    -subj "/CN=client.example"
	openssl x509 -req -in cl.csr -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -out cl.crt -days 2
	openssl ecparam -name prime256v1 -genkey -noout -out ecl.key
	openssl req -new -key ecl.key -out ecl.csr -subj "/CN=ec.client"
	openssl x509 -req -in ecl.csr -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -out ecl.crt -days 2
	cat ecl.key ecl.crt > ecl.pem
	# a self-signed one for srv.test
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ss.key \
	    -out ss.crt -subj "/CN=srv.test" -days 2 -addext \
	    subjectAltName=DNS:srv.test
	chmod 644 ./*
	# smtp_tls_CApath: c_rehash's layout, with a file that is no PEM
	mkdir capath other-capath
	cp ca.crt capath/test-ca.pem
	ln -s test-ca.pem "capath/$(openssl x509 -hash -noout -in ca.crt).0"
	echo 'not a certificate' > capath/README
	cp other.crt other-capath/other.pem
	chmod 600 cl.key	# root's alone: read before privileges drop
	chmod 755 capath other-capath
	chmod 644 capath/* other-capath/*
) > "$T/openssl.log" 2>&1 || { fail "openssl" "$(tail -3 "$T/openssl.log")"
	exit 1; }

mkqueue || { fail "queue" "set-permissions failed"; exit 1; }

CONF_BASE="smtp_host_lookup = native
smtp_tls_loglevel = 1"
# srv ARGS...: the test server on a new port $P, transcript $T/s.log
srv() {
	srv_start python3 "$TOP/tests/ctls_server.py" "$T/s.log" "$K/${SC:-srv}.crt" \
	    "$K/${SC:-srv}.key" "$@"
}

R=srv.test[127.0.0.1]
HR='srv\.test\[127\.0\.0\.1\]'
conf ""
printf 'Subject: t\n\nbody\n' > "$T/m1"
newmsg -f sender@example.com a@example.org < "$T/m1" ||
    fail "setup: queue a message" "sendmail failed"

# --- may ----------------------------------------------------------------------
srv
conf "smtp_tls_security_level = may"
req smtp "[srv.test]:$P"
has "may: delivered" "^a@example.org sent 2\.0\.0 $HR:$P 250" "$T/out"
has "may: STARTTLS sent" "^C: STARTTLS$" "$T/s.log"
has "may: TLS started" "^T: tls$" "$T/s.log"
if awk '/^T: tls/ { t = NR } /^C: EHLO/ { e = NR } /^C: MAIL/ { m = NR }
    END { exit !(t && e > t && m > e) }' "$T/s.log"; then
	ok "may: EHLO again after STARTTLS, then MAIL"
else fail "may: EHLO again after STARTTLS" "$(tr '\n' '|' < "$T/s.log")"; fi
has "may: logged as Postfix" \
    "Untrusted TLS connection established to $HR:$P: TLSv1\.[23] with cipher" \
    "$T/maillog"
lacks "may: no SNI by default (smtp_tls_servername empty)" "^N: "
conf "smtp_tls_security_level = may
smtp_tls_servername = hostname"
req smtp "[srv.test]:$P"
has "smtp_tls_servername = hostname: SNI" "^N: srv\.test$" "$T/s.log"
conf "smtp_tls_security_level = may
smtp_tls_servername = sni.example"
req smtp "[srv.test]:$P"
has "smtp_tls_servername literal: SNI" "^N: sni\.example$" "$T/s.log"
conf "smtp_tls_security_level = may
smtp_tls_loglevel = 0"
req smtp "[srv.test]:$P"
lacks "smtp_tls_loglevel 0: no TLS log line" "TLS connection established" \
    "$T/maillog"
conf "smtp_tls_security_level = none"
req smtp "[srv.test]:$P"
lacks "none: no STARTTLS" "^C: STARTTLS"
has "none: delivered" "^a@example.org sent 2\.0\.0" "$T/out"

srv --no-starttls
conf "smtp_tls_security_level = may"
req smtp "[srv.test]:$P"
has "may, not offered: plaintext delivery" "^a@example.org sent 2\.0\.0" \
    "$T/out"
lacks "may, not offered: no STARTTLS" "^C: STARTTLS"

# --- encrypt ------------------------------------------------------------------
conf "smtp_tls_security_level = encrypt"
req smtp "[srv.test]:$P"
same "encrypt, not offered: deferred 4.7.4 with Postfix's reason" \
"a@example.org deferred 4.7.4 $R:$P TLS is required, but was not offered by host $R"
lacks "encrypt, not offered: nothing sent in plaintext" "^C: (MAIL|AUTH)"

srv
req smtp "[srv.test]:$P"
has "encrypt: delivered over TLS" "^a@example.org sent 2\.0\.0" "$T/out"
has "encrypt: TLS used" "^T: tls$" "$T/s.log"

# --- verify and secure --------------------------------------------------------
conf "smtp_tls_security_level = verify
smtp_tls_CAfile = $K/ca.crt"
req smtp "[srv.test]:$P"
has "verify, trusted CA, right name: delivered" "^a@example.org sent 2\.0\.0" \
    "$T/out"
has "verify: logged Verified" \
    "Verified TLS connection established to $HR:$P: TLSv1\.[23] with cipher" \
    "$T/maillog"
req smtp "[127.0.0.1]:$P"
same "verify, wrong name: deferred" \
"a@example.org deferred 4.7.5 127.0.0.1[127.0.0.1]:$P Server certificate not verified"
lacks "verify, wrong name: no MAIL" "^C: MAIL"
conf "smtp_tls_security_level = verify
smtp_tls_CAfile = $K/other.crt"
req smtp "[srv.test]:$P"
same "verify, untrusted CA: deferred" \
"a@example.org deferred 4.7.5 $R:$P Server certificate not verified"
lacks "verify, untrusted CA: no MAIL" "^C: MAIL"
conf "smtp_tls_security_level = secure
smtp_tls_CAfile = $K/ca.crt"
req smtp "[srv.test]:$P"
has "secure, nexthop name matches: delivered" "^a@example.org sent 2\.0\.0" \
    "$T/out"

# a certificate not yet valid: deferred, never bounced
SC=fut srv
req smtp "[srv.test]:$P"
same "verify, not yet valid: deferred 4.7.5 (not bounced)" \
"a@example.org deferred 4.7.5 $R:$P Server certificate not verified"
SC= srv

# --- certificate checks at each level (real openssl certificates) -----------
# lvl LEVEL CERT [EXTRA]: a delivery at LEVEL (smtp_tls_CAfile ca.crt) to
# a server with CERT
lvl() {
	SC=$2 srv
	conf "smtp_tls_security_level = $1
smtp_tls_CAfile = $K/ca.crt
$3"
	: > "$T/maillog"
	req smtp "[srv.test]:$P"
}
lvl may srv
has "may, trusted chain: Trusted" \
    "Trusted TLS connection established to $HR:$P: TLSv1\.2 with cipher" \
    "$T/maillog"
lacks "may, trusted chain: not Untrusted" "Untrusted TLS" "$T/maillog"
for c in exp ss wn fut; do
	lvl may $c
	has "may, $c certificate: delivered" "^a@example.org sent 2\.0\.0" \
	    "$T/out"
	has "may, $c certificate: over TLS" "^T: tls$" "$T/s.log"
done
lvl may wn
has "may, other name: still Trusted (no name check)" \
    "Trusted TLS connection established to $HR" "$T/maillog"
lvl may exp
has "may, expired: Untrusted" "Untrusted TLS connection established to $HR" \
    "$T/maillog"
lvl may ss
has "may, self-signed: Untrusted" "Untrusted TLS connection established" \
    "$T/maillog"
for c in exp ss wn; do
	lvl encrypt $c
	has "encrypt, $c certificate: delivered over TLS" \
	    "^a@example.org sent 2\.0\.0" "$T/out"
	lacks "encrypt, $c certificate: no verification failure logged" \
	    "verification failed" "$T/maillog"
done
lvl verify srv
has "verify: Verified" "Verified TLS connection established to $HR:$P" \
    "$T/maillog"
# vfail LEVEL CERT LOG-LINE
vfail() {
	lvl "$1" "$2"
	same "$1, $2 certificate: deferred 4.7.5" \
"a@example.org deferred 4.7.5 $R:$P Server certificate not verified"
	lacks "$1, $2 certificate: no MAIL" "^C: MAIL"
	has "$1, $2 certificate: the reason logged" "$3" "$T/maillog"
}
V="verification failed for $HR:[0-9]*:"
vfail verify exp "server certificate $V certificate has expired"
vfail verify fut "server certificate $V certificate not yet valid"
vfail verify wn "server certificate $V num=62:hostname mismatch"
vfail verify ss "[^r] certificate $V self-signed certificate"
vfail secure exp "certificate has expired"
vfail secure ss "self-signed certificate"
vfail secure wn "hostname mismatch"
SC=srv srv
conf "smtp_tls_security_level = verify
smtp_tls_CAfile = $K/other.crt"
: > "$T/maillog"
req smtp "[srv.test]:$P"
has "verify, unknown CA: untrusted issuer named" \
    "certificate verification failed for $HR:$P: untrusted issuer /CN=Test-ca" \
    "$T/maillog"

# --- smtp_tls_CApath --------------------------------------------------------
conf "smtp_tls_security_level = verify
smtp_tls_CApath = $K/capath"
: > "$T/maillog"
req smtp "[srv.test]:$P"
has "CApath: the CA in a c_rehash directory verifies" \
    "^a@example.org sent 2\.0\.0" "$T/out"
has "CApath: Verified" "Verified TLS connection" "$T/maillog"
lacks "CApath: the non-PEM file is skipped quietly" "warning" "$T/maillog"
conf "smtp_tls_security_level = verify
smtp_tls_CApath = $K/other-capath"
req smtp "[srv.test]:$P"
same "CApath without the CA: deferred" \
"a@example.org deferred 4.7.5 $R:$P Server certificate not verified"
conf "smtp_tls_security_level = verify
smtp_tls_CAfile = $K/other.crt
smtp_tls_CApath = $K/capath"
req smtp "[srv.test]:$P"
has "CAfile and CApath together" "^a@example.org sent 2\.0\.0" "$T/out"
conf "smtp_tls_security_level = may
smtp_tls_CApath = $K/capath"
: > "$T/maillog"
req smtp "[srv.test]:$P"
has "may with CApath: Trusted" "Trusted TLS connection established" \
    "$T/maillog"

# --- protocols and ciphers --------------------------------------------------
srv --only=1.1
conf "smtp_tls_security_level = may"
: > "$T/maillog"
req smtp "[srv.test]:$P"
has "TLSv1.1-only server: TLSv1.1 by default" \
    "TLS connection established to $HR:$P: TLSv1\.1 with cipher" "$T/maillog"
conf "smtp_tls_security_level = may
smtp_tls_protocols = >=TLSv1.2"
: > "$T/maillog"
req smtp "[srv.test]:$P"
has "smtp_tls_protocols >=TLSv1.2, may: plaintext retry, delivered" \
    "^a@example.org sent 2\.0\.0" "$T/out"
has "smtp_tls_protocols >=TLSv1.2, may: the handshake failed" \
    "trying again without TLS" "$T/maillog"
conf "smtp_tls_security_level = encrypt
smtp_tls_protocols = >=TLSv1.2"
req smtp "[srv.test]:$P"
has "encrypt uses smtp_tls_mandatory_protocols, not smtp_tls_protocols" \
    "^a@example.org sent 2\.0\.0" "$T/out"
conf "smtp_tls_security_level = encrypt
smtp_tls_mandatory_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1"
req smtp "[srv.test]:$P"
same "smtp_tls_mandatory_protocols without TLSv1.1: deferred" \
"a@example.org deferred 4.7.5 $R:$P Cannot start TLS: handshake failure"
conf "smtp_tls_security_level = encrypt
smtp_tls_mandatory_protocols = <=TLSv1.1"
req smtp "[srv.test]:$P"
has "smtp_tls_mandatory_protocols <=TLSv1.1: delivered" \
    "^a@example.org sent 2\.0\.0" "$T/out"
srv
conf "smtp_tls_security_level = encrypt
smtp_tls_mandatory_protocols = <=TLSv1.1"
: > "$T/maillog"
req smtp "[srv.test]:$P"
same "<=TLSv1.1 against a TLSv1.2-only server: deferred" \
"a@example.org deferred 4.7.5 $R:$P Cannot start TLS: handshake failure"
# which alert (70, 40, 80) depends on the python3 and OpenSSL serving
has "<=TLSv1.1 against a TLSv1.2-only server: the alert logged" \
    "SSL_connect error to $HR:$P: handshake failed: alert [0-9]+ received" \
    "$T/maillog"
conf "smtp_tls_security_level = may
smtp_tls_protocols = >=TLSv1.3"
: > "$T/maillog"
req smtp "[srv.test]:$P"
has "only TLSv1.3 (none here), may: a warning" \
    "warning: .*leaves no TLS version" "$T/maillog"
has "only TLSv1.3, may: delivered in plaintext" "^a@example.org sent 2\.0\.0" \
    "$T/out"
lacks "only TLSv1.3, may: no STARTTLS" "^C: STARTTLS"
conf "smtp_tls_security_level = encrypt
smtp_tls_mandatory_protocols = TLSv1.3"
req smtp "[srv.test]:$P"
same "only TLSv1.3, encrypt: deferred" \
"a@example.org deferred 4.7.5 $R:$P client TLS configuration problem"
conf "smtp_tls_security_level = encrypt
smtp_tls_mandatory_protocols = TLSv9"
: > "$T/maillog"
req smtp "[srv.test]:$P"
same "a bad protocol list, encrypt: deferred" \
"a@example.org deferred 4.7.5 $R:$P client TLS configuration problem"
has "a bad protocol list: warned" 'invalid TLS protocol list "TLSv9"' \
    "$T/maillog"
# cip NAME CIPHER-REGEX SETTINGS: the cipher that SETTINGS give (encrypt)
cip() {
	conf "smtp_tls_security_level = encrypt
$3"
	: > "$T/maillog"
	req smtp "[srv.test]:$P"
	has "$1" "established to $HR:$P: TLSv1\.2 with cipher $2 " \
	    "$T/maillog"
}
cip "default: ECDHE-RSA-AES256-GCM-SHA384" "ECDHE-RSA-AES256-GCM-SHA384" ""
cip "exclude AESGCM: ChaCha20" "ECDHE-RSA-CHACHA20-POLY1305" \
    "smtp_tls_exclude_ciphers = AESGCM"
cip "exclude AES256, CHACHA20: AES128-GCM" "ECDHE-RSA-AES128-GCM-SHA256" \
    "smtp_tls_exclude_ciphers = AES256, CHACHA20"
cip "exclude AESGCM, CHACHA20, SHA384: CBC with SHA256" \
    "ECDHE-RSA-AES128-SHA256" \
    "smtp_tls_exclude_ciphers = AESGCM, CHACHA20, SHA384"
cip "mandatory ciphers high, exclude AES256: ChaCha20" \
    "ECDHE-RSA-CHACHA20-POLY1305" "smtp_tls_mandatory_ciphers = high
smtp_tls_exclude_ciphers = AES256"
cip "exclude an OpenSSL suite name" "ECDHE-RSA-AES128-GCM-SHA256" \
    "smtp_tls_exclude_ciphers = ECDHE-RSA-AES256-GCM-SHA384"
conf "smtp_tls_security_level = encrypt
smtp_tls_mandatory_ciphers = high
smtp_tls_exclude_ciphers = AES256 CHACHA20"
req smtp "[srv.test]:$P"
same "high without AES256 and ChaCha20: nothing left, deferred" \
"a@example.org deferred 4.7.5 $R:$P client TLS configuration problem"
conf "smtp_tls_security_level = encrypt
smtp_tls_ciphers = high
smtp_tls_exclude_ciphers = AES256 CHACHA20"
req smtp "[srv.test]:$P"
has "smtp_tls_ciphers does not apply at encrypt" \
    "^a@example.org sent 2\.0\.0" "$T/out"

# --- client certificates -----------------------------------------------------
srv --ccert="$K/ca.crt"
conf "smtp_tls_security_level = encrypt
smtp_tls_cert_file = $K/cl.crt
smtp_tls_key_file = $K/cl.key"
req smtp "[srv.test]:$P"
has "smtp_tls_cert_file: delivered" "^a@example.org sent 2\.0\.0" "$T/out"
has "smtp_tls_cert_file (key readable by root only): the server saw it" \
    "^P: client\.example$" "$T/s.log"
conf "smtp_tls_security_level = may
smtp_tls_chain_files = $K/ecl.pem"
req smtp "[srv.test]:$P"
has "smtp_tls_chain_files (EC key and chain): the server saw ec.client" \
    "^P: ec\.client$" "$T/s.log"
conf "smtp_tls_security_level = may"
req smtp "[srv.test]:$P"
lacks "no client certificate configured: none sent" "^P: "
conf "smtp_tls_security_level = encrypt
smtp_tls_cert_file = $K/missing.crt"
: > "$T/maillog"
req smtp "[srv.test]:$P"
same "a missing client certificate at encrypt: deferred" \
"a@example.org deferred 4.7.5 $R:$P client TLS configuration problem"
has "a missing client certificate: warned" \
    "cannot load client certificate and key: open .*missing\.crt" "$T/maillog"
conf "smtp_tls_security_level = may
smtp_tls_cert_file = $K/missing.crt"
req smtp "[srv.test]:$P"
has "a missing client certificate at may: plaintext" \
    "^a@example.org sent 2\.0\.0" "$T/out"
lacks "a missing client certificate at may: no STARTTLS" "^C: STARTTLS"
srv

# --- logging ----------------------------------------------------------------
conf "smtp_tls_note_starttls_offer = yes"
: > "$T/maillog"
req smtp "[srv.test]:$P"
has "smtp_tls_note_starttls_offer: Host offered STARTTLS" \
    "Host offered STARTTLS: \[srv\.test\]" "$T/maillog"
conf "smtp_tls_security_level = may
smtp_tls_note_starttls_offer = yes"
: > "$T/maillog"
req smtp "[srv.test]:$P"
lacks "smtp_tls_note_starttls_offer: not logged when TLS is used" \
    "Host offered STARTTLS" "$T/maillog"
lacks "smtp_tls_loglevel 1: no setting up line" "setting up TLS" "$T/maillog"
conf "smtp_tls_security_level = may
smtp_tls_loglevel = 2"
: > "$T/maillog"
req smtp "[srv.test]:$P"
has "smtp_tls_loglevel 2: setting up TLS connection to" \
    "setting up TLS connection to $HR:$P$" "$T/maillog"

# --- smtp_tls_policy_maps -----------------------------------------------------
printf '[srv.test]:%s encrypt\n[127.0.0.1]:%s verify match=srv.test\n' \
    "$P" "$P" > "$T/etc/policy"
conf "smtp_tls_security_level = none
smtp_tls_CAfile = $K/ca.crt
smtp_tls_policy_maps = texthash:$T/etc/policy"
req smtp "[srv.test]:$P"
has "policy: encrypt for [host]:port" "^T: tls$" "$T/s.log"
req smtp "[127.0.0.1]:$P"
has "policy: verify match= names the certificate" \
    "^a@example.org sent 2\.0\.0" "$T/out"
has "policy: verify logged Verified" "Verified TLS connection" "$T/maillog"
printf '[srv.test]:%s encrypt ciphers=high exclude=AESGCM\n' "$P" \
    > "$T/etc/policy"
: > "$T/maillog"
req smtp "[srv.test]:$P"
has "policy: ciphers= and exclude= override the parameters" \
    "established to $HR:$P: TLSv1\.2 with cipher ECDHE-RSA-CHACHA20" \
    "$T/maillog"
printf '[srv.test]:%s encrypt protocols=!TLSv1.2\n' "$P" > "$T/etc/policy"
req smtp "[srv.test]:$P"
same "policy: protocols= overrides smtp_tls_mandatory_protocols" \
"a@example.org deferred 4.7.5 $R:$P Cannot start TLS: handshake failure"

# --- AUTH after STARTTLS: smtp_sasl_tls_security_options apply ---------------
printf '[srv.test]:%s joe:s3cret\n' "$P" > "$T/etc/passwd"
chmod 600 "$T/etc/passwd"
conf "smtp_tls_security_level = may
smtp_sasl_auth_enable = yes
smtp_sasl_security_options = noplaintext
smtp_sasl_tls_security_options = noanonymous
smtp_sasl_password_maps = texthash:$T/etc/passwd"
req smtp "[srv.test]:$P"
if awk '/^T: tls/ { t = NR } /^C: AUTH PLAIN/ { a = NR }
    END { exit !(t && a > t) }' "$T/s.log"; then
	ok "AUTH PLAIN after STARTTLS (smtp_sasl_tls_security_options)"
else fail "AUTH PLAIN after STARTTLS" "$(tr '\n' '|' < "$T/s.log")"; fi
has "AUTH over TLS: delivered" "^a@example.org sent 2\.0\.0" "$T/out"

# --- the STARTTLS injection ---------------------------------------------------
srv --inject
conf "smtp_tls_security_level = may"
req smtp "[srv.test]:$P"
has "injection: deferred 4.7.5" \
    "^a@example.org deferred 4\.7\.5 $HR:$P Cannot start TLS" "$T/out"
lacks "injection: no MAIL" "^C: MAIL"

# --- a failed handshake: "may" tries again in plaintext, "encrypt" defers --
srv --bad-tls
conf "smtp_tls_security_level = may"
req smtp "[srv.test]:$P"
has "may, handshake fails: delivered in plaintext on a new connection" \
    "^a@example.org sent 2\.0\.0" "$T/out"
if awk '/^T: bad/ { b = NR } /^C: STARTTLS/ { n++ } /^C: MAIL/ { m = NR }
    END { exit !(b && m > b && n == 1) }' "$T/s.log"; then
	ok "may, handshake fails: the retry sends no STARTTLS"
else fail "may, handshake fails: retry" "$(tr '\n' '|' < "$T/s.log")"; fi
has "may, handshake fails: logged" "trying again without TLS" "$T/maillog"
conf "smtp_tls_security_level = encrypt"
req smtp "[srv.test]:$P"
# (the garbage may come in the same read as the 220: then it is
# "unexpected data after STARTTLS reply", also a handshake failure)
has "encrypt, handshake fails: deferred 4.7.5" \
    "^a@example.org deferred 4\.7\.5 $HR:$P Cannot start TLS: handshake failure"
lacks "encrypt, handshake fails: no plaintext retry" "^C: MAIL"

# --- wrapper mode -------------------------------------------------------------
srv --wrapper
conf "smtp_tls_security_level = encrypt
smtp_tls_wrappermode = yes"
req smtp "[srv.test]:$P"
has "wrapper: delivered" "^a@example.org sent 2\.0\.0" "$T/out"
has "wrapper: TLS at connect" "^T: tls$" "$T/s.log"
lacks "wrapper: no STARTTLS" "^C: STARTTLS"

# --- sendmail relay mode ------------------------------------------------------
srv
R2=$T/relay
mkdir -p "$R2"
cat > "$R2/main.cf" <<EOC
queue_directory = $T/noqueue
maillog_file = $T/maillog
myhostname = client.example.com
smtp_host_lookup = native
relayhost = [srv.test]:$P
smtp_tls_security_level = verify
smtp_tls_CAfile = $K/ca.crt
EOC
: > "$T/s.log"
if "$MTA" sendmail -C "$R2" -f me@example.com rcpt@example.org \
    < "$T/m1" 2> "$T/err"; then ok "relay mode: sendmail exits 0"
else fail "relay mode: sendmail exits 0" "$(cat "$T/err")"; fi
has "relay mode: TLS used" "^T: tls$" "$T/s.log"
has "relay mode: message sent" "^C: RCPT TO:<rcpt@example.org>" "$T/s.log"
sed -i 's/^relayhost.*/relayhost = [127.0.0.1]:'"$P"'/' "$R2/main.cf"
: > "$T/s.log"
if "$MTA" sendmail -C "$R2" -f me@example.com rcpt@example.org \
    < "$T/m1" 2> "$T/err"; then fail "relay mode: wrong name fails" "exit 0"
else ok "relay mode: wrong name fails"; fi
has "relay mode: the reason" "Server certificate not verified" "$T/err"
lacks "relay mode: no MAIL" "^C: MAIL"
srv_stop
