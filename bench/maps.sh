# MIT licence: see LICENSE.
#
# maps.sh - section of run.sh: the lookup tables and postconf, timed as
# whole commands (fork, exec, work, exit): postmap building a cdb table
# of $MAPN entries, looking up 10000 keys (half of them present) and one
# key, and postconf printing every parameter.
mkdir -p "$T/maps/mta" "$T/maps/pf"
: > "$T/maps/pf/main.cf"
: > "$T/maps/mta/main.cf"
awk -v n="$MAPN" 'BEGIN { for (i = 0; i < n; i++)
	printf "user%d@example%d.com relay:[mx%d.example.net]:25\n",
	    i, i % 97, i % 13 }' \
	> "$T/maps/mta/t"
awk -v n="$MAPN" 'BEGIN { for (i = 0; i < 10000; i++) {
	k = (i * 37) % (2 * n); printf "user%d@example%d.com\n", k, k % 97 } }' \
	> "$T/maps/keys"
# 10000 keys, not one (the loop once held only its first statement);
# postmap -q - exits 1 when a key is missing: the found ones are counted
[ "$(wc -l < "$T/maps/keys")" = 10000 ] || loud "maps: not 10000 keys"
found=$(awk -v n="$MAPN" 'BEGIN { for (i = 0; i < 10000; i++)
	if ((i * 37) % (2 * n) < n) f++; print f }')
counted="| awk 'END { exit NR != $found }'"
cp "$T/maps/mta/t" "$T/maps/pf/t"

# maps_time NAME MTA-CMD POSTFIX-CMD: seconds per command, alternating
maps_time() {
	: > "$T/a"; : > "$T/b"
	i=0
	while [ $i -lt "$RUNS" ]; do
		s=$(now)
		sh -c "$2" >/dev/null 2>&1 || loud "$1: mta failed"
		keep "$(msecs "$s" "$(now)")" "$T/a" "$1"
		s=$(now)
		sh -c "$3" >/dev/null 2>&1 || loud "$1: postfix failed"
		keep "$(msecs "$s" "$(now)")" "$T/b" "$1"
		i=$((i + 1))
	done
	row "$1" ms lower
}
maps_time "postmap build ($MAPN entries)" \
    "MAIL_CONFIG=$T/maps/mta $MTA postmap cdb:$T/maps/mta/t" \
    "/usr/sbin/postmap -c $T/maps/pf cdb:$T/maps/pf/t"
M=$T/maps/mta
maps_time "postmap -q - (10000 keys)" \
    "MAIL_CONFIG=$M $MTA postmap -q - cdb:$M/t < $T/maps/keys $counted" \
    "/usr/sbin/postmap -c $T/maps/pf -q - cdb:$T/maps/pf/t < $T/maps/keys \
    $counted"
maps_time "postmap -q one key" \
    "MAIL_CONFIG=$M $MTA postmap -q user5@example5.com cdb:$M/t" \
    "/usr/sbin/postmap -c $T/maps/pf -q user5@example5.com cdb:$T/maps/pf/t"
maps_time "postconf (all parameters)" \
    "MAIL_CONFIG=$T/maps/mta $MTA postconf" \
    "/usr/sbin/postconf -c $T/maps/pf"
