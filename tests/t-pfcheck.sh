# MIT licence: see LICENSE.
#
# t-pfcheck.sh - `postfix check` opens every table the configuration
# names (table parameters, restriction lists and classes, match lists,
# master.cf -o overrides) and reports each bad line with its file and
# line, and each table that cannot be opened; any of them makes it exit
# 1.  Postfix's postfix check opens no table: mta means to do better.
# Sockets (check_policy_service, milters) are not taken for tables.
. "${TOP:-.}/tests/lib.sh"

Q=$T/q
base() {
	cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
data_directory = $T/data
mail_owner = $(id -un)
alias_maps =
smtpd_milters = unix:/run/nonesuch.sock, inet:127.0.0.1:8891
mynetworks = 127.0.0.0/8 [::1]/128 2001:db8::/32 fe80::1
smtpd_client_restrictions = check_policy_service unix:private/policy,
    check_policy_service inet:127.0.0.1:9998, permit
EOF
	printf 'smtp inet n - n - - smtpd\n' > "$T/etc/master.cf"
}
base
mta postfix set-permissions 2>/dev/null
check_exit "clean configuration: 0" 0 mta postfix check
if grep -q 'cannot be opened\|warnings\? above' "$T/.err"; then
	fail "sockets and networks are not tables" "$(head -c 400 "$T/.err")"
else
	ok "sockets and networks are not tables"
fi

printf '/^ok$/ OK\n/a(b/ X\n/^x$/q Y\n' > "$T/hc.re"
printf '10.0.0.0/8 OK\n1.2.3.4/24 bad\n' > "$T/client.cidr"
printf '/^ok$/ OK\n!/(a)/ $1\n' > "$T/class.re"
printf '/^ok$/ OK\nfoo bar\n' > "$T/over.re"
printf 'good value\nkeyonly\n' > "$T/th.txt"
printf '/^ok$/ OK\n' > "$T/good.re"
base
cat >> "$T/etc/main.cf" <<EOF
header_checks = regexp:$T/hc.re
mime_header_checks = \$header_checks
smtpd_sender_restrictions = check_client_access cidr:$T/client.cidr
smtpd_restriction_classes = myclass
myclass = check_sender_access regexp:$T/class.re
canonical_maps = texthash:$T/th.txt
virtual_alias_maps = hash:$T/nonesuch
body_checks = pcre:$T/body.pcre
sender_canonical_maps = regexp:$T/good.re
EOF
cat >> "$T/etc/master.cf" <<EOF
submission inet n - n - - smtpd
  -o smtpd_recipient_restrictions=check_recipient_access,regexp:$T/over.re
EOF
check_exit "bad tables: exit 1" 1 mta postfix check
cp "$T/.err" "$T/check.err"

# has_err NAME PATTERN: the check's stderr matches grep -E PATTERN
has_err() { has "$1" "$2" "$T/check.err"; }

has_err "regexp: bad pattern, with file and line" \
    "warning: regexp map $T/hc\\.re, line 2: "
has_err "regexp: bad flag, with file and line" \
    "warning: regexp map $T/hc\\.re, line 3: unknown regexp option \"q\": skipping this rule"
has_err "regexp: the parameter that names it" \
    "warning: header_checks: table regexp:$T/hc\\.re: 2 warnings above"
n=$(grep -c "regexp map $T/hc.re, line" "$T/check.err")
if [ "$n" = 2 ]; then ok "a table named twice is read once"
else fail "a table named twice is read once" "$n lines for hc.re"; fi
has_err "cidr in a restriction list" \
    "warning: cidr map $T/client\\.cidr, line 2: non-null host address bits"
has_err "cidr: the parameter" \
    "smtpd_sender_restrictions: table cidr:$T/client\\.cidr: 1 warning above"
has_err "restriction class" \
    "regexp map $T/class\\.re, line 2: \\\$number found in negative match"
has_err "restriction class: its name" "myclass: table regexp:$T/class\\.re"
has_err "master.cf -o override" \
    "regexp map $T/over\\.re, line 2: ignoring unrecognized request"
has_err "master.cf -o: service and line" \
    "master\\.cf, line 2: service submission: -o smtpd_recipient_restrictions: table regexp:$T/over\\.re: 1 warning above"
has_err "texthash: a line without a value" "th\\.txt, line 2: "
has_err "a table that cannot be opened" \
    "virtual_alias_maps: table hash:$T/nonesuch cannot be opened: .*nonesuch\\.cdb"
has_err "a type mta does not have" \
    "body_checks: table pcre:$T/body\\.pcre cannot be opened: unsupported dictionary type: pcre"
if grep -q "good\\.re" "$T/check.err"; then
	fail "a good table is not mentioned" "$(grep good.re "$T/check.err")"
else
	ok "a good table is not mentioned"
fi

# fixed, the same configuration passes
printf '/^ok$/ OK\n/a(b)/ X\n/^x$/i Y\n' > "$T/hc.re"
printf '10.0.0.0/8 OK\n1.2.3.0/24 bad\n' > "$T/client.cidr"
printf '/^ok$/ OK\n!/(a)/ $$1\n' > "$T/class.re"
printf '/^ok$/ OK\n' > "$T/over.re"
printf 'good value\nkey only\n' > "$T/th.txt"
sed -i '/^virtual_alias_maps/d; /^body_checks/d' "$T/etc/main.cf"
check_exit "fixed tables: 0" 0 mta postfix check
