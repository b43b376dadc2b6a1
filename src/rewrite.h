/*
 * rewrite - what sesmail does to the header section before handing a
 * message on, as every sendmail does: Bcc out, one of each field SES
 * allows once, and Date, Message-ID and From when missing. The body is
 * never touched here.
 */
#ifndef SESMAIL_REWRITE_H
#define SESMAIL_REWRITE_H

#include <stddef.h>
#include <time.h>

#include "message.h"
#include "strlist.h"

struct rewrite_opts {
	const char	*sender;	/* envelope sender, NULL: null sender */
	const char	*fullname;	/* -F, else from the configuration or
					   the password file */
	const char	*domain;	/* configured domain, may be NULL */
	const struct strlist *allowed_from; /* From patterns, may be empty */
	time_t		 date;		/* for an added Date; 0: now */
};

/*
 * rewrite_message - edit msg in place, in this order: Bcc and Resent-Bcc
 * out; a From or Sender that names no one (empty, or only white space
 * and comments) out, so that an empty From counts as missing; the first
 * of each field SES allows once kept; address fields qualified and
 * 8-bit text encoded (headers_fix); a From outside allowed_from
 * replaced by the sender (the original kept in Reply-To when there is
 * none); Date, Message-ID and From added when missing; over-long header
 * lines folded and over-long body lines re-encoded as quoted-printable.
 * Returns 0, or a sysexits code with err: EX_DATAERR for what SES could
 * never take (a non-ASCII local part), EX_OSERR when memory runs out.
 */
int	rewrite_message(struct message *msg, const struct rewrite_opts *o,
	    char *err, size_t errlen);

/*
 * rewrite_from_value - the value of a From field sesmail writes:
 * "\"Full Name\" <addr>", the name as RFC 2047 encoded-words when it is
 * not ASCII, or the bare address when there is no name. Returns an
 * allocated string or NULL.
 */
char	*rewrite_from_value(const char *fullname, const char *addr);

/*
 * rewrite_from_allowed - true when every address of the From value is
 * matched by one of the patterns (fnmatch(3), case-insensitive), or
 * when there are no patterns.
 */
int	rewrite_from_allowed(const char *value, const struct strlist *pats);

#endif
