/*
 * audit - the syslog trail: one line per message, key=value, LOG_MAIL.
 *
 * The line names who sent what to how many, and what SES answered, so
 * that an administrator can answer "did this mail go out?" from the log
 * alone. It never holds the content, the subject, the recipients'
 * addresses or any secret.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "audit.h"

void
audit_open(const char *ident)
{
	openlog(ident != NULL ? ident : "sesmail", LOG_PID | LOG_NDELAY,
	    LOG_MAIL);
}

static const char *
status_word(int exitcode)
{
	switch (exitcode) {
	case 0:
		return "sent";
	case 75:	/* EX_TEMPFAIL: the caller may try again */
		return "deferred";
	default:
		return "failed";
	}
}

/*
 * ses_ids - the MessageIds, or, for a message sent in many calls, the
 * first and how many more, so that the fields after it (status, exit)
 * always fit in the line.
 */
static void
ses_ids(const char *ids, char *out, size_t len)
{
	size_t		 first, more = 0;
	const char	*p;

	if (strlen(ids) < 200) {
		snprintf(out, len, "%s", ids);
		return;
	}
	first = strcspn(ids, ",");
	for (p = ids; *p != '\0'; p++)
		more += *p == ',';
	snprintf(out, len, "%.*s(+%zu)", (int)(first < 120 ? first : 120),
	    ids, more);
}

/*
 * value - at most max bytes of s as one field value: a space, a control
 * byte, a byte beyond ASCII or a '%' becomes %XX, so that no value (a
 * quoted local part, a HOME with a space, a MessageId from a strange
 * endpoint) can end its field early or forge another. out holds at
 * least 3 * max + 1 bytes.
 */
static const char *
value(const char *s, size_t max, char *out)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*u = (const unsigned char *)s;
	char			*o = out;
	size_t			 i;

	for (i = 0; i < max && u[i] != '\0'; i++) {
		if (u[i] <= ' ' || u[i] >= 0x7f || u[i] == '%') {
			*o++ = '%';
			*o++ = hex[u[i] >> 4];
			*o++ = hex[u[i] & 0xf];
		} else
			*o++ = (char)u[i];
	}
	*o = '\0';
	return out;
}

int
audit_format(const struct audit_record *r, char *out, size_t len)
{
	char	 ids[256], user[3 * 64 + 1], from[3 * 320 + 1];
	char	 what[3 * sizeof(ids)], kept[3 * 200 + 1];
	int	 n;

	if (r->ses_id != NULL)
		ses_ids(r->ses_id, ids, sizeof(ids));
	value(r->ses_id ? ids : (r->error ? r->error : "none"),
	    sizeof(ids) - 1, what);
	n = snprintf(out, len, "id=%s uid=%ld user=%s from=<%s> "
	    "nrcpt=%zu size=%zu %s=%s status=%s exit=%d attempts=%u "
	    "elapsed=%.3f%s%s",
	    r->id, (long)r->uid, value(r->user ? r->user : "?", 64, user),
	    value(r->sender ? r->sender : "", 320, from), r->nrcpt, r->size,
	    r->ses_id ? "sesid" : "error", what,
	    status_word(r->exitcode), r->exitcode, r->attempts, r->elapsed,
	    r->kept ? " kept=" : "", value(r->kept ? r->kept : "", 200,
	    kept));
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

void
audit_log(const struct audit_record *r)
{
	char	 line[AUDIT_LINE_MAX];

	if (audit_format(r, line, sizeof(line)) == -1)
		line[sizeof(line) - 1] = '\0';
	syslog(r->exitcode == 0 ? LOG_INFO : LOG_ERR, "%s", line);
}
