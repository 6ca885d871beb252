#!/bin/sh
# MIT licence: see LICENSE.
#
# tls.sh - full STARTTLS sessions per second: mta's smtpd (under mta's
# master) beside Debian's Postfix smtpd on loopback, with the same
# RSA-2048 certificate and then the same ECDSA P-256 one.  The client is
# a small Python script (ssl module): WORKERS processes, each doing
# SESSIONS sequential sessions (connect, EHLO, STARTTLS, a full handshake
# without session resumption, EHLO, QUIT).  The client offers at most
# TLS 1.2 (TLSMAX), since BearSSL has no TLS 1.3: both servers do the
# same handshake.  A first line without STARTTLS is the baseline (what
# a session costs without TLS).  mta and Postfix alternate run by run;
# medians and their ratio (mta / Postfix: above 1.00 means mta does more sessions).
# Run as root (the Postfix instance needs its postfix user).
: "${MTA:=$(pwd)/mta}"
: "${RUNS:=5}"
: "${SESSIONS:=100}"
: "${WORKERS:=2}"
: "${TLSMAX:=1.2}"
"$MTA" master --help 2>&1 | grep -q "not built" &&
    { echo "tls: mta master not built"; exit 0; }
[ -x /usr/sbin/postfix ] || { echo "tls: Debian's postfix is needed"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "tls: needs root for the Postfix instance"; exit 0; }

T=$(mktemp -d /tmp/mta-bench-tls.XXXXXX) || exit 1
chmod 755 "$T"
. "$(dirname "$0")/lib.sh"
PP=$(port); PE=$(port); MP=$(port); ME=$(port)

# the certificates: one RSA-2048, one ECDSA P-256, self-signed
K=$T/pki
mkdir -p "$K"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$K/rsa.key" \
    -out "$K/rsa.crt" -subj "/CN=bench.localdomain" -days 2 \
    >/dev/null 2>&1 &&
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$K/ec.key" -out "$K/ec.crt" -subj "/CN=bench.localdomain" \
    -days 2 >/dev/null 2>&1 || { echo "tls: openssl failed"; rm -rf "$T"; exit 1; }
chmod 644 "$K"/*

# Postfix: RSA on $PP, ECDSA on $PE
pf_main "alias_maps =
smtpd_tls_security_level = may
smtpd_tls_cert_file = $K/rsa.crt
smtpd_tls_key_file = $K/rsa.key"
{
	sed -e '/^smtp      inet/d' /etc/postfix/master.cf
	echo "127.0.0.1:$PP inet n - n - - smtpd"
	echo "127.0.0.1:$PE inet n - n - - smtpd -o smtpd_tls_cert_file=$K/ec.crt -o smtpd_tls_key_file=$K/ec.key"
} > "$T/pf/etc/master.cf"

# mta: the same, RSA on $MP, ECDSA on $ME
mta_main "alias_maps =
smtpd_tls_security_level = may
smtpd_tls_cert_file = $K/rsa.crt
smtpd_tls_key_file = $K/rsa.key"
cat > "$T/mta/etc/master.cf" <<EOC
127.0.0.1:$MP inet n - n - - smtpd
127.0.0.1:$ME inet n - n - - smtpd -o smtpd_tls_cert_file=$K/ec.crt -o smtpd_tls_key_file=$K/ec.key
cleanup unix n - n - 0 cleanup
EOC

# the client: tlsc.py PORT SESSIONS WORKERS TLSMAX prints sessions/s, or
# 0 when a session failed; TLSMAX "plain": no STARTTLS (the baseline)
cat > "$T/tlsc.py" <<'PY'
import os, socket, ssl, sys, time
port, n, workers = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
if sys.argv[4] == "1.2":
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2

def reply(f, code):
    while True:
        line = f.readline()
        if not line.startswith(code):
            raise OSError("unexpected reply %r" % line)
        if line[3:4] == b" ":
            return

def session():
    s = socket.create_connection(("127.0.0.1", port), 10)
    f = s.makefile("rb")
    reply(f, b"220")
    s.sendall(b"EHLO client.localdomain\r\n")
    reply(f, b"250")
    if sys.argv[4] == "plain":
        s.sendall(b"QUIT\r\n")
        reply(f, b"221")
        s.close()
        return
    s.sendall(b"STARTTLS\r\n")
    reply(f, b"220")
    t = ctx.wrap_socket(s)
    f = t.makefile("rb")
    t.sendall(b"EHLO client.localdomain\r\n")
    reply(f, b"250")
    t.sendall(b"QUIT\r\n")
    reply(f, b"221")
    t.close()

start = time.time()
kids = []
for w in range(workers):
    pid = os.fork()
    if pid == 0:
        try:
            for i in range(n):
                session()
        except Exception as e:
            sys.stderr.write("tls: %s\n" % e)
            os._exit(1)
        os._exit(0)
    kids.append(pid)
bad = 0
for pid in kids:
    bad |= os.waitpid(pid, 0)[1]
print(0 if bad else n * workers / (time.time() - start))
PY

cleanup() {
	postfix -c "$T/pf/etc" stop >/dev/null 2>&1
	"$MTA" postfix -c "$T/mta/etc" stop >/dev/null 2>&1
	[ -n "$KEEP" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM
postfix -c "$T/pf/etc" start >/dev/null 2>&1 || { echo "tls: Postfix did not start"; exit 1; }
"$MTA" postfix -c "$T/mta/etc" start >/dev/null 2>&1 || { echo "tls: mta did not start"; exit 1; }
sleep 1

# bench NAME MTA-PORT POSTFIX-PORT [TLSMAX]
bench() {
	v=${4:-$TLSMAX}
	# one warm-up session each: the first handshake loads the key
	python3 "$T/tlsc.py" "$2" 1 1 "$v" >/dev/null
	python3 "$T/tlsc.py" "$3" 1 1 "$v" >/dev/null
	: > "$T/a"; : > "$T/b"
	i=0
	while [ $i -lt "$RUNS" ]; do
		python3 "$T/tlsc.py" "$2" "$SESSIONS" "$WORKERS" "$v" >> "$T/a"
		python3 "$T/tlsc.py" "$3" "$SESSIONS" "$WORKERS" "$v" >> "$T/b"
		i=$((i + 1))
	done
	a=$(median < "$T/a"); b=$(median < "$T/b")
	printf '%-34s mta %7.0f sess/s  postfix %7.0f sess/s  ratio %5.2f\n' \
	    "$1" "$a" "$b" \
	    "$(awk -v a="$a" -v b="$b" 'BEGIN { print (b > 0 ? a / b : 0) }')"
}
bench "SMTP sessions, no TLS (baseline)" "$MP" "$PP" plain
bench "STARTTLS sessions (RSA-2048)" "$MP" "$PP"
bench "STARTTLS sessions (ECDSA P-256)" "$ME" "$PE"
