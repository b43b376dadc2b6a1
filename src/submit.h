/*
 * submit - hand a message to SES: the part of the send path that -bm and
 * -bs share. One submitter lives for the whole process, so an SMTP
 * session looks its credentials up once (and again only shortly before
 * they expire) and keeps one HTTPS connection.
 */
#ifndef SESMAIL_SUBMIT_H
#define SESMAIL_SUBMIT_H

#include <sys/types.h>

#include "buf.h"
#include "conf.h"
#include "credentials.h"
#include "envelope.h"
#include "http.h"
#include "message.h"

/* SES v1 refuses a message whose base64 form is over 10 MB; take the
   smaller reading of "MB" so a message is never sent only to bounce. */
#define SES_V1_MAX_ENCODED	10000000
/* The largest message (as read) that fits. */
#define SUBMIT_MAX_RAW		(SES_V1_MAX_ENCODED / 4 * 3)

struct submitter {
	const struct conf	*conf;
	uid_t			 uid;
	const char		*user;		/* login name of the caller */
	const char		*fullname;	/* for a From sesmail adds */
	int			 verbose;

	/* Set up on first use and kept for later messages. */
	const char		*region;
	char			*region_imds;	/* region, when metadata told */
	char			*endpoint;
	struct credentials	 cred;
	int			 have_cred;
	struct http_client	*http;
};

/* Outcome of one message, for the caller's reply. */
struct submit_result {
	char		 id[13];	/* local id, as in the audit line */
	struct buf	 ses_ids;	/* MessageIds, comma-separated */
	const char	*error;		/* short cause for the audit line */
};

void	submitter_init(struct submitter *s, const struct conf *c, uid_t uid,
	    const char *user, const char *fullname, int verbose);
void	submitter_free(struct submitter *s);

/*
 * submit_message - rewrite the header section (rewrite_message), check
 * the size, and send msg to every recipient of env, at most 50 per SES
 * call, each call with the same bytes. Writes the audit line.
 * Returns 0 when SES accepted it for every recipient, else a sysexits
 * code with err filled. res is initialised here; free it with
 * submit_result_free.
 */
int	submit_message(struct submitter *s, struct message *msg,
	    const struct envelope *env, struct submit_result *res,
	    char *err, size_t errlen);

void	submit_result_free(struct submit_result *res);

/*
 * submit_log_failure - the audit line for a message that failed before
 * it could be submitted (configuration, input, addresses).
 */
void	submit_log_failure(const struct submitter *s,
	    const struct envelope *env, size_t size, const char *cause,
	    int rc);

#endif
