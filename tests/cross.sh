#!/bin/sh
# MIT licence: see LICENSE.
#
# cross.sh [-e] ARCH - `make check-cross ARCH=...`: the tests of a
# cross-built build/ARCH/mta, run under Debian's qemu-ARCH called directly
# (no binfmt_misc).  Each cross binary gets a native stand-in
# (tests/qemu_run.c) that keeps argv[0], so the applet names, the unit
# binaries that re-execute themselves and master's daemons (found through
# daemon_directory, since /proc/self/exe names a file the host cannot
# execute) all work.  Then:
#   - a smoke test: the binary is static for the target, postconf -d is
#     the native one's, postmap and postmap -q, the .cdb files of the
#     cross and the native mta are the same bytes and each reads the
#     other's;
#   - an end-to-end test: master on 127.0.0.1 takes a message over
#     STARTTLS and one from the native sendmail (a maildrop file of the
#     other CPU), both wait in the queue while the relay host is down,
#     mailq lists them, postcat of both CPUs prints the same for each
#     queue file, smtp relays both to smtp-sink, mailq is empty after;
#   - unless -e (make check's t-cross.sh: the end-to-end test only): the
#     unit binaries of build/ARCH/unit and the black-box scripts in
#     $CROSS_TESTS (default: the table and configuration tests that start
#     no daemon: the scripts that start master or submit through cleanup
#     leave daemon_directory at its default, where no stand-in is).
cd "$(dirname "$0")/.." || exit 2
TOP=$PWD
E2E_ONLY=
[ "$1" = -e ] && { E2E_ONLY=1; shift; }
ARCH=${1:?usage: cross.sh [-e] ARCH}
XB=$TOP/build/$ARCH
: "${CROSS_TESTS=t-postmap.sh t-postalias.sh t-cidr.sh t-regexp.sh t-postconf.sh}"

QEMU=$(command -v "qemu-$ARCH") || {
	echo "cross.sh: qemu-$ARCH not found (package qemu-user)" >&2; exit 2; }
[ -x "$XB/mta" ] || { echo "cross.sh: no $XB/mta" >&2; exit 2; }
[ -x "${NATIVE_MTA:-$TOP/mta}" ] || { echo "cross.sh: no native mta" >&2; exit 2; }

MTA=$TOP/mta	# lib.sh's $T and helpers; $MTA is set below
. "$TOP/tests/lib.sh"
W=$T/wrap
mkdir -p "$W/bin" "$W/unit"

# wrap TARGET OUT: a native program running qemu on TARGET, killed after
# 120 seconds
wrap() {
	cc -O -DQEMU="\"$QEMU\"" -DTARGET="\"$1\"" -DLIMIT=120 -o "$2" \
	    "$TOP/tests/qemu_run.c" || exit 2
}
wrap "$XB/mta" "$W/bin/mta"
for u in "$XB"/unit/*; do
	[ -x "$u" ] && wrap "$u" "$W/unit/$(basename "$u")"
done
XMTA=$W/bin/mta
NMTA=${NATIVE_MTA:-$TOP/mta}

echo "# cross.sh: $ARCH, $(file -b "$XB/mta" | cut -d, -f1-2)"
fails=0
note() { case $1 in FAIL*) fails=$((fails + 1)) ;; esac; echo "$1"; }

# Does getifaddrs() return under this emulator?  Asked of a small program
# built with the target's musl, not of mta.
probe=$T/ifaddrs_probe
NO_IFADDRS=
if "$XB/musl/bin/musl-gcc" -static -o "$probe" \
    "$TOP/tests/ifaddrs_probe.c" 2>"$T/probe.err"; then
	if ! timeout 10 "$QEMU" "$probe" >/dev/null 2>&1; then
		NO_IFADDRS=1
		echo "# qemu-$ARCH: getifaddrs() in a 10-line musl program never" \
		    "returns: the checks that list interfaces are skipped"
	fi
else
	note "FAIL - $ARCH: build the getifaddrs probe: $(head -c 300 "$T/probe.err")"
fi

# --- smoke test --------------------------------------------------------
s=$(file -b "$XB/mta")
case $s in
*"statically linked"*) note "ok - $ARCH: file says statically linked" ;;
*) note "FAIL - $ARCH: file says statically linked: $s" ;;
esac
# all the defaults but process_id (and mynetworks, computed from the
# interfaces, where the emulator cannot list them) are the same on every CPU
names=$("$NMTA" postconf -d | sed -n 's/^\([a-z0-9_]*\) =.*/\1/p' | grep -v '^process_id$')
[ -n "$NO_IFADDRS" ] && names=$(printf '%s\n' "$names" | grep -v '^mynetworks$')
x=$("$XMTA" postconf -d $names 2>"$T/pc.err")
case $x in
*"mail_owner = "*) [ ! -s "$T/pc.err" ] && note "ok - $ARCH: postconf -d" ||
	note "FAIL - $ARCH: postconf -d: $(head -c 300 "$T/pc.err")" ;;
*) note "FAIL - $ARCH: postconf -d: $(printf %s "$x" | head -c 300)" ;;
esac
"$NMTA" postconf -d $names >"$T/pc.native" 2>/dev/null
if [ "$x" = "$(cat "$T/pc.native")" ]; then
	note "ok - $ARCH: postconf -d same as native"
else
	note "FAIL - $ARCH: postconf -d same as native:" \
	    "$(printf '%s\n' "$x" | diff - "$T/pc.native" 2>&1 | head -c 300)"
fi

mkdir -p "$T/x" "$T/n"
{
	printf 'alice@example.com\tOK\n'
	printf 'example.net REJECT no thanks\n'
	i=0
	while [ $i -lt 300 ]; do
		printf 'key%d value %d %s\n' $i $((i * 7919)) "$(printf %0${i}d 0 |
		    head -c 40)"
		i=$((i + 1))
	done
} > "$T/x/tbl"
cp "$T/x/tbl" "$T/n/tbl"
(cd "$T/x" && "$XMTA" postmap cdb:tbl) &&
    note "ok - $ARCH: postmap cdb:tbl" ||
    note "FAIL - $ARCH: postmap cdb:tbl: exit $?"
(cd "$T/n" && "$NMTA" postmap cdb:tbl)
if cmp -s "$T/x/tbl.cdb" "$T/n/tbl.cdb"; then
	note "ok - $ARCH: tbl.cdb same bytes as native"
else
	note "FAIL - $ARCH: tbl.cdb same bytes as native: differs"
fi
for k in alice@example.com example.net key0 key150 key299 nokey; do
	for pair in "x:$XMTA:n" "n:$NMTA:x"; do
		who=${pair%%:*}; rest=${pair#*:}; prog=${rest%:*}
		other=${pair##*:}
		got=$("$prog" postmap -q "$k" "cdb:$T/$other/tbl" 2>&1)
		want=$("$NMTA" postmap -q "$k" "cdb:$T/n/tbl" 2>&1)
		[ "$who" = x ] && lbl="$ARCH reads native" ||
		    lbl="native reads $ARCH"
		if [ "$got" = "$want" ] && { [ -n "$got" ] || [ "$k" = nokey ]; }
		then note "ok - $ARCH: $lbl cdb, key $k"
		else note "FAIL - $ARCH: $lbl cdb, key $k: [$got] want [$want]"
		fi
	done
done

# --- end to end: STARTTLS in, the queue, smtp out --------------------------
# master on 127.0.0.1 under emulation.  Two messages: one over SMTP with
# STARTTLS, one written by the native sendmail into maildrop (a queue file
# of the native CPU, read by the target's pickup).  The relay host does not
# answer yet: both wait in deferred/, mailq lists them, and postcat of the
# target and of the native mta print the same for each file.  Then
# smtp-sink answers, postqueue -f, both arrive, mailq is empty.
D=$T/e2e
K=$D/pki
mkdir -p "$D/etc" "$D/sink" "$K"
owner=$(id -un)
if [ "$(id -u)" = 0 ]; then
	owner=nobody
	id postfix >/dev/null 2>&1 && owner=postfix
fi
{ pki_ca ca && pki_cert mx mx.cross.test; } >"$D/pki.out" 2>&1 ||
    note "FAIL - $ARCH: certificates: $(tail -c 300 "$D/pki.out")"
port=$(free_port)
sport=$(free_port)
cat > "$D/etc/main.cf" <<EOC
queue_directory = $D/queue
data_directory = $D/data
daemon_directory = $W/bin
mail_owner = $owner
myhostname = mx.cross.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
maillog_file = $D/maillog
alias_maps =
mydestination = localhost
relayhost = [127.0.0.1]:$sport
smtpd_tls_security_level = may
smtpd_tls_cert_file = $K/mx.crt
smtpd_tls_key_file = $K/mx.key
smtp_tls_security_level = none
EOC
cat > "$D/etc/master.cf" <<EOC
127.0.0.1:$port inet n - n - - smtpd
cleanup   unix n - n - 0 cleanup
pickup    fifo n - n 60 1 pickup
qmgr      fifo n - n 300 1 qmgr
showq     unix n - n - - showq
smtp      unix - - n - - smtp
EOC
chmod -R go+rX "$T"
chmod 1777 "$D/sink"
"$XMTA" postfix -c "$D/etc" start-fg >"$D/master.out" 2>&1 &
mpid=$!
spid=
trap 'stop_pid $mpid $spid; [ -n "$KEEP" ] || rm -rf "$T"' EXIT INT TERM

# deferred COUNT: wait (60 s at most) until deferred/ holds COUNT files
deferred() {
	i=0
	while [ $i -lt 600 ]; do
		[ "$(find "$D/queue/deferred" -type f 2>/dev/null | wc -l)" \
		    -eq "$1" ] && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

# sinkhas TEXT: wait (60 s at most) until a message in the sink has TEXT
sinkhas() {
	i=0
	while [ $i -lt 600 ]; do
		grep -rqs -- "$1" "$D/sink" && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

if wait_port "$port" 60; then
	note "ok - $ARCH: master listens on 127.0.0.1:$port"
	python3 - "$port" <<'PY' >"$D/smtp.out" 2>&1
import smtplib, ssl, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=120)
s.ehlo("client.test")
if not s.has_extn("starttls"):
    sys.exit("no STARTTLS in EHLO")
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
code, msg = s.starttls(context=ctx)
if code != 220:
    sys.exit("STARTTLS: %d %s" % (code, msg))
print("cipher", s.sock.cipher()[0])
s.ehlo("client.test")
s.sendmail("tls-sender@client.test", ["far@remote.test"],
           "Subject: cross e2e tls\r\n\r\nhello over STARTTLS\r\n")
s.quit()
PY
	if [ $? = 0 ]; then note "ok - $ARCH: SMTP over STARTTLS accepted"
	else note "FAIL - $ARCH: SMTP over STARTTLS: $(tail -c 300 "$D/smtp.out")"; fi
	printf 'Subject: cross e2e native\n\nfrom the native sendmail\n' |
	    "$NMTA" sendmail -C "$D/etc" -f native@client.test far2@remote.test
	rc=$?
	[ $rc = 0 ] && note "ok - $ARCH: native sendmail into the queue" ||
	    note "FAIL - $ARCH: native sendmail into the queue: exit $rc"
	if deferred 2; then
		note "ok - $ARCH: both messages wait in deferred/"
	else
		note "FAIL - $ARCH: both messages wait in deferred/:" \
		    "$(find "$D/queue" -type f | tr '\n' ' ')" \
		    "$(tail -n 5 "$D/maillog" 2>&1 | tr '\n' '|')"
	fi
	"$XMTA" mailq -C "$D/etc" >"$D/mailq.out" 2>&1
	if grep -q "far@remote.test" "$D/mailq.out" &&
	    grep -q "far2@remote.test" "$D/mailq.out" &&
	    grep -q "in 2 Requests" "$D/mailq.out"; then
		note "ok - $ARCH: mailq lists the two messages"
	else
		note "FAIL - $ARCH: mailq lists the two messages:" \
		    "$(head -c 400 "$D/mailq.out")"
	fi
	n=0
	for f in $(find "$D/queue/deferred" -type f); do
		n=$((n + 1))
		x=$("$XMTA" postcat "$f" 2>&1)
		y=$("$NMTA" postcat "$f" 2>&1)
		if [ "$x" = "$y" ] && printf %s "$x" |
		    grep -q "^recipient: far2*@remote.test"; then
			note "ok - $ARCH: postcat file $n: $ARCH and native print the same"
		else
			note "FAIL - $ARCH: postcat file $n: $ARCH and native print the same:" \
			    "[$(printf %s "$x" | head -c 300)] [$(printf %s "$y" | head -c 300)]"
		fi
	done
	[ $n = 2 ] || note "FAIL - $ARCH: postcat: $n files, want 2"
	smtp-sink -u "$owner" -d "$D/sink/%M%S." "127.0.0.1:$sport" 5 \
	    >"$D/sink.out" 2>&1 &
	spid=$!
	wait_port "$sport" 10 || note "FAIL - $ARCH: smtp-sink: $(cat "$D/sink.out")"
	"$XMTA" postqueue -c "$D/etc" -f
	if sinkhas "from the native sendmail" && sinkhas "hello over STARTTLS" &&
	    deferred 0; then
		note "ok - $ARCH: postqueue -f: both relayed to the sink"
	else
		note "FAIL - $ARCH: postqueue -f: both relayed to the sink:" \
		    "$(tail -n 5 "$D/maillog" 2>&1 | tr '\n' '|')"
	fi
	if grep -rqs "with ESMTPS" "$D/sink"; then
		note "ok - $ARCH: Received: says ESMTPS"
	else
		note "FAIL - $ARCH: Received: says ESMTPS"
	fi
	out=$("$XMTA" mailq -C "$D/etc" 2>&1)
	case $out in
	"Mail queue is empty") note "ok - $ARCH: mailq empty after" ;;
	*) note "FAIL - $ARCH: mailq empty after: $(printf %s "$out" | head -c 300)" ;;
	esac
else
	note "FAIL - $ARCH: master listens: $(tail -c 300 "$D/master.out")"
fi
stop_pid $mpid $spid

# --- unit binaries and black-box scripts ----------------------------------
[ -n "$E2E_ONLY" ] && exit $((fails != 0))
echo "# unit tests and scripts ($CROSS_TESTS) under qemu-$ARCH"
if [ -n "$NO_IFADDRS" ]; then
	export T_NO_IFADDRS=1
	case " $CROSS_TESTS " in
	*" t-postconf.sh "*)
		echo "# skipped: t-postconf.sh (postconf lists mynetworks)"
		CROSS_TESTS=$(printf '%s\n' $CROSS_TESTS | grep -v '^t-postconf.sh$')
		;;
	esac
fi
MTA=$XMTA UNITDIR=$W/unit TESTS="$CROSS_TESTS" sh "$TOP/tests/run.sh"
rc=$?
[ $fails = 0 ] && [ $rc = 0 ]
