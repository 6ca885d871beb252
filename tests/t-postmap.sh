# MIT licence: see LICENSE.
#
# t-postmap.sh - postmap(1) and cdb: tables, differential against Debian's
# Postfix (postfix-cdb).
#
# For every table tests/tables/cdb/NAME.in: build it with mta and with
# Postfix, and check that the two NAME.cdb files are the same bytes, that
# the warnings are the same, that each program reads the other's file
# with the same answers on a key list (every key of the table, the same
# in upper case, and misses), and that mta's -s lists what Postfix's
# texthash: -s lists.  Then flags (-r -w -N -n -f), exit statuses, the
# updates mta adds (-i, -d on cdb), the other table types, and hostile
# input.
. "$TOP/tests/lib.sh"

D=$TOP/tests/tables/cdb
mkdir -p "$T/m" "$T/p"

if ! have_postfix; then
	fail "postfix installed" "Debian's postfix and postfix-cdb are needed"
	exit 1
fi

# keys NAME: the keys of a table source, their upper case, some misses
keys() {
	sed -n 's/^\([^#[:space:]][^[:space:]]*\).*/\1/p' "$1" | tr -d '\r' \
	    >"$T/k1"
	cat "$T/k1"
	tr '[:lower:]' '[:upper:]' <"$T/k1"
	printf 'no-such-key\n\nexample\n.\n'
}

# inm/inp CMD...: run in mta's or Postfix's build directory
inm() { (cd "$T/m" && "$@"); }
inp() { (cd "$T/p" && "$@"); }

for f in "$D"/*.in; do
	n=$(basename "$f" .in)
	cp "$f" "$T/m/$n"
	cp "$f" "$T/p/$n"
	inm mta postmap "cdb:$n" 2>"$T/$n.merr"; mrc=$?
	inp pf postmap "cdb:$n" 2>"$T/$n.perr"; prc=$?
	if [ "$mrc" = 0 ] && [ "$prc" = 0 ]; then ok "$n: both build"
	else fail "$n: both build" "mta exit $mrc, postfix exit $prc"; fi
	check_same "$n: same .cdb bytes as Postfix" "$T/p/$n.cdb" \
	    "$T/m/$n.cdb"
	# mta also says once per file that it ignores a CR (Postfix is silent)
	if grep -q "$(printf '\r')\$" "$f"; then
		check "$n: CRLF is reported with file and line" grep -Eq \
		    "^postmap: warning: $n, line [0-9]+: CRLF line ending" \
		    "$T/$n.merr"
	fi
	grep -v ': CRLF line ending: ' "$T/$n.merr" >"$T/$n.merr2"
	check_same "$n: same warnings as Postfix" "$T/$n.perr" "$T/$n.merr2"

	keys "$f" >"$T/$n.keys"
	# Postfix's answers from Postfix's file are the reference
	inp pf postmap -q - "cdb:$n" <"$T/$n.keys" >"$T/$n.pp" 2>/dev/null
	inm mta postmap -q - "cdb:../p/$n" <"$T/$n.keys" >"$T/$n.mp" \
	    2>"$T/$n.mperr"
	check_same "$n: mta reads Postfix's .cdb as Postfix does" \
	    "$T/$n.pp" "$T/$n.mp"
	inp pf postmap -q - "cdb:../m/$n" <"$T/$n.keys" >"$T/$n.pm" \
	    2>/dev/null
	check_same "$n: Postfix reads mta's .cdb as it reads its own" \
	    "$T/$n.pp" "$T/$n.pm"
	if [ -s "$T/$n.pp" ]; then ok "$n: key list finds something"
	else fail "$n: key list finds something" "empty $T/$n.pp"; fi

	# one -q KEY per key: output and exit status
	bad=
	while IFS= read -r k; do
		mo=$(inm mta postmap -q "$k" "cdb:../p/$n" 2>/dev/null)
		mrc=$?
		po=$(inp pf postmap -q "$k" "cdb:$n" 2>/dev/null); prc=$?
		[ "$mo" = "$po" ] && [ "$mrc" = "$prc" ] ||
		    bad="$bad [$k: mta $mrc '$mo', postfix $prc '$po']"
	done <"$T/$n.keys"
	if [ -z "$bad" ]; then ok "$n: -q KEY output and exit as Postfix"
	else fail "$n: -q KEY output and exit as Postfix" "$bad"; fi

	# Postfix cannot list a cdb table; its texthash: view is the reference
	inp pf postmap -s "texthash:$n" 2>/dev/null | sort >"$T/$n.ps"
	inm mta postmap -s "cdb:$n" 2>/dev/null | sort >"$T/$n.ms"
	check_same "$n: -s lists what Postfix's texthash: -s lists" \
	    "$T/$n.ps" "$T/$n.ms"
	inm mta postmap -s "texthash:$n" 2>/dev/null | sort >"$T/$n.mts"
	check_same "$n: texthash: -s as Postfix" "$T/$n.ps" "$T/$n.mts"
done

# duplicates and NUL forms under the flags that change them
for fl in -r -w -N -n -f -fr -Nw; do
	inm mta postmap $fl cdb:duplicates 2>"$T/m.err"
	inp pf postmap $fl cdb:duplicates 2>"$T/p.err"
	check_same "duplicates: postmap $fl same bytes" "$T/p/duplicates.cdb" \
	    "$T/m/duplicates.cdb"
	check_same "duplicates: postmap $fl same warnings" "$T/p.err" \
	    "$T/m.err"
done
inp pf postmap -N cdb:canonical
check_out "-N table: found by the default reader" "Administrator@Example.com" \
    mta postmap -q root "cdb:$T/p/canonical"
check_exit "-N table: not found with -n" 1 \
    mta postmap -n -q root "cdb:$T/p/canonical"
check_out "-N table: found with -N" "KeepThisCase" \
    mta postmap -N -q MIXEDCASE "cdb:$T/p/canonical"
inp pf postmap cdb:canonical
check_exit "plain table: not found with -N" 1 \
    mta postmap -N -q root "cdb:$T/p/canonical"
check_out "-f: no folding on the query" "" \
    mta postmap -f -q ROOT "cdb:$T/p/canonical"

# exit statuses and messages
check_exit "-q found: exit 0" 0 mta postmap -q alpha "cdb:$T/m/crlf"
check_exit "-q not found: exit 1" 1 mta postmap -q nope "cdb:$T/m/crlf"
check_exit "-q missing table: exit 1" 1 mta postmap -q x "cdb:$T/nonexist"
check_err "-q missing table: message as Postfix" \
    "^postmap: fatal: open database $T/nonexist.cdb: No such file" \
    mta postmap -q x "cdb:$T/nonexist"
check_exit "build from a missing file: exit 1" 1 mta postmap "cdb:$T/none"
check_err "build from a missing file: names it" "open $T/none: No such" \
    mta postmap "cdb:$T/none"
check_exit "no arguments: exit 1" 1 mta postmap
check_exit "bad option: exit 1" 1 mta postmap -Z "$T/m/crlf"
check_out "--help: usage on stdout" "usage: postmap [-bfFhimnNoprsuUvw] \
[-c config_dir] [-d key] [-q key] [map_type:]file..." mta postmap --help
check_err "-q and -s together" "specify only one" \
    mta postmap -q x -s "$T/m/crlf"
check_out "-q: the first table that has the key wins" "one" \
    mta postmap -q alpha "cdb:$T/m/crlf" "cdb:$T/nonexist"
check_exit "-q -: exit 1 when no key is found" 1 \
    sh -c 'echo nope | "$MTA" postmap -q - "cdb:$1"' sh "$T/m/crlf"
printf 'x 1\n' >"$T/corrupt.cdb"
check_exit "corrupt .cdb: exit 1" 1 mta postmap -q x "cdb:$T/corrupt"
check_exit "sequence on static: refused" 1 mta postmap -s static:x

# synonyms, proxy:, bare names
check_out "hash: reads the .cdb" "one" mta postmap -q alpha "hash:$T/m/crlf"
check_err "hash: says it uses cdb" "hash:$T/m/crlf: using cdb:" \
    mta postmap -q alpha "hash:$T/m/crlf"
check_out "proxy:btree: reads the .cdb" "one" \
    mta postmap -q alpha "proxy:btree:$T/m/crlf"
check_out "a bare name is cdb" "one" mta postmap -q alpha "$T/m/crlf"
check_err "unknown type" "unsupported dictionary type: nosuch" \
    mta postmap -q x nosuch:foo
cp "$D/access.in" "$T/bare"
mta postmap "$T/bare" 2>/dev/null
check_same "bare name builds NAME.cdb as Postfix's cdb:" \
    "$T/p/access.cdb" "$T/bare.cdb"
cp "$D/access.in" "$T/hashed"
mta postmap "hash:$T/hashed" 2>/dev/null
check_same "hash:NAME builds NAME.cdb" "$T/p/access.cdb" "$T/hashed.cdb"
check_err "texthash: cannot be built" "does not support bulk-mode" \
    mta postmap "texthash:$T/hashed"

# -i and -d: mta rebuilds the table, with Postfix's result for the same
# entries (Postfix cannot update a cdb table at all)
cp "$D/virtual.in" "$T/m/vi"
mta postmap "cdb:$T/m/vi"
printf 'new@example.com newuser\nsales@example.com not-replaced\n' \
    >"$T/add"
mta postmap -i "cdb:$T/m/vi" <"$T/add" 2>"$T/i.err"
cat "$D/virtual.in" "$T/add" >"$T/p/vi"
inp pf postmap cdb:vi 2>/dev/null
check_same "-i: same table as Postfix building old + new" \
    "$T/p/vi.cdb" "$T/m/vi.cdb"
if grep -q 'duplicate entry: "sales@example.com"' "$T/i.err"; then
	ok "-i: an existing key is kept, with a warning"
else fail "-i: an existing key is kept, with a warning" "$(cat "$T/i.err")"; fi
printf 'sales@example.com replaced\n' | mta postmap -r -i "cdb:$T/m/vi"
check_out "-i -r: replaces" "replaced" \
    mta postmap -q sales@example.com "cdb:$T/m/vi"
inp pf postmap -N cdb:vi 2>/dev/null
cp "$T/p/vi.cdb" "$T/m/vn.cdb"
printf 'more x\n' | mta postmap -i "cdb:$T/m/vn" 2>/dev/null
check_out "-i on a -N table keeps the NUL form" "x" \
    pf postmap -N -q more "cdb:$T/m/vn"
rm -f "$T/m/fresh.cdb"
printf 'k v\n' | mta postmap -i "cdb:$T/m/fresh"
check_out "-i creates a missing table" "v" mta postmap -q k "cdb:$T/m/fresh"

cp "$D/transport.in" "$T/m/tr"
mta postmap "cdb:$T/m/tr"
check_exit "-d KEY: exit 0 when found" 0 \
    mta postmap -d LISTS.example.org "cdb:$T/m/tr"
grep -v '^lists.example.org' "$D/transport.in" >"$T/p/tr"
inp pf postmap cdb:tr
check_same "-d: same table as Postfix building without the entry" \
    "$T/p/tr.cdb" "$T/m/tr.cdb"
check_exit "-d KEY: exit 1 when not found" 1 \
    mta postmap -d lists.example.org "cdb:$T/m/tr"
printf 'local.example\nnope\n*\n' >"$T/dk"
check_exit "-d -: keys from stdin" 0 \
    sh -c '"$MTA" postmap -d - "cdb:$1" <"$2"' sh "$T/m/tr" "$T/dk"
check_out "-d -: both entries gone" "" mta postmap -q local.example \
    "cdb:$T/m/tr"
check_out "-d -: the rest stays" "smtp:[mail.example.com]:587" \
    mta postmap -q example.com "cdb:$T/m/tr"

# the other table types, against Postfix
same() {
	name=$1; map=$2; key=$3
	mo=$(mta postmap -q "$key" "$map" 2>/dev/null); mrc=$?
	po=$(pf postmap -q "$key" "$map" 2>/dev/null); prc=$?
	if [ "$mrc" = "$prc" ] && [ "$mo" = "$po" ]; then ok "$name"
	else fail "$name" "mta [$mo] exit $mrc, postfix [$po] exit $prc"; fi
}
IN='inline:{ k=v, {k2=a , b}, { k3 = x y }, K4=Z }'
for k in k K2 k3 k4 k5; do same "inline: $k" "$IN" "$k"; done
same "inline: bad syntax" 'inline:{a = b}' a
same "inline: no braces" 'inline:a=b' a
same "static:" 'static:OK' anything
same "static:{...}" 'static:{ 550 go away }' anything
same "static: missing }" 'static:{ a b' x
same "unix:passwd.byname" unix:passwd.byname ROOT
same "unix:passwd.byname miss" unix:passwd.byname no-such-user
same "unix:group.byname" unix:group.byname root
same "unix: unknown map" unix:foo root
same "fail:" fail:x key
mta postmap -s "$IN" | sort >"$T/m.s"
pf postmap -s "$IN" | sort >"$T/p.s"
check_same "inline: -s as Postfix" "$T/p.s" "$T/m.s"
printf 'From: a@b\nSubject: hi\n there\n\nbody1\nbody2\n' >"$T/msg"
for fl in -h -b -hb; do
	mta postmap $fl -q - 'static:{x y}' <"$T/msg" >"$T/m.hb" 2>/dev/null
	pf postmap $fl -q - 'static:{x y}' <"$T/msg" >"$T/p.hb" 2>/dev/null
	check_same "postmap $fl -q -: keys from a message" "$T/p.hb" \
	    "$T/m.hb"
done

# permissions: the table gets the source's group/other read bits
cp "$D/sasl_passwd.in" "$T/m/sp"
chmod 600 "$T/m/sp"
mta postmap "cdb:$T/m/sp"
check_out "source mode 0600 gives a 0600 table" "600" \
    stat -c %a "$T/m/sp.cdb"
mta postmap -p "cdb:$T/m/sp"
check_out "-p: mode 0644 (umask 022)" "644" \
    sh -c 'umask 022; "$MTA" postmap -p "cdb:$1"; stat -c %a "$1.cdb"' \
    sh "$T/m/sp"
if ls "$T/m" | grep -q '\.tmp'; then
	fail "no temporary files left" "$(ls "$T/m")"
else ok "no temporary files left"; fi

# hostile input: a warning naming file and line, no crash, the good
# entries still there
printf 'good1 v1\nbad\000nul v\ngood2 v2\n' >"$T/h1"
check_err "NUL byte: warning with file and line" "$T/h1, line 2: .*NUL" \
    mta postmap "cdb:$T/h1"
check_out "NUL byte: the other lines built" "v2" \
    mta postmap -q good2 "cdb:$T/h1"
printf 'good1 v1\nbad \377\376 v\ngood2 v2\n' >"$T/h2"
check_err "bad UTF-8: warning with file and line" \
    "$T/h2, line 2: invalid UTF-8" mta postmap "cdb:$T/h2"
check_out "bad UTF-8: the other lines built" "v2" \
    mta postmap -q good2 "cdb:$T/h2"
{ echo "good1 v1"; printf 'long '; head -c 2097152 /dev/zero | tr '\0' x
  printf '\ngood2 v2\n'; } >"$T/h3"
check_err "2 MB line: warning with file and line" \
    "$T/h3, line 2: line longer than" mta postmap "cdb:$T/h3"
check_exit "2 MB line: exit 0" 0 mta postmap "cdb:$T/h3"
check_out "2 MB line: the other lines built" "v2" \
    mta postmap -q good2 "cdb:$T/h3"
printf 'a one\r\nb two\r\n  more\r\n' >"$T/h4"
check_exit "CRLF: exit 0" 0 mta postmap "cdb:$T/h4"
check_out "CRLF: no CR in values" "two  more" mta postmap -q b "cdb:$T/h4"
check_exit "-q - with a 2 MB key: not found, no crash" 1 \
    sh -c 'head -c 2097152 /dev/zero | tr "\0" x | "$MTA" postmap -q - "$1"' \
    sh "cdb:$T/h3"
