/* MIT licence: see LICENSE. */
/*
 * conf_default.c - the defaults that config.def.h cannot hold because
 * they depend on the host: myhostname, mydomain, mynetworks (from the
 * interfaces, as mynetworks_style says), process_id and process_name.
 * Each is computed when first used and kept until the configuration
 * changes.  Runs in every program, unprivileged.  Man page: mta.conf(5).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf.h"
#include "conf_int.h"
#include "log.h"
#include "str.h"
#include "x.h"

/* param - the value of another parameter, or fallback when it is bad */
static const char *
param(enum conf_param p, const char *fallback)
{
	struct str err = STR_INIT;
	const char *v;

	if (conf_value(&conf_ents[p], 0, &v, &err) < 0)
		v = fallback;
	str_free(&err);
	return v;
}

/*
 * Computed defaults, as Postfix's mail_params.c: myhostname is
 * gethostname() (no DNS: a mail system must start when DNS does not),
 * with .$mydomain (or .localdomain) added when it has no dot; mydomain is
 * $myhostname less its first label; mynetworks follows mynetworks_style.
 */
static char *
hostname(void)
{
	char buf[256];
	const char *dom = "localdomain";

	if (gethostname(buf, sizeof(buf)) != 0 || buf[0] == 0)
		str_copy(buf, "localhost", sizeof(buf));
	buf[sizeof(buf) - 1] = 0;
	if (strchr(buf, '.'))
		return xstrdup(buf);
	if (conf_ents[P_mydomain].src != SRC_DEFAULT)
		dom = param(P_mydomain, "localdomain");
	return xasprintf("%s.%s", buf, *dom ? dom : "localdomain");
}

static char *
domainname(void)
{
	const char *h = param(P_myhostname, ""), *dot;

	if ((dot = strchr(h, '.')) == NULL || dot[1] == 0)
		return xstrdup("localdomain");
	return xstrdup(dot + 1);
}

static int
has_word(const char *list, const char *word)
{
	char *copy = xstrdup(list), *p = copy, *w;
	int found = 0;

	while (!found && (w = str_token(&p, ", \t\r\n")) != NULL)
		found = strcasecmp(w, word) == 0;
	free(copy);
	return found;
}

static int
masklen(const unsigned char *m, size_t n)
{
	size_t i;
	int len = 0, b;

	for (i = 0; i < n; i++)
		for (b = 7; b >= 0; b--) {
			if (!(m[i] & (1 << b)))
				return len;
			len++;
		}
	return len;
}

static void
addnet(struct str *out, const char *net)
{
	char *copy = xstrdup(out->s), *p = copy, *w;
	int dup = 0;

	while (!dup && (w = str_token(&p, " ")) != NULL)
		dup = strcmp(w, net) == 0;
	free(copy);
	if (dup)
		return;
	if (out->len)
		str_addc(out, ' ');
	str_adds(out, net);
}

/* One interface address as a network of the given style. */
static void
ifnet(struct str *out, const struct ifaddrs *p, const char *style)
{
	unsigned char a[16], m[16];
	char buf[INET6_ADDRSTRLEN], net[INET6_ADDRSTRLEN + 16];
	size_t n, i;
	int len, v6 = p->ifa_addr->sa_family == AF_INET6;

	n = v6 ? 16 : 4;
	if (v6)
		memcpy(a, &((struct sockaddr_in6 *)(void *)p->ifa_addr)->
		    sin6_addr, 16);
	else
		memcpy(a, &((struct sockaddr_in *)(void *)p->ifa_addr)->
		    sin_addr, 4);
	len = (int)n * 8;
	if (strcasecmp(style, "host") != 0 && p->ifa_netmask) {
		if (v6)
			memcpy(m, &((struct sockaddr_in6 *)(void *)
			    p->ifa_netmask)->sin6_addr, 16);
		else
			memcpy(m, &((struct sockaddr_in *)(void *)
			    p->ifa_netmask)->sin_addr, 4);
		len = masklen(m, n);
	}
	/* class style: the old class A/B/C network of an IPv4 address */
	if (!v6 && strcasecmp(style, "class") == 0)
		len = a[0] < 128 ? 8 : a[0] < 192 ? 16 : a[0] < 224 ? 24 : 32;
	for (i = 0; i < n; i++) {
		int bits = len - (int)i * 8;

		if (bits <= 0)
			a[i] = 0;
		else if (bits < 8)
			a[i] &= (unsigned char)(0xff << (8 - bits));
	}
	if (inet_ntop(v6 ? AF_INET6 : AF_INET, a, buf, sizeof(buf)) == NULL)
		return;
	if (v6)
		snprintf(net, sizeof(net), "[%s]/%d", buf, len);
	else
		snprintf(net, sizeof(net), "%s/%d", buf, len);
	addnet(out, net);
}

static char *
networks(void)
{
	struct ifaddrs *ifa, *p;
	struct str out = STR_INIT;
	const char *style, *proto;
	int pass, fam;

	style = param(P_mynetworks_style, "host");
	proto = param(P_inet_protocols, "all");
	if (strcasecmp(style, "host") != 0 &&
	    strcasecmp(style, "subnet") != 0 &&
	    strcasecmp(style, "class") != 0) {
		warn("unknown mynetworks_style parameter value: %s", style);
		style = "host";
	}
	str_init(&out);
	if (getifaddrs(&ifa) != 0) {
		warn("getifaddrs:");
		str_set(&out, "127.0.0.0/8 [::1]/128");
		return str_steal(&out);
	}
	/* IPv4 first, then IPv6, each in interface order, as Postfix */
	for (pass = 0; pass < 2; pass++) {
		fam = pass == 0 ? AF_INET : AF_INET6;
		if (!has_word(proto, "all") &&
		    !has_word(proto, pass == 0 ? "ipv4" : "ipv6"))
			continue;
		for (p = ifa; p; p = p->ifa_next)
			if (p->ifa_addr && p->ifa_addr->sa_family == fam)
				ifnet(&out, p, style);
	}
	freeifaddrs(ifa);
	return str_steal(&out);
}

/* conf_default_computed - the computed default of a row's entry */
const char *
conf_default_computed(struct ent *e)
{
	size_t i = (size_t)(e - conf_ents);

	if (e->def)
		return e->def;
	if (e->busy)		/* myhostname = $mydomain and the like */
		return "";
	e->busy = 1;
	switch (i) {
	case P_myhostname:
		e->def = hostname();
		break;
	case P_mydomain:
		e->def = domainname();
		break;
	case P_mynetworks:
		e->def = networks();
		break;
	case P_process_id:
		e->def = xasprintf("%ld", (long)getpid());
		break;
	case P_process_name:
		e->def = xstrdup(log_applet);
		break;
	default:
		e->def = xstrdup("");
		break;
	}
	e->busy = 0;
	return e->def;
}

/* conf_default - the compiled or computed default, or NULL */
const char *
conf_default(const char *name)
{
	struct ent *e = conf_find(name);

	if (e == NULL || e->row == NULL)
		return NULL;
	return e->row->def ? e->row->def : conf_default_computed(e);
}
