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

int
audit_format(const struct audit_record *r, char *out, size_t len)
{
	char	 ids[256];
	int	 n;

	if (r->ses_id != NULL)
		ses_ids(r->ses_id, ids, sizeof(ids));
	n = snprintf(out, len, "id=%s uid=%ld user=%.64s from=<%.320s> "
	    "nrcpt=%zu size=%zu %s=%s status=%s exit=%d attempts=%u "
	    "elapsed=%.3f%s%.200s",
	    r->id, (long)r->uid, r->user ? r->user : "?",
	    r->sender ? r->sender : "", r->nrcpt, r->size,
	    r->ses_id ? "sesid" : "error",
	    r->ses_id ? ids : (r->error ? r->error : "none"),
	    status_word(r->exitcode), r->exitcode, r->attempts, r->elapsed,
	    r->kept ? " kept=" : "", r->kept ? r->kept : "");
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
