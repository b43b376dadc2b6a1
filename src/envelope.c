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
#include <sysexits.h>

#include "address.h"
#include "envelope.h"
#include "util.h"

/* With -t, the fields whose addresses become recipients. */
static const char *const rcpt_fields[] = { "To", "Cc", "Bcc" };

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
 * Returns an allocated string, or NULL with err set.
 */
static char *
qualify(const char *spec, int has_domain, const struct conf *c, char *err,
    size_t errlen)
{
	struct buf	 b = BUF_INIT;

	if (has_domain)
		return strdup(spec);
	if (c->domain == NULL) {
		seterr(err, errlen, "'%s' has no domain and no domain is "
		    "configured (set domain in sesmail.conf)", spec);
		return NULL;
	}
	if (buf_printf(&b, "%s@%s", spec, c->domain) == -1) {
		seterr(err, errlen, "out of memory");
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/*
 * add_list - parse one address list and add its addresses to env.
 */
static int
add_list(const char *text, size_t len, const char *what,
    const struct conf *c, struct envelope *env, char *err, size_t errlen)
{
	struct address_list	 list = ADDRESS_LIST_INIT;
	const char		*why = NULL;
	char			*spec;
	size_t			 i;
	int			 rc = 0;

	if (address_list_parse(text, len, &list, &why) == -1) {
		seterr(err, errlen, "%s: %s", what, why ? why : "bad address");
		rc = EX_DATAERR;
		goto out;
	}
	for (i = 0; i < list.n; i++) {
		spec = qualify(list.v[i].spec, list.v[i].has_domain, c, err,
		    errlen);
		if (spec == NULL) {
			rc = c->domain == NULL ? EX_CONFIG : EX_OSERR;
			goto out;
		}
		if (!address_is_valid_spec(spec)) {
			seterr(err, errlen, "%s: invalid address", what);
			free(spec);
			rc = EX_DATAERR;
			goto out;
		}
		/* Duplicates are dropped: SES would deliver twice. */
		if (strlist_contains(&env->rcpts, spec)) {
			free(spec);
			continue;
		}
		if (strlist_take(&env->rcpts, spec) == -1) {
			seterr(err, errlen, "out of memory");
			rc = EX_OSERR;
			goto out;
		}
	}
out:
	address_list_free(&list);
	return rc;
}

static int
add_header_rcpts(const struct message *msg, const struct conf *c,
    struct envelope *env, char *err, size_t errlen)
{
	char	*value;
	size_t	 f, n;
	long	 i;
	int	 rc;

	for (f = 0; f < sizeof(rcpt_fields) / sizeof(rcpt_fields[0]); f++) {
		for (n = 0; (i = message_find(msg, rcpt_fields[f], n)) >= 0;
		    n++) {
			value = message_value(msg, (size_t)i);
			if (value == NULL) {
				seterr(err, errlen, "out of memory");
				return EX_OSERR;
			}
			rc = add_list(value, strlen(value), rcpt_fields[f], c,
			    env, err, errlen);
			free(value);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/*
 * build_sender - -f wins; "" (from -f '' or -f '<>') is the null sender.
 */
static int
build_sender(const struct options *o, const struct conf *c,
    const char *user, struct envelope *env, char *err, size_t errlen)
{
	const char	*given;
	int		 rc = 0;

	given = o->sender != NULL ? o->sender : c->sender;
	if (given != NULL && given[0] == '\0')
		return 0;

	if (given == NULL)
		given = user;
	env->sender = qualify(given, strchr(given, '@') != NULL, c, err,
	    errlen);
	if (env->sender == NULL)
		return c->domain == NULL ? EX_CONFIG : EX_OSERR;

	if (!address_is_valid_spec(env->sender)) {
		seterr(err, errlen, "sender '%s' is not a valid address",
		    env->sender);
		sanitize(err);
		rc = o->sender != NULL ? EX_USAGE : EX_CONFIG;
	}
	return rc;
}

int
envelope_build(const struct options *o, const struct conf *c,
    const struct message *msg, const char *user, struct envelope *env,
    char *err, size_t errlen)
{
	int	 i, rc;
	char	 what[32];

	rc = build_sender(o, c, user, env, err, errlen);
	if (rc != 0)
		return rc;

	for (i = 0; i < o->nrcpts; i++) {
		snprintf(what, sizeof(what), "recipient argument %d", i + 1);
		rc = add_list(o->rcpts[i], strlen(o->rcpts[i]), what, c, env,
		    err, errlen);
		if (rc != 0)
			return rc;
	}
	if (o->extract) {
		rc = add_header_rcpts(msg, c, env, err, errlen);
		if (rc != 0)
			return rc;
	}

	if (env->rcpts.n == 0) {
		seterr(err, errlen, o->extract ? "no recipients in the "
		    "arguments or in To, Cc, Bcc" : "no recipients given "
		    "(use -t to take them from the message)");
		return EX_USAGE;
	}
	return 0;
}
