# MIT licence: see LICENSE.
#
# t-sendmail.sh - sendmail, postdrop and pickup: the command line, the
# maildrop files it writes (records, owner, mode), what other users can
# do to them, and pickup handing them to cleanup, untrusted.
#
# Runs as root (it switches to nobody and to a made-up uid with
# setpriv), in a scratch queue under $T/q made with the modes of
# queue.c.  Each maildrop file is decoded with a small reader of the
# record format (mta-queue(5)).
. "$TOP/tests/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	fail "setup" "t-sendmail.sh needs root and setpriv"
	exit 1
fi
chmod 755 "$T"
Q=$T/q
cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
maillog_file = $T/maillog
mail_owner = postfix
alias_database = cdb:$T/aliases
EOF
mkqueue || { fail "queue" "set-permissions failed"; exit 1; }

# as_user UID CMD...: run CMD as UID (group the same), no other groups
as_user() {
	u=$1; shift
	setpriv --reuid="$u" --regid="$u" --clear-groups "$@"
}
nobody() { as_user 65534 "$@"; }

# the one file in a queue directory (empty if none or several)
one() { set -- "$Q/$1"/*; [ $# = 1 ] && [ -f "$1" ] && echo "$1"; }
count() { set -- "$Q/$1"/*; [ -e "$1" ] && echo $# || echo 0; }

# recs FILE: the records, one per line: TYPE and DATA (\n, \r, \t, \\
# and other control bytes escaped); exits 1 on a malformed file
recs() {
	python3 - "$1" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
i = 0
while i < len(d):
    t = chr(d[i]); i += 1
    j = d.index(b" ", i)
    n = int(d[i:j]); i = j + 1
    data = d[i:i + n]; i += n
    if d[i:i + 1] != b"\n":
        sys.exit("bad record end at %d" % i)
    i += 1
    s = "".join(chr(c) if 32 <= c < 127 and c != 92 else
                "\\x%02x" % c for c in data)
    print(t, s) if s else print(t)
PY
}

# has FILE LINE...: each LINE is a record line of FILE
has() {
	f=$1; shift
	recs "$f" > "$T/.recs" || return 1
	for l in "$@"; do
		grep -qxF -- "$l" "$T/.recs" || { echo "missing [$l]" >&2;
		    cat "$T/.recs" >&2; return 1; }
	done
}

# content FILE: the content lines (L/P joined), as text
content() {
	recs "$1" | awk '/^M/ { on = 1; next } /^X/ { on = 0 }
	    on && /^P/ { printf "%s", substr($0, 3); next }
	    on && /^L/ { print substr($0, 3) }'
}

submit_nobody() {
	rm -f "$Q"/maildrop/*
	nobody "$MTA" sendmail "$@" > "$T/.out" 2> "$T/.err"
}

# --- maildrop files from an ordinary user ----------------------------------

printf 'Subject: hi\n\nbody\n' | submit_nobody -f a@b user@example.com
rc=$?
F=$(one maildrop)
if [ $rc = 0 ] && [ -n "$F" ]; then ok "nobody: exit 0 and one maildrop file"
else fail "nobody: exit 0 and one maildrop file" \
    "exit $rc, $(count maildrop) files: $(cat "$T/.err")"; fi
# 0640, maildrop's group (mail_owner's): pickup reads it, no other user
check "maildrop file: owner nobody, mode 0640, mail_owner's group" \
    test "$(stat -c %u:%a:%G "$F")" = 65534:640:postfix
check "maildrop file: envelope records" has "$F" "S a@b" \
    "R user@example.com" "A rewrite_context=local"
check "maildrop file: content then X and E" test \
    "$(recs "$F" | sed -n '/^M/,$p' | tr '\n' '|')" = \
    "M|L Subject: hi|L|L body|X|E|"
recs "$F" | grep -Eq '^A (uid|client)' &&
    fail "maildrop file: no uid or client attribute" "$(recs "$F")" ||
    ok "maildrop file: no uid or client attribute"

printf 'x\n' | submit_nobody user@example.com
F=$(one maildrop)
check "default sender: the login name" has "$F" "S nobody"

# other users: cannot list, read or remove another user's file
rm -f "$Q"/maildrop/*
printf 'secret\n' | as_user 4242 "$MTA" sendmail -f x@y r@z
F=$(one maildrop)
check "uid 4242 without a passwd entry can submit with -f" test -n "$F"
check "a user cannot list maildrop" sh -c "! setpriv --reuid=65534 \
    --regid=65534 --clear-groups ls '$Q/maildrop' >/dev/null 2>&1"
check "a user cannot find another's maildrop file by listing" sh -c "! \
    setpriv --reuid=65534 --regid=65534 --clear-groups find '$Q/maildrop' \
    -type f 2>/dev/null | grep -q ."
check "maildrop names hold 96 random bits" sh -c \
    "basename '$F' | grep -Eqx '[0-9a-f]{24}'"
check "a user cannot alter another's maildrop file" sh -c "! setpriv \
    --reuid=65534 --regid=65534 --clear-groups sh -c 'echo x >> \"\$1\"' \
    sh '$F' 2>/dev/null"
check "a user cannot remove another's maildrop file" sh -c "! setpriv \
    --reuid=65534 --regid=65534 --clear-groups rm -f '$F' 2>/dev/null; \
    test -f '$F'"

# --- input handling --------------------------------------------------------

printf 'a\n.\nb\n' | submit_nobody r@z
check "a lone dot ends the input" test "$(content "$(one maildrop)")" = a
printf 'a\n.\nb\n..\n' | submit_nobody -i r@z
check "-i: a lone dot is content" test \
    "$(content "$(one maildrop)" | tr '\n' '|')" = "a|.|b|..|"
printf 'a\n.\nb\n' | submit_nobody -oi r@z
check "-oi: a lone dot is content" test \
    "$(content "$(one maildrop)" | tr '\n' '|')" = "a|.|b|"
printf 'a\r\nb\r\n\r\nc' | submit_nobody r@z
check "CRLF becomes LF; a last line without LF is kept" test \
    "$(content "$(one maildrop)" | tr '\n' '|')" = "a|b||c|"
printf 'From me Sat Nov 21 10:00:00 2026\nSubject: s\n\nFrom x\n' |
    submit_nobody r@z
check "a leading From_ line is dropped, a later one kept" test \
    "$(content "$(one maildrop)" | tr '\n' '|')" = "Subject: s||From x|"
python3 -c 'print("Subject: long\n\n" + "x" * 5000)' | submit_nobody r@z
F=$(one maildrop)
check "a long line is split into pieces" test \
    "$(recs "$F" | grep -c '^P')" = 2
check "... that join up again" test \
    "$(content "$F" | tail -n 1)" = "$(python3 -c 'print("x" * 5000)')"
printf 'a\0b\n' | submit_nobody r@z
check "a NUL byte is kept" has "$(one maildrop)" 'L a\x00b'

# --- -t and the DSN options ------------------------------------------------

cat > "$T/msg" <<'EOF'
To: Ann <a@x>, "b c"@y (comment)
Cc: c@z,
 folded@w
Bcc: Hidden <d@w>
Subject: t

To: body@not
EOF
submit_nobody -t e@v < "$T/msg"
F=$(one maildrop)
check "-t: argv and To, Cc (folded), Bcc recipients" has "$F" "R e@v" \
    "R a@x" "R b c@y" "R c@z" "R folded@w" "R d@w"
check "-t: not from the body" sh -c "! grep -q '^R body@not' '$T/.recs'"
check "-t: Bcc is left for cleanup to remove" has "$F" "L Bcc: Hidden <d@w>"
printf 'To: a@x\nResent-To: r@x\nSubject: s\n\n' | submit_nobody -t
F=$(one maildrop)
check "-t: Resent-To replaces To" test "$(recs "$F" | grep '^R')" = "R r@x"
printf 'To: undisclosed-recipients:;\nSubject: s\n\n' | submit_nobody -t
check "-t: an empty group is no recipient: exit 64" test $? = 64
printf 'Subject: s\n\n' | submit_nobody -t; rc=$?
if [ $rc = 64 ] && grep -q "No recipient addresses found in message header" \
    "$T/.err" && [ "$(count maildrop)" = 0 ]; then
	ok "-t with no recipients: exit 64, nothing left in maildrop"
else
	fail "-t with no recipients: exit 64, nothing left in maildrop" \
	    "exit $rc, $(count maildrop) files: $(cat "$T/.err")"
fi
printf 'x\n' | submit_nobody; rc=$?
if [ $rc = 64 ] && grep -q "Recipient addresses must be specified" "$T/.err"
then ok "no recipients at all: exit 64"
else fail "no recipients at all: exit 64" "exit $rc: $(cat "$T/.err")"; fi

printf 'x\n' | submit_nobody -N success,delay -R hdrs -V id+2B1 -B 8BITMIME \
    -F 'Joe User' -f '<j@x>' a@x b@y
F=$(one maildrop)
check "-N -R -V -B -F -f recorded" has "$F" "N 10" "A dsn_ret=HDRS" \
    "A dsn_envid=id+2B1" "A encoding=8bit" "A full_name=Joe User" "S j@x"
check "-N: one NOTIFY before each recipient" test \
    "$(recs "$F" | grep -E '^[NR]' | tr '\n' '|')" = "N 10|R a@x|N 10|R b@y|"
printf 'x\n' | submit_nobody -N never -f '<>' a@x
F=$(one maildrop)
check "-N never; -f '<>' is the null sender" has "$F" "N 1" "S"
printf 'x\n' | submit_nobody -G a@x
check "-G: rewrite_context=remote" has "$(one maildrop)" \
    "A rewrite_context=remote"
for bad in "-R bogus" "-B 9BIT" "-V has\ space" "-z" "-bz" "-f"; do
	eval "set -- $bad"
	printf 'x\n' | submit_nobody "$@" a@x; rc=$?
	if [ $rc = 64 ] && [ "$(count maildrop)" = 0 ]; then ok "$bad: exit 64"
	else fail "$bad: exit 64" "exit $rc: $(cat "$T/.err")"; fi
done
printf 'x\n' | submit_nobody -oA/etc/aliases -om -o7 -h 5 -L x -U -e q \
    -O x=y -X /dev/null -n -x -c -m a@x; rc=$?
check "-oA -om -o7 -h -L -U -e -O -X -n -x -c -m: accepted, ignored" \
    test "$rc $(count maildrop)" = "0 1"

# --- limits and failures ---------------------------------------------------

printf 'message_size_limit = 100\n' >> "$T/etc/main.cf"
python3 -c 'print("x" * 200)' | submit_nobody a@x; rc=$?
if [ $rc = 65 ] && [ "$(count maildrop)" = 0 ]; then
	ok "over message_size_limit: exit 65, nothing left"
else fail "over message_size_limit: exit 65, nothing left" "exit $rc"; fi
sed -i '/^message_size_limit/d' "$T/etc/main.cf"

printf 'authorized_submit_users = root\n' >> "$T/etc/main.cf"
printf 'x\n' | submit_nobody a@x; rc=$?
if [ $rc = 77 ] && grep -q "not allowed to submit mail" "$T/.err"; then
	ok "authorized_submit_users: exit 77"
else fail "authorized_submit_users: exit 77" "exit $rc: $(cat "$T/.err")"; fi
sed -i '/^authorized_submit_users/d' "$T/etc/main.cf"

chmod 700 "$Q/maildrop"
printf 'x\n' | submit_nobody a@x; rc=$?
if [ $rc = 75 ] && [ "$(wc -l < "$T/.err")" = 1 ]; then
	ok "maildrop not writable: exit 75 with one line"
else fail "maildrop not writable: exit 75 with one line" \
    "exit $rc: $(cat "$T/.err")"; fi
chmod 3733 "$Q/maildrop"
mkdir -p "$T/etc2"
printf 'queue_directory = %s/nonexistent\n' "$T" > "$T/etc2/main.cf"
printf 'x\n' | nobody "$MTA" sendmail -C "$T/etc2/main.cf" a@x \
    >/dev/null 2>"$T/.err"; rc=$?
if [ $rc = 75 ]; then ok "-C main.cf: no queue there: exit 75"
else fail "-C main.cf: no queue there: exit 75" "exit $rc: $(cat "$T/.err")"; fi

# --- the other modes -------------------------------------------------------

printf 'postmaster: root\n' > "$T/aliases"
check_exit "-bi runs newaliases" 0 mta sendmail -bi
check "-bi: the alias table exists" test -s "$T/aliases.cdb"
rm -f "$T/aliases.cdb"
check_exit "-I is -bi" 0 mta sendmail -I
check "-I: the alias table exists" test -s "$T/aliases.cdb"
mta postqueue -p >/dev/null 2>&1 </dev/null; want=$?
check_exit "-bp runs postqueue -p" "$want" mta sendmail -bp
mta postqueue -f >/dev/null 2>&1 </dev/null; want=$?
check_exit "-q runs postqueue -f" "$want" mta sendmail -q
check_exit "-q1h (an interval) alone: exit 0" 0 mta sendmail -q1h
printf 'QUIT\r\n' | mta smtpd -S >"$T/want" 2>/dev/null; want=$?
printf 'QUIT\r\n' | mta sendmail -bs >"$T/got" 2>/dev/null; got=$?
if [ "$got" = "$want" ] && [ "$(head -c 3 "$T/got")" = \
    "$(head -c 3 "$T/want")" ]; then ok "-bs runs smtpd -S on stdin/stdout"
else fail "-bs runs smtpd -S on stdin/stdout" "exit $got/$want"; fi

# postdrop: maildrop even for root
rm -f "$Q"/maildrop/*
printf 'x\n' | mta postdrop -f root@x a@x
F=$(one maildrop)
check "postdrop: a maildrop file, even as root" test -n "$F"
check "postdrop: owned by root" test "$(stat -c %u "$F")" = 0

# --- pickup ----------------------------------------------------------------

if ! "$MTA" --help | grep -E '^  cleanup ' | grep -vq 'not built'; then
	fail "pickup" "cleanup is not built yet"
	exit 1
fi
rm -f "$Q"/maildrop/* "$Q"/incoming/*
printf 'Subject: p\n\nbody\n' | submit_nobody -f a@b user@example.com
check_exit "pickup -1 as root" 0 mta pickup -1
I=$(one incoming)
check "pickup: the queue file is in incoming" test -n "$I"
check "pickup: the maildrop file is gone" test "$(count maildrop)" = 0
check "pickup: uid from the file owner, sender, recipient" has "$I" \
    "A uid=65534" "S a@b" "R user@example.com"
check "pickup: logs uid= and from=" grep -Eq \
    "pickup\[[0-9]+\]: [0-9A-Za-z]+: uid=65534 from=<a@b>" "$T/maillog"

# a forged file: attributes a user may not set are dropped
forge() {
	cat > "$T/forge.in"
	python3 -c '
import sys
recs = [l.split(" ", 1) for l in open(sys.argv[2]).read().split("\n") if l]
with open(sys.argv[1], "wb") as f:
    for r in recs:
        t, d = r[0], (r[1] if len(r) > 1 else "")
        d = d.encode().replace(b"\\n", b"\n")
        f.write(t.encode() + str(len(d)).encode() + b" " + d + b"\n")
' "$Q/maildrop/$1" "$T/forge.in"
	chown 65534:65534 "$Q/maildrop/$1"
	chmod 644 "$Q/maildrop/$1"
}
rm -f "$Q"/incoming/*
printf '%s\n' "T 1.0" "A client_address=10.1.2.3" "A uid=0" \
    "A protocol=ESMTP" "S f@x" "R r@x" "M" "L Subject: forged" "X" "E" |
    forge AAAA1
mta pickup -1 2>"$T/.err"
I=$(one incoming)
check "forged attributes: still queued" test -n "$I"
has "$I" "A uid=65534" "S f@x" && ! grep -Eq \
    '^A (client_address|protocol)|^A uid=0$|^T 1\.0' "$T/.recs" &&
    ok "forged attributes are dropped, uid is the owner's" ||
    fail "forged attributes are dropped, uid is the owner's" \
    "$(tr '\n' '|' < "$T/.recs")"
check "forged attributes: a warning names them" grep -q \
    "ignoring attribute record: client_address=10.1.2.3" "$T/.err"

# files that go to corrupt/
corrupt_case() {
	name=$1; what=$2
	rm -f "$Q"/incoming/* "$Q"/corrupt/*
	mta pickup -1 2>"$T/.err"
	if [ -f "$Q/corrupt/$name" ] && [ "$(count maildrop)" = 0 ] &&
	    [ "$(count incoming)" = 0 ] && grep -q "$name" "$T/.err"; then
		ok "pickup: $what: moved to corrupt/ with a log line"
	else
		fail "pickup: $what: moved to corrupt/ with a log line" \
		    "maildrop $(count maildrop) incoming $(count incoming):" \
		    "$(cat "$T/.err")"
	fi
}
printf '%s\n' "S f@x" "D done@x" "R r@x" "M" "L x" "X" "E" | forge BBBB1
corrupt_case BBBB1 "a REC_DONE record"
check "... the log line names the record type" grep -q \
    "unexpected record type D" "$T/.err"
printf '%s\n' "S f@x" "R r@x" "M" "L x" "X" | forge BBBB2
corrupt_case BBBB2 "no end record"
printf '%s\n' "S f@x" "M" "L x" "X" "E" | forge BBBB3
corrupt_case BBBB3 "no recipient"
printf '%s\n' "R r@x" "M" "L x" "X" "E" | forge BBBB4
corrupt_case BBBB4 "no sender"
printf 'garbage\n' > "$Q/maildrop/BBBB5"
corrupt_case BBBB5 "not records"
printf '%s\n' "S f@x" "R r@x" "M" "L x" "X" "E" "R late@x" | forge BBBB6
corrupt_case BBBB6 "a record after the end"
ln -s /etc/shadow "$Q/maildrop/BBBB7"
corrupt_case BBBB7 "a symbolic link"
printf '%s\n' "S f@x" "R r@x" "M" "L x" "X" "E" | forge BBBB8
ln "$Q/maildrop/BBBB8" "$T/hardlink"
corrupt_case BBBB8 "a second hard link"
printf '%s\n' "S f\\n@x" "R r@x" "M" "L x" "X" "E" | forge BBBB9
corrupt_case BBBB9 "a control character in the sender"

# cleanup refuses (5xx): pickup asked for a bounce, so the message is
# queued with its recipients done and the reason in its bounce log, for
# qmgr to send the notice (t-maildrop.sh follows it to the mailbox)
printf '/^Subject: reject-me/ REJECT no thanks\n' > "$T/hc"
printf 'header_checks = regexp:%s/hc\n' "$T" >> "$T/etc/main.cf"
rm -f "$Q"/maildrop/* "$Q"/incoming/* "$Q"/corrupt/*
printf 'Subject: reject-me\n\nx\n' | submit_nobody a@x
mta pickup -1 2>"$T/.err"
check "refused by cleanup: queued to bounce, maildrop empty" test \
    "$(count maildrop)/$(count incoming)/$(count corrupt)" = 0/1/0
I=$(one incoming)
check "refused by cleanup: the bounce log has cleanup's reason" grep -q \
    "reason=no thanks" "$Q/bounce/${I##*/}"
check "refused by cleanup: the recipient is done" has "$I" "D a@x"
printf 'Subject: reject-me\n\nx\n' | mta sendmail a@x 2>"$T/.err"
check "root, refused by cleanup: exit 69 with the reason" test \
    "$?:$(cat "$T/.err")" = "69:sendmail: fatal: root(0): 5.7.1 no thanks"
sed -i '/^header_checks/d' "$T/etc/main.cf"

# pickup as a daemon: scans on its own every few seconds
rm -f "$Q"/maildrop/* "$Q"/incoming/* "$Q"/corrupt/*
"$MTA" pickup </dev/null >/dev/null 2>&1 &
P=$!
printf 'x\n' | submit_nobody a@x
i=0
while [ "$(count incoming)" = 0 ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
check "pickup daemon: picks up within 10 seconds" test "$(count incoming)" = 1
check "pickup daemon: still running" kill -0 $P
stop_pid $P

# root: through cleanup, straight into incoming
rm -f "$Q"/maildrop/* "$Q"/incoming/*
printf 'Subject: r\n\nx\n' | mta sendmail a@x
check "root: queued through cleanup, in incoming" test \
    "$(count incoming)/$(count maildrop)" = 1/0
check "root: uid=0 from=<root> logged" grep -q "uid=0 from=<root>" \
    "$T/maillog"
