#!/bin/sh
# MIT licence: see LICENSE.
#
# ipk.sh ARCH [OPENWRT_ARCH] - `make ipk ARCH=...`: an OpenWrt package of
# the static build/ARCH/mta (built first if need be), stripped, as build/ARCH/mta_VERSION_OPENWRT_ARCH.ipk.
# The ipk is what OpenWrt's ipkg-build makes: a gzipped tar of
# debian-binary, control.tar.gz and data.tar.gz (opkg reads it; opkg also
# takes an ar archive).  data: make install's places without the man
# pages (/usr/sbin/mta, the commands beside it, /usr/sbin/sendmail,
# /usr/bin/mailq and newaliases, /usr/lib/sendmail, the daemons in
# /usr/libexec/mta), /etc/mta/main.cf (a conffile: a null client on
# loopback) and /etc/init.d/mta (procd).  control: postinst adds the
# postfix account (mail_owner) and starts the service; prerm stops it.
# The files are owned by root and dated by the last commit, so the same
# tree gives the same bytes.
set -e
cd "$(dirname "$0")/../.."
TOP=$PWD
ARCH=${1:?usage: ipk.sh ARCH [OPENWRT_ARCH]}
case $ARCH in
aarch64) oarch=aarch64_generic; cross=aarch64-linux-gnu- ;;
arm) oarch=arm_cortex-a7_neon-vfpv4; cross=arm-linux-gnueabihf- ;;
mipsel) oarch=mipsel_24kc; cross=mipsel-linux-gnu- ;;
mips) oarch=mips_24kc; cross=mips-linux-gnu- ;;
*) echo "ipk.sh: ARCH is one of aarch64 arm mipsel mips" >&2; exit 1 ;;
esac
OARCH=${2:-$oarch}
VERSION=$(sed -n 's/^#define MTA_VERSION[ 	]*"\(.*\)"/\1/p' config.def.h)-1
EPOCH=$(git log -1 --format=%ct 2>/dev/null || echo 0)
OUT=$TOP/build/$ARCH/mta_${VERSION}_$OARCH.ipk

S=$(mktemp -d "${TMPDIR:-/tmp}/mta-ipk.XXXXXX")
trap 'rm -rf "$S"' EXIT INT TERM
mkdir -p "$S/data" "$S/control"
make -s SANITIZE= CROSS=$cross install DESTDIR="$S/data" PREFIX=/usr \
    MANDIR=/usr/share/man >/dev/null
rm -rf "$S/data/usr/share"
"${cross}strip" "$S/data/usr/sbin/mta"
install -d "$S/data/etc/mta" "$S/data/etc/init.d"
install -m 644 packaging/openwrt/main.cf "$S/data/etc/mta/main.cf"
install -m 755 packaging/openwrt/mta.init "$S/data/etc/init.d/mta"
size=$(du -sk "$S/data" | cut -f1)
cat > "$S/control/control" <<EOC
Package: mta
Version: $VERSION
Depends: ca-bundle
License: MIT
Section: mail
Architecture: $OARCH
Installed-Size: $((size * 1024))
Conflicts: postfix, msmtp-mta, nullmailer, ssmtp
Description: Postfix-compatible mail transfer agent in one static executable
 sendmail, mailq, postfix, postqueue, postmap and the daemons (smtpd,
 smtp, qmgr, cleanup, local) in one file, with TLS (BearSSL) and SMTP AUTH.
EOC
install -m 755 packaging/openwrt/postinst packaging/openwrt/prerm \
    "$S/control/"
install -m 644 packaging/openwrt/conffiles "$S/control/"
echo 2.0 > "$S/debian-binary"
# tar DIR NAME: DIR's contents as ./..., root's, dated by the last commit
tarz() {
	(cd "$1" && tar --sort=name --owner=0 --group=0 --numeric-owner \
	    --mtime="@$EPOCH" -cf - .) | gzip -n9 > "$S/$2"
}
tarz "$S/data" data.tar.gz
tarz "$S/control" control.tar.gz
(cd "$S" && tar --owner=0 --group=0 --numeric-owner --mtime="@$EPOCH" \
    -cf - ./debian-binary ./control.tar.gz ./data.tar.gz) | gzip -n9 > "$OUT"
echo "$OUT"
