#!/bin/sh
# MIT licence: see LICENSE.
#
# cross.sh ARCH - `make check-cross ARCH=...`: the tests of a cross-built
# build/ARCH/mta, run under Debian's qemu-ARCH called directly (no
# binfmt_misc).  Each cross binary gets a native stand-in
# (tests/qemu_run.c) that keeps argv[0], so the applet names, the unit
# binaries that re-execute themselves and master's daemons (found through
# daemon_directory, since /proc/self/exe names a file the host cannot
# execute) all work.  Then:
#   - the unit binaries of build/ARCH/unit;
#   - a smoke test: the binary is static for the target, postconf -d,
#     postmap and postmap -q, the .cdb files of the cross and the native
#     mta are the same bytes and each reads the other's;
#   - an end-to-end test: master on 127.0.0.1, a message by SMTP,
#     delivered by local to a mailbox;
#   - the black-box scripts in $CROSS_TESTS (default: the table and
#     configuration tests that start no daemon: the scripts that start
#     master or submit through cleanup leave daemon_directory at its
#     default, where no stand-in is).
cd "$(dirname "$0")/.." || exit 2
TOP=$PWD
ARCH=${1:?usage: cross.sh ARCH}
XB=$TOP/build/$ARCH
: "${CROSS_TESTS=t-postmap.sh t-postalias.sh t-cidr.sh t-regexp.sh t-postconf.sh}"

QEMU=$(command -v "qemu-$ARCH") || {
	echo "cross.sh: qemu-$ARCH not found (package qemu-user)" >&2; exit 2; }
[ -x "$XB/mta" ] || { echo "cross.sh: no $XB/mta" >&2; exit 2; }
[ -x "$TOP/mta" ] || { echo "cross.sh: no native ./mta" >&2; exit 2; }

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
NMTA=$TOP/mta

echo "# cross.sh: $ARCH, $(file -b "$XB/mta" | cut -d, -f1-2)"
fails=0
note() { case $1 in FAIL*) fails=$((fails + 1)) ;; esac; echo "$1"; }

# --- smoke test --------------------------------------------------------
s=$(file -b "$XB/mta")
case $s in
*"statically linked"*) note "ok - $ARCH: file says statically linked" ;;
*) note "FAIL - $ARCH: file says statically linked: $s" ;;
esac
out=$("$XMTA" postconf -d 2>&1 | head -n 400)
case $out in
*"mail_owner = "*) note "ok - $ARCH: postconf -d" ;;
*) note "FAIL - $ARCH: postconf -d: $(printf %s "$out" | head -c 300)" ;;
esac
# all the defaults but process_id are the same on every CPU
if [ "$("$XMTA" postconf -d | grep -v '^process_id =')" = \
    "$("$NMTA" postconf -d | grep -v '^process_id =')" ]; then
	note "ok - $ARCH: postconf -d same as native"
else
	note "FAIL - $ARCH: postconf -d same as native: differs"
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

# --- end to end: SMTP in, local delivery out ------------------------------
D=$T/e2e
mkdir -p "$D/etc" "$D/mail" && chmod 1777 "$D/mail"
owner=$(id -un)
if [ "$(id -u)" = 0 ]; then
	owner=nobody
	id postfix >/dev/null 2>&1 && owner=postfix
fi
port=$(free_port)
cat > "$D/etc/main.cf" <<EOC
queue_directory = $D/queue
data_directory = $D/data
daemon_directory = $W/bin
mail_owner = $owner
inet_interfaces = 127.0.0.1
mynetworks = 127.0.0.0/8
maillog_file = $D/maillog
alias_maps =
mydestination = localhost
mail_spool_directory = $D/mail
default_transport = retry:4.3.0 no mail to other hosts
EOC
cat > "$D/etc/master.cf" <<EOC
127.0.0.1:$port inet n - n - - smtpd
cleanup   unix n - n - 0 cleanup
pickup    fifo n - n 60 1 pickup
qmgr      fifo n - n 300 1 qmgr
showq     unix n - n - - showq
local     unix - n n - - local
EOC
chmod -R go+rX "$T"
"$XMTA" postfix -c "$D/etc" start-fg >"$D/master.out" 2>&1 &
mpid=$!
trap 'stop_pid $mpid; rm -rf "$T"' EXIT INT TERM
if wait_port "$port" 60; then
	note "ok - $ARCH: master listens on 127.0.0.1:$port"
	python3 - "$port" <<'PY' >"$D/smtp.out" 2>&1
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=60)
s.sendmail("sender@example.com", ["root@localhost"],
           "Subject: cross e2e\r\n\r\nhello from qemu\r\n")
s.quit()
PY
	if [ $? = 0 ]; then note "ok - $ARCH: SMTP accepted the message"
	else note "FAIL - $ARCH: SMTP: $(tail -c 300 "$D/smtp.out")"; fi
	if waitfor "$D/mail/root" "hello from qemu" 60; then
		note "ok - $ARCH: delivered to the mailbox"
	else
		note "FAIL - $ARCH: delivered to the mailbox:" \
		    "$(tail -n 5 "$D/maillog" "$D/master.out" 2>&1 | tr '\n' '|')"
	fi
else
	note "FAIL - $ARCH: master listens: $(tail -c 300 "$D/master.out")"
fi
stop_pid $mpid

# --- unit binaries and black-box scripts ----------------------------------
echo "# unit tests and scripts ($CROSS_TESTS) under qemu-$ARCH"
MTA=$XMTA UNITDIR=$W/unit TESTS="$CROSS_TESTS" sh "$TOP/tests/run.sh"
rc=$?
[ $fails = 0 ] && [ $rc = 0 ]
