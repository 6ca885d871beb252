# MIT licence: see LICENSE.
#
# t-params.sh - no parameter that postconf shows is silently ignored.
#
# Every PARAM row of config.def.h must be read by some code, or be on
# the no-op list (config.def.h's NOOP rows, which master and `postfix
# check` warn about).  "Read" is, precisely (first match wins):
#   1. P_name appears in applets/, lib/ (*.[ch]) or mta.c (conf_str,
#      conf_int, conf_bool, conf_time, conf_rows[P_name]);
#   2. the literal "name" appears there (the tables of names handed to
#      conf_get(), maps_open() and match_init(): lib/check/check.c, addr.c);
#   3. conf_alias_prefix("FROM", "TO") appears there and name is
#      TO<rest>, FROM<rest> is read and of the same type (lmtp_* read
#      through smtp_*; the longest TO wins, as conf.c does);
#   4. name is <transport>_SUFFIX where qmgr.c calls
#      param_int(transport, "SUFFIX") (per-transport limits);
#   5. $name, ${name} or $(name) is in the default of a row read by
#      1-5 (unknown_address_tempfail_action = $reject_tempfail_action).
# A no-op row that some code reads fails too: the list must stay true.
# Then: main.cf setting a no-op to a value other than its default makes
# `postfix check` and master warn, naming it, once; its default does not.
. "${TOP:-.}/tests/lib.sh"

cd "$TOP" || exit 2
SRC="applets/*.c applets/*/*.[ch] lib/*.[ch] lib/*/*.[ch] mta.c"

# rows: "name TYPE" of each PARAM row; defaults: "name<TAB>default text"
sed -n 's/^PARAM(\([a-z0-9_]*\), *\([A-Z]*\),.*/\1 \2/p' config.def.h \
    > "$T/rows"
awk '/^PARAM\(/ { if (r != "") print r; r = $0; next }
    r != "" && /^[ \t]/ { r = r " " $0; next }
    { if (r != "") print r; r = "" }
    END { if (r != "") print r }' config.def.h |
    sed -n 's/^PARAM(\([a-z0-9_]*\), *[A-Z]*, *\(.*\)$/\1	\2/p' \
    > "$T/defaults"
sed -n 's/^NOOP(\([a-z0-9_]*\),.*/\1/p' config.def.h > "$T/noops"
cat $SRC > "$T/src"
grep -o 'P_[a-z0-9_]*' "$T/src" | sed 's/^P_//' | sort -u > "$T/pnames"
grep -o '"[a-z0-9_]*"' "$T/src" | tr -d '"' | sort -u > "$T/literals"
sed -n 's/.*conf_alias_prefix("\([a-z0-9_]*\)", *"\([a-z0-9_]*\)").*/\1 \2/p' \
    "$T/src" > "$T/aliases"
tr '\n\t' '  ' < applets/qmgr/qmgr.c |
    grep -o 'param_int([a-z_]*, *"[a-z_]*"' |
    sed 's/.*"\(.*\)"/\1/' > "$T/suffixes"

check "the rows are found" test "$(wc -l < "$T/rows")" -gt 300
check "the no-op list is found" test "$(wc -l < "$T/noops")" -gt 10
check "qmgr's per-transport suffixes are found" test -s "$T/suffixes"
check "the alias prefixes are found" test -s "$T/aliases"

# read: the set of read names, by rules 1-5
awk -v pn="$T/pnames" -v lit="$T/literals" -v al="$T/aliases" \
    -v sf="$T/suffixes" -v df="$T/defaults" '
BEGIN {
	while ((getline l < pn) > 0) direct[l] = 1
	while ((getline l < lit) > 0) direct[l] = 1
	na = 0
	while ((getline l < al) > 0) { split(l, f, " "); from[na] = f[1]; to[na++] = f[2] }
	ns = 0
	while ((getline l < sf) > 0) suf[ns++] = l
	while ((getline l < df) > 0) { i = index(l, "\t"); def[substr(l, 1, i - 1)] = substr(l, i + 1) }
}
{ type[$1] = $2; names[n++] = $1 }
END {
	for (i = 0; i < n; i++) {
		nm = names[i]
		if (nm in direct) { rd[nm] = 1; continue }
		best = -1; bl = 0
		for (k = 0; k < na; k++)
			if (index(nm, to[k]) == 1 && length(to[k]) > bl) { best = k; bl = length(to[k]) }
		if (best >= 0) {
			s = from[best] substr(nm, bl + 1)
			if ((s in direct) && type[s] == type[nm]) { rd[nm] = 1; continue }
		}
		for (k = 0; k < ns; k++) {
			sl = length(suf[k]) + 1
			if (length(nm) > sl && substr(nm, length(nm) - sl + 1) == "_" suf[k]) { rd[nm] = 1; break }
		}
	}
	do {
		more = 0
		for (i = 0; i < n; i++) {
			nm = names[i]
			if (!(nm in rd)) continue
			d = def[nm]
			while (match(d, /\$[({]?[a-z0-9_]+/)) {
				r = substr(d, RSTART + 1, RLENGTH - 1)
				sub(/^[({]/, "", r)
				d = substr(d, RSTART + RLENGTH)
				if ((r in type) && !(r in rd)) { rd[r] = 1; more = 1 }
			}
		}
	} while (more)
	for (nm in rd) print nm
}' "$T/rows" | sort > "$T/read"
cut -d' ' -f1 "$T/rows" | sort > "$T/all"
sort "$T/noops" > "$T/noops.s"
comm -23 "$T/all" "$T/read" > "$T/unread"

bad=$(comm -23 "$T/unread" "$T/noops.s" | tr '\n' ' ')
check "every parameter is read by some code or is a listed no-op${bad:+ (unread: $bad)}" \
    test -z "$bad"
stale=$(comm -12 "$T/read" "$T/noops.s" | tr '\n' ' ')
check "no listed no-op is read by some code${stale:+ (read: $stale)}" \
    test -z "$stale"
unknown=$(comm -23 "$T/noops.s" "$T/all" | tr '\n' ' ')
check "every no-op is a parameter${unknown:+ (not: $unknown)}" \
    test -z "$unknown"
check "the no-op list is sorted" sh -c "sort -c '$T/noops'"
# rule 3 is what conf.c does: it must see lmtp_* through smtp_*
check "rule 3 finds lmtp_connect_timeout" grep -qx lmtp_connect_timeout \
    "$T/read"
check "rule 4 finds local_destination_concurrency_limit" \
    grep -qx local_destination_concurrency_limit "$T/read"
check "rule 5 finds reject_tempfail_action" \
    grep -qx reject_tempfail_action "$T/read"

# --- the warning ------------------------------------------------------------
Q=$T/q
cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
data_directory = $T/data
alias_maps =
maillog_file = $T/maillog
hash_queue_depth = 2
biff = YES
max_use = 100
content_filter = smtp:[127.0.0.1]:10025
EOF
mkqueue
"$MTA" postfix -c "$T/etc" set-permissions >/dev/null 2>&1
"$MTA" postfix -c "$T/etc" check > "$T/check.out" 2>&1
check "postfix check warns about hash_queue_depth = 2, naming file and line" \
    grep -q "main.cf, line 5: hash_queue_depth = 2 has no effect in mta: mta's queue directories are not hashed" \
    "$T/check.out"
check "postfix check warns about content_filter" \
    grep -q "content_filter = smtp:\[127.0.0.1\]:10025 has no effect in mta: not implemented" \
    "$T/check.out"
check "no warning for a no-op at its default (biff = YES, max_use = 100)" \
    sh -c "! grep -E 'biff|max_use' '$T/check.out'"

# master: once at start, not per service process
MPID=
stop_master() {
	"$MTA" postfix -c "$T/etc" stop >/dev/null 2>&1
}
trap 'stop_master; rm -rf "$T"' EXIT
printf '%s\n' "pickup fifo n - n 60 1 pickup" \
    "qmgr fifo n - n 300 1 qmgr" "cleanup unix n - n - 0 cleanup" \
    > "$T/etc/master.cf"
: > "$T/maillog"
if "$MTA" postfix -c "$T/etc" start >/dev/null 2>&1 &&
    waitfor "$T/maillog" "daemon started" 5; then
	"$MTA" sendmail -C "$T/etc" -f a@example.com b@example.com \
	    < /dev/null >/dev/null 2>&1
	sleep 1
	n=$(grep -c 'hash_queue_depth = 2 has no effect' "$T/maillog")
	check "master warns once at start (saw $n)" test "$n" = 1
	check "the warning is master's" grep -Eq \
	    'master\[[0-9]+\]: warning: .*hash_queue_depth = 2 has no effect' \
	    "$T/maillog"
	"$MTA" postfix -c "$T/etc" reload >/dev/null 2>&1
	waitfor "$T/maillog" "reload --" 5
	sleep 0.5
	n=$(grep -c 'hash_queue_depth = 2 has no effect' "$T/maillog")
	check "and once more at reload (saw $n)" test "$n" = 2
else
	fail "master starts" "$(tail -n 3 "$T/maillog" | tr '\n' '|')"
fi
stop_master
