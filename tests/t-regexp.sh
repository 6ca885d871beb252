# MIT licence: see LICENSE.
#
# t-regexp.sh - regexp: tables, differential against Debian's Postfix.
#
# For every table tests/tables/regexp/NAME.re and every key in NAME.re.keys
# (one a line), `mta postmap -q KEY regexp:TABLE` must print what Postfix's
# postmap prints and exit as it exits.  Then the places where mta means to
# differ: a table with a bad rule does not open at all (Postfix skips the
# rule), and the error names file and line.
. "$TOP/tests/lib.sh"

D=$TOP/tests/tables/regexp

# same NAME TYPE:TABLE KEY: mta and Postfix agree on output and status
same() {
	name=$1; map=$2; key=$3
	mo=$(mta postmap -q "$key" "$map" 2>"$T/m.err"); mrc=$?
	po=$(pf postmap -q "$key" "$map" 2>"$T/p.err"); prc=$?
	if [ "$mrc" = "$prc" ] && [ "$mo" = "$po" ]; then
		ok "$name"
	else
		fail "$name" "mta [$mo] exit $mrc, postfix [$po] exit $prc;" \
		    "mta stderr: $(head -c 200 "$T/m.err")"
	fi
}

# refuses NAME TABLE LINE KEY: the lookup fails (not "not found": KEY
# would be found in what is left of the table) and the error names the
# file and the line
refuses() {
	name=$1; tab=$2; line=$3; key=$4
	out=$(mta postmap -q "$key" "regexp:$tab" 2>"$T/m.err"); rc=$?
	if [ "$rc" = 0 ] || [ -n "$out" ]; then
		fail "$name" "exit $rc, output [$out]: the table half loaded"
	elif ! grep -q -- "$(basename "$tab"), line $line:" "$T/m.err"; then
		fail "$name" "stderr [$(head -c 300 "$T/m.err")] does not" \
		    "name $(basename "$tab"), line $line"
	else
		ok "$name"
	fi
}

if ! have_postfix; then
	echo "# no Postfix in /usr/sbin: differential checks skipped"
else
	for tab in "$D"/*.re; do
		[ -f "$tab.keys" ] || continue
		t=$(basename "$tab")
		while IFS= read -r key; do
			same "regexp $t: $key" "regexp:$tab" "$key"
		done < "$tab.keys"
	done

	# keys with a newline: only m (REG_NEWLINE) lets ^ and $ see it
	nl='
'
	same "flags.re: m flag, key with newline" "regexp:$D/flags.re" \
	    "zero${nl}one"
	same "flags.re: no m flag, key with newline" "regexp:$D/flags.re" \
	    "two${nl}three"
	same "flags.re: no m, ^ does not match after newline" \
	    "regexp:$D/flags.re" "x${nl}Exact"

	# a missing ENDIF or a stray one is only a warning
	printf 'endif\nif /a/\n/b/ B\n' > "$T/unclosed.re"
	for key in ab b a; do
		same "unclosed IF: $key" "regexp:$T/unclosed.re" "$key"
	done
	check_err "unclosed IF warns with its line" \
	    'unclosed\.re, line 2: IF has no matching ENDIF' \
	    mta postmap -q ab "regexp:$T/unclosed.re"
	check_err "stray ENDIF warns with its line" \
	    'unclosed\.re, line 1: .*ENDIF without matching IF' \
	    mta postmap -q ab "regexp:$T/unclosed.re"
fi

# bad rules: the table does not half load (mta differs from Postfix here)
printf '/^first$/ FIRST\n# a comment\n/a(b/ X\n/^ok$/ OK\n' > "$T/badpat.re"
refuses "bad pattern: key after it" "$T/badpat.re" 3 ok
refuses "bad pattern: key before it" "$T/badpat.re" 3 first
printf '/^ok$/ OK\n/^(a)$/ [$2]\n' > "$T/badref.re"
refuses "\$2 with one group" "$T/badref.re" 2 ok
printf '/^ok$/ OK\n\n/^(a)$/ [$x]\n' > "$T/badname.re"
refuses "non-numeric \$x" "$T/badname.re" 3 ok
printf '/^ok$/ OK\n/^a$/ [$]\n' > "$T/baddollar.re"
refuses "lone \$" "$T/baddollar.re" 2 ok
printf '/^ok$/ OK\n/^a$/ [${1]\n' > "$T/badbrace.re"
refuses "unclosed \${" "$T/badbrace.re" 2 ok
printf '/^ok$/ OK\n/^(a)$/ [$0]\n' > "$T/badzero.re"
refuses "\$0" "$T/badzero.re" 2 ok
printf '/^ok$/ OK\n!/^(a)$/ [$1]\n' > "$T/badneg.re"
refuses "\$1 in a negated rule" "$T/badneg.re" 2 ok
printf '/^ok$/ OK\n/^a$/q X\n' > "$T/badflag.re"
refuses "unknown flag" "$T/badflag.re" 2 ok
printf '/^ok$/ OK\n/^a X\n' > "$T/baddelim.re"
refuses "no closing delimiter" "$T/baddelim.re" 2 ok
printf '/^ok$/ OK\nrewrite /a/ b\n' > "$T/badreq.re"
refuses "unrecognized request" "$T/badreq.re" 2 ok
printf '/^ok$/ OK\nif\n/b/ B\nendif\n' > "$T/badif.re"
refuses "IF without a pattern" "$T/badif.re" 2 ok
printf 'if /o/\n/^ok$/ OK\nendif\nif /[z-a]/\nendif\n' > "$T/badifpat.re"
refuses "bad pattern in IF" "$T/badifpat.re" 4 ok
printf '/^ok$/ OK\n/^a\n  (b/ X\n' > "$T/badcont.re"
refuses "bad pattern on a continued line: first line" "$T/badcont.re" 2 ok

# the same tables load once the rule is fixed (the checks above are real)
printf '/^first$/ FIRST\n# a comment\n/a(b)/ X\n/^ok$/ OK\n' > "$T/fixed.re"
check_out "fixed table loads" OK mta postmap -q ok "regexp:$T/fixed.re"

check_exit "missing table fails" 1 mta postmap -q ok "regexp:$T/nonesuch.re"
check_err "missing table: error names it" 'nonesuch\.re' \
    mta postmap -q ok "regexp:$T/nonesuch.re"
