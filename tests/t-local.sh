#!/bin/sh
# MIT licence: see LICENSE.
#
# t-local.sh - the local delivery agent, driven as qmgr drives it
# (tests/agent_req.py), on queue files written by the real sendmail and
# cleanup.  Test users with home directories exist only in a private
# mount namespace (unshare -m) where copies of /etc/passwd and /etc/group
# that add them are bind-mounted; the system's files are not touched.
# Mailboxes are read back with Debian's s-nail (mailx).  Checked: mbox
# in the spool (owner, From_ line, >From quoting, Return-Path:,
# Delivered-To:), Maildir names and owner, the loop bounce (a
# Delivered-To: header, and a .forward ping-pong), unknown users and
# luser_relay, aliases to commands and files (default_privs), :include:
# (the file owner's rights; allow_mail_to_commands), .forward, owner-
# aliases changing the sender of the resubmitted copy, the command
# environment and that shell metacharacters in an address never reach a
# shell, command exit codes and command_time_limit, mailbox_size_limit.
if [ -z "$MTA_LOCAL_NS" ]; then
	if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null ||
	    ! command -v s-nail >/dev/null; then
		echo "# not root, no unshare -m or no s-nail: local tests skipped"
		
# not root: everything as the user who runs the agent --------------------
queue 'Subject: rootless\n\nx\n' "bob@$H" "tocmd@$H"
mkdir "$T/spool2"
chown postfix "$T/spool2"
chown postfix "$Q/incoming/$ID"
rm -f "$T/files/cmd.uid"
setpriv --reuid=postfix --regid=postfix --clear-groups /usr/bin/python3 \
    "$TOP/tests/agent_req.py" "$Q" incoming "$ID" local "$H" -- "$MTA" \
    local -c "$T/etc" -o "mail_spool_directory=$T/spool2" \
    -o "maillog_file=" > "$T/out" 2>"$T/.err"
check_out "not root: delivered" "sent 2.0.0 local delivered to mailbox" \
    result "bob@$H"
check_out "not root: the mailbox is the agent user's" "$(id -u postfix)" \
    stat -c %u "$T/spool2/bob"
check_out "not root: an alias command runs as the agent user" \
    "$(id -u postfix)" cat "$T/files/cmd.uid"
exit 0
	fi
	MTA_LOCAL_NS=1 exec unshare -m sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

Q=$T/q
H=host.example
chmod 755 "$T"
mkdir -p "$T/spool" "$T/home" "$T/files"
chmod 1777 "$T/spool" "$T/files"

# test users: uid = gid, home $T/home/NAME
cp /etc/passwd "$T/passwd"
cp /etc/group "$T/group"
uid=5100
for u in alice bob carol dave erin frank ivan judy; do
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

cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
maillog_file = $T/maillog
mail_owner = postfix
myhostname = $H
mydomain = example
mydestination = \$myhostname, localhost
alias_maps = cdb:$T/aliases
alias_database = cdb:$T/aliases
mail_spool_directory = $T/spool
recipient_delimiter = +
default_privs = nobody
EOF
mkqueue || { fail "queue" "set-permissions failed"; exit 1; }

cat > "$T/aliases" <<EOF
postmaster: root
tofile: $T/files/out
tocmd: "|/bin/sh -c 'id -u > $T/files/cmd.uid'"
false: |/bin/false
tempfail: "|/bin/sh -c 'exit 75'"
slow: "|/bin/sleep 5"
incl: :include:$T/home/dave/list
staff: alice, bob
owner-staff: carol
self: self, alice
EOF
mta postalias -c "$T/etc" "cdb:$T/aliases" || fail setup postalias
printf 'alice, "|/bin/sh -c '"'"'id -u > %s/files/incl.uid'"'"'"\n' "$T" \
    > "$T/home/dave/list"
chown "$UID_dave:$UID_dave" "$T/home/dave/list"
printf '# comment\nalice@%s, \\erin\n' "$H" > "$T/home/erin/.forward"
echo "judy@$H" > "$T/home/ivan/.forward"
echo "ivan@$H" > "$T/home/judy/.forward"
chown "$UID_erin" "$T/home/erin/.forward"
chown "$UID_ivan" "$T/home/ivan/.forward"
chown "$UID_judy" "$T/home/judy/.forward"

# queue MESSAGE RCPT...: a queue file through sendmail and cleanup; its
# id in $ID
queue() {
	msg=$1; shift
	ls "$Q/incoming" > "$T/.before"
	printf "$msg" | "$MTA" sendmail -f sender@remote.example "$@"
	ID=$(ls "$Q/incoming" | grep -vxF -f "$T/.before" | head -n 1)
}
# deliver ID [RCPT...] [-- -o name=value...]: the agent's answer in $T/out
deliver() {
	id=$1; shift
	r=; while [ $# -gt 0 ] && [ "$1" != -- ]; do r="$r $1"; shift; done
	[ "$1" = -- ] && shift
	ls "$Q/incoming" > "$T/.before"
	# shellcheck disable=SC2086
	FOO=bar python3 "$TOP/tests/agent_req.py" "$Q" incoming "$id" local \
	    "$H" $r -- "$MTA" local -c "$T/etc" "$@" > "$T/out" 2>"$T/.err"
	NEW=$(ls "$Q/incoming" | grep -vxF -f "$T/.before" | head -n 1)
}
# result ADDR: the agent's result line for ADDR, without the address
result() { grep "^$1 " "$T/out" | cut -d' ' -f2-; }
owner() { stat -c %u:%g "$1"; }
nmsgs() { s-nail -n -N -R -H -f "$1" 2>/dev/null | wc -l; }
show() { printf 'p %s\n' "${2:-1}" | s-nail -n -N -R -# -f "$1" 2>/dev/null; }
first() { result "$1" | cut -d' ' -f1; }
RECS="python3 $TOP/tests/receive_qf.py dump"

# mbox in the spool -------------------------------------------------------
queue 'Subject: one\n\nFrom the start\n>From kept\nend\n' "Alice+Ext@$H"
deliver "$ID"
check_out "mbox: delivered" "sent 2.0.0 local delivered to mailbox" \
    result "Alice+Ext@$H"
MB=$T/spool/alice
check_out "mbox: owned by the user, 0600" "$UID_alice:$UID_alice 600" \
    stat -c '%u:%g %a' "$MB"
check_out "mbox: s-nail reads one message" 1 nmsgs "$MB"
check "mbox: From_ line first" grep -q '^From sender@remote.example  ' "$MB"
check "mbox: From in the body quoted" grep -qx '>From the start' "$MB"
check "mbox: >From left as is" grep -qx '>From kept' "$MB"
show "$MB" > "$T/msg"
check "mbox: Return-Path" grep -qx 'Return-Path: <sender@remote.example>' \
    "$T/msg"
check "mbox: Delivered-To, lower case with extension" \
    grep -qx "Delivered-To: alice+ext@$H" "$T/msg"
check "mbox: X-Original-To" grep -qx "X-Original-To: Alice+Ext@$H" "$T/msg"
check "mbox: logged relay=local" grep -q \
    "to=<Alice+Ext@$H>, relay=local, .*status=sent (delivered to mailbox)" \
    "$T/maillog"
queue 'Subject: two\n\nbody\n' "alice@$H"
deliver "$ID"
check_out "mbox: appended, s-nail reads two" 2 nmsgs "$MB"
check "mbox: no dot-lock left" test ! -e "$MB.lock"

# a dot-lock held by someone else: deferred, mailbox untouched
: > "$MB.lock"
deliver "$ID" -- -o deliver_lock_attempts=1
check_out "dot-lock held: deferred" "deferred 4.2.0 local cannot update \
mailbox $MB for user alice. unable to lock for exclusive access: \
Resource temporarily unavailable" \
    result "alice@$H"
check "dot-lock held: the other's lock file stays" test -e "$MB.lock"
rm -f "$MB.lock"
check_out "dot-lock held: nothing written" 2 nmsgs "$MB"

# loops --------------------------------------------------------------------
queue "Delivered-To: alice@$H\nSubject: loop\n\nx\n" "alice@$H"
deliver "$ID"
check_out "loop: Delivered-To seen: bounced" \
    "bounced 5.4.6 local mail forwarding loop for alice@$H" result "alice@$H"
check_out "loop: nothing written" 2 nmsgs "$MB"

# Maildir ----------------------------------------------------------------
queue 'Subject: md\n\nFrom x\n' "bob@$H"
deliver "$ID" -- -o home_mailbox=Maildir/
check_out "maildir: delivered" "sent 2.0.0 local delivered to maildir" \
    result "bob@$H"
deliver "$ID" -- -o home_mailbox=Maildir/
MD=$T/home/bob/Maildir
check_out "maildir: two files in new/, none in tmp/" "2 0" \
    sh -c "echo \$(ls '$MD/new' | wc -l) \$(ls '$MD/tmp' | wc -l)"
f=$(ls "$MD/new" | head -n 1)
check "maildir: Postfix's name TIME.VdevIinoMusec.HOST" sh -c \
    "echo '$f' | grep -Eq '^[0-9]+\.V[0-9a-f]+I[0-9a-f]+M[0-9]+\.[^/]+$'"
check_out "maildir: file owned by bob" "$UID_bob:$UID_bob" \
    owner "$MD/new/$f"
check_out "maildir: s-nail reads two" 2 nmsgs "$MD"
check "maildir: no From_ line, no quoting" sh -c \
    "head -n 1 '$MD/new/$f' | grep -q '^Return-Path:' &&
    grep -qx 'From x' '$MD/new/$f'"
check "maildir: Delivered-To" grep -qx "Delivered-To: bob@$H" "$MD/new/$f"

# unknown users, luser_relay -------------------------------------------------
queue 'Subject: u\n\nx\n' "zed@$H"
deliver "$ID"
check_out "unknown user bounced" \
    'bounced 5.1.1 local unknown user: "zed"' result "zed@$H"
deliver "$ID" -- -o 'luser_relay=carol+$user'
check_out "luser_relay: delivered" "sent 2.0.0 local delivered to mailbox" \
    result "zed@$H"
check "luser_relay: logged to=<carol+zed@...>, orig_to=<zed@...>" grep -q \
    "to=<carol+zed@$H>, orig_to=<zed@$H>, relay=local" "$T/maillog"
check "luser_relay: in carol's mailbox" grep -qx \
    "Delivered-To: zed@$H" "$T/spool/carol"

# aliases: files, commands, exit codes -------------------------------------
queue 'Subject: f\n\nx\n' "tofile@$H" "tocmd@$H" "false@$H" \
    "tempfail@$H" "slow@$H"
deliver "$ID" -- -o command_time_limit=1s
check_out "alias /file: delivered" \
    "sent 2.0.0 local delivered to file: $T/files/out" result "tofile@$H"
check_out "alias /file: written as default_privs" "$NOBODY" \
    stat -c %u "$T/files/out"
check "alias /file: mbox format, Delivered-To" sh -c \
    "head -n 1 '$T/files/out' | grep -q '^From sender@' &&
    grep -qx 'Delivered-To: tofile@$H' '$T/files/out'"
check_out "alias |command: delivered" \
    "sent 2.0.0 local delivered to command: /bin/sh -c \
'id -u > $T/files/cmd.uid'" \
    result "tocmd@$H"
check_out "alias |command: ran as default_privs" "$NOBODY" \
    cat "$T/files/cmd.uid"
check_out "command status 1: bounced in Postfix's words" \
    'bounced 5.3.0 local Command died with status 1: "/bin/false"' \
    result "false@$H"
check_out "command status 75: deferred" \
    "deferred 4.3.0 local temporary failure" result "tempfail@$H"
check_out "command_time_limit: bounced" \
    'bounced 5.3.0 local Command time limit exceeded: "/bin/sleep 5"' \
    result "slow@$H"
deliver "$ID" "tofile@$H" -- -o allow_mail_to_files=forward
check_out "allow_mail_to_files without alias: restricted" \
    "bounced 5.7.1 local mail to file is restricted" result "tofile@$H"

# :include: ---------------------------------------------------------------
queue 'Subject: i\n\nx\n' "incl@$H"
deliver "$ID"
check "include: the command is restricted by default" grep -q \
    "to=<incl@$H>, .*status=bounced (mail to command is restricted)" \
    "$T/maillog"
check_out "include: agent result bounced" \
    "bounced 5.7.1 local mail to command is restricted" result "incl@$H"
deliver "$ID" -- -o allow_mail_to_commands=alias,forward,include
check_out "include: sent" "sent" first incl@$H
check_out "include: command ran as the include file's owner" \
    "$UID_dave" cat "$T/files/incl.uid"
check "include: address forwarded" grep -q \
    "to=<alice@$H>, orig_to=<incl@$H>, relay=local, .*status=sent \
(forwarded as $NEW)" \
    "$T/maillog"
check "include: the new queue file is for alice, same sender" sh -c \
    "$RECS '$Q/incoming/$NEW' > '$T/recs' && grep -qx 'R alice@$H' '$T/recs' &&
    grep -qx 'S sender@remote.example' '$T/recs' &&
    grep -qx 'L Delivered-To: incl@$H' '$T/recs'"

# .forward ------------------------------------------------------------------
queue 'Subject: fw\n\nx\n' "erin@$H"
deliver "$ID"
check_out ".forward: sent" "sent" first erin@$H
check "\\erin: delivered to erin's mailbox" grep -q \
    "to=<erin@$H>, relay=local, .*status=sent (delivered to mailbox)" \
    "$T/maillog"
check ".forward: alice forwarded" grep -q \
    "to=<alice@$H>, orig_to=<erin@$H>, relay=local, .*(forwarded as $NEW)" \
    "$T/maillog"
check ".forward: erin's mailbox has the message" test -s "$T/spool/erin"
check ".forward: copy carries Delivered-To: erin" sh -c \
    "$RECS '$Q/incoming/$NEW' | grep -qx 'L Delivered-To: erin@$H'"

# ping-pong .forward files end in the loop bounce
queue 'Subject: pp\n\nx\n' "ivan@$H"
deliver "$ID"
deliver "$NEW"
check_out "forwarding loop: bounced at the second hop" \
    "bounced 5.4.6 local mail forwarding loop for ivan@$H" result "judy@$H"
check "forwarding loop: logged to=<ivan>, orig_to=<judy>" grep -q \
    "to=<ivan@$H>, orig_to=<judy@$H>, .*status=bounced (mail forwarding loop" \
    "$T/maillog"

# owner- aliases --------------------------------------------------------------
queue 'Subject: list\n\nx\n' "staff@$H"
deliver "$ID"
check_out "owner-: sent" "sent" first staff@$H
check "owner-: resubmitted with sender owner-staff@\$myorigin" sh -c \
    "$RECS '$Q/incoming/$NEW' > '$T/recs' &&
    grep -qx 'S owner-staff@$H' '$T/recs' &&
    grep -qx 'R alice@$H' '$T/recs' && grep -qx 'R bob@$H' '$T/recs'"
deliver "$ID" -- -o expand_owner_alias=yes
check "expand_owner_alias: sender is owner-'s value" sh -c \
    "$RECS '$Q/incoming/$NEW' | grep -qx 'S carol@$H'"
queue 'Subject: self\n\nx\n' "self@$H"
deliver "$ID"
check "alias naming itself: unknown user, no alias loop" grep -q \
    "to=<self@$H>, relay=local, .*unknown user: \"self\"" "$T/maillog"

# the command environment; shell syntax in an address ----------------------
MC='env > "$HOME/env.out"; printf "%s\n" "$EXTENSION" > "$HOME/ext.out"'
EVIL='carol+`touch${IFS}pwned`|touch${IFS}pwned2&@'$H
queue 'Subject: env\n\nx\n' "$EVIL"
deliver "$ID" -- -o "mailbox_command=$MC"
check_out "mailbox_command: delivered" \
    "sent 2.0.0 local delivered to command: $MC" result "$EVIL"
E=$T/home/carol/env.out
check_out "mailbox_command: ran as carol" "$UID_carol:$UID_carol" owner "$E"
check "env: RECIPIENT SENDER USER LOGNAME HOME DOMAIN" sh -c "
    grep -qxF 'RECIPIENT=$EVIL' '$E' &&
    grep -qx 'SENDER=sender@remote.example' '$E' &&
    grep -qx 'USER=carol' '$E' && grep -qx 'LOGNAME=carol' '$E' &&
    grep -qx 'HOME=$T/home/carol' '$E' && grep -qx 'SHELL=/bin/sh' '$E' &&
    grep -qx 'DOMAIN=$H' '$E' && grep -qx 'PATH=/usr/bin:/bin' '$E' &&
    grep -qx 'ORIGINAL_RECIPIENT=carol+.*' '$E'"
check "env: EXTENSION and LOCAL hold the address as is" sh -c "
    grep -qxF 'EXTENSION=\`touch\${ifs}pwned\`|touch\${ifs}pwned2&' '$E' &&
    grep -qxF 'LOCAL=carol+\`touch\${ifs}pwned\`|touch\${ifs}pwned2&' '$E'"
check "env: nothing else from the agent's environment" sh -c \
    "! grep -q '^FOO=' '$E'"
check "shell syntax in the address ran nothing" sh -c \
    "! ls '$T/home/carol' | grep -q pwned"

# mailbox_size_limit ---------------------------------------------------------
queue 'Subject: small\n\nx\n' "frank@$H"
deliver "$ID"
size=$(stat -c %s "$T/spool/frank")
python3 -c 'print("Subject: big\n\n" + ("y" * 70 + "\n") * 100, end="")' \
    > "$T/big"
queue "$(cat "$T/big")\n" "frank@$H"
deliver "$ID" -- -o mailbox_size_limit=$((size + 2000))
check_out "mailbox_size_limit: bounced as Postfix" \
    "bounced 5.2.2 local cannot update mailbox $T/spool/frank for user \
frank. error writing message: File too large" \
    result "frank@$H"
check_out "mailbox_size_limit: mailbox cut back" "$size" \
    stat -c %s "$T/spool/frank"
check_out "mailbox_size_limit: s-nail reads one" 1 nmsgs "$T/spool/frank"

# not root: everything as the user who runs the agent --------------------
queue 'Subject: rootless\n\nx\n' "bob@$H" "tocmd@$H"
mkdir "$T/spool2"
chown postfix "$T/spool2"
chown postfix "$Q/incoming/$ID"
rm -f "$T/files/cmd.uid"
setpriv --reuid=postfix --regid=postfix --clear-groups /usr/bin/python3 \
    "$TOP/tests/agent_req.py" "$Q" incoming "$ID" local "$H" -- "$MTA" \
    local -c "$T/etc" -o "mail_spool_directory=$T/spool2" \
    -o "maillog_file=" > "$T/out" 2>"$T/.err"
check_out "not root: delivered" "sent 2.0.0 local delivered to mailbox" \
    result "bob@$H"
check_out "not root: the mailbox is the agent user's" "$(id -u postfix)" \
    stat -c %u "$T/spool2/bob"
check_out "not root: an alias command runs as the agent user" \
    "$(id -u postfix)" cat "$T/files/cmd.uid"
exit 0
