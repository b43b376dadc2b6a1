/*
 * envelope - who the message is from and to, as SES will be told.
 *
 * SES delivers to exactly the Destinations it is given, so the envelope
 * is built here from the arguments and, with -t, from the headers, and
 * always passed explicitly: a Bcc recipient is reached only this way once
 * the Bcc field is removed from the message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "address.h"
#include "envelope.h"
#include "headers.h"
#include "mime.h"
#include "rewrite.h"
#include "util.h"

void
envelope_init(struct envelope *env)
{
	env->sender = NULL;
	strlist_init(&env->rcpts);
}

void
envelope_free(struct envelope *env)
{
	free(env->sender);
	strlist_free(&env->rcpts);
	envelope_init(env);
}

/*
 * qualify - spec as it will be sent: a bare local name gets "@domain".
 * Returns an allocated string, or NULL with *rc and err set.
 */
static char *
qualify(const char *spec, const struct conf *c, int *rc, char *err,
    size_t errlen)
{
	struct buf	 b = BUF_INIT;

	if (strchr(spec, '@') != NULL)
		return strdup(spec);
	if (c->domain == NULL) {
		seterr(err, errlen, "'%s' has no domain and no domain is "
		    "configured (set domain in sesmail.conf)", spec);
		sanitize(err);
		*rc = EX_CONFIG;
		return NULL;
	}
	if (buf_printf(&b, "%s@%s", spec, c->domain) == -1) {
		seterr(err, errlen, "out of memory");
		*rc = EX_OSERR;
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/*
 * local_part - the part of spec the aliases apply to, or NULL when spec
 * is not local: no domain, @localhost, or @ this host (cron and fail2ban
 * write root@localhost and root@$(hostname)). The caller frees it.
 */
static char *
local_part(const struct envelope_ctx *x, const char *spec)
{
	const char	*at;

	at = strrchr(spec, '@');
	if (at == NULL)
		return strdup(spec);
	if (strcasecmp(at + 1, "localhost") != 0 &&
	    (x->hostname == NULL || strcasecmp(at + 1, x->hostname) != 0))
		return NULL;
	return strndup(spec, (size_t)(at - spec));
}

/*
 * add_final - qualify, check and add one address that aliases are done
 * with.
 */
static int
add_final(const struct envelope_ctx *x, const char *spec, const char *what,
    struct envelope *env, char *err, size_t errlen)
{
	char	*full, *ascii;
	int	 rc = 0;

	full = qualify(spec, x->conf, &rc, err, errlen);
	if (full == NULL)
		return rc;
	if (!mime_is_ascii(full, strlen(full))) {
		/* An IDN domain has an ASCII form; a local part has none,
		   and headers_domain_to_ascii says so. */
		ascii = headers_domain_to_ascii(full, err, errlen);
		free(full);
		if (ascii == NULL)
			return EX_DATAERR;
		full = ascii;
		if (!mime_is_ascii(full, strlen(full))) {
			seterr(err, errlen, "%s: an address with a non-ASCII "
			    "local part; SES cannot send to it", what);
			free(full);
			return EX_DATAERR;
		}
	}
	if (!address_is_valid_spec(full)) {
		seterr(err, errlen, "%s: '%s' is not an address SES can "
		    "send to", what, full);
		sanitize(err);
		free(full);
		return EX_DATAERR;
	}
	/* Duplicates are dropped: SES would deliver twice. */
	if (strlist_contains(&env->rcpts, full)) {
		free(full);
		return 0;
	}
	if (strlist_take(&env->rcpts, full) == -1) {
		seterr(err, errlen, "out of memory");
		return EX_OSERR;
	}
	return 0;
}

/*
 * add_one - one parsed address: local ones through the aliases.
 */
static int
add_one(const struct envelope_ctx *x, const char *spec, const char *what,
    struct envelope *env, char *err, size_t errlen)
{
	struct strlist	 expanded = STRLIST_INIT;
	char		*local;
	size_t		 i;
	int		 rc = 0;

	local = local_part(x, spec);
	if (local == NULL)
		return add_final(x, spec, what, env, err, errlen);
	if (x->aliases == NULL) {
		rc = add_final(x, local, what, env, err, errlen);
		goto out;
	}

	/* A name that is no alias comes back as it is, and is then
	   qualified with the configured domain like any bare name. */
	if (aliases_resolve(x->aliases, local, &expanded, err, errlen) == -1) {
		rc = EX_CONFIG;
		goto out;
	}
	for (i = 0; i < expanded.n && rc == 0; i++)
		rc = add_final(x, expanded.v[i], what, env, err, errlen);
out:
	strlist_free(&expanded);
	free(local);
	return rc;
}

int
envelope_add_list(const struct envelope_ctx *x, const char *text,
    const char *what, struct envelope *env, char *err, size_t errlen)
{
	struct address_list	 list = ADDRESS_LIST_INIT;
	const char		*why = NULL;
	size_t			 i;
	int			 rc = 0;

	if (address_list_parse(text, strlen(text), &list, &why) == -1) {
		seterr(err, errlen, "%s: %s", what, why ? why : "bad address");
		rc = EX_DATAERR;
		goto out;
	}
	for (i = 0; i < list.n && rc == 0; i++)
		rc = add_one(x, list.v[i].spec, what, env, err, errlen);
out:
	address_list_free(&list);
	return rc;
}

/*
 * Fields a Resent- block holds once (RFC 5322 §3.6.6): a second one
 * starts the next block, since every block has a Resent-Date and a
 * Resent-From. Resent-To, -Cc and -Bcc are once per block too, but a
 * second Resent-To is more often a writer's second line of recipients,
 * who would be lost if it were taken for an older block.
 */
static const char *const resent_once[] = {
	"Resent-Date", "Resent-From", "Resent-Message-ID", "Resent-Sender",
};

#define NRESENT_ONCE	(sizeof(resent_once) / sizeof(resent_once[0]))

static int
is_resent(const char *name)
{
	return strncasecmp(name, "Resent-", 7) == 0;
}

/* resent_once_bit - name's bit among resent_once, or 0 for the rest. */
static unsigned int
resent_once_bit(const char *name)
{
	size_t	 i;

	for (i = 0; i < NRESENT_ONCE; i++)
		if (strcasecmp(name, resent_once[i]) == 0)
			return 1U << i;
	return 0;
}

/*
 * resent_block - [*first, *end) is the newest Resent- block (RFC 5322
 * §3.6.6: each resending prepends its block). It starts at the first
 * Resent- field and ends at a field that is not one, or at a second
 * Resent-Date, -From, -Sender or -Message-ID: blocks written one after
 * the other have no other mark between them, and recipients of an
 * older block must not get the message again. Returns 0 when there is
 * no Resent- field.
 */
static int
resent_block(const struct message *msg, size_t *first, size_t *end)
{
	unsigned int	 seen = 0, bit;
	size_t		 i;

	for (i = 0; i < msg->nhdr; i++)
		if (is_resent(msg->hdr[i].name))
			break;
	if (i == msg->nhdr)
		return 0;
	*first = i;
	for (; i < msg->nhdr && is_resent(msg->hdr[i].name); i++) {
		bit = resent_once_bit(msg->hdr[i].name);
		if (seen & bit)
			break;
		seen |= bit;
	}
	*end = i;
	return 1;
}

static int
is_rcpt_field(const char *name, int resent)
{
	if (resent)
		return strcasecmp(name, "Resent-To") == 0 ||
		    strcasecmp(name, "Resent-Cc") == 0 ||
		    strcasecmp(name, "Resent-Bcc") == 0;
	return strcasecmp(name, "To") == 0 || strcasecmp(name, "Cc") == 0 ||
	    strcasecmp(name, "Bcc") == 0;
}

static int
add_header_rcpts(const struct envelope_ctx *x, const struct message *msg,
    struct envelope *env, char *err, size_t errlen)
{
	size_t	 i, first = 0, end = msg->nhdr;
	char	*value;
	int	 resent, rc;

	resent = resent_block(msg, &first, &end);
	for (i = first; i < end; i++) {
		if (!is_rcpt_field(msg->hdr[i].name, resent))
			continue;
		value = message_value(msg, i);
		if (value == NULL) {
			seterr(err, errlen, "out of memory");
			return EX_OSERR;
		}
		rc = envelope_add_list(x, value, msg->hdr[i].name, env, err,
		    errlen);
		free(value);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
envelope_set_sender(const struct envelope_ctx *x, const char *given,
    int from_caller, struct envelope *env, char *err, size_t errlen)
{
	const struct conf_user	*u;
	int			 rc = 0;

	free(env->sender);
	env->sender = NULL;
	if (given == NULL) {
		/* -f, else the caller's own sender, else the global one. */
		u = conf_user_find(x->conf, x->user);
		if (u != NULL && u->sender != NULL)
			given = u->sender;
		else if (x->conf->sender != NULL)
			given = x->conf->sender;
		else
			given = x->user;
	}
	if (given[0] == '\0')
		return 0;	/* the null sender: no Source */

	env->sender = qualify(given, x->conf, &rc, err, errlen);
	if (env->sender == NULL)
		return rc;

	/* Callers pass -f root, -f www-data@host: never verified in SES.
	   With allowed_from set, such a sender gives way to the configured
	   one instead of getting the message refused. */
	if (from_caller && x->conf->allowed_from.n > 0 &&
	    !rewrite_from_allowed(env->sender, &x->conf->allowed_from))
		return envelope_set_sender(x, NULL, 0, env, err, errlen);
	if (!address_is_valid_spec(env->sender)) {
		seterr(err, errlen, "sender '%s' is not a valid address",
		    env->sender);
		sanitize(err);
		return from_caller ? EX_USAGE : EX_CONFIG;
	}
	return 0;
}

/*
 * no_recipients - say where recipients were looked for: with Resent-
 * fields, To, Cc and Bcc do not count, and "none in To" would puzzle
 * whoever sees a To field.
 */
static void
no_recipients(const struct options *o, const struct message *msg,
    char *err, size_t errlen)
{
	size_t	 first, end;

	if (!o->extract)
		seterr(err, errlen, "no recipients given (use -t to take "
		    "them from the message)");
	else if (msg != NULL && resent_block(msg, &first, &end))
		seterr(err, errlen, "no recipients in the arguments or in "
		    "the newest Resent- block's Resent-To, -Cc, -Bcc (with "
		    "Resent- fields, To, Cc and Bcc do not count)");
	else
		seterr(err, errlen, "no recipients in the arguments or in "
		    "To, Cc, Bcc");
}

int
envelope_build(const struct options *o, const struct envelope_ctx *x,
    const struct message *msg, struct envelope *env, char *err,
    size_t errlen)
{
	char	 what[32];
	int	 i, rc;

	rc = envelope_set_sender(x, o->sender, o->sender != NULL, env, err,
	    errlen);
	if (rc != 0)
		return rc;

	for (i = 0; i < o->nrcpts; i++) {
		snprintf(what, sizeof(what), "recipient argument %d", i + 1);
		rc = envelope_add_list(x, o->rcpts[i], what, env, err, errlen);
		if (rc != 0)
			return rc;
	}
	if (o->extract) {
		rc = add_header_rcpts(x, msg, env, err, errlen);
		if (rc != 0)
			return rc;
	}

	if (env->rcpts.n == 0) {
		no_recipients(o, msg, err, errlen);
		return EX_USAGE;
	}
	return 0;
}
