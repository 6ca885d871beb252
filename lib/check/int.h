/* MIT licence: see LICENSE. */
/*
 * check/int.h - what the files of lib/check/ share and nobody else uses.
 */
#ifndef MTA_CHECK_INT_H
#define MTA_CHECK_INT_H

#include "../table/match.h"
#include "check.h"

/* addr.c: the lists, opened once by check_addr_setup() */
void	check_addr_setup(void);
int	check_own_literal(const char *);
int	check_list_match(struct match_list *, const char *);
int	check_literal_ok(const char *);
int	check_valid_hostname(const char *);

extern struct match_list *check_mynetworks_list;
extern struct match_list *check_relay_domains_list;

/* the separators of restriction lists and owner lists */
#define SEPARATORS	", \t\r\n"

/* check.c and eval.c */
#define CHECK_S_DUNNO	0	/* Postfix's SMTPD_CHECK_DUNNO */
#define CHECK_S_OK	1
#define CHECK_S_REJECT	2

/* Postfix's SMTPD_NAME_* reply classes */
#define CHECK_NAME_CLIENT	"Client host"
#define CHECK_NAME_REV_CLIENT	"Unverified Client host"
#define CHECK_NAME_HELO		"Helo command"
#define CHECK_NAME_SENDER	"Sender address"
#define CHECK_NAME_RECIPIENT	"Recipient address"
#define CHECK_NAME_ETRN		"Etrn command"
#define CHECK_NAME_DATA		"Data command"
#define CHECK_NAME_EOD		"End-of-data"

enum { CHECK_L_CLIENT, CHECK_L_HELO, CHECK_L_SENDER, CHECK_L_RELAY,
	CHECK_L_RCPT, CHECK_L_DATA, CHECK_L_EOD, CHECK_L_ETRN, CHECK_NLISTS };

struct check_rlist {
	size_t		n;
	char		**v;
};

struct maps;

struct check_setup_state {
	int		ready, broken;
	int		parent;		/* MAPS_PARENT or 0 */
	struct check_rlist list[CHECK_NLISTS];
	struct { char *name; struct check_rlist list; } *cls;
	size_t		ncls;
	struct { char *spec; struct maps *m; } *tab;
	size_t		ntab;
	struct maps	*local_rcpt, *valias, *vmbox, *relay_rcpt, *canon,
			*rcpt_canon, *rbl_reply, *login;
};

extern struct check_setup_state check_S;

/*
 * eval.c: the restrictions by name.  A list word found in the table is
 * applied by its handler, with its argument (the next word) checked
 * first and its needs met (else it does nothing: DUNNO); a handler
 * answers CHECK_S_OK, CHECK_S_REJECT or CHECK_S_DUNNO.
 */
struct check_call {
	const char	*name;		/* as the list writes it */
	const char	*arg;		/* the argument word, or NULL */
	struct maps	*map;		/* CHECK_A_MAP: its table */
	long long	num;		/* CHECK_A_NUMBER: its value */
	int		how;		/* the table entry's variant */
	const char	*rname, *rclass, *def_acl;	/* check_generic()'s */
};

typedef int check_fn(struct check_ctx *, const struct check_call *);

struct check_restriction {
	const char	*name;
	check_fn	*fn;
	int		how;		/* CHECK_ON_* or the handler's own */
	int		flags;	/* CHECK_A_*, CHECK_N_*, CHECK_REQUIRED */
};

/* the argument: the next word of the list */
#define CHECK_A_MAP	0x0001	/* type:table, else a configuration error */
#define CHECK_A_DOMAIN	0x0002	/* a DNS zone; none: warned, skipped */
#define CHECK_A_SERVICE	0x0004	/* transport:server, else a config error */
#define CHECK_A_NUMBER	0x0008	/* 0..3600, else a configuration error */
#define CHECK_A_SKIP	0x0010	/* one word, unchecked */
#define CHECK_A_ANY	0x001f
/* the needs: without them the restriction does nothing */
#define CHECK_N_CLIENT	0x0100	/* the client address */
#define CHECK_N_HELO	0x0200	/* HELO/EHLO said */
#define CHECK_N_SENDER	0x0400	/* MAIL said */
#define CHECK_N_SENDER_ADDR 0x0800	/* MAIL said, not <> */
#define CHECK_N_RCPT	0x1000	/* a recipient to check */
#define CHECK_N_RCPT_ADDR 0x2000	/* ... and not empty */
#define CHECK_N_ETRN	0x4000	/* an ETRN domain */
/* one of has_required()'s: the relay lists must name one */
#define CHECK_REQUIRED	0x10000

/* the subject of a restriction that applies to several (.how) */
enum { CHECK_ON_CLIENT, CHECK_ON_HELO, CHECK_ON_SENDER, CHECK_ON_RCPT,
	CHECK_ON_ETRN };

const struct check_restriction *check_restriction_find(const char *);
const char *check_subject(struct check_ctx *, int, const char **);

/* the handlers, by theme: rest.c (client, HELO, address) */
check_fn check_r_unknown_client, check_r_inet_interfaces,
    check_r_mynetworks, check_r_helo, check_r_unknown_address,
    check_r_non_fqdn, check_r_auth_destination, check_r_unauth_destination,
    check_r_sasl_authenticated, check_r_multi_rcpt_bounce;
/* table.c (access tables) */
check_fn check_r_client_access, check_r_domain_access,
    check_r_sender_access, check_r_recipient_access;
/* rbl.c (DNS lists), rcpt.c (recipient tables, SASL login) */
check_fn check_r_rbl_client, check_r_rhsbl, check_r_unlisted,
    check_r_login_mismatch;

void	check_rlist_parse(struct check_rlist *, const char *);
void	check_rlist_free(struct check_rlist *);
struct maps *check_table(const char *);
const struct check_rlist *check_class_find(const char *);
const char *check_namaddr(struct check_ctx *);
void	check_log(struct check_ctx *, const char *, const char *);
int	check_reject(struct check_ctx *, int, int, const char *,
	    const char *, ...) __attribute__((format(printf, 5, 6)));
int	check_config_error(struct check_ctx *);
int	check_dict_retry(struct check_ctx *, const char *);
void	check_defer_if_permit(struct check_ctx *, int, const char *,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
void	check_defer_if_reject(struct check_ctx *, int, const char *,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
int	check_generic(struct check_ctx *, const struct check_rlist *,
	    const char *, const char *, const char *);
int	check_rcpt_maps(struct check_ctx *, const char *, const char *);
int	check_found(struct check_ctx *, struct maps *, int, const char *,
	    const char *, const char *, const char *, const char *, int *);
int	check_mail_access(struct check_ctx *, struct maps *, const char *,
	    const char *, const char *);
const char *check_dsn_split(const char *, const char *, char *, size_t);
const char *check_dsn_fix(char *, const char *);
int	check_resolve(struct check_ctx *, const char *,
	    struct check_resolved *);

#endif
