/*
 * deadletter - ~/dead.letter, the fallback when the spool cannot be
 * written (OpenSMTPD's enqueue and mail(1) do the same). Only a failed
 * message goes there, appended, never over an earlier one.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "deadletter.h"
#include "util.h"

/* How long to wait for a mail reader's lock, in tenths of a second. */
#define LOCK_TRIES	100

/*
 * Directories web servers serve on the systems sesmail runs on: the
 * HOME of www-data, nginx, apache and the like lies under one of them,
 * and a dead.letter there could be fetched by anyone over HTTP.
 */
static const char *const served[] = {
	"/var/www",
	"/srv",
	"/usr/share/nginx",
	"/usr/share/httpd",
	"/usr/share/apache2",
	"/var/lib/nginx",
	"/var/lib/httpd",
	"/usr/local/www",
};

/* under - whether path is dir or lies below it. */
static int
under(const char *path, const char *dir)
{
	size_t	 n = strlen(dir);

	return strncmp(path, dir, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

/* served_dir - the served directory real lies under, or NULL. */
static const char *
served_dir(const char *real)
{
	size_t	 i;

	for (i = 0; i < sizeof(served) / sizeof(served[0]); i++)
		if (under(real, served[i]))
			return served[i];
	return NULL;
}

/* deadletter_path - HOME/dead.letter, when HOME is fit for it. */
int
deadletter_path(const char *home, uid_t uid, char *path, size_t len,
    char *err, size_t errlen)
{
	struct stat	 st;
	char		 real[PATH_MAX];
	const char	*web;

	if (home == NULL || home[0] != '/') {
		seterr(err, errlen, "no dead.letter: HOME is not set");
		return -1;
	}
	if (realpath(home, real) == NULL || lstat(real, &st) == -1) {
		seterr(err, errlen, "no dead.letter: HOME %s: %s", home,
		    strerror(errno));
		return -1;
	}
	web = served_dir(real);
	if (strcmp(real, "/") == 0) {
		seterr(err, errlen, "no dead.letter: HOME is /");
		return -1;
	}
	if (web != NULL) {
		seterr(err, errlen, "no dead.letter: HOME %s is under %s, "
		    "which a web server may serve", home, web);
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		seterr(err, errlen, "no dead.letter: HOME %s is not a "
		    "directory of uid %lu that only it may write to", home,
		    (unsigned long)uid);
		return -1;
	}
	if ((size_t)snprintf(path, len, "%s/dead.letter", real) >= len) {
		seterr(err, errlen, "no dead.letter: HOME is too long");
		return -1;
	}
	return 0;
}

/* from_line - "From SENDER Thu Nov 24 18:22:48 1986" (mbox(5)). */
static int
from_line(const char *sender, time_t when, struct buf *out)
{
	struct tm	 tm;
	char		 date[64];

	if (localtime_r(&when, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm) == 0)
		return -1;
	return buf_printf(out, "From %s %s\n", sender != NULL &&
	    *sender != '\0' ? sender : "MAILER-DAEMON", date);
}

/* needs_quote - whether line p[0..n) reads ">*From ". */
static int
needs_quote(const char *p, size_t n)
{
	while (n > 0 && *p == '>') {
		p++;
		n--;
	}
	return n >= 5 && memcmp(p, "From ", 5) == 0;
}

/*
 * line_end - length of the line at p, and of its ending in *eol: LF,
 * CRLF, a run of CRs before LF or a lone CR, as message.c reads them.
 */
static size_t
line_end(const char *p, size_t n, size_t *eol)
{
	size_t	 i = 0, j;

	while (i < n && p[i] != '\n' && p[i] != '\r')
		i++;
	*eol = 0;
	if (i == n)
		return i;
	j = i + 1;
	if (p[i] == '\r') {
		while (j < n && p[j] == '\r')
			j++;
		j = j < n && p[j] == '\n' ? j + 1 : i + 1;
	}
	*eol = j - i;
	return i;
}

/* deadletter_mbox - one mbox entry for the message as read. */
int
deadletter_mbox(const char *sender, time_t when, const char *msg,
    size_t len, struct buf *out)
{
	size_t	 pos = 0, n, eol;

	if (from_line(sender, when, out) == -1)
		return -1;
	while (pos < len) {
		n = line_end(msg + pos, len - pos, &eol);
		if (needs_quote(msg + pos, n) && buf_appendc(out, '>') == -1)
			return -1;
		if (buf_append(out, msg + pos, n) == -1 ||
		    buf_appendc(out, '\n') == -1)
			return -1;
		pos += n + eol;
	}
	/* An empty line ends the entry. */
	return buf_appendc(out, '\n');
}

/* lock_file - an fcntl write lock, waiting a while for a reader's. */
static int
lock_file(int fd)
{
	struct flock	 fl;
	int		 i;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	for (i = 0; i < LOCK_TRIES; i++) {
		if (fcntl(fd, F_SETLK, &fl) == 0)
			return 0;
		if (errno != EACCES && errno != EAGAIN && errno != EINTR)
			return -1;
		usleep(100000);
	}
	errno = EAGAIN;
	return -1;
}

/* append - the entry at the end of fd; cut back when it fails. */
static int
append(int fd, const struct buf *b)
{
	const char	*p = b->data;
	size_t		 n = b->len;
	off_t		 start;
	ssize_t		 w;
	int		 saved;

	start = lseek(fd, 0, SEEK_END);
	if (start == (off_t)-1)
		return -1;
	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			goto fail;
		p += w;
		n -= (size_t)w;
	}
	if (fsync(fd) == 0)
		return 0;
fail:
	saved = errno;
	if (ftruncate(fd, start) == -1)
		saved = errno;
	errno = saved;
	return -1;
}

/* deadletter_write - checked, locked, appended, synced. */
int
deadletter_write(const char *path, uid_t uid, const char *sender,
    time_t when, const char *msg, size_t len, char *err, size_t errlen)
{
	struct buf	 b = BUF_INIT;
	struct stat	 st;
	int		 fd, rc = -1;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != uid || st.st_nlink != 1) {
		seterr(err, errlen, "%s: not a regular file of uid %lu with "
		    "one link", path, (unsigned long)uid);
		goto out;
	}
	if (deadletter_mbox(sender, when, msg, len, &b) == -1) {
		seterr(err, errlen, "out of memory");
		goto out;
	}
	if (lock_file(fd) == -1 || append(fd, &b) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	/* Closing releases the lock. */
	close(fd);
	buf_free(&b);
	return rc;
}
