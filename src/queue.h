/*
 * queue - the messages kept in the spool: sesmail -q sends them again,
 * mailq (-bp) lists them. There is no daemon: a timer or a cron job that
 * runs "sendmail -q" makes delivery at-least-once.
 */
#ifndef SESMAIL_QUEUE_H
#define SESMAIL_QUEUE_H

#include <sys/types.h>

#include <stdio.h>

#include "conf.h"

/* Who asks, and how. */
struct queue_caller {
	uid_t		 uid;
	const char	*hostname;	/* may be NULL */
	int		 verbose;
};

/*
 * queue_run - -q: send again each kept message of the caller (root: of
 * every user, each in a child process that runs as its owner, so it is
 * sent with that user's rights and sender policy) that is at least
 * SPOOL_MIN_AGE seconds old and not locked by a send under way. A
 * message SES takes is removed; any other keeps its recipients still
 * owed, its attempt count and its last error. Returns 0 when every
 * message tried went (or there was none), else the exit code of the
 * last one that did not.
 */
int	queue_run(const struct conf *c, const struct queue_caller *who);

/*
 * queue_list - -bp: one entry per kept message of the caller (root: of
 * every user) on out: id, size, age, sender, then the owner, attempts
 * and last error, then the recipients still owed; "Mail queue is empty"
 * when there is none. Returns 0, or an exit code when the spool cannot
 * be read.
 */
int	queue_list(const struct conf *c, uid_t uid, FILE *out);

#endif
