#!/bin/sh
# MIT licence: see LICENSE.
#
# t-package.sh - the recipes for OpenWrt and Alpine (packaging/):
#   - `make ipk ARCH=mips` (make check builds build/mips/mta): the ipk's
#     three members, its control file, the static stripped MIPS binary,
#     the links that make it the system's sendmail, the conffile, the
#     scripts' syntax; the same tree gives the same bytes; the installed
#     tree runs under qemu-mips (postconf through its link, with the
#     packaged main.cf);
#   - the APKBUILD: its package() run as abuild would (srcdir, pkgdir)
#     on this tree, the links and the OpenRC script it installs.
. "$(dirname "$0")/lib.sh"
# the packages are made as a user makes them, whatever make check was
# given (make SANITIZE=1 check passes SANITIZE=1 down through MAKEFLAGS)
unset MAKEFLAGS MFLAGS MAKELEVEL

# --- OpenWrt ---------------------------------------------------------------
if [ ! -x "$TOP/build/mips/mta" ]; then
	echo "# skipped: ipk: no build/mips/mta (make check builds it)"
else
	ipk=$(make -s -C "$TOP" ipk ARCH=mips 2>"$T/ipk.err")
	check "make ipk ARCH=mips names its file" test -f "$ipk"
	case $ipk in
	*/build/mips/mta_*-1_mips_24kc.ipk) ok "ipk: name mta_VERSION-1_mips_24kc.ipk" ;;
	*) fail "ipk: name mta_VERSION-1_mips_24kc.ipk" "$ipk $(cat "$T/ipk.err")" ;;
	esac
	mkdir -p "$T/ipk" "$T/ctl" "$T/root"
	(cd "$T/ipk" && tar xzf "$ipk")
	check_out "ipk: debian-binary, control.tar.gz, data.tar.gz" \
	    "./debian-binary ./control.tar.gz ./data.tar.gz" \
	    sh -c 'tar tzf "$1" | tr "\n" " " | sed "s/ $//"' sh "$ipk"
	check_out "ipk: debian-binary says 2.0" "2.0" cat "$T/ipk/debian-binary"
	(cd "$T/ctl" && tar xzf "$T/ipk/control.tar.gz")
	(cd "$T/root" && tar xzf "$T/ipk/data.tar.gz")
	for f in "Package: mta" "Architecture: mips_24kc" "Depends: ca-bundle" \
	    "Version: $("$MTA" postconf -dh mail_version)-1"; do
		check "ipk control: $f" grep -qx "$f" "$T/ctl/control"
	done
	check_out "ipk: conffiles" "/etc/mta/main.cf" cat "$T/ctl/conffiles"
	check "ipk: the conffile is in data" test -f "$T/root/etc/mta/main.cf"
	for s in postinst prerm; do
		check "ipk: $s is executable and parses" \
		    sh -c 'test -x "$1" && sh -n "$1"' sh "$T/ctl/$s"
		check_exit "ipk: $s does nothing while an image is built" 0 \
		    env IPKG_INSTROOT="$T/root" sh "$T/ctl/$s"
	done
	check "ipk: procd init script parses" sh -n "$T/root/etc/init.d/mta"
	check "ipk: the init script runs postfix start-fg under procd" \
	    grep -q "procd_set_param command /usr/sbin/mta postfix start-fg" \
	    "$T/root/etc/init.d/mta"
	check "ipk: mta is static for MIPS and stripped" sh -c \
	    'file -b "$1" | grep "MIPS" | grep "statically linked" |
	    grep -q ", stripped"' sh "$T/root/usr/sbin/mta"
	for l in usr/sbin/sendmail:mta usr/bin/mailq:../sbin/mta \
	    usr/bin/newaliases:../sbin/mta usr/lib/sendmail:../sbin/mta \
	    usr/sbin/postfix:mta usr/libexec/mta/smtpd:../../sbin/mta; do
		check_out "ipk: /${l%%:*} -> ${l#*:}" "${l#*:}" \
		    readlink "$T/root/${l%%:*}"
	done
	check "ipk: no man pages on the router" test ! -e "$T/root/usr/share"
	check "ipk: files are root's" sh -c \
	    'tar tzvf "$1" | awk "{ print \$2 }" | sort -u | grep -qx 0/0' \
	    sh "$T/ipk/data.tar.gz"
	sum1=$(md5sum < "$ipk")
	make -s -C "$TOP" ipk ARCH=mips >/dev/null 2>&1
	check_out "ipk: the same tree gives the same bytes" "$sum1" \
	    sh -c 'md5sum < "$1"' sh "$ipk"
	if command -v qemu-mips >/dev/null; then
		check_out "ipk: the installed postconf runs under qemu-mips" \
		    "loopback-only" qemu-mips -0 postconf \
		    "$T/root/usr/sbin/postconf" -c "$T/root/etc/mta" -h \
		    inet_interfaces
	else
		echo "# skipped: run under qemu-mips: no qemu-mips"
	fi
fi

# --- Alpine ----------------------------------------------------------------
A=$TOP/packaging/alpine
check "APKBUILD parses" sh -n "$A/APKBUILD"
check "OpenRC script parses" sh -n "$A/mta.initd"
check "pre-install parses" sh -n "$A/mta.pre-install"
for f in $(sh -c '. "$1/APKBUILD"; echo $source' sh "$A"); do
	case $f in
	*.tar.gz) ;;
	*) check "APKBUILD source $f is beside it" test -f "$A/$f" ;;
	esac
done
check_out "APKBUILD pkgver is mail_version" \
    "$("$MTA" postconf -dh mail_version)" \
    sh -c '. "$1/APKBUILD"; echo "$pkgver"' sh "$A"
# package() as abuild runs it: in the source tree, with srcdir and pkgdir;
# the tree is built (make check did), so make install only installs.
# make SANITIZE=1 check builds no ./mta: there package() would build one
# against Alpine's libraries, which Debian does not have.
if [ ! -x "$TOP/mta" ]; then
	echo "# skipped: APKBUILD package(): no ./mta (make SANITIZE=1 check" \
	    "builds only the sanitizer binary; make check runs it)"
	exit 0
fi
P=$T/apk
mkdir -p "$P/src"
cp "$A/mta.initd" "$P/src/"
check "APKBUILD package() installs" sh -c 'cd "$1" && srcdir="$2/src" &&
    pkgdir="$2/pkg" && . packaging/alpine/APKBUILD && set -e && package' \
    sh "$TOP" "$P" 
for l in usr/sbin/sendmail:mta usr/bin/mailq:../sbin/mta \
    usr/bin/newaliases:../sbin/mta usr/lib/sendmail:../sbin/mta \
    usr/libexec/mta/qmgr:../../sbin/mta; do
	check_out "apk: /${l%%:*} -> ${l#*:}" "${l#*:}" \
	    readlink "$P/pkg/${l%%:*}"
done
check "apk: /etc/init.d/mta is OpenRC's" sh -c \
    'test -x "$1" && head -n 1 "$1" | grep -qx "#!/sbin/openrc-run"' \
    sh "$P/pkg/etc/init.d/mta"
check "apk: the installed postconf link answers" sh -c \
    '"$1/usr/sbin/postconf" -dh mail_version >/dev/null' sh "$P/pkg"
