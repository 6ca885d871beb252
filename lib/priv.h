/* MIT licence: see LICENSE. */
/*
 * priv.h - giving up root: the mail_owner account of the daemons, and
 * the recipient's account for local delivery; and opening files by name
 * as root where another account may change the names.  Man page: master(8).
 */
#ifndef MTA_PRIV_H
#define MTA_PRIV_H

#include <sys/types.h>

#include <stdio.h>

#include "conf.h"
#include "str.h"

int	priv_user(const char *, uid_t *, gid_t *);
int	priv_drop_to(uid_t, gid_t);
void	priv_drop(const char *);
void	priv_daemon(void);
int	priv_root_dir(const char *);
int	priv_open(const char *, int, mode_t);
FILE	*priv_fopen(const char *);

#endif
