#!/bin/sh
# MIT licence: see LICENSE.
#
# t-tlspol.sh - the smtp client's TLS policy (lib/smtp/tlspol.c) and its
# certificate name check (lib/tls_x509.c), against tests/ctls_server.py with
# certificates made here by openssl (tests/lib.sh pki_ca, pki_cert).
# Checked, as Postfix: smtp_tls_policy_maps looked up with the parent
# domains of a domain next hop (".example.com secure" covers
# mx.sub.example.com, not [mx.sub.example.com]; "example.com" does not),
# the first hit winning; "dane-only" deferred 4.7.5 with a warning and
# "dane" as "may" with one (mta has no DANE); unknown attributes and
# levels, attributes twice, match= at encrypt: 4.7.5 "client TLS
# configuration problem" and a warning naming the table and the fault;
# smtp_use_tls, smtp_enforce_tls and smtp_tls_enforce_peername when
# smtp_tls_security_level is empty; an unknown word in
# smtp_sasl_security_options (no AUTH in plaintext, 4.7.0);
# the match lists (a policy's match=a:b, smtp_tls_verify_cert_match,
# smtp_tls_secure_cert_match with hostname, nexthop, dot-nexthop,
# .domain) against a forged MX; the certificate's subjectAltName
# dNSNames alone when it has some, its CN only when it has none.
#
# Runs as root in a private network and mount namespace (unshare -mn):
# /etc/hosts names srv.test, dnsmasq (when installed) on 127.0.0.1:53
# publishes the MX records, the servers listen on 127.0.0.2:25.
. "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent_lib.sh"
REQ_FRESH=1
Q=$T/q
SPID= DPID=
finish() {
	[ -n "$SPID" ] && stop_pid "$SPID"
	[ -n "$DPID" ] && stop_pid "$DPID"
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM
netns_hosts '127.0.0.1 srv.test'

K=$T/pki
mkdir -p "$K"
{
	pki_ca ca &&
	pki_cert srv srv.test &&
	# CN srv.test, but a subjectAltName for another name only
	pki_cert cnonly srv.test ca DNS:other.test &&
	# CN srv.test and no subjectAltName
	pki_cert nosan srv.test ca - &&
	# srv.test as the second of two names
	pki_cert multi other.test ca DNS:other.test,DNS:srv.test &&
	pki_cert forged mx.forged.test &&
	pki_cert victim victim.test &&
	pki_cert mxv mx.victim.test &&
	pki_cert sub mx.sub.example.com &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$K/ss.key" \
	    -out "$K/ss.crt" -subj "/CN=srv.test" -days 2 &&
	chmod 644 "$K"/*
} > "$T/openssl.log" 2>&1 || { fail "openssl" "$(tail -3 "$T/openssl.log")"
	exit 1; }

mkqueue || { fail "queue" "set-permissions failed"; exit 1; }
CONF_BASE="smtp_host_lookup = native
smtp_tls_loglevel = 1
smtp_tls_CAfile = $K/ca.crt"
# srv CERT [ARGS...]: the test server with $K/CERT.crt on a new port $P
srv() {
	c=$1; shift
	srv_start python3 "$TOP/tests/ctls_server.py" "$T/s.log" \
	    "$K/$c.crt" "$K/$c.key" "$@"
}
R=srv.test[127.0.0.1]
printf 'Subject: t\n\nbody\n' > "$T/m1"
conf ""
newmsg -f sender@example.com a@example.org < "$T/m1" ||
    fail "setup: queue a message" "sendmail failed"
sent() { has "$1" "^a@example\.org sent 2\.0\.0 " "$T/out"; }
deferred() { has "$1" "^a@example\.org deferred 4\.7\.5 .*$2" "$T/out"; }
warned() { has "$1" "warning: $2" "$T/maillog"; }

# --- the certificate's names (RFC 6125: no CN when there are SANs) ---------
# name CERT: a delivery at verify to [srv.test]
name() {
	srv "$1"
	conf "smtp_tls_security_level = verify"
	req smtp "[srv.test]:$P"
}
name srv
sent "verify, SAN srv.test: delivered"
name cnonly
deferred "verify, CN srv.test with SAN other.test only: deferred" \
    "Server certificate not verified"
has "verify, CN srv.test with SAN other.test only: hostname mismatch" \
    "verification failed for .*num=62:hostname mismatch" "$T/maillog"
lacks "verify, CN srv.test with SAN other.test only: no MAIL" "^C: MAIL"
name nosan
sent "verify, CN srv.test and no SAN: delivered (the CN counts)"
name multi
sent "verify, srv.test the second SAN: delivered"

# --- smtp_tls_policy_maps: the attributes, the levels ----------------------
# pol ENTRY [CERT]: ENTRY for [srv.test]:$P, smtp_tls_security_level may
pol() {
	srv "${2:-ss}"
	printf '[srv.test]:%s %s\n' "$P" "$1" > "$T/etc/policy"
	conf "smtp_tls_security_level = may
smtp_tls_policy_maps = texthash:$T/etc/policy"
	req smtp "[srv.test]:$P"
}
W="smtp_tls_policy_maps, next-hop destination \"\\[srv\\.test\\]:[0-9]+\""
CP="client TLS configuration problem"
pol "dane-only"
deferred "dane-only: deferred" "$CP"
lacks "dane-only: no MAIL to a self-signed server" "^C: MAIL"
NL="configured, but no requisite library support"
warned "dane-only: the warning" "\\[srv\\.test\\]:[0-9]+: dane-only $NL"
pol "dane"
sent "dane: delivered (as may)"
has "dane: over TLS" "^T: tls$" "$T/s.log"
warned "dane: the warning" "\\[srv\\.test\\]:[0-9]+: dane $NL"
pol "may foo=bar"
deferred "an unknown attribute: deferred" "$CP"
lacks "an unknown attribute: no MAIL" "^C: MAIL"
warned "an unknown attribute: named with the table" \
    "$W: invalid attribute name: \"foo\""
pol "secure mtach=srv.test"
warned "a misspelt match=: invalid attribute name" \
    "$W: invalid attribute name: \"mtach\""
deferred "a misspelt match=: deferred" "$CP"
pol "encrypt match=srv.test"
deferred "match= at encrypt: deferred" "$CP"
warned "match= at encrypt: the warning" \
    "$W: attribute \"match\" invalid at security level \"encrypt\""
pol "encrypt ciphers=high ciphers=medium"
deferred "ciphers= twice: deferred" "$CP"
warned "ciphers= twice: the warning" \
    "$W: attribute \"ciphers\" is specified multiple times"
pol "encrypt ciphers"
warned "an attribute without =: the warning" \
    "$W: malformed attribute/value pair \"ciphers\""
pol "encrypt servername=sni.test"
has "servername=: the SNI name sent" "^N: sni\.test$" "$T/s.log"
pol "mayy"
deferred "an unknown level: deferred" "$CP"
warned "an unknown level: the warning" "$W: invalid security level \"mayy\""
pol "none foo=bar"
sent "none with an attribute: delivered"
lacks "none with an attribute: no STARTTLS" "^C: STARTTLS"
warned "none with an attribute: ignored, with a warning" \
    "$W: ignoring attribute \"foo=bar\" with TLS disabled"
pol "verify match=a.test:srv.test" srv
sent "match=a.test:srv.test: the second name counts"
pol "verify match=a.test match=srv.test" srv
sent "match= twice: both lists count"
pol "verify match=.test" srv
sent "match=.test: any name below test"
pol "verify match=srv.test.:x.srv.test" srv
deferred "match= with other names only: deferred" \
    "Server certificate not verified"

# --- Postfix's obsolete switches, read when the level is empty ------------
# old LINES: a delivery to [srv.test] (self-signed certificate) with LINES
old() {
	srv ss
	conf "$1"
	req smtp "[srv.test]:$P"
}
old "smtp_use_tls = yes"
sent "smtp_use_tls = yes: delivered"
has "smtp_use_tls = yes: over TLS (may)" "^T: tls$" "$T/s.log"
old "smtp_enforce_tls = yes"
deferred "smtp_enforce_tls = yes: verify (smtp_tls_enforce_peername)" \
    "Server certificate not verified"
old "smtp_enforce_tls = yes
smtp_tls_enforce_peername = no"
sent "smtp_enforce_tls, smtp_tls_enforce_peername = no: encrypt"
has "smtp_enforce_tls, smtp_tls_enforce_peername = no: over TLS" \
    "^T: tls$" "$T/s.log"
old "smtp_tls_security_level = none
smtp_enforce_tls = yes"
lacks "smtp_tls_security_level set: smtp_enforce_tls not read" \
    "^C: STARTTLS"

# --- the same class in SMTP AUTH: an unknown security option -------------
sasl() {
	srv ss --no-starttls
	printf '[srv.test]:%s joe:s3cret\n' "$P" > "$T/etc/passwd"
	chmod 600 "$T/etc/passwd"
	conf "smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = texthash:$T/etc/passwd
smtp_sasl_security_options = $1"
	req smtp "[srv.test]:$P"
}
sasl "noanonymous, noplaintex"
has "smtp_sasl_security_options misspelt: deferred" \
    "^a@example\.org deferred 4\.7\.0 .*SASL configuration problem" "$T/out"
lacks "smtp_sasl_security_options misspelt: no AUTH in plaintext" "^C: AUTH"
warned "smtp_sasl_security_options misspelt: the warning" \
    "unknown smtp_sasl_security_options value \"noplaintex\""
sasl "noanonymous, noplaintext"
has "smtp_sasl_security_options noplaintext: still no AUTH" \
    "^a@example\.org deferred 4\.7\.0 .*no mechanism available" "$T/out"

# --- with DNS: parent domains, the match lists against a forged MX --------
if [ ! -x /usr/sbin/dnsmasq ]; then
	echo "skip - DNS parts: no /usr/sbin/dnsmasq"
	exit 0
fi
netns_resolver "timeout:2 attempts:3"
/usr/sbin/dnsmasq -C /dev/null --keep-in-foreground --no-resolv \
    --no-hosts --port=53 --listen-address=127.0.0.1 --bind-interfaces \
    --pid-file="$T/dnsmasq.pid" --log-facility="$T/dnsmasq.log" \
    --user=root --local=/test/ --local=/example.com/ \
    --host-record=mx.sub.example.com,127.0.0.2 \
    --mx-host=victim.test,mx.forged.test,10 \
    --host-record=mx.forged.test,127.0.0.2 \
    --mx-host=victim2.test,mx.victim2.test,10 \
    --host-record=mx.victim2.test,127.0.0.2 \
    2>"$T/dnsmasq.err" &
DPID=$!
i=0
while [ $i -lt 50 ]; do
	[ "$(python3 "$TOP/tests/dns_query.py" 127.0.0.1 MX victim.test 0.2 \
	    2>/dev/null | head -n 1)" = NOERROR ] && break
	sleep 0.1; i=$((i + 1))
done
check_out "zone: MX victim.test" "NOERROR
10 mx.forged.test" python3 "$TOP/tests/dns_query.py" 127.0.0.1 MX victim.test

CONF_BASE="smtp_host_lookup = dns
smtp_tls_loglevel = 1
smtp_tls_CAfile = $K/ca.crt"
# dom NEXTHOP CERT POLICY-LINES [MAIN.CF-LINES]: a delivery to NEXTHOP
# (port 25) served on 127.0.0.2:25 with CERT
dom() {
	srv "$2" --listen=127.0.0.2:25
	printf '%s\n' "$3" > "$T/etc/policy"
	conf "smtp_tls_security_level = may
smtp_tls_policy_maps = texthash:$T/etc/policy
$4"
	req smtp "$1"
}
dom mx.sub.example.com srv ".example.com secure"
deferred ".example.com secure covers mx.sub.example.com: deferred" \
    "Server certificate not verified"
lacks ".example.com secure covers mx.sub.example.com: no MAIL" "^C: MAIL"
dom mx.sub.example.com sub ".example.com secure"
sent ".example.com secure, the right certificate: delivered"
has ".example.com secure, the right certificate: Verified" \
    "Verified TLS connection established to mx\.sub\.example\.com" \
    "$T/maillog"
dom mx.sub.example.com srv ".example.com secure
.sub.example.com none"
sent "the nearest parent domain wins (.sub.example.com none)"
lacks "the nearest parent domain wins: no STARTTLS" "^C: STARTTLS"
dom mx.sub.example.com srv ".example.com secure
mx.sub.example.com encrypt"
sent "the next hop itself wins (mx.sub.example.com encrypt)"
has "the next hop itself wins: over TLS" "^T: tls$" "$T/s.log"
dom mx.sub.example.com srv "example.com secure"
sent "example.com (no dot) does not cover mx.sub.example.com"
dom "[mx.sub.example.com]" srv ".example.com secure"
sent "[mx.sub.example.com]: no parent domain lookup"
dom "[mx.sub.example.com]" srv ".sub.example.com secure"
sent "[mx.sub.example.com]: not .sub.example.com either"

# the MX of victim.test is mx.forged.test, with a valid certificate
# for that name only
dom victim.test forged "" "smtp_tls_security_level = verify"
sent "verify, hostname (default): the MX name is checked"
dom victim.test forged "" "smtp_tls_security_level = verify
smtp_tls_verify_cert_match = nexthop"
deferred "verify, smtp_tls_verify_cert_match = nexthop: a forged MX deferred" \
    "Server certificate not verified"
lacks "verify, nexthop: no MAIL to the forged MX" "^C: MAIL"
dom victim.test victim "" "smtp_tls_security_level = verify
smtp_tls_verify_cert_match = nexthop"
sent "verify, nexthop: a certificate for victim.test is delivered to"
dom victim.test forged "" "smtp_tls_security_level = verify
smtp_tls_verify_cert_match = nexthop, hostname"
sent "verify, \"nexthop, hostname\": the second name counts"
dom victim.test forged "" "smtp_tls_security_level = verify
smtp_tls_verify_cert_match = nexthop:.forged.test"
sent "verify, nexthop:.forged.test: a .domain name counts"
dom victim.test forged "victim.test verify match=nexthop"
deferred "policy verify match=nexthop: a forged MX deferred" \
    "Server certificate not verified"
dom victim.test forged "victim.test verify match=nexthop:hostname"
sent "policy verify match=nexthop:hostname: the MX name counts"
dom victim.test forged "" "smtp_tls_security_level = secure"
deferred "secure (nexthop, dot-nexthop): a forged MX deferred" \
    "Server certificate not verified"
dom victim2.test mxv "" "smtp_tls_security_level = secure"
deferred "secure: mx.victim.test is not below victim2.test" \
    "Server certificate not verified"
pki_cert mxv2 mx.victim2.test > "$T/openssl.log" 2>&1
chmod 644 "$K"/mxv2.*
dom victim2.test mxv2 "" "smtp_tls_security_level = secure"
sent "secure: dot-nexthop takes mx.victim2.test for victim2.test"
dom victim2.test mxv2 "" "smtp_tls_security_level = secure
smtp_tls_secure_cert_match = nexthop"
deferred "smtp_tls_secure_cert_match = nexthop: mx.victim2.test deferred" \
    "Server certificate not verified"
dom victim.test forged "" "smtp_tls_security_level = secure
smtp_tls_secure_cert_match = .forged.test"
sent "smtp_tls_secure_cert_match = .forged.test: read"
srv_stop
