/*
 * spool - the write-ahead copy of each message: one file per message,
 * written before the first SES call, removed once SES has taken it.
 *
 * Layout: the top directory (sesmail.conf "spool", mode 1733, root's:
 * anyone may add, nobody but root may list) holds one directory per
 * user, named by uid, mode 0700 and owned by that uid; each message is
 * one file in it, named by its local id, mode 0600. A file is written
 * under a temporary name (O_CREAT | O_EXCL | O_NOFOLLOW) and renamed
 * into place, so a name that is not temporary always holds a whole
 * message. A process working on a file holds flock(LOCK_EX) on it.
 *
 * A file is a text head, an empty line, then the message exactly as it
 * was read:
 *
 *	sesmail-spool 1
 *	id 0123456789ab
 *	uid 1000
 *	user alice
 *	created 1700000000
 *	sender alice@example.com	("<>" for the null sender)
 *	fullname Alice Example		(only when one was given)
 *	rcpt bob@example.org		(one line per recipient still owed)
 *	attempts 2
 *	last-try 1700000060		(only after a failure)
 *	exit 75				(only after a failure)
 *	error SES refused ...		(only after a failure)
 *	size 1234
 */
#ifndef SESMAIL_SPOOL_H
#define SESMAIL_SPOOL_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "strlist.h"

/* configure --with-spooldir sets SPOOLDIR; sesmail.conf "spool" wins. */
#ifndef SPOOLDIR
#define SPOOLDIR		"/var/spool/sesmail"
#endif
#define SPOOL_DEFAULT		SPOOLDIR
#define SPOOL_MAGIC		"sesmail-spool 1"
/* A local id: 12 lower-case hex digits, as in the audit line. */
#define SPOOL_ID_LEN		12
/* sesmail -q leaves younger files alone: a send may be in flight. */
#define SPOOL_MIN_AGE		60
/* A temporary file this old was left by a process that died. */
#define SPOOL_STALE_TMP		3600
/* No spool file is larger: a message SES takes (SES v2: 30,000,000
   bytes, 40,000,000 once base64-encoded), the 1 MB more that sesmail
   reads before it gives up, plus the head. */
#define SPOOL_MAX_FILE		(33 * 1024 * 1024)
/* Room for "<top>/<uid>/<name>". */
#define SPOOL_PATH_MAX		1024

/* What a spool file says about its message. */
struct spool_entry {
	char		 id[SPOOL_ID_LEN + 1];
	uid_t		 uid;
	char		*user;
	time_t		 created;
	char		*sender;	/* NULL: the null sender */
	char		*fullname;	/* NULL: none given */
	struct strlist	 rcpts;		/* recipients SES has not taken */
	unsigned long	 attempts;	/* SES calls made for it so far */
	time_t		 last_try;	/* 0 before the first failure */
	int		 exitcode;	/* of the last failure, 0 before */
	char		*error;		/* reason of the last failure */
	size_t		 size;		/* bytes of the message */
};

/* One spool file a process works on. */
struct spool_file {
	int		 dirfd;		/* the user's directory */
	int		 fd;		/* the file, locked; -1 when none */
	off_t		 msg_off;	/* where the message starts in fd */
	size_t		 msg_len;	/* and its length */
	char		 name[SPOOL_ID_LEN + 1];
	char		 path[SPOOL_PATH_MAX];	/* for messages */
};

/*
 * spool_top - the spool directory for the configured value (NULL: the
 * default), or NULL when "" turned the spool off.
 */
const char *spool_top(const char *configured);

void	spool_entry_init(struct spool_entry *e);
void	spool_entry_free(struct spool_entry *e);

/* spool_id_valid - whether name is a local id (a final file name). */
int	spool_id_valid(const char *name);

/* spool_new_id - a fresh random local id. */
void	spool_new_id(char id[SPOOL_ID_LEN + 1]);

/*
 * spool_format - append the head of e, ending with the empty line, to
 * out. Returns 0, or -1 when a value holds CR, LF or NUL (it would
 * break the format) or memory runs out.
 */
int	spool_format(const struct spool_entry *e, struct buf *out);

/*
 * spool_parse - read the head at data[0..len) into e (initialised
 * here); *msg_off gets where the message starts. Returns 0, or -1 with
 * err when the head is malformed or incomplete.
 */
int	spool_parse(const char *data, size_t len, struct spool_entry *e,
	    size_t *msg_off, char *err, size_t errlen);

/*
 * spool_dir_open - the directory of uid under top, created (0700) when
 * missing and create is set. top must be a directory owned by root or
 * by uid, and not writable by others unless sticky; the user's must be
 * owned by uid, mode 0700, and no symbolic link (else someone else
 * created it). Returns an open descriptor, or -1 with err; errno is
 * ENOENT when it is only missing.
 */
int	spool_dir_open(const char *top, uid_t uid, int create,
	    char *err, size_t errlen);

/*
 * spool_evict - for root: an entry under top named for uid that is not a
 * directory uid owns (someone made it first, to keep uid's messages out
 * of the spool) is renamed aside, to ".squatted.UID.ID", so that uid's
 * next message makes a directory of its own. Its name goes to aside.
 * Returns 1 when it was moved, 0 when there is none or it is uid's own,
 * -1 with err.
 */
int	spool_evict(const char *top, uid_t uid, char *aside, size_t asidelen,
	    char *err, size_t errlen);

/*
 * spool_store - write msg[0..len) with the head of e as a new file in
 * dirfd (path names the directory in messages), fsync'ed when sync is
 * set. e->id names it; when empty or already taken a new one is chosen
 * and written back. On success f holds the file, locked. Returns 0 or
 * -1 with err.
 */
int	spool_store(int dirfd, const char *path, struct spool_entry *e,
	    const char *msg, size_t len, int sync, struct spool_file *f,
	    char *err, size_t errlen);

/*
 * spool_store_fd - the same for the len bytes at off in the file msgfd,
 * which is left open.
 */
int	spool_store_fd(int dirfd, const char *path, struct spool_entry *e,
	    int msgfd, off_t off, size_t len, int sync, struct spool_file *f,
	    char *err, size_t errlen);

/*
 * A large message is read straight into the spool, so that keeping it
 * costs no copy: spool_reserve makes an unnamed file (O_TMPFILE) in
 * dirfd, locked, into which the message is written at SPOOL_GAP; once
 * the envelope is known, spool_adopt writes the head into the gap,
 * padded to fill it (a "pad" line), and links the file under its id.
 * spool_reserve returns the descriptor, or -1 with errno where the file
 * system has no unnamed files.
 */
#define SPOOL_GAP		(16 * 1024)

int	spool_reserve(int dirfd);

/*
 * spool_adopt - make fd (from spool_reserve, the message's len bytes at
 * SPOOL_GAP) the spool file of e in dirfd, like spool_store; f gets a
 * descriptor of its own, fd stays the caller's. Returns 0; 1 when it
 * cannot be done this way (a head too long for the gap, no way to link
 * an unnamed file), so spool_store_fd must copy it; -1 with err.
 */
int	spool_adopt(int dirfd, const char *path, struct spool_entry *e,
	    int fd, size_t len, int sync, struct spool_file *f, char *err,
	    size_t errlen);

/*
 * spool_load - open file name of dirfd and read it: the head into e,
 * and, when msg is not NULL, the message into msg. With lock set the
 * file is locked first, without waiting. Returns 0; 1 when the file is
 * locked by another process or is gone; -1 with err when it cannot be
 * read or is not a spool file of owner.
 */
int	spool_load(int dirfd, const char *path, const char *name,
	    uid_t owner, int lock, struct spool_file *f,
	    struct spool_entry *e, struct buf *msg, char *err,
	    size_t errlen);

/*
 * spool_update - replace the file of f by one with the head of e and
 * the same message (copied from the old file), under a temporary name
 * then renamed over it. f then holds the new file. Returns 0 or -1.
 */
int	spool_update(struct spool_file *f, const struct spool_entry *e,
	    int sync, char *err, size_t errlen);

/* spool_remove - unlink the file of f (SES has it). Returns 0 or -1. */
int	spool_remove(struct spool_file *f, int sync, char *err,
	    size_t errlen);

/* spool_close - release f's file and lock (the file stays). */
void	spool_close(struct spool_file *f);

/*
 * spool_list - the names of the whole spool files of dirfd (local ids,
 * sorted), into names. Returns 0 or -1 with err.
 */
int	spool_list(int dirfd, struct strlist *names, char *err,
	    size_t errlen);

/*
 * spool_clean_tmp - remove the temporary files of dirfd older than
 * SPOOL_STALE_TMP at now: left by a process killed while writing, and
 * never a whole message. Returns how many.
 */
int	spool_clean_tmp(int dirfd, time_t now);

#endif
