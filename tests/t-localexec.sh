#!/bin/sh
# MIT licence: see LICENSE.
#
# t-localexec.sh - envelope text is never run as a |command, written as a
# /file or read as a :include: by the local delivery agent (DESIGN.md,
# law 3), end to end: Python's smtplib -> smtpd -> cleanup -> qmgr ->
# local under a real master, mail forwarded on by local reaching an SMTP
# sink (tests/smtp_server.py) through the smtp agent.  Every command an
# attacker could name would create a "pwned" file in $L; none may appear.
# Checked: luser_relay = $local@relay.example turns "|cmd"@, "/file"@ and
# ":include:file"@ into one address that is forwarded, as Postfix's
# deliver_resolve_addr() does; a regexp: alias table's rule with $1 is
# skipped with Postfix's warning (DICT_FLAG_NO_REGSUB) while its other
# rules work; an alias's command runs as the owner of the table that
# matched (default_privs for root's), not of another table; a :include:
# in a user's .forward keeps that user's rights; a world-writable
# :include: file bounces, and so do :include: files nested too deep;
# "\user" from the envelope does not bypass alias_maps; cleanup's
# virtual aliases ("@domain @other", a regexp's $1) keep a local part
# with "," or "@" one address (Postfix 3.5's external-form lookups);
# a transport_maps regexp rule with $n is skipped too.
# Test users exist only in a private mount namespace, as in t-local.sh.
# Loopback only; every process started here is stopped by its pid.
if [ -z "$MTA_LOCAL_NS" ]; then
	if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
		echo "skip - localexec: needs root and unshare -m"
		exit 0
	fi
	MTA_LOCAL_NS=1 exec unshare -m sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

Q=$T/q
H=h.example
chmod 755 "$T"
mkdir -p "$T/spool" "$T/home"
chmod 1777 "$T/spool"
# the markers: local folds the address to lower case, so the directory a
# command from the envelope would write to has a lower-case name
L=/tmp/mta-lx.$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
mkdir "$L" && chmod 1777 "$L" || { fail setup "mkdir $L"; exit 1; }

cp /etc/passwd "$T/passwd"
cp /etc/group "$T/group"
uid=5300
for u in dave erin frank; do
	uid=$((uid + 1))
	echo "$u:x:$uid:$uid:test:$T/home/$u:/bin/sh" >> "$T/passwd"
	echo "$u:x:$uid:" >> "$T/group"
	mkdir "$T/home/$u"
	chown "$uid:$uid" "$T/home/$u"
	eval "UID_$u=$uid"
done
mount --bind "$T/passwd" /etc/passwd ||
    { fail setup "bind /etc/passwd"; exit 1; }
mount --bind "$T/group" /etc/group || { fail setup "bind /etc/group"; exit 1; }
NOBODY=$(id -u nobody)

MPID= SINK=
finish() {
	[ -n "$MPID" ] && stop_pid "$MPID"
	[ -n "$SINK" ] && stop_pid "$SINK"
	rm -rf "$T" "$L"
}
trap finish EXIT
trap 'exit 1' INT TERM

python3 "$TOP/tests/smtp_server.py" 0 "$T/sink.log" &
SINK=$!
i=0
while [ ! -s "$T/sink.log.port" ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
SPORT=$(cat "$T/sink.log.port" 2>/dev/null)
[ -n "$SPORT" ] || { fail setup "no SMTP sink"; exit 1; }
P=$(free_port)

# root's table, a regexp table, then dave's own table
cat > "$T/aliases" <<EOF
postmaster: root
root: dave
rootcmd: "|/bin/sh -c 'id -u > $L/rootcmd.uid'"
wwincl: :include:$T/ww.list
EOF
cat > "$T/aliases.re" <<EOF
/^team\$/	dave, erin
/^(.+)\.old\$/	\$1
EOF
cat > "$T/virtual.re" <<EOF
/^(.*)@re\.example\$/	\$1@other.example
EOF
cat > "$T/home/dave/aliases" <<EOF
davecmd: "|/bin/sh -c 'id -u > $L/davecmd.uid'"
EOF
mta postalias -c "$T/etc" "cdb:$T/aliases" || fail setup postalias
mta postalias -c "$T/etc" "cdb:$T/home/dave/aliases" || fail setup postalias
chown "$UID_dave:$UID_dave" "$T/home/dave/aliases" \
    "$T/home/dave/aliases.cdb"
printf '"|touch %s/pwned-ww"\n' "$L" > "$T/ww.list"
chmod 666 "$T/ww.list"
# erin's .forward includes a file of dave's, which names a command
printf '"|/bin/sh -c '"'"'id -u > %s/incl.uid'"'"'"\n' "$L" \
    > "$T/home/dave/list"
chown "$UID_dave:$UID_dave" "$T/home/dave/list"
printf ':include:%s/home/dave/list\n' "$T" > "$T/home/erin/.forward"
chown "$UID_erin" "$T/home/erin/.forward"
# frank's .forward starts a chain of 120 :include: files
i=0
while [ $i -lt 120 ]; do
	printf ':include:%s/home/frank/i%d\n' "$T" $((i + 1)) \
	    > "$T/home/frank/i$i"
	i=$((i + 1))
done
printf '\\frank\n' > "$T/home/frank/i120"
chown "$UID_frank:$UID_frank" "$T/home/frank"/i*
printf ':include:%s/home/frank/i0\n' "$T" > "$T/home/frank/.forward"
chown "$UID_frank" "$T/home/frank/.forward"
# what luser_relay would read as an include file
printf '"|touch %s/pwned-include"\n' "$L" > "$L/list"
chmod 644 "$L/list"

cat > "$T/etc/transport" <<EOF
relay.example	smtp:[127.0.0.1]:$SPORT
remote.example	smtp:[127.0.0.1]:$SPORT
other.example	smtp:[127.0.0.1]:$SPORT
EOF
cat > "$T/etc/transport.re" <<EOF
/^(.+)@pick\.example\$/	\$1
/@pick\.example\$/	smtp:[127.0.0.1]:$SPORT
EOF
cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
maillog_file = $T/maillog
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = $H
mydomain = example
mydestination = \$myhostname, localhost
mail_spool_directory = $T/spool
local_recipient_maps =
alias_maps = cdb:$T/aliases, regexp:$T/aliases.re, cdb:$T/home/dave/aliases
recipient_delimiter = +
default_privs = nobody
allow_mail_to_commands = alias, forward, include
allow_mail_to_files = alias, forward, include
luser_relay = \$local@relay.example
transport_maps = regexp:$T/etc/transport.re, texthash:$T/etc/transport
relay_domains = pick.example
virtual_alias_domains = virt.example, re.example
virtual_alias_maps = inline:{ @virt.example=@other.example },
    regexp:$T/virtual.re
smtpd_error_sleep_time = 0
EOF
cat > "$T/etc/master.cf" <<EOF
127.0.0.1:$P inet n - n - - smtpd
pickup fifo n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr fifo n - n 300 1 qmgr
local unix - n n - - local
smtp unix - - n - - smtp
EOF

if ! mta postfix -c "$T/etc" start >"$T/start.out" 2>&1; then
	fail "master starts" "$(head -c 300 "$T/start.out")"
	exit 0
fi
MPID=$(tr -d ' \n' < "$Q/pid/master.pid" 2>/dev/null)
wait_port "$P" 10 || { fail "smtpd listens" "no listener on $P"; exit 0; }

# send RCPT...: one message through smtpd, each RCPT TO:<RCPT> as given;
# the replies in $T/out
send() {
	python3 - "$P" "$@" > "$T/out" 2>&1 <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=20)
s.ehlo("client.example")
print(s.docmd("MAIL FROM:<sender@remote.example>")[0])
for r in sys.argv[2:]:
    print(s.docmd("RCPT TO:<%s>" % r)[0])
print(s.data(b"Subject: test\r\n\r\nbody\r\n")[0])
s.quit()
PY
}
logchk() {
	if waitfor "$T/maillog" "$2" "${3:-15}"; then ok "$1"
	else fail "$1" "no /$2/ in maillog: $(tail -n 5 "$T/maillog" |
	    tr '\n' '|')"; fi
}
sinkchk() {
	if waitfor "$T/sink.log" "$2" 15; then ok "$1"
	else fail "$1" "no /$2/ in the sink's log"; fi
}
nopwned() {
	if ls "$L" | grep -q pwned; then
		fail "$1" "a command ran: $(ls "$L" | tr '\n' ' ')"
	else ok "$1"; fi
}
# to ADDR: ADDR as a log line pattern, quoted or not
to() { printf '"?%s"?@' "$(printf %s "$1" | sed 's/[.|+]/\\&/g')"; }

# luser_relay = $local@relay.example --------------------------------------
C="|touch $L/pwned-luser"
F="$L/pwned-file"
I=":include:$L/list"
send "\"$C\"@$H" "\"$F\"@$H" "\"$I\"@$H"
check_out "smtpd accepts the three recipients" "250
250
250
250
250" cat "$T/out"
logchk "luser_relay: \"|cmd\"@ forwarded as one address" \
    "to=<$(to "$C")relay\.example>, orig_to=<$(to "$C")$H>, relay=local, .*status=sent \(forwarded as [0-9A-F]+\)"
logchk "luser_relay: \"/file\"@ forwarded as one address" \
    "to=<$(to "$F")relay\.example>, orig_to=<$(to "$F")$H>, relay=local, .*status=sent \(forwarded as [0-9A-F]+\)"
logchk "luser_relay: \":include:\"@ forwarded as one address" \
    "to=<$(to "$I")relay\.example>, orig_to=<$(to "$I")$H>, relay=local, .*status=sent \(forwarded as [0-9A-F]+\)"
sinkchk "luser_relay: the relay gets RCPT TO:<\"|cmd\"@relay.example>" \
    "^C: RCPT TO:<\"\\|touch $L/pwned-luser\"@relay\.example>"
sinkchk "luser_relay: ... and <\":include:...\"@relay.example>" \
    "^C: RCPT TO:<\":include:$L/list\"@relay\.example>"
logchk "luser_relay: the relay took them" \
    "to=<$(to "$F")relay\.example>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$SPORT, .*status=sent"
nopwned "luser_relay: no command ran, no file written"
check "luser_relay: no file named by the envelope" test ! -e "$F"

# a regexp: alias table with $1 ------------------------------------------
logchk "regexp: the \$1 rule is skipped with Postfix's warning" \
    "warning: regexp map $T/aliases\.re, line 2: regular expression substitution is not allowed: skipping this rule"
send "\"|touch $L/pwned-re.old\"@$H" "team@$H"
logchk "regexp: the other rule still works" \
    "to=<dave@$H>, orig_to=<team@$H>, relay=local, .*status=sent \(delivered to mailbox\)"
logchk "regexp: \"|cmd.old\"@ is an unknown user (luser_relay)" \
    "to=<$(to "|touch $L/pwned-re.old")relay\.example>, orig_to=<.*pwned-re\.old\"?@$H>, relay=local, .*status=sent \(forwarded"
nopwned "regexp: no command ran"

# the rights of the table that matched ------------------------------------
send "rootcmd@$H" "davecmd@$H"
logchk "root's alias: delivered to command" \
    "to=<rootcmd@$H>, relay=local, .*status=sent \(delivered to command"
logchk "dave's alias: delivered to command" \
    "to=<davecmd@$H>, relay=local, .*status=sent \(delivered to command"
check_out "root's table: the command ran as default_privs, not as dave" \
    "$NOBODY" cat "$L/rootcmd.uid"
check_out "dave's table: the command ran as dave" "$UID_dave" \
    cat "$L/davecmd.uid"

# :include: in a user's .forward keeps the user's rights -------------------
send "erin@$H"
logchk "erin's .forward: the included command ran" \
    "to=<erin@$H>, relay=local, .*status=sent \(delivered to command"
check_out "erin's .forward: included command ran as erin, not dave" \
    "$UID_erin" cat "$L/incl.uid"

# a world-writable :include: file ------------------------------------------
send "wwincl@$H"
logchk "world-writable :include: bounced 5.3.5" \
    "to=<wwincl@$H>, relay=local, .*dsn=5\.3\.5, status=bounced \(mail system configuration error\)"
logchk "world-writable :include: logged" \
    "warning: :include: file $T/ww\.list is world writable"
nopwned "world-writable :include: ran nothing"

# :include: nesting, as Postfix 3.11 limits it ------------------------------
send "frank@$H"
logchk ":include: nesting limit: bounced 5.4.6" \
    "to=<frank@$H>, relay=local, .*dsn=5\.4\.6, status=bounced \(:include: nesting limit exceeded\)"
check ":include: nesting limit: nothing in frank's mailbox" \
    test ! -e "$T/spool/frank"

# \user from the envelope is not a trusted \user --------------------------
send "\"\\\\root\"@$H"
logchk "\\\\root from the envelope: not root's mailbox (luser_relay)" \
    "to=<.*root\"?@relay\.example>, orig_to=<.*root\"?@$H>, relay=local, .*status=sent \(forwarded"
check "\\\\root from the envelope: root's mailbox untouched" \
    test ! -e "$T/spool/root"

# cleanup: "@virt.example @other.example" keeps the local part whole -----
send "\"root,x\"@virt.example" "\"evil@victim.example,y\"@virt.example"
sinkchk "virtual @domain: \"root,x\"@ stays one address" \
    '^C: RCPT TO:<"root,x"@other\.example>'
sinkchk "virtual @domain: \"evil@victim.example,y\"@ stays one address" \
    '^C: RCPT TO:<"evil@victim\.example,y"@other\.example>'
send "\"evil@victim.example,z\"@re.example" "joe@re.example"
sinkchk "virtual regexp \$1: a quoted local part keeps its quotes" \
    '^C: RCPT TO:<"evil@victim\.example,z"@other\.example>'
sinkchk "virtual regexp \$1: a plain one works as before" \
    '^C: RCPT TO:<joe@other\.example>'
check "virtual: no recipient injected" sh -c \
    "! grep -Eq 'RCPT TO:<(evil@victim\.example|[xyz]@other\.example)>' '$T/sink.log' &&
    ! grep -q 'orig_to=<root@$H>' '$T/maillog'"

# transport_maps: no $n either, or the envelope picks the transport -------
logchk "transport_maps: the \$1 rule is skipped with Postfix's warning" \
    "warning: regexp map $T/etc/transport\.re, line 1: regular expression substitution is not allowed: skipping this rule"
send "\"discard:\"@pick.example"
sinkchk "transport_maps: \"discard:\"@ is relayed, not discarded" \
    '^C: RCPT TO:<"discard:"@pick\.example>'

nopwned "in the end: no command from the envelope ran"
mta postfix -c "$T/etc" stop >/dev/null 2>&1
exit 0
