# MIT licence: see LICENSE.
#
# t-rootpaths.sh - what root makes, opens, chowns or chmods in a directory
# that another account may change, it never reaches through a link that
# account put there (issue #20, finding 1's class): `postfix
# set-permissions` and `start` on the queue directories and
# data_directory, postalias's mode of a new table, postmap's and
# postalias's reading of an old table, and local's mailbox in the spool.
# Where the attack is a race, strace widens the window after the syscall
# that opens it to 0.2 s and tests/race_file.c (as the directory's owner)
# renames a link over the fresh name, so it is won every time on the old
# code.  Needs root and the postfix account.
. "${TOP:-.}/tests/lib.sh"

if [ "$(id -u)" != 0 ] || ! id postfix >/dev/null 2>&1; then
	echo "skip - t-rootpaths: needs root and the postfix account"
	ok "t-rootpaths: nothing to check as a user (no privilege to abuse)"
	exit 0
fi
PF=$(id -u postfix)
APID=
trap '[ -n "$APID" ] && stop_pid "$APID"; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# as_pf CMD...: run CMD as postfix (the account that owns the directory)
as_pf() { setpriv --reuid=postfix --regid=postfix --clear-groups "$@"; }
um() { stat -c '%U %a' "$1"; }

# root's things, which no other account may get at
mkdir -m 755 "$T/victim" "$T/victim2"
for f in shadow shadow_pc shadow_l; do
	printf 'secret\n' > "$T/$f"
	chmod 600 "$T/$f"
done

# --- the queue directory: a top that postfix could change -----------------
Q=$T/q
mkdir -p "$T/qc" "$Q"
printf 'queue_directory = %s\nmail_owner = postfix\ndata_directory = %s\n' \
    "$Q" "$T/dd/data" > "$T/qc/main.cf"
: > "$T/qc/master.cf"
mkdir -m 755 "$T/dd"
chown postfix "$T/dd"
chown postfix "$Q"
chmod 775 "$Q"
as_pf ln -s "$T/victim" "$Q/active"
as_pf ln -s "$T/victim2" "$T/dd/data"
mta postfix -c "$T/qc" set-permissions >/dev/null 2>&1
check_out "set-permissions: a link in the queue top gives root's directory \
to nobody" "root 755" um "$T/victim"
check_out "set-permissions: a link as data_directory gives root's directory \
to nobody" "root 755" um "$T/victim2"
check_out "set-permissions: the queue top becomes root's, 0755" "root 755" \
    um "$Q"
check_err "set-permissions: the link in its place is reported" \
    "$Q/active: not a directory" mta postfix -c "$T/qc" set-permissions
check_err "set-permissions: a link as data_directory is reported" \
    "data_directory $T/dd/data: a symbolic link" \
    mta postfix -c "$T/qc" set-permissions
rm -f "$Q/active" "$T/dd/data"
check "set-permissions: the queue made without the link" \
    mta postfix -c "$T/qc" set-permissions
check_out "active/ is postfix's, 0700" "postfix 700" um "$Q/active"
check_out "data_directory is postfix's, 0700" "postfix 700" um "$T/dd/data"

# pid/ (master's lock file, opened by name as root) must be root's
chown postfix "$Q/pid"
check_err "check: pid/ of another account is reported" \
    "$Q/pid: not owned by root" mta postfix -c "$T/qc" check
mta postfix -c "$T/qc" set-permissions >/dev/null 2>&1
check_out "set-permissions: pid/ becomes root's" "root 755" um "$Q/pid"
chown postfix "$Q"
check_err "check: a queue top of another account is reported" \
    "$Q: not owned by root" mta postfix -c "$T/qc" check
chown root "$Q"

# --- postmap and postalias reading an old table as root -------------------
# root's own table of secrets, and a directory postfix owns with a link
# to it in the place of the table root was asked to read or update
mkdir -m 700 "$T/sec"
printf 'relay.example user:topsecret\n' > "$T/sec/sasl"
chmod 600 "$T/sec/sasl"
mta postmap "cdb:$T/sec/sasl"
mkdir -m 755 "$T/u"
chown postfix "$T/u"
as_pf ln -s "$T/sec/sasl.cdb" "$T/u/t.cdb"
as_pf ln -s "$T/sec/sasl.cdb" "$T/u/a.cdb"
mta postmap -s "cdb:$T/u/t" > "$T/out" 2>&1
check "postmap -s: a linked table of root's is not listed" \
    sh -c "! grep -q topsecret '$T/out'"
check_err "postmap -s: the link is named" "a symbolic link" \
    mta postmap -s "cdb:$T/u/t"
# a link on the way, not at the end
as_pf ln -s "$T/sec" "$T/u/d"
mta postmap -s "cdb:$T/u/d/sasl" > "$T/out" 2>&1
check "postmap -s: no table of root's through a linked directory" \
    sh -c "! grep -q topsecret '$T/out'"
mta postmap -q relay.example "cdb:$T/u/t" > "$T/out" 2>&1
check "postmap -q: no value through the link" \
    sh -c "! grep -q topsecret '$T/out'"
echo "new x" | mta postmap -i "cdb:$T/u/t" > /dev/null 2>&1
check "postmap -i: root's secrets are not copied into postfix's directory" \
    sh -c "! grep -rqa topsecret '$T/u'"
mta postmap -d relay.example "cdb:$T/u/t" > /dev/null 2>&1
check "postmap -d: the linked table is untouched" \
    sh -c "grep -qa topsecret '$T/sec/sasl.cdb'"
mta postalias -s "cdb:$T/u/a" > "$T/out" 2>&1
check "postalias -s: a linked table of root's is not listed" \
    sh -c "! grep -q topsecret '$T/out'"
echo "new: x" | mta postalias -i "cdb:$T/u/a" > /dev/null 2>&1
check "postalias -i: root's secrets are not copied" \
    sh -c "! grep -rqa topsecret '$T/u'"
# the text a table is built from, and text tables read as they are
printf 'relay: topsecret\n' > "$T/sec/al"
chmod 600 "$T/sec/al"
as_pf ln -s "$T/sec/sasl" "$T/u/src"
as_pf ln -s "$T/sec/al" "$T/u/asrc"
mta postmap -p "cdb:$T/u/src" > /dev/null 2>&1
mta postalias -p "cdb:$T/u/asrc" > /dev/null 2>&1
check "postmap -p, postalias -p: a linked source of root's is not copied" \
    sh -c "! grep -rqa topsecret '$T/u'"
for ty in texthash regexp cidr; do
	mta postmap -q relay.example "$ty:$T/u/src" > "$T/out" 2>&1
	check "postmap -q $ty: no value through the link" \
	    sh -c "! grep -q topsecret '$T/out'"
done
rm -f "$T/u/t.cdb" "$T/u/a.cdb" "$T/u/src.cdb" "$T/u/asrc.cdb"
printf 'k v\n' > "$T/u/t"
chown root "$T/u/t"
check "postmap: a table in postfix's directory is still built" \
    mta postmap "cdb:$T/u/t"
check_out "postmap -q: and read" v mta postmap -q k "cdb:$T/u/t"

# --- postconf -e: main.cf rewritten as root in a directory postfix may
# change, with a link to root's file waiting where the new file is made
mkdir -m 755 "$T/pc"
chown postfix "$T/pc"
printf 'myhostname = a.example\n' > "$T/pc/main.cf"
: > "$T/pc/master.cf"
as_pf ln -s "$T/shadow_pc" "$T/pc/main.cf.tmp"
mta postconf -c "$T/pc" -e myhostname=b.example >/dev/null 2>&1
check_out "postconf -e: root's file is not written through a link" \
    "root 600 secret" sh -c "stat -c '%U %a' '$T/shadow_pc' | tr '\n' ' ';
    cat '$T/shadow_pc'"
check_out "postconf -e: main.cf edited" "b.example" \
    mta postconf -c "$T/pc" -h myhostname
check "postconf -e: no temporary file left" \
    sh -c "! ls '$T/pc' | grep -v '^main.cf.tmp\$' | grep -q tmp"

# --- local: the mailbox in a spool every account may write ---------------
# nobody, the recipient, puts a link (or root a hard link, as where the
# kernel allows any) to root's file in the place of its mailbox
Q=$T/lq
H=host.example
mkdir -m 1777 "$T/spool"
cat > "$T/etc/main.cf" <<EOC
queue_directory = $Q
maillog_file = $T/maillog
mail_owner = postfix
myhostname = $H
mydestination = \$myhostname
alias_maps =
mail_spool_directory = $T/spool
forward_path = $T/fwd/\${user}.forward
deliver_lock_attempts = 2
deliver_lock_delay = 1s
EOC
mkqueue >/dev/null 2>&1 || fail "local: queue" "set-permissions failed"
# deliver: a message for nobody through sendmail and cleanup, then to
# local as qmgr hands it over; the result line in $T/out
deliver() {
	ls "$Q/incoming" > "$T/.before"
	printf 'Subject: x\n\nbody\n' | "$MTA" sendmail -f s@remote.example \
	    "nobody@$H"
	id=$(ls "$Q/incoming" | grep -vxF -f "$T/.before" | head -n 1)
	python3 "$TOP/tests/agent_req.py" "$Q" incoming "$id" local "$H" \
	    -- "$MTA" local -c "$T/etc" > "$T/out" 2>&1
}
first() { grep "^nobody@$H " "$T/out" | cut -d' ' -f2; }
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    ln -s "$T/shadow_l" "$T/spool/nobody"
deliver
check_out "local: a link as the mailbox is not delivered to" deferred first
check_out "local: root's file untouched (link)" "root 600 7" \
    stat -c '%U %a %s' "$T/shadow_l"
rm -f "$T/spool/nobody"
if ln "$T/shadow_l" "$T/spool/nobody" 2>/dev/null; then
	deliver
	check "local: a hard link as the mailbox is not delivered to" \
	    sh -c "! grep -q '^nobody@$H sent' '$T/out'"
	check_out "local: root's file untouched (hard link)" "root 600 7" \
	    stat -c '%U %a %s' "$T/shadow_l"
	rm -f "$T/spool/nobody"
fi
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    ln -s "$T/shadow_l" "$T/spool/nobody.lock"
deliver
check_out "local: a link as the dot-lock: deferred" deferred first
check_out "local: root's file untouched (lock)" "root 600 7" \
    stat -c '%U %a %s' "$T/shadow_l"
rm -f "$T/spool/nobody.lock"
deliver
check_out "local: a mailbox of its own is delivered to" sent first
check_out "local: nobody's, 0600" "nobody 600" um "$T/spool/nobody"

# a .forward in a directory others may write (forward_path): after local
# checked nobody's own file (strace holds that lstat 2 s), postfix renames
# its own file over the name; its command must not run as nobody
mkdir -m 777 "$T/fwd"
printf '\\nobody\n' > "$T/fwd/nobody.forward"
chown nobody "$T/fwd/nobody.forward"
cat > "$T/fwd/evil" <<EOC
"|/bin/sh -c 'id -u > $T/fwd/pwned'"
EOC
chown postfix "$T/fwd/evil"
if command -v strace >/dev/null; then
	ls "$Q/incoming" > "$T/.before"
	printf 'Subject: x\n\nbody\n' | "$MTA" sendmail -f s@remote.example \
	    "nobody@$H"
	id=$(ls "$Q/incoming" | grep -vxF -f "$T/.before" | head -n 1)
	(sleep 1; as_pf mv -T "$T/fwd/evil" "$T/fwd/nobody.forward") &
	MVPID=$!
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    python3 "$TOP/tests/agent_req.py" "$Q" incoming "$id" local "$H" \
	    -- strace -f -o /dev/null -P "$T/fwd/nobody.forward" \
	    -e inject=lstat,newfstatat,statx:delay_exit=2000000:when=1 \
	    "$MTA" local -c "$T/etc" > "$T/out" 2>&1
	wait "$MVPID"
	check "local: the .forward was swapped in the race" \
	    test "$(stat -c %U "$T/fwd/nobody.forward")" = postfix
	check "local: a .forward that changed after its checks does not run" \
	    test ! -e "$T/fwd/pwned"
	check "local: ... and the message goes to the mailbox" \
	    grep -q "^nobody@$H sent" "$T/out"

	# an alias table of postfix's lends postfix's rights to its
	# commands; once local has opened it, postfix renames a link to a
	# file of nobody's over its name (strace holds local 2 s after that
	# open): the commands must not run as nobody
	mkdir -m 755 "$T/ual"
	chown postfix "$T/ual"
	cat > "$T/ual/aliases" <<EOC
cmd: "|/bin/sh -c 'id -u > $T/fwd/alias.uid'"
EOC
	chown postfix "$T/ual/aliases"
	mta postalias "cdb:$T/ual/aliases"
	ls "$Q/incoming" > "$T/.before"
	printf 'Subject: x\n\nbody\n' | "$MTA" sendmail -f s@remote.example \
	    "cmd@$H"
	id=$(ls "$Q/incoming" | grep -vxF -f "$T/.before" | head -n 1)
	python3 "$TOP/tests/agent_req.py" "$Q" incoming "$id" local "$H" \
	    -- "$MTA" local -c "$T/etc" -o "alias_maps=cdb:$T/ual/aliases" \
	    > "$T/out" 2>&1
	check_out "local: an alias command runs as the table's owner" \
	    "$PF" cat "$T/fwd/alias.uid"
	rm -f "$T/fwd/alias.uid"
	: > "$T/nob.cdb"
	chown nobody "$T/nob.cdb"
	as_pf ln -s "$T/nob.cdb" "$T/ual/link"
	ls "$Q/incoming" > "$T/.before"
	printf 'Subject: x\n\nbody\n' | "$MTA" sendmail -f s@remote.example \
	    "cmd@$H"
	id=$(ls "$Q/incoming" | grep -vxF -f "$T/.before" | head -n 1)
	(sleep 1; as_pf mv -T "$T/ual/link" "$T/ual/aliases.cdb") &
	MVPID=$!
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    python3 "$TOP/tests/agent_req.py" "$Q" incoming "$id" local "$H" \
	    -- strace -f -o /dev/null -P "$T/ual/aliases.cdb" \
	    -e inject=open,openat:delay_exit=2000000:when=1 \
	    "$MTA" local -c "$T/etc" -o "alias_maps=cdb:$T/ual/aliases" \
	    > "$T/out" 2>&1
	wait "$MVPID"
	check "local: the alias table was swapped in the race" \
	    test -L "$T/ual/aliases.cdb"
	check "local: the swapped table's command never runs as nobody" \
	    sh -c "! grep -qx 65534 '$T/fwd/alias.uid' 2>/dev/null"
fi

# --- postalias's mode of the new table: the moment it is in place, postfix
# renames a link to root's file over it
if ! command -v strace >/dev/null || ! cc -O2 -o "$T/race_file" \
    "$TOP/tests/race_file.c" 2>/dev/null; then
	echo "skip - t-rootpaths: the race needs strace and a C compiler (cc)"
else
	chmod 755 "$T/race_file"
	mkdir -m 755 "$T/al"
	chown postfix "$T/al"
	printf 'root: postmaster\n' > "$T/al/aliases"
	chmod 644 "$T/al/aliases"
	as_pf "$T/race_file" 20 "$T/shadow" "$T/al/aliases.cdb" &
	APID=$!
	sleep 0.3
	# LeakSanitizer cannot run under ptrace (the sanitizer build)
	NOLEAK="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	ASAN_OPTIONS=$NOLEAK timeout 30 strace -f -o /dev/null \
	    -e trace=rename,renameat,renameat2 \
	    -e inject=rename,renameat,renameat2:delay_exit=200000 \
	    "$MTA" postalias "cdb:$T/al/aliases" >/dev/null 2>&1
	wait "$APID"; arc=$?; APID=
	check_out "postalias raced: the attacker swapped the link in" 0 \
	    echo "$arc"
	check_out "postalias raced: root's file keeps mode 600" "root 600" \
	    um "$T/shadow"
	rm -f "$T/al/aliases.cdb"
	check "postalias: the table gets its source's mode" \
	    mta postalias "cdb:$T/al/aliases"
	check_out "postalias: mode 644" "root 644" um "$T/al/aliases.cdb"

	# postfix flush wakes qmgr as root through public/qmgr, a fifo in
	# mail_owner's directory: between root's stat and its open, postfix
	# renames a link to root's file over it (strace holds root's second
	# stat of that name for 2 s; the rename comes after 1 s)
	Q=$T/tq
	mkdir -p "$T/tc"
	printf 'queue_directory = %s\nmail_owner = postfix\n' "$Q" \
	    > "$T/tc/main.cf"
	echo "data_directory = $T/tdd" >> "$T/tc/main.cf"
	: > "$T/tc/master.cf"
	mta postfix -c "$T/tc" set-permissions >/dev/null 2>&1
	as_pf mkfifo -m 622 "$Q/public/qmgr"
	as_pf ln -s "$T/shadow" "$Q/public/qmgr.race"
	# a master, as far as the lock on its pid file says
	python3 -c 'import fcntl, os, sys, time
f = open(sys.argv[1], "w"); fcntl.lockf(f, fcntl.LOCK_EX)
f.write("%10d\n" % os.getpid()); f.flush(); time.sleep(8)' \
	    "$Q/pid/master.pid" &
	LPID=$!
	sleep 0.5
	(sleep 1; as_pf mv -T "$Q/public/qmgr.race" "$Q/public/qmgr") &
	MVPID=$!
	ASAN_OPTIONS=$NOLEAK timeout 20 strace -f -o /dev/null \
	    -P "$Q/public/qmgr" \
	    -e inject=stat,newfstatat,statx:delay_exit=2000000:when=2 \
	    "$MTA" postfix -c "$T/tc" flush >/dev/null 2>&1
	wait "$MVPID"
	check "postfix flush raced: the link was swapped in" \
	    test -L "$Q/public/qmgr"
	check_out "postfix flush raced: root's file is not written" \
	    "secret" cat "$T/shadow"
	stop_pid "$LPID" 2>/dev/null
fi
exit 0
