/*
 * rewrite - what sesmail does to the header section before handing a
 * message on.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "buf.h"
#include "rewrite.h"

static int
is_printable_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e)
			return 0;
	return 1;
}

char *
rewrite_from_value(const char *fullname, const char *addr)
{
	struct buf	 v = BUF_INIT;
	const char	*p;

	/* A non-ASCII name needs RFC 2047 encoding; until sesmail has it,
	   the bare address is the safe choice. */
	if (fullname == NULL || fullname[0] == '\0' ||
	    !is_printable_ascii(fullname)) {
		if (buf_appends(&v, addr) == -1)
			goto fail;
		return buf_steal(&v);
	}

	/* Always a quoted-string (RFC 5322 §3.2.4), so a comma or a dot
	   in the name cannot split the address list. */
	if (buf_appendc(&v, '"') == -1)
		goto fail;
	for (p = fullname; *p != '\0'; p++) {
		if ((*p == '"' || *p == '\\') && buf_appendc(&v, '\\') == -1)
			goto fail;
		if (buf_appendc(&v, *p) == -1)
			goto fail;
	}
	if (buf_printf(&v, "\" <%s>", addr) == -1)
		goto fail;
	return buf_steal(&v);

fail:
	buf_free(&v);
	return NULL;
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
add_date(struct message *msg)
{
	char		 value[64];
	struct tm	 tm;
	time_t		 now;

	/* RFC 5322 §3.3; the C locale gives English names. */
	now = time(NULL);
	localtime_r(&now, &tm);
	if (strftime(value, sizeof(value), "%a, %d %b %Y %H:%M:%S %z",
	    &tm) == 0)
		return -1;
	return message_add(msg, "Date", value);
}

int
rewrite_message(struct message *msg, const struct rewrite_opts *o)
{
	/* The recipients of Bcc are already in the envelope, which SES
	   honours; the field itself must not reach anyone. */
	message_remove(msg, "Bcc");
	message_remove(msg, "Resent-Bcc");
	message_dedupe_singletons(msg);

	if (message_count(msg, "Date") == 0 && add_date(msg) == -1)
		return -1;
	if (message_count(msg, "Message-ID") == 0 &&
	    add_message_id(msg, o) == -1)
		return -1;
	if (message_count(msg, "From") == 0 && add_from(msg, o) == -1)
		return -1;
	return 0;
}
