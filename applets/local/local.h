/* MIT licence: see LICENSE. */
/*
 * local.h - the parts of the local delivery agent: the recipient switch
 * and alias, .forward and :include: expansion (local_rcpt.c), mbox,
 * Maildir and file delivery (local_mbox.c), commands and the change of
 * identity per delivery (local_cmd.c), and forwarding through cleanup
 * (local_fwd.c).  Run by local(8), as root when master runs as root.
 * Man page: local(8).
 */
#ifndef MTA_LOCAL_H
#define MTA_LOCAL_H

#include <sys/types.h>

#include "../../lib/queue/agent.h"
#include "../../lib/str.h"

struct maps;
struct passwd;

/* how an address was reached: what |command and /file may do */
#define LOCAL_EXP_NONE	0	/* the request's recipient */
#define LOCAL_EXP_ALIAS	1	/* from alias_maps */
#define LOCAL_EXP_FWD	2	/* from a .forward file */
#define LOCAL_EXP_INCL	4	/* from a :include: file */

/* the rights for |command and /file deliveries (Postfix's usr_attr) */
struct local_user {
	int		set;	/* 0: default_privs */
	uid_t		uid;
	gid_t		gid;
	char		*name;	/* LOGNAME, USER */
	char		*home;	/* HOME */
	char		*shell;	/* SHELL */
};

/* one delivery's attributes; copied (not shared) into each recursion */
struct local_attr {
	const char	*addr;		/* the recipient now */
	const char	*local;		/* its local part, lower case */
	const char	*user;		/* ... without the extension */
	const char	*ext;		/* the extension, or NULL */
	const char	*domain;	/* "" when none */
	const char	*delivered;	/* for Delivered-To: (frozen) */
	const char	*sender;	/* envelope sender of forwarded mail */
	const char	*owner;		/* set by owner- aliases and .forward */
	const char	*exp_from;	/* the alias or user expanded */
	int		exp_type;	/* LOCAL_EXP_* */
	int		level;		/* recursion depth */
	int		no_luser;	/* luser_relay already applied */
	int		notify;		/* DSN NOTIFY for forwarded copies */
	struct local_user priv;
};

/* an address to resubmit through cleanup */
struct local_fwd {
	char		*sender;
	char		*addr;
	char		*delivered;
	int		notify;
	int		owner;		/* the sender was replaced */
};

/* the state of one request recipient */
struct local_ctx {
	struct agent_req *req;
	struct agent_msg *msg;
	struct agent_rcpt *top;		/* the request's recipient now */
	struct maps	*aliases;
	char		**dto;		/* Delivered-To: values, lower case */
	size_t		ndto;
	char		**seen;		/* the duplicate filter */
	size_t		nseen;
	char		**keep;		/* strings freed after top */
	size_t		nkeep;
	struct local_fwd *fwd;
	size_t		nfwd;
	int		rank;		/* worst result so far: 0 none */
	int		status;
	char		dsn[AGENT_DSN_MAX];
	char		*reason;
	char		*host;		/* for Maildir names */
};

/* a result computed in a child process */
struct local_res {
	int		status;		/* AGENT_SENT, _DEFER, _BOUNCE */
	char		dsn[AGENT_DSN_MAX];
	struct str	text;
};

typedef void (*local_fn)(struct local_ctx *, const struct local_attr *,
    void *, struct local_res *);

/* local_as() modes */
#define LOCAL_AS_USER	0	/* drop to the user for good */
#define LOCAL_AS_ROOT	1	/* stay root: the function switches */

/* local_copy() flags, as Postfix's mail_copy() */
#define LOCAL_COPY_FROM		1	/* "From sender  date" first */
#define LOCAL_COPY_QUOTE	2	/* "From " lines become ">From " */
#define LOCAL_COPY_BLANK	4	/* an empty line after the message */
#define LOCAL_COPY_RETURN	8	/* Return-Path: */
#define LOCAL_COPY_ORIG		16	/* X-Original-To: */
#define LOCAL_COPY_DELIVERED	32	/* Delivered-To: */
#define LOCAL_COPY_MBOX		(LOCAL_COPY_FROM | LOCAL_COPY_QUOTE | \
	LOCAL_COPY_BLANK | LOCAL_COPY_RETURN | LOCAL_COPY_ORIG | \
	LOCAL_COPY_DELIVERED)

/* prepend_delivered_header bits */
#define LOCAL_DH_COMMAND	1
#define LOCAL_DH_FILE		2
#define LOCAL_DH_FORWARD	4

/* local_rcpt.c */
void	local_recipient(struct local_ctx *, struct agent_rcpt *);
char	*local_keep(struct local_ctx *, char *);
void	local_result(struct local_ctx *, const struct local_attr *, int,
	    const char *, const char *, ...)
	    __attribute__((format(printf, 5, 6)));
int	local_expand(const char *, const struct local_attr *, const char *,
	    struct str *);
int	local_dh_mask(void);
int	local_allowed(const char *, int);

/* local_mbox.c */
typedef int (*local_out_fn)(void *, const char *, size_t);
int	local_copy(struct local_ctx *, const struct local_attr *, int,
	    local_out_fn, void *, struct str *);
void	local_mailbox(struct local_ctx *, const struct local_attr *,
	    const struct local_user *);
void	local_file(struct local_ctx *, const struct local_attr *,
	    const char *);

/* local_cmd.c */
int	local_as(struct local_ctx *, const struct local_attr *,
	    const struct local_user *, int, local_fn, void *,
	    struct local_res *);
void	local_res_set(struct local_res *, int, const char *, const char *,
	    ...) __attribute__((format(printf, 4, 5)));
int	local_become(const struct local_user *);
int	local_unbecome(void);
void	local_command(struct local_ctx *, const struct local_attr *,
	    const char *, const struct local_user *);
int	local_default_privs(struct local_user *);
void	local_user_free(struct local_user *);
int	local_user_pw(struct local_user *, const struct passwd *);

/* local_fwd.c */
void	local_forward(struct local_ctx *, const struct local_attr *);
void	local_forward_flush(struct local_ctx *);

#endif
