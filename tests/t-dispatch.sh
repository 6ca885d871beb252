# MIT licence: see LICENSE.
# t-dispatch.sh - argv[0] dispatch, --list, --help, unknown and unbuilt
# applets, the static link, make install's links.
. "$TOP/tests/lib.sh"

check_out "mta --list names every applet of the design" \
    "cleanup lmtp local mailq master newaliases pickup postalias postcat postconf postdrop postfix postmap postqueue postsuper qmgr sendmail showq smtp smtpd" \
    sh -c '"$MTA" --list | tr "\n" " " | sed "s/ $//"'
check_exit "mta --help exits 0" 0 mta --help
check "mta --help prints usage to stdout" grep -q '^usage: mta APPLET' "$T/.out"
check_exit "unknown applet exits 127" 127 mta no-such-applet
check_err "unknown applet: one line on stderr" \
    '^mta: no-such-applet: applet not found$' mta no-such-applet
check "unknown applet: exactly one line" test "$(wc -l < "$T/.err")" = 1
check_exit "mta with no applet is a usage error (64)" 64 mta
for a in $("$MTA" --list); do
	check_exit "$a --help exits 0" 0 mta $a --help
	check "$a --help prints usage to stdout" grep -qi "usage" "$T/.out"
done

# Programs of the design that are not built yet say so: exit 69.
for a in $("$MTA" --help | sed -n 's/^  \([a-z0-9]*\) .*(not built yet)$/\1/p'); do
	check_exit "$a (not built yet) exits 69" 69 mta $a
	check_err "$a says it is not built" 'not built yet' mta $a
done

# argv[0] picks the applet, through a link of any directory.
mkdir -p "$T/bin"
ln -s "$MTA" "$T/bin/postconf"
ln -s "$MTA" "$T/bin/no-such-name"
check_exit "a link named postconf runs postconf" 0 "$T/bin/postconf" -d mail_version
check_exit "a link with an unknown name exits 127" 127 "$T/bin/no-such-name"

case $MTA in
*/build/glibc-san/*) ;;
*)	check "the binary is statically linked" \
	    sh -c 'file -L "$MTA" | grep -q "statically linked"'
	check "make install puts the binary and a link per applet" \
	    sh -c 'make -C "$1" -s install DESTDIR="$2/inst" PREFIX=/usr >/dev/null &&
		test -x "$2/inst/usr/sbin/mta" &&
		test "$(readlink "$2/inst/usr/sbin/sendmail")" = mta &&
		test -L "$2/inst/usr/bin/mailq" &&
		test -f "$2/inst/usr/share/man/man5/mta.conf.5" &&
		"$2/inst/usr/sbin/postconf" -h -d mail_version >/dev/null' \
	    sh "$TOP" "$T"
	# Postfix's places: commands in sbin, mailq and newaliases in bin,
	# lib/sendmail, daemons in libexec/mta (never in a PATH folder)
	ins=$T/inst/usr
	check "make install: Postfix's places for commands and daemons" \
	    test "$(readlink "$ins/lib/sendmail")" = ../sbin/mta -a \
	    "$(readlink "$ins/bin/newaliases")" = ../sbin/mta -a \
	    "$(readlink "$ins/libexec/mta/smtpd")" = ../../sbin/mta -a \
	    "$(readlink "$ins/libexec/mta/mta")" = ../../sbin/mta -a \
	    -L "$ins/sbin/postqueue" -a ! -e "$ins/bin/smtpd" -a \
	    ! -e "$ins/sbin/local" -a ! -e "$ins/bin/postmap"
	;;
esac

# Documentation: a man page per built applet, and mta.conf(5) lists every
# parameter that postconf -d knows, from the same rows.
for a in $("$MTA" --help | sed -n 's/^  \([a-z0-9]*\) .*/\1/p'); do
	case $("$MTA" --help | grep "^  $a ") in *"not built yet"*) continue ;; esac
	check "$a has a man page" sh -c 'ls "$TOP"/man/"$1".[158] >/dev/null' sh "$a"
done
"$MTA" postconf -d | sed 's/ =.*//' > "$T/params"
sed -n '/^\.TP/{n;s/^\.B \([^ ]*\) .*/\1/p;}' "$TOP/man/mta.conf.5" |
    sed 's/\\-/-/g' > "$T/documented"
check_same "mta.conf(5) documents exactly the parameters of postconf -d" \
    "$T/params" "$T/documented"
# conf.c finds parameters by binary search: the rows must stay sorted
sed -n 's/^PARAM(\([a-z0-9_]*\),.*/\1/p' "$TOP/config.def.h" > "$T/rows"
LC_ALL=C sort "$T/rows" > "$T/rows.sorted"
check_same "config.def.h rows are sorted by name" "$T/rows.sorted" "$T/rows"
