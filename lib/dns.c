/* MIT licence: see LICENSE. */
/*
 * dns.c - DNS lookups through res_query(): smtpd's restrictions
 * (reject_rbl_client and friends: A and TXT under a list's zone;
 * reject_unknown_*_domain: A, AAAA or MX; the client's PTR and A) and
 * the smtp client's MX, A and AAAA.  Runs in smtpd and smtp,
 * unprivileged; the resolver reads /etc/resolv.conf.  Man pages:
 * access(5), smtp(8).
 *
 * Records come back as text, one per line: A and AAAA as addresses, MX
 * and PTR as host names (MX without its preference), TXT as the joined
 * character strings.  A name that exists without records of the type is
 * DNS_NOTFOUND, as Postfix's dns_lookup() says.
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "str.h"
#include "x.h"

int (*dns_query_hook)(const char *, int, struct str *);

#define ANSWER_MAX	65536	/* the largest DNS message */

static int
get16(const unsigned char *p)
{
	return p[0] << 8 | p[1];
}

/* skip a (possibly compressed) name; -1 when malformed */
static int
skip_name(const unsigned char *msg, int len, int off)
{
	while (off < len) {
		int l = msg[off];

		if ((l & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : -1;
		if (l == 0)
			return off + 1;
		if ((l & 0xc0) != 0)
			return -1;
		off += l + 1;
	}
	return -1;
}

static int
parse(const unsigned char *msg, int len, int type, int flags,
    struct str *out, int *nx)
{
	char name[NS_MAXDNAME], abuf[INET6_ADDRSTRLEN];
	int qd, an, off = 12, i, rtype, rdlen, n = 0, k;

	if (len < 12)
		return DNS_RETRY;
	if ((msg[3] & 15) == 3) {
		*nx = 1;
		return DNS_NOTFOUND;
	}
	if ((msg[3] & 15) != 0)
		return DNS_RETRY;
	qd = get16(msg + 4);
	an = get16(msg + 6);
	for (i = 0; i < qd; i++)
		if ((off = skip_name(msg, len, off)) < 0 || (off += 4) > len)
			return DNS_RETRY;
	for (i = 0; i < an; i++) {
		if ((off = skip_name(msg, len, off)) < 0 || off + 10 > len)
			return DNS_RETRY;
		rtype = get16(msg + off);
		rdlen = get16(msg + off + 8);
		off += 10;
		if (off + rdlen > len)
			return DNS_RETRY;
		if (rtype == type) {
			if (n++ && out)
				str_addc(out, '\n');
			switch (type) {
			case DNS_T_A:
			case DNS_T_AAAA:
				if (rdlen != (type == DNS_T_A ? 4 : 16) ||
				    inet_ntop(type == DNS_T_A ? AF_INET :
				    AF_INET6, msg + off, abuf, sizeof(abuf)) ==
				    NULL)
					return DNS_RETRY;
				if (out)
					str_adds(out, abuf);
				break;
			case DNS_T_MX:
			case DNS_T_PTR:
				k = type == DNS_T_MX ? 2 : 0;
				if (rdlen < k + 1 || dn_expand(msg, msg + len,
				    msg + off + k, name, sizeof(name)) < 0)
					return DNS_RETRY;
				if (out && type == DNS_T_MX &&
				    (flags & DNS_F_MXPREF))
					str_addf(out, "%d ", get16(msg + off));
				if (out)
					str_adds(out, name);
				break;
			case DNS_T_TXT:
				for (k = 0; k < rdlen; k += msg[off + k] + 1)
					if (out && k + 1 + msg[off + k] <= rdlen)
						str_addmem(out, msg + off + k + 1,
						    msg[off + k]);
				break;
			}
		}
		off += rdlen;
	}
	return n ? DNS_OK : DNS_NOTFOUND;
}

/*
 * dns_lookup - look up records of type for name; the records, one a
 * line, go to out (may be NULL): A and AAAA as addresses, MX and PTR as
 * host names (with DNS_F_MXPREF, MX as "PREF HOST"; HOST is empty for a
 * null MX), TXT as the joined strings.  *nx (may be NULL) says whether
 * the name does not exist at all.  DNS_OK, DNS_NOTFOUND or DNS_RETRY.
 */
int
dns_lookup(const char *name, int type, int flags, struct str *out, int *nx)
{
	unsigned char *ans;
	int len, r, dummy;

	if (nx == NULL)
		nx = &dummy;
	*nx = 0;
	if (out)
		str_reset(out);
	if (dns_query_hook && flags == 0)
		return dns_query_hook(name, type, out);
	if (*name == 0 || strlen(name) >= NS_MAXDNAME) {
		*nx = 1;
		return DNS_NOTFOUND;
	}
	ans = xmalloc(ANSWER_MAX);
	len = res_query(name, C_IN, type, ans, ANSWER_MAX);
	if (len < 0) {
		free(ans);
		if (h_errno == HOST_NOT_FOUND)
			*nx = 1;
		return h_errno == HOST_NOT_FOUND || h_errno == NO_DATA ?
		    DNS_NOTFOUND : DNS_RETRY;
	}
	if (len > ANSWER_MAX)
		len = ANSWER_MAX;
	r = parse(ans, len, type, flags, out, nx);
	free(ans);
	return r;
}

/* dns_query - dns_lookup() without flags or NXDOMAIN */
int
dns_query(const char *name, int type, struct str *out)
{
	return dns_lookup(name, type, 0, out, NULL);
}

/*
 * dns_mailhost - can name receive mail: an A, AAAA or MX record (Postfix's
 * reject_unknown_mailhost).  DNS_OK when any exists, DNS_NOTFOUND when
 * none does, DNS_RETRY when a lookup could not say.
 */
int
dns_mailhost(const char *name)
{
	static const int types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_MX };
	size_t i;
	int r, retry = 0;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if ((r = dns_query(name, types[i], NULL)) == DNS_OK)
			return DNS_OK;
		if (r == DNS_RETRY)
			retry = 1;
	}
	return retry ? DNS_RETRY : DNS_NOTFOUND;
}

/* dns_strstatus - a word for logs */
const char *
dns_strstatus(int status)
{
	return status == DNS_OK ? "found" : status == DNS_NOTFOUND ?
	    "not found" : "temporary failure";
}
