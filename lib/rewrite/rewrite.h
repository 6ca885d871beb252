/* MIT licence: see LICENSE. */
/*
 * rewrite.h - cleanup's address rewriting: qualification (myorigin,
 * mydomain), canonical maps, masquerading, virtual alias expansion, and
 * the addresses inside From:/To:-style headers.  Man pages: cleanup(8),
 * canonical(5), virtual(5), generic(5).
 */
#ifndef MTA_REWRITE_H
#define MTA_REWRITE_H

#include "../conf.h"
#include "../str.h"

/* address classes (canonical_classes, masquerade_classes) */
#define RW_ENV_SENDER	1
#define RW_ENV_RCPT	2
#define RW_HDR_SENDER	4
#define RW_HDR_RCPT	8

struct rewrite;

struct rewrite *rewrite_init(void);
struct rewrite *rewrite_init_generic(enum conf_param);
void	rewrite_free(struct rewrite *);
void	rewrite_qualify(struct rewrite *, const char *, struct str *);
int	rewrite_addr(struct rewrite *, int, const char *, struct str *);
char	**rewrite_virtual(struct rewrite *, const char *, struct str *);
int	rewrite_header(struct rewrite *, int, int, const char *,
	    struct str *);
int	rewrite_header_addrs(const char *, void (*)(void *, const char *),
	    void *);
const char *rewrite_error(struct rewrite *);

#endif
