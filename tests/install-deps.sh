#!/bin/sh
# MIT licence: see LICENSE.
#
# install-deps.sh [build|check|bench|cross TRIPLET] - make sure the packages the build (and,
# with "check", the tests; with "bench", `make bench`'s; with "cross", Debian's cross compiler for
# TRIPLET, e.g. aarch64-linux-gnu, and qemu-user) use are installed.  As root it installs the
# missing ones with apt-get; otherwise it names them and fails.  `make
# demo` asks for the build's packages, `make check` for both.
#
# apt-get runs with --no-install-recommends, so a Recommends a test needs
# is named here: swaks does TLS only with libnet-ssleay-perl.
#
# Postfix is installed unconfigured ("No configuration"), so it neither
# starts nor takes port 25: the tests run its programs on scratch
# configuration directories only.
BUILD="musl-tools dpkg-dev make gcc file"
CHECK="python3 swaks libnet-ssleay-perl strace iproute2 postfix postfix-cdb dnsmasq-base
	s-nail pflogsumm openssl dovecot-core dovecot-lmtpd"
PKGS=$BUILD
[ "${1:-check}" = check ] && PKGS="$PKGS $CHECK"
[ "$1" = bench ] && PKGS="$PKGS python3 postfix openssl gnuplot-nox"
if [ "$1" = cross ]; then
	case $2 in
	*[!a-z0-9_-]* | "")
		echo "usage: install-deps.sh cross TRIPLET" >&2; exit 2 ;;
	esac
	PKGS="$PKGS dpkg-dev gcc-$2 qemu-user"
fi
[ "$SANITIZE" = 1 ] && PKGS="$PKGS libc6-dev"

missing=
for p in $PKGS; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case $s in *" installed") ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "make: missing packages:$missing" >&2
	echo "make: as root, run: apt-get install$missing" >&2
	exit 1
fi
echo "  APT     install$missing"
if ! dpkg-query -W postfix >/dev/null 2>&1; then
	echo "postfix postfix/main_mailer_type select No configuration" |
	    debconf-set-selections
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -qq update >/dev/null || exit 1
apt-get -qq install -y --no-install-recommends $missing >/dev/null || exit 1
