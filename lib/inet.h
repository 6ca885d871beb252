/* MIT licence: see LICENSE. */
/*
 * inet.h - IPv4/IPv6 address and CIDR prefix parsing and matching, shared
 * by cidr: tables, mynetworks and the access(5) search order.
 */
#ifndef MTA_INET_H
#define MTA_INET_H

#include "str.h"

struct inet_cidr {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	addr[16];	/* network address, host bits zero */
	unsigned char	mask[16];
	int		bits;		/* prefix length */
};

int	inet_addr_parse(const char *, int *, unsigned char *);
int	inet_cidr_parse(const char *, struct inet_cidr *, struct str *);
int	inet_cidr_match(const struct inet_cidr *, int, const unsigned char *);

#endif
