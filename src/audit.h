/*
 * audit - the syslog trail: one line per message, key=value, LOG_MAIL.
 * Never the content, the subject or a secret.
 */
#ifndef SESMAIL_AUDIT_H
#define SESMAIL_AUDIT_H

#include <stddef.h>
#include <sys/types.h>

struct audit_record {
	const char	*id;		/* local id of this submission */
	uid_t		 uid;
	const char	*user;
	const char	*sender;	/* NULL: null sender */
	size_t		 nrcpt;
	size_t		 size;		/* bytes handed to SES */
	const char	*ses_id;	/* SES MessageId(s), or NULL */
	const char	*error;		/* error code, or NULL */
	int		 exitcode;
	unsigned	 attempts;	/* SES calls made */
	double		 elapsed;	/* seconds */
	const char	*kept;		/* where a message that did not go
					   is kept: a spool file,
					   "dead.letter:PATH" or "none";
					   NULL: not a question (sent) */
};

/* Room for the longest line audit_format writes. */
#define AUDIT_LINE_MAX	4096

void	audit_open(const char *ident);
/* audit_line - format rec as the one line (for tests and -v). */
int	audit_format(const struct audit_record *rec, char *out, size_t len);
void	audit_log(const struct audit_record *rec);

#endif
