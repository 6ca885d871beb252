# MIT licence: see LICENSE.
#
# netns.sh - source it first, before lib.sh: the test runs again as root
# in a private network and mount namespace (unshare -mn), where it sees
# loopback only and may bind-mount /etc/hosts (netns_hosts in lib.sh).
# Without root, the postfix user or unshare, the test is skipped.
if [ -z "$MTA_NETNS" ]; then
	if [ "$(id -u)" != 0 ] || ! id postfix >/dev/null 2>&1 ||
	    ! unshare -mn true 2>/dev/null; then
		echo "# not root, no postfix user or no unshare -mn: skipped"
		exit 0
	fi
	MTA_NETNS=1 exec unshare -mn sh "$0" "$@"
fi
