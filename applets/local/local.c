/* MIT licence: see LICENSE. */
/*
 * local.c - the local delivery agent: one delivery request from qmgr
 * (lib/queue/agent.h), each recipient delivered as Postfix's local(8) does:
 * alias_maps, ~/.forward, mailbox_command, home_mailbox (mbox or
 * Maildir/), mail_spool_directory, |commands, /files and :include:
 * files; luser_relay or "unknown user" for the rest.
 *
 * Run by master for qmgr (the connection on fds 0 and 1) as root, so
 * that each delivery can run as its recipient (local_cmd.c); started
 * as an ordinary user, it delivers as that user.  The parts live in
 * local_*.c.  Man page: local(8).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../lib/conf.h"
#include "../../lib/log.h"
#include "../../lib/queue/agent.h"
#include "../../lib/str.h"
#include "../../lib/table/maps.h"
#include "../../lib/x.h"
#include "local.h"

#define DTO_MAX		1000	/* Delivered-To: headers remembered */

/* the Delivered-To: values of the message's headers, for loops */
static void
read_delivered(struct local_ctx *c)
{
	struct str line = STR_INIT, hdr = STR_INIT;
	int r, in_dto = 0;

	str_init(&line);
	str_init(&hdr);
	if (agent_msg_rewind(c->msg) < 0)
		goto out;
	for (;;) {
		r = agent_msg_line(c->msg, &line);
		if (r == 1 && (line.s[0] == ' ' || line.s[0] == '\t')) {
			if (in_dto)
				str_addmem(&hdr, line.s, line.len);
			continue;
		}
		if (in_dto && c->ndto < DTO_MAX) {
			str_trim(&hdr);
			str_lower(&hdr);
			c->dto = xreallocarray(c->dto, c->ndto + 1,
			    sizeof(*c->dto));
			c->dto[c->ndto++] = xstrdup(hdr.s);
		}
		in_dto = 0;
		if (r != 1 || line.len == 0)
			break;
		if (line.len > 13 && strncasecmp(line.s, "Delivered-To:",
		    13) == 0) {
			in_dto = 1;
			str_set(&hdr, line.s + 13);
		} else if (strchr(line.s, ':') == NULL) {
			break;	/* not a header: the body began */
		}
	}
out:
	str_free(&line);
	str_free(&hdr);
}

static void
deliver(struct agent_req *req, struct agent_msg *msg)
{
	struct local_ctx c;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.req = req;
	c.msg = msg;
	/* no $n: no envelope text in what may name a |command (Postfix) */
	c.aliases = maps_open("alias_maps", conf_str(P_alias_maps),
	    DICT_FOLD | DICT_NO_REGSUB);
	read_delivered(&c);
	for (i = 0; i < req->nrcpt; i++)
		if (req->rcpt[i].status == AGENT_NONE)
			local_recipient(&c, &req->rcpt[i]);
	for (i = 0; i < c.ndto; i++)
		free(c.dto[i]);
	free(c.dto);
	free(c.reason);
	maps_close(c.aliases);
}

/* local_main - the local delivery agent */
int
local_main(int argc, char **argv)
{
	return agent_main(argc, argv, AGENT_KEEP_ROOT, deliver);
}
