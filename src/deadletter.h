/*
 * deadletter - the last resort for a message that failed when the
 * spool could not be written: append it to ~/dead.letter, as mail(1)
 * does, in mbox form (mbox(5), ">From " quoting as mboxrd), locked.
 */
#ifndef SESMAIL_DEADLETTER_H
#define SESMAIL_DEADLETTER_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#include "buf.h"

/*
 * deadletter_path - HOME/dead.letter for the caller uid into path, or
 * -1 with err saying why there is none: HOME unset or relative; HOME
 * (its real path) is "/" or lies under a directory web servers serve
 * (/var/www, /srv, /usr/share/nginx, ...: www-data's HOME, where a
 * dead.letter could be fetched over HTTP); HOME is not a directory of
 * uid, or others may write to it.
 */
int	deadletter_path(const char *home, uid_t uid, char *path, size_t len,
	    char *err, size_t errlen);

/*
 * deadletter_mbox - append to out one mbox entry for msg[0..len) as
 * read: "From SENDER DATE" (MAILER-DAEMON for the null sender), each
 * line with LF, a line matching ">*From " given one more '>', then an
 * empty line. Returns 0 or -1 (ENOMEM).
 */
int	deadletter_mbox(const char *sender, time_t when, const char *msg,
	    size_t len, struct buf *out);

/*
 * deadletter_write - append that entry to path (created 0600), which
 * must be a regular file of uid with one link, under an fcntl write
 * lock (as mail readers take), fsync'ed. A failed write is cut back so
 * no half entry stays. Returns 0, or -1 with err.
 */
int	deadletter_write(const char *path, uid_t uid, const char *sender,
	    time_t when, const char *msg, size_t len, char *err,
	    size_t errlen);

#endif
