# MIT licence: see LICENSE.
#
# t-postconf.sh - postconf and the configuration layer, black-box.
#
# Differential part: for each main.cf in tests/conf/*.cf (with Debian's
# master.cf beside it, when there is one), `mta postconf -n`, `-nx`,
# `-h NAME` and `-x NAME` must print what Postfix's postconf prints, for
# the parameters that both know; `-e`, `-X` and `-#` must leave the same
# file as Postfix's.  The rest checks what a user sees without Postfix:
# warnings naming file and line, bad values naming the parameter, no
# main.cf at all, MAIL_CONFIG and -c.
. "$TOP/tests/lib.sh"

C=$TOP/tests/conf

# cf DIR: start a config directory DIR holding main.cf from stdin
cf() {
	rm -rf "$1" && mkdir -p "$1" && cat > "$1/main.cf"
}

# both M P: keep, of the "name = value" lines of files M and P, those
# whose name appears in both; write M.both and P.both
both() {
	cut -d' ' -f1 "$1" | sort -u > "$1.names"
	cut -d' ' -f1 "$2" | sort -u > "$2.names"
	comm -12 "$1.names" "$2.names" > "$T/common"
	awk 'NR == FNR { k[$1] = 1; next } ($1 in k)' "$T/common" "$1" \
	    > "$1.both"
	awk 'NR == FNR { k[$1] = 1; next } ($1 in k)' "$T/common" "$2" \
	    > "$2.both"
}

# same NAME ARGS...: mta postconf and Postfix's print the same lines
# (for the parameters both know) in directory $D
same() {
	name=$1; shift
	mta postconf -c "$D" "$@" > "$T/m.out" 2>"$T/m.err"; mrc=$?
	/usr/sbin/postconf -c "$D" "$@" > "$T/p.out" 2>"$T/p.err"; prc=$?
	both "$T/m.out" "$T/p.out"
	if [ "$mrc" != "$prc" ]; then
		fail "$name" \
		    "exit $mrc, postfix $prc: $(head -c 200 "$T/m.err")"
	elif [ ! -s "$T/m.out.both" ] && [ -s "$T/p.out" ]; then
		fail "$name" \
		    "no common output; mta printed $(wc -l < "$T/m.out")"
	elif cmp -s "$T/m.out.both" "$T/p.out.both"; then
		ok "$name"
	else
		fail "$name" "$(diff "$T/m.out.both" "$T/p.out.both" |
		    head -n 6 | tr '\n' '|')"
	fi
}

if ! have_postfix; then
	echo "# no Postfix in /usr/sbin: differential checks skipped"
else
	for f in "$C"/*.cf; do
		n=$(basename "$f" .cf)
		D=$T/d-$n
		cf "$D" < "$f"
		[ -f /etc/postfix/master.cf ] && cp /etc/postfix/master.cf "$D/"
		same "$n: -n" -n
		same "$n: -nx" -nx
		# every line of -n is a parameter Postfix knows too
		mta postconf -c "$D" -n > "$T/m.n" 2>/dev/null
		/usr/sbin/postconf -c "$D" -n > "$T/p.n" 2>/dev/null
		both "$T/m.n" "$T/p.n"
		check "$n: -n shows only parameters Postfix shows" \
		    cmp -s "$T/m.n" "$T/m.n.both"
		names=$(cut -d' ' -f1 "$T/m.n.both" | grep -v config_directory)
		for p in $names; do
			same "$n: -h $p" -h "$p"
			same "$n: -x $p" -x "$p"
		done
		same "$n: named defaults" myorigin mydestination \
		    smtpd_banner smtp_helo_name notify_classes
		same "$n: -hx of derived names" -hx myorigin mydestination
	done

	# -e, -X, -#: the same file as Postfix's postconf leaves
	D=$T/e
	for args in "-e mydestination=a,b" "-e relayhost=[new]:587" \
	    "-e brand_new=x" "-e myhostname=h mynetworks=10.0.0.0/8" \
	    "-X mydestination relayhost nosuch" "-# mydestination relayhost" \
	    "-X smtpd_recipient_restrictions" "-e alias_maps=hash:/x"; do
		for who in m p; do
			cf "$D-$who" < "$C/continuation.cf"
		done
		# shellcheck disable=SC2086
		mta postconf -c "$D-m" $args 2>/dev/null
		# shellcheck disable=SC2086
		/usr/sbin/postconf -c "$D-p" $args 2>/dev/null
		check_same "postconf $args: file identical to Postfix's" \
		    "$D-m/main.cf" "$D-p/main.cf"
	done
	# value with spaces, given as one argument
	for who in m p; do cf "$D-$who" < "$C/submission.cf"; done
	mta postconf -c "$D-m" -e "smtpd_banner = \$myhostname  ESMTP " \
	    2>/dev/null
	/usr/sbin/postconf -c "$D-p" -e "smtpd_banner = \$myhostname  ESMTP " \
	    2>/dev/null
	check_same "postconf -e 'name = value with spaces'" \
	    "$D-m/main.cf" "$D-p/main.cf"
	# a file that does not end in a newline
	for who in m p; do
		printf 'a = 1\nrelayhost = x' > "$D-$who/main.cf"
	done
	mta postconf -c "$D-m" -e relayhost=y biff=no 2>/dev/null
	/usr/sbin/postconf -c "$D-p" -e relayhost=y 2>/dev/null
	/usr/sbin/postconf -c "$D-p" -e biff=no 2>/dev/null
	check_same "postconf -e on a file without a final newline" \
	    "$D-m/main.cf" "$D-p/main.cf"
	# the empty value prints as "name =", like Postfix
	printf 'relayhost =\n' | cf "$D-m"
	check_out "empty value prints as 'name ='" \
	    "$(/usr/sbin/postconf -c "$D-m" relayhost 2>/dev/null)" \
	    mta postconf -c "$D-m" relayhost
fi

# --- behaviour without Postfix ---------------------------------------------

check_exit "--help exits 0" 0 mta postconf --help
check "--help prints usage on stdout" grep -q '^usage: postconf' "$T/.out"
check_exit "unknown option is a usage error" 64 mta postconf -Z

# no main.cf at all: compiled defaults, exit 0
rm -f "$MAIL_CONFIG/main.cf"
check_exit "no main.cf: postconf works" 0 mta postconf
check "no main.cf: prints the defaults" \
    grep -q '^message_size_limit = 10240000$' "$T/.out"
check_out "no main.cf: -n lists only config_directory" \
    "config_directory = $MAIL_CONFIG" mta postconf -n
check_out "-d message_size_limit" "message_size_limit = 10240000" \
    mta postconf -d message_size_limit
check_out "-d lists every compiled parameter" \
    "$(grep -c '^PARAM(' "$TOP/config.def.h")" \
    sh -c '"$MTA" postconf -d | wc -l | tr -d " "'
check_out "sendmail_relay exists, empty by default" "sendmail_relay =" \
    mta postconf -d sendmail_relay
check "mydomain is computed" sh -c \
    '"$MTA" postconf -h mydomain | grep -q "^[a-z0-9.-]*[a-z]$"'
check "mynetworks includes the loopback" sh -c \
    '"$MTA" postconf -h mynetworks | grep -q "127.0.0.1/32"'

# MAIL_CONFIG and -c
printf 'relayhost = [env.example]\n' > "$MAIL_CONFIG/main.cf"
mkdir -p "$T/other"
printf 'relayhost = [opt.example]\n' > "$T/other/main.cf"
check_out "MAIL_CONFIG is honoured" "[env.example]" mta postconf -h relayhost
check_out "-c beats MAIL_CONFIG" "[opt.example]" \
    mta postconf -c "$T/other" -h relayhost
check_out "-c with -n shows config_directory like Postfix" \
    "config_directory = $T/other
relayhost = [opt.example]" mta postconf -c "$T/other" -n

# named parameters, -h, -H, -x, order kept, unknown names
cat > "$MAIL_CONFIG/main.cf" <<'EOF'
site = example.org
myhostname = mx.$site
relayhost =
smtpd_banner = $myhostname   ESMTP
stray_param = 1
message_size_limit = 2048
EOF
check_out "named parameters in the order given" "relayhost =
myhostname = mx.\$site" mta postconf relayhost myhostname
check_out "-h prints values only" "mx.\$site" mta postconf -h myhostname
check_out "-hx expands" "mx.example.org" mta postconf -hx myhostname
check_out "-H prints names only" "relayhost" mta postconf -H relayhost
check_out "white space in values collapsed as Postfix" \
    "smtpd_banner = \$myhostname ESMTP" mta postconf smtpd_banner
check_out "user parameter used as \$site is known" "site = example.org" \
    mta postconf site
check_exit "unknown parameter: exit 0 as Postfix" 0 mta postconf no_such_param
check_err "unknown parameter: warning" \
    '^postconf: warning: no_such_param: unknown parameter$' \
    mta postconf no_such_param
check_err "unused parameter: warning names file and line" \
    "warning: $MAIL_CONFIG/main.cf, line 5: unused parameter: stray_param=1" \
    mta postconf -n
check "unused parameter is not listed by -n" \
    sh -c '! "$MTA" postconf -n 2>/dev/null | grep -q stray_param'
check_out "-o overrides" "relayhost = [o.example]" \
    mta postconf -o relayhost=[o.example] relayhost
check_out "-m lists cdb" "cdb" sh -c '"$MTA" postconf -m | grep -x cdb'
check_out "-m lists regexp" "regexp" sh -c '"$MTA" postconf -m | grep -x regexp'

# bad lines and bad values
printf 'myhostname = a\nbad line here\n' > "$MAIL_CONFIG/main.cf"
check_exit "a line without = is fatal" 1 mta postconf -n
msg="missing '=' after attribute name: \"bad line here\""
check_err "a line without = names file and line" \
    "fatal: $MAIL_CONFIG/main.cf, line 2: $msg" \
    mta postconf -n
printf 'message_size_limit = 12abc\n' > "$MAIL_CONFIG/main.cf"
check_out "postconf shows a bad value without judging it" \
    "message_size_limit = 12abc" mta postconf message_size_limit
check_err "bad number rejected naming the parameter" \
    'fatal: bad numerical configuration: message_size_limit = 12abc' \
    mta postmap -q x static:y
check_exit "bad number: the program stops (exit 1)" 1 mta postmap -q x static:y
printf 'message_size_limit = -1\n' > "$MAIL_CONFIG/main.cf"
check_err "negative size rejected" \
    'fatal: invalid message_size_limit parameter value -1 < 0' \
    mta postmap -q x static:y
printf 'maximal_queue_lifetime = 5x\n' > "$MAIL_CONFIG/main.cf"
check_err "bad time unit rejected" \
    'fatal: parameter maximal_queue_lifetime: bad time value or unit: 5x' \
    mta postmap -q x static:y
printf 'smtpd_timeout = 0\n' > "$MAIL_CONFIG/main.cf"
check_err "time below its minimum rejected" \
    'fatal: invalid smtpd_timeout: 0 \(min 1\)' mta postmap -q x static:y
printf 'disable_dns_lookups = maybe\n' > "$MAIL_CONFIG/main.cf"
check_err "bad boolean rejected" \
    'fatal: bad boolean configuration: disable_dns_lookups = maybe' \
    mta postmap -q x static:y
printf 'disable_dns_lookups = YES\nsmtpd_timeout = 5m\n' \
    > "$MAIL_CONFIG/main.cf"
check_out "good values accepted" "y" mta postmap -q x static:y
printf 'a = $b\nb = $a\nsmtpd_restriction_classes = a b\n' \
    > "$MAIL_CONFIG/main.cf"
check_exit "expansion loop: -x is fatal" 1 mta postconf -x a
check_err "expansion loop: error names the parameter" \
    'fatal: parameter a: unreasonable macro call nesting' mta postconf -x a
printf 'myhostname = ${oops\n' > "$MAIL_CONFIG/main.cf"
check_err "truncated \${ reported" 'truncated macro reference' \
    mta postconf -x myhostname

# -e creates main.cf, keeps the mode, leaves no temporary file
rm -f "$MAIL_CONFIG/main.cf"
check "-e creates a missing main.cf" mta postconf -e relayhost=[a.example]
check_out "-e created the entry" "relayhost = [a.example]" \
    cat "$MAIL_CONFIG/main.cf"
chmod 640 "$MAIL_CONFIG/main.cf"
mta postconf -e relayhost=[b.example] myorigin=example.com
check_out "-e keeps the file mode" "640" stat -c %a "$MAIL_CONFIG/main.cf"
check "-e leaves no main.cf.tmp" test ! -e "$MAIL_CONFIG/main.cf.tmp"
check_out "-e replaced in place and appended" "relayhost = [b.example]
myorigin = example.com" cat "$MAIL_CONFIG/main.cf"
check_exit "-e without = is fatal" 1 mta postconf -e relayhost
check_out "-e without = leaves the file alone" "relayhost = [b.example]
myorigin = example.com" cat "$MAIL_CONFIG/main.cf"
mta postconf -X relayhost
check_out "-X removes" "myorigin = example.com" cat "$MAIL_CONFIG/main.cf"
mta postconf -'#' myorigin
check_out "-# comments out" "#myorigin = example.com" \
    cat "$MAIL_CONFIG/main.cf"
