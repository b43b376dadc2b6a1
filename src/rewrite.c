/*
 * rewrite - what sesmail does to the header section before handing a
 * message on.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <openssl/rand.h>

#include "address.h"
#include "buf.h"
#include "headers.h"
#include "mime.h"
#include "rewrite.h"
#include "util.h"

static int
is_printable_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e)
			return 0;
	return 1;
}

/* quote_phrase - name as an RFC 5322 §3.2.4 quoted-string. */
static int
quote_phrase(struct buf *v, const char *name)
{
	const char	*p;

	if (buf_appendc(v, '"') == -1)
		return -1;
	for (p = name; *p != '\0'; p++) {
		if ((*p == '"' || *p == '\\') && buf_appendc(v, '\\') == -1)
			return -1;
		if (buf_appendc(v, *p) == -1)
			return -1;
	}
	return buf_appendc(v, '"');
}

char *
rewrite_from_value(const char *fullname, const char *addr)
{
	struct buf	 v = BUF_INIT;
	int		 rc;

	if (fullname == NULL || fullname[0] == '\0')
		rc = buf_appends(&v, addr);
	else {
		/* Quoted, so a comma or a dot in the name cannot split the
		   address list; encoded-words where SES needs ASCII. */
		rc = is_printable_ascii(fullname) ? quote_phrase(&v, fullname) :
		    mime_encode_words(fullname, strlen(fullname), &v);
		if (rc == 0)
			rc = buf_printf(&v, " <%s>", addr);
	}
	if (rc == -1) {
		buf_free(&v);
		return NULL;
	}
	return buf_steal(&v);
}

int
rewrite_from_allowed(const char *value, const struct strlist *pats)
{
	struct address_list	 list = ADDRESS_LIST_INIT;
	const char		*why;
	size_t			 i, j;
	int			 ok;

	if (pats == NULL || pats->n == 0)
		return 1;
	if (address_list_parse(value, strlen(value), &list, &why) == -1 ||
	    list.n == 0) {
		address_list_free(&list);
		return 0;
	}
	ok = 1;
	for (i = 0; i < list.n && ok; i++) {
		ok = 0;
		for (j = 0; j < pats->n && !ok; j++)
			ok = fnmatch(pats->v[j], list.v[i].spec,
			    FNM_CASEFOLD) == 0;
	}
	address_list_free(&list);
	return ok;
}

/*
 * names_no_one - whether an address field's value holds no mailbox and
 * no group: nothing, or only white space, commas and comments. A value
 * that does not parse is not judged here; SES will.
 */
static int
names_no_one(const char *value)
{
	struct address_list	 list = ADDRESS_LIST_INIT;
	const char		*why;
	size_t			 i;
	int			 empty = 0;

	if (address_list_parse(value, strlen(value), &list, &why) == -1)
		goto out;
	empty = list.n == 0;
	for (i = 0; i < list.nspans && empty; i++)
		if (list.spans[i].kind == ADDRESS_GROUP_NAME)
			empty = 0;
out:
	address_list_free(&list);
	return empty;
}

/*
 * drop_empty - remove every field called name that names no one. SES
 * refuses an empty From ("From:" from a form whose address was never
 * filled in), and kept, it would count as present, so that no From is
 * added; an empty Sender says nothing either.
 */
static int
drop_empty(struct message *msg, const char *name)
{
	char	*value;
	size_t	 n = 0;
	long	 i;

	for (;;) {
		i = message_find(msg, name, n);
		if (i < 0)
			return 0;
		value = message_value(msg, (size_t)i);
		if (value == NULL)
			return -1;
		if (names_no_one(value))
			message_remove_at(msg, (size_t)i);
		else
			n++;
		free(value);
	}
}

/*
 * enforce_allowed_from - SES refuses a From that is not a verified
 * identity, and applications set any From they like; with allowed_from
 * set, such a From becomes the sender, and replies still reach the
 * original address through Reply-To.
 */
static int
enforce_allowed_from(struct message *msg, const struct rewrite_opts *o)
{
	char	*value = NULL, *from = NULL;
	long	 i;
	int	 rc = -1;

	if (o->allowed_from == NULL || o->allowed_from->n == 0 ||
	    o->sender == NULL)
		return 0;
	i = message_find(msg, "From", 0);
	if (i < 0)
		return 0;
	value = message_value(msg, (size_t)i);
	if (value == NULL)
		return -1;
	if (rewrite_from_allowed(value, o->allowed_from)) {
		rc = 0;
		goto out;
	}

	from = rewrite_from_value(o->fullname, o->sender);
	if (from == NULL)
		goto out;
	if (message_count(msg, "Reply-To") == 0 &&
	    message_add(msg, "Reply-To", value) == -1)
		goto out;
	message_remove_at(msg, (size_t)i);
	rc = message_add(msg, "From", from);
out:
	free(from);
	free(value);
	return rc;
}

static int
add_from(struct message *msg, const struct rewrite_opts *o)
{
	char	*value;
	int	 rc;

	/* The null sender and no From: nothing to build one from; SES
	   will say so. */
	if (o->sender == NULL)
		return 0;
	value = rewrite_from_value(o->fullname, o->sender);
	if (value == NULL)
		return -1;
	rc = message_add(msg, "From", value);
	free(value);
	return rc;
}

static int
add_message_id(struct message *msg, const struct rewrite_opts *o)
{
	unsigned char	 rnd[10];
	char		 hex[21], stamp[16], value[320];
	const char	*domain;
	struct tm	 tm;
	time_t		 now;
	size_t		 i;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);

	domain = o->sender != NULL ? strchr(o->sender, '@') : NULL;
	if (domain != NULL)
		domain++;
	else if (o->domain != NULL)
		domain = o->domain;
	else
		domain = "localhost";
	snprintf(value, sizeof(value), "<%s.%s@%s>", stamp, hex, domain);
	return message_add(msg, "Message-ID", value);
}

static int
add_date(struct message *msg, time_t when)
{
	char		 value[64];
	struct tm	 tm;

	/* RFC 5322 §3.3; the C locale gives English names. */
	if (when == 0)
		when = time(NULL);
	localtime_r(&when, &tm);
	if (strftime(value, sizeof(value), "%a, %d %b %Y %H:%M:%S %z",
	    &tm) == 0)
		return -1;
	return message_add(msg, "Date", value);
}

static int
add_missing(struct message *msg, const struct rewrite_opts *o)
{
	if (message_count(msg, "Date") == 0 && add_date(msg, o->date) == -1)
		return -1;
	if (message_count(msg, "Message-ID") == 0 &&
	    add_message_id(msg, o) == -1)
		return -1;
	if (message_count(msg, "From") == 0 && add_from(msg, o) == -1)
		return -1;
	return 0;
}

int
rewrite_message(struct message *msg, const struct rewrite_opts *o,
    char *err, size_t errlen)
{
	size_t	 unfoldable, reencoded;
	int	 rc;

	/* The recipients of Bcc are already in the envelope, which SES
	   honours; the field itself must not reach anyone. */
	message_remove(msg, "Bcc");
	message_remove(msg, "Resent-Bcc");
	/* Before the first of each is kept: an empty From must not be the
	   one that stays. */
	if (drop_empty(msg, "From") == -1 || drop_empty(msg, "Sender") == -1)
		goto nomem;
	message_dedupe_singletons(msg);

	rc = headers_fix(msg, o->domain, err, errlen);
	if (rc != 0)
		return rc;

	if (enforce_allowed_from(msg, o) == -1 || add_missing(msg, o) == -1)
		goto nomem;

	/* SES refuses lines over 998 octets; re-encode rather than cut. */
	if (mime_fold_long_fields(msg, &unfoldable) == -1 ||
	    mime_fix_long_lines(msg, &reencoded) == -1)
		goto nomem;
	return 0;

nomem:
	seterr(err, errlen, "out of memory");
	return EX_OSERR;
}
