/*
 * submit - hand a message to SES: the part of the send path that -bm,
 * -bs and -q share. One submitter lives for the whole process, so an
 * SMTP session looks its credentials up once (and again only shortly
 * before they expire) and keeps one HTTPS connection.
 *
 * A message read from standard input is rewritten and its size checked,
 * then kept in the spool (or, failing that, is headed for ~/dead.letter
 * should it fail), then sent with retries (retry.h), then removed from
 * the spool once SES has taken it for every recipient, or kept with the
 * reason.
 */
#ifndef SESMAIL_SUBMIT_H
#define SESMAIL_SUBMIT_H

#include <sys/types.h>

#include <time.h>

#include "buf.h"
#include "conf.h"
#include "credentials.h"
#include "envelope.h"
#include "http.h"
#include "message.h"
#include "ses.h"
#include "spool.h"

/* The largest message (as rewritten) that any SES API takes: v2's;
   ses_max_raw() tells what the configured api takes. */
#define SUBMIT_MAX_RAW		(SES_V2_MAX_B64 / 4 * 3)

struct submitter {
	const struct conf	*conf;
	uid_t			 uid;
	const char		*user;		/* login name of the caller */
	const char		*fullname;	/* for a From sesmail adds */
	const char		*home;		/* for ~/dead.letter, or NULL */
	int			 verbose;
	long			 clock_offset;	/* learnt from a clock-skew
						   error, kept for later
						   messages */
	time_t			 submitted;	/* when a kept message was
						   handed in, for its Date;
						   0: now */

	/* Set up on first use and kept for later messages. */
	const char		*region;
	char			*region_imds;	/* region, when metadata told */
	char			*endpoint;
	struct credentials	 cred;
	int			 have_cred;
	struct http_client	*http;
};

/*
 * The message exactly as it was read, for the spool to keep: in memory
 * (mem, emptied once the spool has it), or the len bytes at off in the
 * file fd (message_spill), which the caller closes. When the file is
 * one submit_spill_to reserved in the spool, keeping it is naming it.
 */
struct submit_raw {
	struct buf	*mem;
	int		 fd;
	off_t		 off;
	size_t		 len;
};

#define SUBMIT_RAW_INIT	{ NULL, -1, 0, 0 }

/*
 * submit_spill_to - where message_spill_to is to put a message too large
 * for memory: a file reserved in the caller's spool directory
 * (spool_reserve), when there is a spool.
 */
void	submit_spill_to(struct submitter *s, struct spill_to *to);

/* Outcome of one message, for the caller's reply. */
struct submit_result {
	char		 id[SPOOL_ID_LEN + 1];	/* local id: audit, spool */
	struct buf	 ses_ids;	/* MessageIds, comma-separated */
	const char	*error;		/* short cause for the audit line */
	char		 code[64];	/* SES error code, when one came */
	size_t		 nsent;		/* recipients SES took (the first
					   nsent of the envelope's) */
	unsigned	 attempts;	/* SES calls made */
	char		 kept[SPOOL_PATH_MAX + 16];	/* where a failed
					   message is, "" when not asked */
};

void	submitter_init(struct submitter *s, const struct conf *c, uid_t uid,
	    const char *user, const char *fullname, int verbose);
void	submitter_free(struct submitter *s);

/*
 * submit_catch_signals - from now on SIGTERM, SIGINT, SIGHUP and SIGPIPE
 * do not kill the process: they end the SES call under way (within
 * about a second) and stop any retry, so the message is kept and the
 * exit code is EX_TEMPFAIL.
 */
void	submit_catch_signals(void);

/* submit_interrupted - the signal that came since, or 0. */
int	submit_interrupted(void);

/*
 * submit_message - rewrite the header section (rewrite_message) and
 * check the size; then keep raw (the message exactly as read) with env
 * in the spool, and send msg to every recipient of env, at most 50 per
 * SES call, each call with the same bytes, each call retried as retry.h
 * decides. Then remove the spool file, or record in it why the message
 * did not go and which recipients are still owed. When the spool cannot
 * be written, a failed message goes to ~/dead.letter instead. One that
 * SES could never take (EX_DATAERR before any call: too large, or an
 * address it cannot carry) is never spooled, but handled as
 * submit_refused does. raw->mem is emptied once the spool has it; with
 * raw NULL (-bs, whose client keeps the message until it hears 250)
 * nothing is kept. Writes the audit line. Returns 0 when SES accepted
 * the message for every recipient, else a sysexits code with err
 * filled, naming where the message is kept. res is initialised here;
 * free it with submit_result_free.
 */
int	submit_message(struct submitter *s, struct message *msg,
	    const struct envelope *env, struct submit_raw *raw,
	    struct submit_result *res, char *err, size_t errlen);

/*
 * submit_spooled - the same for a message already kept in f (locked;
 * e is its head, env built from it), for sesmail -q: f is removed once
 * SES took the message, else updated. f is closed on return.
 */
int	submit_spooled(struct submitter *s, struct message *msg,
	    const struct envelope *env, struct spool_file *f,
	    struct spool_entry *e, struct submit_result *res, char *err,
	    size_t errlen);

void	submit_result_free(struct submit_result *res);

/*
 * submit_refused - the audit line for a message that failed before it
 * could be submitted (configuration, input, addresses). One read whole
 * (raw, else NULL) is, as sendmail does, appended to ~/dead.letter
 * (unless dead_letter is off), where the user finds it; the spool is no
 * place for it, as sesmail -q would refuse it again. Then err gets
 * where it went, or why it was not kept.
 */
void	submit_refused(const struct submitter *s,
	    const struct envelope *env, const struct submit_raw *raw,
	    size_t size, const char *cause, int rc, char *err,
	    size_t errlen);

#endif
