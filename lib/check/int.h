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

/* check.c and rest.c */
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
int	check_login_mismatch(struct check_ctx *, int);
int	check_rbl(struct check_ctx *, const char *, const char *,
	    const char *, int);
const char *check_dsn_split(const char *, const char *, char *, size_t);
const char *check_dsn_fix(char *, const char *);
int	check_resolve(struct check_ctx *, const char *,
	    struct check_resolved *);

#endif
