/* MIT licence: see LICENSE. */
/*
 * ifaddrs_probe - print how many interface addresses getifaddrs() lists.
 * tests/cross.sh builds it with the target's musl and runs it under
 * qemu-user: Debian's qemu-mips (7.2) never returns from musl's netlink
 * walk, so the checks that list the interfaces are skipped there, and
 * this program, which is not mta, shows that the fault is the emulator's.
 */
#include <ifaddrs.h>
#include <stdio.h>

int
main(void)
{
	struct ifaddrs *a, *p;
	int n = 0;

	if (getifaddrs(&a) != 0) {
		perror("getifaddrs");
		return 1;
	}
	for (p = a; p; p = p->ifa_next)
		n++;
	freeifaddrs(a);
	printf("%d\n", n);
	return 0;
}
