# MIT licence: see LICENSE.
#
# t-postalias.sh - postalias and newaliases, differential against Debian's
# Postfix (postalias with postfix-cdb).
#
# For every aliases file tests/tables/aliases/NAME.aliases: both programs
# build NAME.cdb from the same text; they must warn alike, store the same
# entries, answer `-q KEY` alike for every stored key and for the probes
# in NAME.keys, and each must read the table the other wrote.  Then -q -,
# -N, -i, -d, -s, newaliases with alias_database in a scratch main.cf,
# and the errors: an unreadable file fails, names the file and leaves the
# old table in place.
. "$TOP/tests/lib.sh"

D=$TOP/tests/tables/aliases
mkdir -p "$T/src" "$T/m" "$T/p"

if ! have_postfix || [ ! -x /usr/sbin/postalias ]; then
	fail "postfix present" "Debian's postfix and postfix-cdb are needed"
	exit 1
fi

# same_q NAME KEY TABLE_M TABLE_P: -q KEY prints and exits alike
same_q() {
	name=$1; key=$2
	mo=$(mta postalias -q "$key" "$3" 2>"$T/m.err"); mrc=$?
	po=$(pf postalias -q "$key" "$4" 2>"$T/p.err"); prc=$?
	if [ "$mrc" = "$prc" ] && [ "$mo" = "$po" ]; then
		ok "$name"
	else
		fail "$name" "mta [$mo] exit $mrc, postfix [$po] exit $prc;" \
		    "mta stderr: $(head -c 200 "$T/m.err")"
	fi
}

for f in "$D"/*.aliases; do
	n=$(basename "$f" .aliases)
	cp "$f" "$T/src/$n"
	# Postfix first, from the same path, so the warnings name the same file
	pf postalias "cdb:$T/src/$n" 2>"$T/p.$n.err"
	mv "$T/src/$n.cdb" "$T/p/$n.cdb"
	mta postalias "cdb:$T/src/$n" 2>"$T/m.$n.err"; rc=$?
	mv "$T/src/$n.cdb" "$T/m/$n.cdb" 2>/dev/null
	if [ "$rc" = 0 ] && [ -s "$T/m/$n.cdb" ]; then ok "$n: builds"
	else fail "$n: builds" "exit $rc: $(head -c 300 "$T/m.$n.err")"; fi
	sed 's/^[a-z]*: //' "$T/p.$n.err" > "$T/p.$n.err2"
	# mta also says once per file that it ignores a CR (Postfix is silent)
	if grep -q "$(printf '\r')\$" "$f"; then
		check "$n: CRLF is reported with file and line" grep -Eq \
		    "line [0-9]+: CRLF line ending" "$T/m.$n.err"
	fi
	grep -v ': CRLF line ending: ' "$T/m.$n.err" |
	    sed 's/^[a-z]*: //' > "$T/m.$n.err2"
	check_same "$n: same warnings as postalias" "$T/p.$n.err2" \
	    "$T/m.$n.err2"

	# the stored entries: mta lists both files (Postfix cannot list cdb)
	mta postalias -s "cdb:$T/p/$n" 2>/dev/null |
	    grep -v '^YP_LAST_MODIFIED:' | sort > "$T/p.$n.s"
	mta postalias -s "cdb:$T/m/$n" 2>/dev/null |
	    grep -v '^YP_LAST_MODIFIED:' | sort > "$T/m.$n.s"
	if [ -s "$T/p.$n.s" ]; then
		check_same "$n: same entries stored" "$T/p.$n.s" "$T/m.$n.s"
	else
		fail "$n: same entries stored" "mta cannot list Postfix's table"
	fi
	if grep -q '^@:	@$' "$T/m.$n.s"; then ok "$n: has the @ -> @ entry"
	else fail "$n: has the @ -> @ entry" "missing from mta's table"; fi

	# every stored key, then the probes (case, absent keys)
	{ sed 's/:	.*//' "$T/p.$n.s"; cat "$D/$n.keys" 2>/dev/null; } |
	    sort -u > "$T/$n.keys"
	while IFS= read -r k; do
		same_q "$n: -q '$k'" "$k" "cdb:$T/m/$n" "cdb:$T/p/$n"
	done < "$T/$n.keys"

	# each reads the other's table
	mta postalias -q - "cdb:$T/p/$n" < "$T/$n.keys" > "$T/mp.$n" 2>&1
	pf postalias -q - "cdb:$T/p/$n" < "$T/$n.keys" > "$T/pp.$n" 2>&1
	pf postalias -q - "cdb:$T/m/$n" < "$T/$n.keys" > "$T/pm.$n" 2>&1
	if [ -s "$T/pp.$n" ]; then
		check_same "$n: mta reads Postfix's table" "$T/pp.$n" "$T/mp.$n"
		check_same "$n: Postfix reads mta's table" "$T/pp.$n" "$T/pm.$n"
	else
		fail "$n: -q - lists found keys" "Postfix printed nothing"
	fi
done

# --- query details ---------------------------------------------------------
A=$T/m/debian
check_out "-q is case-insensitive" "admin" mta postalias -q ROOT "cdb:$A"
check_exit "-q of a missing key exits 1" 1 \
    mta postalias -q no-such-alias "cdb:$A"
check_out "-q searches the tables in order" "root" \
    mta postalias -q postmaster "cdb:$T/m/include" "cdb:$A"
check_out "-q - prints key:<tab>value for found keys" \
    "$(printf 'root:\tadmin\nNoBody:\troot')" \
    sh -c "printf 'root\nnot-there\nNoBody\n' |
	\"$MTA\" postalias -q - cdb:$A"
check_exit "-q of a missing table fails" 1 \
    mta postalias -q root "cdb:$T/nonexistent"
check_err "-q of a missing table names it" "$T/nonexistent.cdb" \
    mta postalias -q root "cdb:$T/nonexistent"
check_out "hash: means cdb" "admin" mta postalias -q root "hash:$A"
check_out "a bare file name means cdb" "admin" mta postalias -q root "$A"

# -N: keys and values with a NUL, read by both
cp "$D/debian.aliases" "$T/nul"
mta postalias -N "cdb:$T/nul" 2>/dev/null
check_out "-N table read by Postfix" "admin" pf postalias -q root "cdb:$T/nul"
check_out "-N table read by mta" "admin" mta postalias -q root "cdb:$T/nul"
check_exit "-n lookup does not see NUL-terminated keys" 1 \
    mta postalias -n -q root "cdb:$T/nul"
pf postalias -N "cdb:$T/nul" 2>/dev/null
check_out "Postfix -N table read by mta" "admin" \
    mta postalias -q root "cdb:$T/nul"

# -f: no case folding
cp "$D/debian.aliases" "$T/keep"
printf 'MixedCase: x\n' >> "$T/keep"
mta postalias -f "cdb:$T/keep" 2>/dev/null
check_out "-f keeps the case of names" "x" \
    mta postalias -f -q MixedCase "cdb:$T/keep"
check_exit "-f: the folded name is not there" 1 \
    mta postalias -f -q mixedcase "cdb:$T/keep"

# -s lists every entry
check_out "-s lists the entries" "root:	admin" \
    sh -c "\"$MTA\" postalias -s cdb:$A | grep '^root:'"

# -i: entries from stdin join and replace
cp "$D/debian.aliases" "$T/inc"
mta postalias "cdb:$T/inc" 2>/dev/null
printf 'newname: somebody\nroot: replaced\n' |
    mta postalias -i "cdb:$T/inc" 2>"$T/.err"
check_out "-i adds an entry" "somebody" pf postalias -q newname "cdb:$T/inc"
check_out "-i replaces an entry" "replaced" pf postalias -q root "cdb:$T/inc"
check_out "-i keeps the others" "root" pf postalias -q abuse "cdb:$T/inc"
check_out "-i keeps @ -> @" "@" mta postalias -q @ "cdb:$T/inc"
printf 'root: ignored\n' | mta postalias -i -w "cdb:$T/inc" 2>/dev/null
check_out "-i -w keeps an existing entry" "replaced" \
    mta postalias -q root "cdb:$T/inc"

# -d: delete
check_exit "-d of a present key exits 0" 0 mta postalias -d root "cdb:$T/inc"
check_exit "-d: the key is gone" 1 pf postalias -q root "cdb:$T/inc"
check_out "-d: the others stay" "root" pf postalias -q abuse "cdb:$T/inc"
check_exit "-d of an absent key exits 1" 1 \
    mta postalias -d no-such-key "cdb:$T/inc"
printf 'ABUSE\nnoc\n' | mta postalias -d - "cdb:$T/inc" 2>/dev/null
check_exit "-d - deletes the keys from stdin (folded)" 1 \
    mta postalias -q abuse "cdb:$T/inc"
check_exit "-d - deletes every key listed" 1 mta postalias -q noc "cdb:$T/inc"

# --- errors ----------------------------------------------------------------
check_exit "missing file: exit 1" 1 mta postalias "cdb:$T/no-such-file"
check_err "missing file: named, as Postfix" \
    "open $T/no-such-file: No such file or directory" \
    mta postalias "cdb:$T/no-such-file"
mkdir "$T/adir"
check_exit "a directory as the file: exit 1" 1 mta postalias "cdb:$T/adir"
cp "$D/debian.aliases" "$T/keepold"
mta postalias "cdb:$T/keepold" 2>/dev/null
rm "$T/keepold"
mkdir "$T/keepold"
mta postalias "cdb:$T/keepold" 2>/dev/null
check_out "a failed build leaves the old table" "admin" \
    mta postalias -q root "cdb:$T/keepold"
check_exit "regexp: cannot be built" 1 mta postalias "regexp:$A"
check_exit "no file: usage, exit 1" 1 mta postalias
U="usage: postalias [-Nfinoprsuvw] [-c config_dir] [-d key] [-q key]"
check_out "--help: usage on stdout" "$U [map_type:]file..." \
    mta postalias --help
check_exit "--help: exit 0" 0 mta postalias --help

# the table takes the text file's permissions unless -p
cp "$D/debian.aliases" "$T/perm"
chmod 640 "$T/perm"
mta postalias "cdb:$T/perm" 2>/dev/null
check_out "table mode follows the text file" "640" stat -c %a "$T/perm.cdb"
mta postalias -p "cdb:$T/perm" 2>/dev/null
check_out "-p: table mode 644" "644" stat -c %a "$T/perm.cdb"

# --- newaliases ----------------------------------------------------------
cp "$D/debian.aliases" "$T/a1"
cp "$D/pipes.aliases" "$T/a2"
printf 'alias_database = cdb:%s/a1, hash:%s/a2\n' "$T" "$T" > "$T/etc/main.cf"
check_exit "newaliases: exit 0" 0 mta newaliases
check_out "newaliases builds the first table" "admin" \
    pf postalias -q root "cdb:$T/a1"
check_out "newaliases builds the second (hash: as cdb)" \
    '|"/usr/local/bin/bug-tracker --queue main"' \
    pf postalias -q bugs "cdb:$T/a2"
printf 'root: changed\n' > "$T/a1"
mta newaliases 2>/dev/null
check_out "newaliases rebuilds" "changed" mta postalias -q root "cdb:$T/a1"
printf 'alias_database = cdb:%s/gone, cdb:%s/a2\n' "$T" "$T" \
    > "$T/etc/main.cf"
check_exit "newaliases: unreadable file fails" 1 mta newaliases
check_err "newaliases: the message names the file" "$T/gone" mta newaliases
# -C wins over $MAIL_CONFIG (which points at a decoy table)
mkdir -p "$T/etc2"
cp "$D/debian.aliases" "$T/a3"
cp "$D/debian.aliases" "$T/decoy"
printf 'alias_database = cdb:%s/a3\n' "$T" > "$T/etc/main.cf"
printf 'alias_database = cdb:%s/decoy\n' "$T" > "$T/etc2/main.cf"
env MAIL_CONFIG="$T/etc2" "$MTA" newaliases -C "$T/etc/main.cf" 2>/dev/null
if [ -f "$T/a3.cdb" ] && [ ! -f "$T/decoy.cdb" ]; then
	ok "newaliases -C FILE reads that main.cf"
else
	fail "newaliases -C FILE reads that main.cf" "built the wrong table"
fi
# the compiled defaults name the type newaliases builds, so a plain
# newaliases is quiet; alias_maps reads what alias_database builds
def=$(mta postconf -dh alias_database)
check_out "default alias_database is cdb:" "cdb:/etc/aliases" echo "$def"
check_out "default alias_maps is alias_database" "$def" \
    mta postconf -dh alias_maps
cp "$D/debian.aliases" "$T/def"
printf 'alias_database = %s\n' "$(echo "$def" | sed "s|/etc/aliases|$T/def|")" \
    > "$T/etc/main.cf"
mta newaliases > "$T/na.out" 2>&1; rc=$?
if [ "$rc" = 0 ] && [ ! -s "$T/na.out" ] && [ -f "$T/def.cdb" ]; then
	ok "newaliases with the default table type: quiet, exit 0"
else
	fail "newaliases with the default table type: quiet, exit 0" \
	    "exit $rc: $(head -c 200 "$T/na.out")"
fi
check_out "newaliases --help: usage on stdout" \
    "usage: newaliases [-C config_file_or_dir] [-v]" mta newaliases --help
check_exit "newaliases --help: exit 0" 0 mta newaliases --help
