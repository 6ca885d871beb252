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
 *
 * A name server's answer is outside input: a label may hold any byte,
 * a line feed too, which would split one record of that text into two
 * (an MX "x\n0 10.0.0.1" into a second MX).  So, as Postfix's
 * dns_lookup(), every name in an answer must be a valid host name
 * (dns_valid_hostname): a record name or CNAME target that is not makes
 * the whole answer DNS_INVAL; an MX or PTR target that is not is
 * skipped with a warning (DNS_INVAL when none is left); a numeric one
 * is kept with a warning (a lookup of it then finds nothing, as the
 * question names are checked too); TXT bytes that are not printable
 * become spaces.
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
#include "log.h"
#include "str.h"
#include "x.h"

int (*dns_query_hook)(const char *, int, struct str *);

#define ANSWER_MAX	65536	/* the largest DNS message */

static int
get16(const unsigned char *p)
{
	return p[0] << 8 | p[1];
}

#define HOSTNAME_MAX	255	/* Postfix's VALID_HOSTNAME_LEN */
#define LABEL_MAX	63	/* Postfix's VALID_LABEL_LEN */

/*
 * dns_valid_hostname - is name a host name as Postfix's valid_hostname()
 * says: at most 255 characters; labels of letters, digits, '_' and '-'
 * of at most 63 characters, separated by single dots, neither starting
 * nor ending with a hyphen; not all digits and dots.  1 yes; 0 no, with
 * Postfix's reason in why (may be NULL).
 */
int
dns_valid_hostname(const char *name, struct str *why)
{
	const unsigned char *cp;
	const char *bad = NULL;
	size_t label = 0;
	int alpha = 0, ch = 0;

	if (*name == 0)
		bad = "empty hostname";
	for (cp = (const unsigned char *)name; !bad && (ch = *cp); cp++) {
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_') {
			if (++label > LABEL_MAX)
				bad = "hostname label too long";
			if (ch < '0' || ch > '9')
				alpha = 1;
		} else if (ch == '.') {
			if (label == 0 || cp[1] == 0)
				bad = "misplaced delimiter";
			label = 0;
		} else if (ch == '-') {
			if (++label == 1 || cp[1] == 0 || cp[1] == '.')
				bad = "misplaced hyphen";
		} else {
			bad = "invalid character";
		}
	}
	if (!bad && !alpha)
		bad = "numeric hostname";
	if (!bad && strlen(name) > HOSTNAME_MAX)
		bad = "bad length";
	if (bad == NULL)
		return 1;
	if (why) {
		str_reset(why);
		str_addf(why, "valid_hostname: %s", bad);
		if (strcmp(bad, "invalid character") == 0)
			str_addf(why, " %d(decimal)", ch);
		if (strcmp(bad, "bad length") == 0)
			str_addf(why, " %zu for %.100s...", strlen(name), name);
		else if (*name)
			str_addf(why, ": %.100s", name);
	}
	return 0;
}

/*
 * dns_valid_hostaddr - is name an IPv4 dotted quad or an IPv6 address
 * (without [] or IPv6:)
 */
int
dns_valid_hostaddr(const char *name)
{
	unsigned char b[16];

	return inet_pton(strchr(name, ':') ? AF_INET6 : AF_INET, name, b) ==
	    1;
}

/*
 * check one name of an answer, as Postfix's valid_rr_name(): 1 use it
 * (a numeric name, with a warning), 0 malformed (warned)
 */
static int
valid_rr_name(const char *name, const char *where, int type,
    const char *query)
{
	struct str why = STR_INIT;
	const char *t = type == DNS_T_MX ? "MX" : type == DNS_T_PTR ? "PTR" :
	    type == DNS_T_A ? "A" : type == DNS_T_AAAA ? "AAAA" :
	    type == DNS_T_TXT ? "TXT" : type == 5 ? "CNAME" : "other";
	int ok;

	if (dns_valid_hostaddr(name)) {
		warn("numeric domain name in %s of %s record for %s: %.100s",
		    where, t, query, name);
		return 1;
	}
	str_init(&why);
	if ((ok = dns_valid_hostname(name, &why)) == 0) {
		warn("%s", why.s);
		warn("malformed domain name in %s of %s record for %s: "
		    "%.100s", where, t, query, name);
	}
	str_free(&why);
	return ok;
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

#define DNS_T_CNAME	5

/*
 * TXT: the character strings joined; as Postfix, a byte that is not
 * printable is a space (a line feed would split the record in two)
 */
static void
txt(const unsigned char *p, int rdlen, struct str *out)
{
	int k, c;

	for (k = 0; k < rdlen; k += p[k] + 1) {
		if (k + 1 + p[k] > rdlen)
			break;
		for (c = 0; c < p[k]; c++)
			str_addc(out, p[k + 1 + c] >= 0x20 &&
			    p[k + 1 + c] < 0x7f ? p[k + 1 + c] : ' ');
	}
}

static int
parse(const char *query, const unsigned char *msg, int len, int type,
    int flags, struct str *out, int *nx)
{
	char name[NS_MAXDNAME], abuf[INET6_ADDRSTRLEN];
	int qd, an, off = 12, i, rtype, rdlen, n = 0, k, bad = 0;

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
		if (dn_expand(msg, msg + len, msg + off, name,
		    sizeof(name)) < 0)
			return DNS_RETRY;
		if ((off = skip_name(msg, len, off)) < 0 || off + 10 > len)
			return DNS_RETRY;
		rtype = get16(msg + off);
		rdlen = get16(msg + off + 8);
		off += 10;
		if (off + rdlen > len)
			return DNS_RETRY;
		/* the record's own name, and where a CNAME points */
		if (!valid_rr_name(name, "resource name", rtype, query))
			return DNS_INVAL;
		if (rtype == DNS_T_CNAME && (dn_expand(msg, msg + len,
		    msg + off, name, sizeof(name)) < 0 ||
		    !valid_rr_name(name, "resource data", rtype, query)))
			return DNS_INVAL;
		/* an MX or PTR target: a bad one goes, the rest stay */
		if (rtype == type && (type == DNS_T_MX || type == DNS_T_PTR)) {
			k = type == DNS_T_MX ? 2 : 0;
			if (rdlen < k + 1 || dn_expand(msg, msg + len,
			    msg + off + k, name, sizeof(name)) < 0)
				return DNS_RETRY;
			/* "" or "." is the null MX (RFC 7505): the caller's */
			if (*name && strcmp(name, ".") != 0 &&
			    !valid_rr_name(name, "resource data", type,
			    query)) {
				bad = 1;
				off += rdlen;
				continue;
			}
		}
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
				/* name: checked above */
				if (out && type == DNS_T_MX &&
				    (flags & DNS_F_MXPREF))
					str_addf(out, "%d ", get16(msg + off));
				if (out)
					str_adds(out, name);
				break;
			case DNS_T_TXT:
				if (out)
					txt(msg + off, rdlen, out);
				break;
			}
		}
		off += rdlen;
	}
	return n ? DNS_OK : bad ? DNS_INVAL : DNS_NOTFOUND;
}

/*
 * a name fit to ask about: a valid host name (one final dot allowed),
 * never an address (some servers make up an A record for one)
 */
static int
valid_query(const char *name)
{
	char buf[NS_MAXDNAME];
	size_t len = strlen(name);

	if (dns_valid_hostaddr(name))
		return 0;
	if (len > 1 && name[len - 1] == '.') {
		memcpy(buf, name, len - 1);
		buf[len - 1] = 0;
		return dns_valid_hostname(buf, NULL);
	}
	return dns_valid_hostname(name, NULL);
}

/*
 * dns_lookup - look up records of type for name; the records, one a
 * line, go to out (may be NULL): A and AAAA as addresses, MX and PTR as
 * host names (with DNS_F_MXPREF, MX as "PREF HOST"; HOST is empty for a
 * null MX), TXT as the joined strings.  *nx (may be NULL) says whether
 * the name does not exist at all.  DNS_OK, DNS_NOTFOUND, DNS_RETRY or
 * DNS_INVAL (only malformed names in the answer).  A name that is an
 * address, or no valid host name, is not asked about: DNS_NOTFOUND with
 * *nx set, as Postfix's "invalid host or domain name".
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
	if (*name == 0 || strlen(name) >= NS_MAXDNAME || !valid_query(name)) {
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
	r = parse(name, ans, len, type, flags, out, nx);
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
	    "not found" : status == DNS_INVAL ? "malformed reply" :
	    "temporary failure";
}
