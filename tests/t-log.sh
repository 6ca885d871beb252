# MIT licence: see LICENSE.
# t-log.sh - the message layer: stderr shape, maillog_file line shape,
# syslog_name, control characters.
. "$TOP/tests/lib.sh"

printf 'maillog_file = %s/maillog\n' "$T" > "$T/etc/main.cf"
check_err "stderr: 'postmap: fatal: text'" \
    '^postmap: fatal: open database .*/nonexist\.cdb: No such file or directory$' \
    mta postmap -q x "cdb:$T/nonexist"
check "maillog_file: the syslog line shape with mta/postmap[PID]" grep -Eq \
    '^[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [^ ]+ mta/postmap\[[0-9]+\]: fatal: open database .*nonexist\.cdb: No such file or directory$' \
    "$T/maillog"

printf 'maillog_file = %s/maillog2\nsyslog_name = relay\n' "$T" > "$T/etc/main.cf"
mta postmap -q x "cdb:$T/nonexist" 2>/dev/null
check "syslog_name prefixes the program name" grep -q ' relay/postmap\[' \
    "$T/maillog2"

printf 'maillog_file = /dev/stdout\n' > "$T/etc/main.cf"
check_out "maillog_file=/dev/stdout does not repeat a command's stderr on stdout" \
    "" mta postmap -q x "cdb:$T/nonexist"

printf 'maillog_file = %s/maillog3\n' "$T" > "$T/etc/main.cf"
printf 'bad\001key 1\nbad\001key 2\n' > "$T/ctl"
mta postmap "$T/ctl" 2>"$T/ctl.err"
check "control characters are logged as ?" grep -q 'bad?key' "$T/maillog3"
check "no raw control character reaches the log" \
    sh -c '! LC_ALL=C grep -q "$(printf "\001")" "$1"' sh "$T/maillog3"
