/* MIT licence: see LICENSE. */
/*
 * smtpd_mail.c - the MAIL FROM and RCPT TO commands of smtpd: the
 * envelope, its ESMTP parameters (SIZE, BODY, SMTPUTF8, RET, ENVID,
 * NOTIFY, ORCPT), the size and queue space checks, and the
 * restrictions of those stages.  Runs in smtpd, unprivileged.  Man page:
 * smtpd(8).
 */
#include <sys/statvfs.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../lib/check/check.h"
#include "../../lib/conf.h"
#include "../../lib/log.h"
#include "../../lib/str.h"
#include "../../lib/x.h"
#include "smtpd_sess.h"

/* MAIL, RCPT --------------------------------------------------------------- */

/* the length of the address word at s: <...> with its quotes, or to a blank */
static size_t
word_len(const char *s)
{
	size_t i;
	int q = 0;

	if (*s != '<')
		return strcspn(s, " \t");
	for (i = 1; s[i]; i++) {
		if (s[i] == '\\' && q && s[i + 1])
			i++;
		else if (s[i] == '"')
			q = !q;
		else if (s[i] == '>' && !q)
			return i + 1;
	}
	return i;
}

/*
 * smtpd_mail_addr - the address at *pp (MAIL, RCPT, VRFY) in internal
 * form, as Postfix's extract_addr() takes it: the path syntax, then (for
 * a network client) the resolver's verdict on the domain, so that
 * <joe@>, <joe@a..b> or <joe@[999.1.1.1]> are bad syntax before any
 * restriction runs.  0, or -1 with Postfix's warning logged (the caller
 * replies 501).
 */
int
smtpd_mail_addr(struct smtpd_sess *s, const char **pp, struct str *addr,
    int rcpt, int strict)
{
	struct check_resolved r;
	const char *text = *pp + strspn(*pp, " \t");
	int ok;

	ok = smtpd_parse_path(pp, addr, strict) == 0 &&
	    smtpd_parse_addr_ok(addr->s, rcpt);
	if (ok && !s->local && *addr->s) {
		check_resolved_init(&r);
		check_addr_resolve(addr->s, &r);
		ok = !(r.flags & CHECK_RES_ERROR);
		check_resolved_free(&r);
	}
	if (!ok)
		warn("Illegal address syntax from %s in %s command: %.*s",
		    s->namaddr, s->where, (int)word_len(text), text);
	return ok ? 0 : -1;
}

/* "FROM:" or "TO:" (any case) at the start of arg: what follows, or NULL */
static const char *
keyword(const char *arg, const char *kw)
{
	size_t n = strlen(kw);

	return strncasecmp(arg, kw, n) == 0 ? arg + n : NULL;
}

/*
 * "452 4.3.1 Insufficient system storage" when the queue cannot take it:
 * as Postfix's smtpd_check_queue, no more free space than queue_minfree
 * or than 1.5 x message_size_limit (so a full file system always says
 * no), nor than 1.5 x the SIZE the client declared
 */
static int
queue_space(struct smtpd_sess *s, long long size)
{
	struct statvfs fs;
	long double avail;

	if (statvfs(conf_str(P_queue_directory), &fs) < 0)
		return 0;
	avail = (long double)fs.f_bavail * (long double)fs.f_frsize;
	if (avail <= (long double)conf_int(P_queue_minfree) ||
	    avail <= 1.5L * (long double)conf_int(P_message_size_limit) ||
	    avail <= 1.5L * (long double)size)
		return -1;
	return 0;
}

/* the UTF-8 rules of RFC 6531 for an address; 0 ok or a reply sent */
static int
utf8_ok(struct smtpd_sess *s, const char *addr, const char *bad)
{
	if (smtpd_parse_ascii(addr))
		return 0;
	if (!smtpd_parse_utf8(addr, strlen(addr))) {
		smtpd_reply(s, "%s", bad);
		return -1;
	}
	if (!s->smtputf8) {
		smtpd_reply(s, "553 5.6.7 Must declare SMTPUTF8 to send "
		    "unicode address");
		return -1;
	}
	return 0;
}

static int
mail_params(struct smtpd_sess *s, char *p)
{
	char *w, *v;
	int dsn = !(s->discard & EHLO_DSN);

	while ((w = str_token(&p, " \t")) != NULL) {
		v = strchr(w, '=');
		if (v)
			*v++ = 0;
		if (strcasecmp(w, "BODY") == 0 && v &&
		    !(s->discard & EHLO_8BITMIME) &&
		    (strcasecmp(v, "8BITMIME") == 0 ||
		    strcasecmp(v, "7BIT") == 0)) {
			s->body = strcasecmp(v, "7BIT") == 0 ? "7BIT" :
			    "8BITMIME";
		} else if (strcasecmp(w, "SIZE") == 0 && v &&
		    !(s->discard & EHLO_SIZE)) {
			if (smtpd_parse_size(v, &s->size_decl) < 0) {
				smtpd_reply(s, "501 5.5.4 Bad message size "
				    "syntax");
				return -1;
			}
		} else if (strcasecmp(w, "SMTPUTF8") == 0 && !v &&
		    conf_bool(P_smtputf8_enable) &&
		    !(s->discard & EHLO_SMTPUTF8)) {
			s->smtputf8 = 1;
		} else if (strcasecmp(w, "RET") == 0 && v && dsn) {
			if (s->ret || (strcasecmp(v, "FULL") != 0 &&
			    strcasecmp(v, "HDRS") != 0)) {
				smtpd_reply(s, "501 5.5.4 Bad RET parameter "
				    "syntax");
				return -1;
			}
			s->ret = strcasecmp(v, "FULL") == 0 ? 1 : 2;
		} else if (strcasecmp(w, "ENVID") == 0 && v && dsn) {
			if (s->envid || smtpd_parse_xtext(v, &s->tmp) < 0 ||
			    s->tmp.len == 0 || s->tmp.len > 100 ||
			    memchr(s->tmp.s, 0, s->tmp.len)) {
				smtpd_reply(s, "501 5.5.4 Bad ENVID parameter "
				    "syntax");
				return -1;
			}
			s->envid = xstrdup(s->tmp.s);
		} else if (strcasecmp(w, "AUTH") == 0 && v &&
		    smtpd_sasl_active(s)) {
			if (smtpd_sasl_mail_param(s, v) < 0)
				return -1;
		} else {
			if (v)
				v[-1] = '=';
			smtpd_reply(s, "555 5.5.4 Unsupported option: %s", w);
			return -1;
		}
	}
	return 0;
}

/* smtpd_mail_cmd - MAIL FROM:<address> [parameters] */
int
smtpd_mail_cmd(struct smtpd_sess *s, const char *arg)
{
	struct str addr = STR_INIT, reply = STR_INIT;
	const char *p;
	char *params;
	int r = -1;

	if (conf_bool(P_smtpd_helo_required) && s->helo == NULL) {
		smtpd_reply(s, "503 5.5.1 Error: send HELO/EHLO first");
		return -1;
	}
	if (s->bdat_active) {
		smtpd_reply(s, "503 5.5.1 Error: MAIL after BDAT");
		return -1;
	}
	if (s->in_mail) {
		smtpd_reply(s, "503 5.5.1 Error: nested MAIL command");
		return -1;
	}
	if ((p = keyword(arg, "FROM:")) == NULL) {
		smtpd_reply(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
		return -1;
	}
	if (smtpd_anvil_event(s, SMTPD_ANVIL_MAIL) < 0)
		return -1;
	str_init(&addr);
	str_init(&reply);
	if (smtpd_mail_addr(s, &p, &addr, 0,
	    conf_bool(P_strict_rfc821_envelopes)) < 0) {
		smtpd_reply(s, "501 5.1.7 Bad sender address syntax");
		goto out;
	}
	params = xstrdup(p);
	r = mail_params(s, params);
	free(params);
	if (r < 0 || (r = utf8_ok(s, addr.s, "501 5.1.7 Bad sender address "
	    "syntax")) < 0)
		goto out;
	r = -1;
	s->sender = xstrdup(addr.s);
	if (s->msg_limit > 0 && s->size_decl > s->msg_limit) {
		str_set(&reply, "552 5.3.4 Message size exceeds fixed limit");
	} else if (queue_space(s, s->size_decl) < 0) {
		str_set(&reply, "452 4.3.1 Insufficient system storage");
	} else {
		s->ck.sender = s->sender;
		s->ck.size = s->size_decl;
		if (check_stage(&s->ck, CHECK_MAIL, &reply) == CHECK_OK) {
			s->in_mail = 1;
			smtpd_reply(s, "250 2.1.0 Ok");
			r = 0;
			goto out;
		}
		smtpd_reply_text(s, reply.s);
		goto out;
	}
	smtpd_log_reject(s, "MAIL", reply.s, NULL);
	smtpd_reply_text(s, reply.s);
out:
	if (r < 0) {
		smtpd_reset_mail(s);
		s->ck.sender = NULL;
	}
	str_free(&addr);
	str_free(&reply);
	return r;
}

static int
rcpt_params(struct smtpd_sess *s, char *p, int *notify, char **orcpt)
{
	char *w, *v, *semi;
	int dsn = !(s->discard & EHLO_DSN);

	while ((w = str_token(&p, " \t")) != NULL) {
		v = strchr(w, '=');
		if (v)
			*v++ = 0;
		if (strcasecmp(w, "NOTIFY") == 0 && v && dsn) {
			if (*notify || (*notify = smtpd_parse_notify(v)) < 0) {
				smtpd_reply(s, "501 5.5.4 Error: Bad NOTIFY "
				    "parameter syntax");
				return -1;
			}
		} else if (strcasecmp(w, "ORCPT") == 0 && v && dsn) {
			/* RFC 3461 4.2: addr-type ";" xtext, type an atom */
			if ((semi = strchr(v, ';')) != NULL)
				*semi = 0;
			if (*orcpt || semi == NULL || !smtpd_parse_atom(v) ||
			    smtpd_parse_xtext(semi + 1, &s->tmp) < 0 ||
			    s->tmp.len == 0 ||
			    memchr(s->tmp.s, 0, s->tmp.len)) {
				smtpd_reply(s, "501 5.5.4 Error: Bad ORCPT "
				    "parameter syntax");
				return -1;
			}
			*orcpt = xasprintf("%s;%s", v, s->tmp.s);
		} else {
			if (v)
				v[-1] = '=';
			smtpd_reply(s, "555 5.5.4 Unsupported option: %s", w);
			return -1;
		}
	}
	return 0;
}

/* smtpd_mail_rcpt - RCPT TO:<address> [parameters] */
int
smtpd_mail_rcpt(struct smtpd_sess *s, const char *arg)
{
	struct str addr = STR_INIT, reply = STR_INIT;
	struct smtpd_rcpt *r;
	const char *p;
	char *params, *orcpt = NULL;
	int notify = 0, ret = -1;

	if (!s->in_mail) {
		smtpd_reply(s, "503 5.5.1 Error: need MAIL command");
		return -1;
	}
	if (s->bdat_active) {
		smtpd_reply(s, "503 5.5.1 Error: RCPT after BDAT");
		return -1;
	}
	if ((p = keyword(arg, "TO:")) == NULL) {
		smtpd_reply(s, "501 5.5.4 Syntax: RCPT TO:<address>");
		return -1;
	}
	if (smtpd_anvil_event(s, SMTPD_ANVIL_RCPT) < 0)
		return -1;
	if (s->rcpt_limit > 0 && s->nrcpt >= (size_t)s->rcpt_limit) {
		smtpd_reply(s, "452 4.5.3 Error: too many recipients");
		/* Postfix: an error only past the overshoot limit */
		return s->rcpt_overshoot++ < (size_t)s->rcpt_overshoot_limit ?
		    0 : -1;
	}
	str_init(&addr);
	str_init(&reply);
	if (smtpd_mail_addr(s, &p, &addr, 1,
	    conf_bool(P_strict_rfc821_envelopes)) < 0) {
		smtpd_reply(s, "501 5.1.3 Bad recipient address syntax");
		goto out;
	}
	params = xstrdup(p);
	ret = rcpt_params(s, params, &notify, &orcpt);
	free(params);
	if (ret < 0 || (ret = utf8_ok(s, addr.s, "501 5.1.3 Bad recipient "
	    "address syntax")) < 0)
		goto out;
	s->ck.recipient = addr.s;
	s->ck.rcpt_count = (int)s->nrcpt;
	if (check_stage(&s->ck, CHECK_RCPT, &reply) != CHECK_OK) {
		smtpd_reply_text(s, reply.s);
		ret = -1;
		goto out;
	}
	s->rcpt = xreallocarray(s->rcpt, s->nrcpt + 1, sizeof(*s->rcpt));
	r = &s->rcpt[s->nrcpt++];
	r->addr = str_steal(&addr);
	r->orcpt = orcpt;
	r->notify = notify;
	orcpt = NULL;
	s->ck.rcpt_count = (int)s->nrcpt;
	smtpd_reply(s, "250 2.1.5 Ok");
	ret = 0;
out:
	s->ck.recipient = NULL;
	free(orcpt);
	str_free(&addr);
	str_free(&reply);
	return ret;
}
