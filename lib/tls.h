/* MIT licence: see LICENSE. */
/*
 * tls.h - TLS under the one stream type (lib/io.h).  The only code that
 * talks to BearSSL: a started session hooks io->rd, io->wr and io->ctx,
 * and everything above keeps using io_getline(), io_write(), io_flush().
 */
#ifndef MTA_TLS_H
#define MTA_TLS_H

#include "io.h"
#include "str.h"

struct tls_conf;

struct tls_conf *tls_server_conf(const char *, const char *, const char *,
	    struct str *);
void	tls_conf_free(struct tls_conf *);
int	tls_server_start(struct io *, struct io *, struct tls_conf *,
	    struct str *);
int	tls_conf_params(struct tls_conf *, const char *, const char *,
	    const char *, struct str *);
int	tls_conf_ccert(struct tls_conf *, const char *, const char *,
	    struct str *);
int	tls_conf_client_cert(struct tls_conf *, const char *, const char *,
	    const char *, struct str *);
void	tls_conf_share_keys(struct tls_conf *, const struct tls_conf *);
struct tls_conf *tls_client_conf(const char *, const char *, struct str *);
int	tls_client_start(struct io *, struct tls_conf *, const char *,
	    const char *const *, struct str *);
int	tls_name_match(const char *, const char *const *);
void	tls_stop(struct io *);
void	tls_drop(struct io *);
const char *tls_session_info(struct io *);

/* tls_peer_status() */
#define TLS_PEER_NONE		0	/* a server session, or no TLS */
#define TLS_PEER_UNTRUSTED	1
#define TLS_PEER_TRUSTED	2	/* the chain, not the name */
#define TLS_PEER_VERIFIED	3	/* the chain and the name */

int	tls_peer_status(struct io *);
int	tls_peer_names(struct io *, char *, size_t, char *, size_t);

#endif
