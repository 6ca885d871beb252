# MIT licence: see LICENSE.
#
# t-datadir.sh - data_directory and smtpd's connection limits.
#
# `postfix start` on a fresh root makes data_directory (owned by
# mail_owner, mode 0700, as Postfix's postfix-files has it), so that
# smtpd_client_connection_count_limit works from the first connection;
# `postfix check` reports a wrong owner or mode, `postfix set-permissions`
# fixes them.  smtpd's state file there is read as hostile: a corrupt or
# truncated one is started afresh, never used to index memory.  Loopback
# only; the master started here is stopped by its pid.
. "${TOP:-.}/tests/lib.sh"

Q=$T/q
DD=$T/d/data
P=$(free_port)
MPID=
trap '[ -n "$MPID" ] && stop_pid "$MPID"; rm -rf "$T"' EXIT INT TERM

if [ "$(id -u)" = 0 ]; then OWNER=postfix; else OWNER=$(id -un); fi
if ! id "$OWNER" >/dev/null 2>&1; then
	echo "skip - t-datadir: no user $OWNER"
	exit 0
fi

cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
data_directory = $DD
mail_owner = $OWNER
alias_maps =
maillog_file = $T/maillog
inet_interfaces = loopback-only
inet_protocols = ipv4
smtpd_client_connection_count_limit = 1
smtpd_client_event_limit_exceptions =
EOF
cat > "$T/etc/master.cf" <<EOF
127.0.0.1:$P inet n - n - 5 smtpd
EOF

# sessions N: open N connections to the smtpd at once and print the first
# line each one gets, in order (the earlier ones stay open meanwhile)
sessions() {
	python3 - "$P" "$1" <<'PY'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for i in range(n):
    try:
        s = socket.create_connection(("127.0.0.1", port), 5)
        s.settimeout(5)
        socks.append(s)
        line = s.makefile("rb").readline().decode(errors="replace")
        print(line.strip() or "(closed)")
    except OSError as e:
        print("(error: %s)" % e)
for s in socks:
    s.close()
PY
}

# settle: the smtpd processes of the last sessions have said goodbye
settle() { sleep 1; }

# owner_mode DIR: "OWNER MODE" of DIR
owner_mode() { stat -c '%U %a' "$1"; }

check_err "check before start: data_directory missing is reported" \
    "data_directory $DD: No such file" mta postfix check
check_exit "start 0" 0 mta postfix start
MPID=$(tr -d ' \n' < "$Q/pid/master.pid" 2>/dev/null)
check "start made data_directory" test -d "$DD"
check_out "data_directory: owner and mode" "$OWNER 700" owner_mode "$DD"
check "listening" wait_port "$P" 5

sessions 2 > "$T/out"
has "first connection: banner" '^220 ' "$T/out"
has "second at once: 421 too many connections" \
    '^421 4\.7\.0 .*too many connections from 127\.0\.0\.1' "$T/out"
check "the limit is logged" waitfor "$T/maillog" \
    'Connection concurrency limit exceeded: 2 from .*127\.0\.0\.1'
settle
sessions 1 > "$T/out"
has "after the first ends: a new one is served" '^220 ' "$T/out"
check "state file in data_directory" test -f "$DD/smtpd_anvil"

# a ring index out of range must not index memory (smtpd died of it)
settle
python3 - "$DD/smtpd_anvil" <<'PY'
import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(4)
    f.write(struct.pack("<I", 0xfffffff0))
PY
: > "$T/maillog.mark"
sessions 1 > "$T/out"
has "corrupt ring index: still served" '^220 ' "$T/out"
check "corrupt ring index: warned" waitfor "$T/maillog" \
    'smtpd_anvil: corrupt or of another version: starting afresh'
if grep -Eq 'signal|fatal|panic' "$T/maillog"; then
	fail "corrupt ring index: no crash" "$(grep -E 'signal|fatal|panic' \
	    "$T/maillog" | head -n 3 | tr '\n' '|')"
else
	ok "corrupt ring index: no crash"
fi
settle
sessions 2 > "$T/out"
has "after a corrupt file: the limit works again" \
    '^421 4\.7\.0 .*too many connections' "$T/out"

# a truncated file and one of another layout are started afresh
settle
head -c 100 "$DD/smtpd_anvil" > "$T/short" && cat "$T/short" > "$DD/smtpd_anvil"
sessions 2 > "$T/out"
has "truncated file: served" '^220 ' "$T/out"
has "truncated file: the limit works" '^421 4\.7\.0 ' "$T/out"
settle
head -c 200000 /dev/urandom > "$DD/smtpd_anvil"
sessions 2 > "$T/out"
has "random file: served" '^220 ' "$T/out"
has "random file: the limit works" '^421 4\.7\.0 ' "$T/out"

check_exit "stop 0" 0 mta postfix stop
stop_pid "$MPID"
MPID=

# check reports a bad owner or mode; set-permissions fixes them
chmod 777 "$DD"
check_err "check: group or other writable" \
    "data_directory $DD: group or other writable" mta postfix check
check_exit "check: exit 1" 1 mta postfix check
check_exit "set-permissions 0" 0 mta postfix set-permissions
check_out "set-permissions: owner and mode" "$OWNER 700" owner_mode "$DD"
if [ "$(id -u)" = 0 ]; then
	chown root "$DD"
	check_err "check: not owned by mail_owner" \
	    "data_directory $DD: not owned by postfix" mta postfix check
	mta postfix set-permissions
	check_out "set-permissions: owner fixed" "postfix 700" owner_mode "$DD"
fi
check_exit "check after set-permissions: 0" 0 mta postfix check

# a data_directory that cannot be used: smtpd says so and serves
sed -i "s|^data_directory = .*|data_directory = $T/etc/main.cf/x|" \
    "$T/etc/main.cf"
check_exit "unusable data_directory: start still 0" 0 mta postfix start
MPID=$(tr -d ' \n' < "$Q/pid/master.pid" 2>/dev/null)
check "unusable data_directory: listening" wait_port "$P" 5
sessions 2 > "$T/out"
has "unusable data_directory: served" '^220 ' "$T/out"
check "unusable data_directory: smtpd warns" waitfor "$T/maillog" \
    'connection count and rate limits are not enforced'
mta postfix stop >/dev/null 2>&1
stop_pid "$MPID"
MPID=
