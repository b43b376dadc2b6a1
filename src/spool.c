/*
 * spool - the write-ahead copy of each message (see spool.h for the
 * layout and the file format).
 *
 * Every file operation is relative to a descriptor of the user's
 * directory, opened once with O_NOFOLLOW and checked, so a name swapped
 * for a symbolic link after the check cannot redirect a write.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "buf.h"
#include "spool.h"
#include "strlist.h"
#include "util.h"

/* Temporary names: never a local id, so never taken for a message. */
#define TMP_PREFIX	".tmp."
/*
 * The top directory is mode 1733: others may not read it, so it is
 * opened only to search it (O_PATH on Linux), which needs no read
 * permission.
 */
#if defined(O_PATH)
#define SEARCH_ONLY	O_PATH
#elif defined(O_SEARCH)
#define SEARCH_ONLY	O_SEARCH
#else
#define SEARCH_ONLY	O_RDONLY
#endif

/* A head longer than this is not one sesmail wrote. */
#define HEAD_MAX	(4 * 1024 * 1024)
/* Bytes copied at a time when a file is rewritten. */
#define COPY_CHUNK	(64 * 1024)

/* spool_top - the configured directory, the default, or none. */
const char *
spool_top(const char *configured)
{
	const char	*top;

	top = configured != NULL ? configured : SPOOL_DEFAULT;
	return *top != '\0' ? top : NULL;
}

void
spool_entry_init(struct spool_entry *e)
{
	memset(e, 0, sizeof(*e));
	strlist_init(&e->rcpts);
}

void
spool_entry_free(struct spool_entry *e)
{
	free(e->user);
	free(e->sender);
	free(e->fullname);
	free(e->error);
	strlist_free(&e->rcpts);
	spool_entry_init(e);
}

/* spool_id_valid - 12 lower-case hex digits. */
int
spool_id_valid(const char *name)
{
	size_t	 i;

	for (i = 0; i < SPOOL_ID_LEN; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		    (name[i] >= 'a' && name[i] <= 'f')))
			return 0;
	return name[i] == '\0';
}

/* spool_new_id - 48 random bits as hex. */
void
spool_new_id(char id[SPOOL_ID_LEN + 1])
{
	unsigned char	 rnd[SPOOL_ID_LEN / 2];
	size_t		 i;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		memset(rnd, 0, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
}

/* line_ok - whether s can be one value of the head. */
static int
line_ok(const char *s)
{
	return s == NULL || strpbrk(s, "\r\n") == NULL;
}

/* values_ok - every value of e fits on its line. */
static int
values_ok(const struct spool_entry *e)
{
	size_t	 i;

	if (!line_ok(e->user) || !line_ok(e->sender) ||
	    !line_ok(e->fullname) || !line_ok(e->error))
		return 0;
	for (i = 0; i < e->rcpts.n; i++)
		if (!line_ok(e->rcpts.v[i]))
			return 0;
	return 1;
}

/* spool_format - the head, in the order spool.h shows. */
int
spool_format(const struct spool_entry *e, struct buf *out)
{
	size_t	 i;

	if (!values_ok(e) || !spool_id_valid(e->id))
		return -1;
	if (buf_printf(out, SPOOL_MAGIC "\nid %s\nuid %lu\nuser %s\n"
	    "created %lld\nsender %s\n", e->id, (unsigned long)e->uid,
	    e->user != NULL ? e->user : "?", (long long)e->created,
	    e->sender != NULL ? e->sender : "<>") == -1)
		return -1;
	if (e->fullname != NULL &&
	    buf_printf(out, "fullname %s\n", e->fullname) == -1)
		return -1;
	for (i = 0; i < e->rcpts.n; i++)
		if (buf_printf(out, "rcpt %s\n", e->rcpts.v[i]) == -1)
			return -1;
	if (buf_printf(out, "attempts %lu\n", e->attempts) == -1)
		return -1;
	if (e->last_try != 0 &&
	    buf_printf(out, "last-try %lld\n", (long long)e->last_try) == -1)
		return -1;
	if (e->exitcode != 0 &&
	    buf_printf(out, "exit %d\n", e->exitcode) == -1)
		return -1;
	if (e->error != NULL && buf_printf(out, "error %s\n", e->error) == -1)
		return -1;
	return buf_printf(out, "size %zu\n\n", e->size);
}

/* set_str - *dst becomes a copy of v[0..n). */
static int
set_str(char **dst, const char *v, size_t n)
{
	char	*s;

	s = strndup(v, n);
	if (s == NULL)
		return -1;
	free(*dst);
	*dst = s;
	return 0;
}

/* number - a decimal value in [0, max]. */
static int
number(const char *v, size_t n, long max, long *out)
{
	char	 tmp[32];

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	return parse_long(tmp, 0, max, out);
}

/*
 * take_field - one "key value" line of the head. Unknown keys are
 * skipped, so an older sesmail can read what a newer one wrote.
 */
static int
take_field(struct spool_entry *e, const char *k, size_t klen,
    const char *v, size_t n, unsigned *seen)
{
	long	 x;
	int	 rc = 0;

#define KEY(s)	(klen == sizeof(s) - 1 && memcmp(k, s, klen) == 0)
	if (KEY("id")) {
		if (n != SPOOL_ID_LEN)
			return -1;
		memcpy(e->id, v, n);
		e->id[n] = '\0';
		rc = spool_id_valid(e->id) ? 0 : -1;
		*seen |= 0x01;
	} else if (KEY("uid")) {
		rc = number(v, n, 0x7fffffffL, &x);
		e->uid = (uid_t)x;
		*seen |= 0x02;
	} else if (KEY("created")) {
		rc = number(v, n, 0x7fffffffffffL, &x);
		e->created = (time_t)x;
		*seen |= 0x04;
	} else if (KEY("size")) {
		rc = number(v, n, SPOOL_MAX_FILE, &x);
		e->size = (size_t)x;
		*seen |= 0x08;
	} else if (KEY("user")) {
		rc = set_str(&e->user, v, n);
	} else if (KEY("sender")) {
		if (n == 2 && memcmp(v, "<>", 2) == 0) {
			free(e->sender);
			e->sender = NULL;
		} else
			rc = set_str(&e->sender, v, n);
	} else if (KEY("fullname")) {
		rc = set_str(&e->fullname, v, n);
	} else if (KEY("rcpt")) {
		rc = strlist_take(&e->rcpts, strndup(v, n));
	} else if (KEY("attempts")) {
		rc = number(v, n, 0x7fffffffL, &x);
		e->attempts = (unsigned long)x;
	} else if (KEY("last-try")) {
		rc = number(v, n, 0x7fffffffffffL, &x);
		e->last_try = (time_t)x;
	} else if (KEY("exit")) {
		rc = number(v, n, 255, &x);
		e->exitcode = (int)x;
	} else if (KEY("error")) {
		rc = set_str(&e->error, v, n);
	}
#undef KEY
	return rc;
}

/* parse_line - split "key value" and take it. */
static int
parse_line(struct spool_entry *e, const char *p, size_t n, unsigned *seen)
{
	const char	*sp;

	sp = memchr(p, ' ', n);
	if (sp == NULL || sp == p)
		return -1;
	return take_field(e, p, (size_t)(sp - p), sp + 1,
	    n - (size_t)(sp - p) - 1, seen);
}

/* spool_parse - the head, up to its empty line. */
int
spool_parse(const char *data, size_t len, struct spool_entry *e,
    size_t *msg_off, char *err, size_t errlen)
{
	const char	*p, *nl;
	size_t		 pos;
	unsigned	 seen = 0;
	size_t		 magic = sizeof(SPOOL_MAGIC) - 1;

	spool_entry_init(e);
	if (len <= magic || memcmp(data, SPOOL_MAGIC "\n", magic + 1) != 0) {
		seterr(err, errlen, "not a sesmail spool file");
		return -1;
	}
	for (pos = magic + 1; pos < len; pos = (size_t)(nl - data) + 1) {
		p = data + pos;
		nl = memchr(p, '\n', len - pos);
		if (nl == NULL)
			break;
		if (nl == p) {
			*msg_off = pos + 1;
			if (seen != 0x0f || e->rcpts.n == 0)
				break;
			return 0;
		}
		if (parse_line(e, p, (size_t)(nl - p), &seen) == -1) {
			seterr(err, errlen, "malformed spool file head "
			    "(line '%.40s')", p);
			sanitize(err);
			spool_entry_free(e);
			return -1;
		}
	}
	seterr(err, errlen, "incomplete spool file head");
	spool_entry_free(e);
	return -1;
}

/* refuse - err for path and a reason; -1. */
static int
refuse(char *err, size_t errlen, const char *path, const char *why)
{
	seterr(err, errlen, "spool %s: %s", path, why);
	return -1;
}

/*
 * check_top - root's (or, for tests and private spools, the caller's)
 * and, when others may write to it, sticky, so nobody can remove or
 * rename a directory that is not theirs.
 */
static int
check_top(int fd, const char *top, uid_t uid, char *err, size_t errlen)
{
	struct stat	 st;

	if (fstat(fd, &st) == -1)
		return refuse(err, errlen, top, strerror(errno));
	if (st.st_uid != 0 && st.st_uid != uid)
		return refuse(err, errlen, top, "owned by neither root nor "
		    "the caller");
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
		return refuse(err, errlen, top, "writable by others but not "
		    "sticky (mode 1733 expected)");
	return 0;
}

/*
 * check_user_dir - the user's own, 0700: anything else was made by
 * someone else, who could then read or replace the messages in it.
 */
static int
check_user_dir(int fd, const char *path, uid_t uid, char *err,
    size_t errlen)
{
	struct stat	 st;

	if (fstat(fd, &st) == -1)
		return refuse(err, errlen, path, strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid ||
	    (st.st_mode & 077) != 0) {
		seterr(err, errlen, "spool %s: not a directory of uid %lu "
		    "with mode 0700 (uid %lu, mode %04o): someone else made "
		    "it; not used", path, (unsigned long)uid,
		    (unsigned long)st.st_uid, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/*
 * open_user_dir - openat the user's directory, making it if asked; only
 * to search it, so that its owner is checked even where we may not read
 * it (someone else's).
 */
static int
open_user_dir(int tfd, const char *name, int create)
{
	int	 fd;

	fd = openat(tfd, name, SEARCH_ONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd != -1 || errno != ENOENT || !create)
		return fd;
	if (mkdirat(tfd, name, 0700) == -1 && errno != EEXIST)
		return -1;
	return openat(tfd, name, SEARCH_ONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
}

/* reopen_dir - the checked directory again, to read and fsync it. */
static int
reopen_dir(int fd)
{
	int	 rfd;

	rfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(fd);
	return rfd;
}

/*
 * owned_dir - 1 when name under tfd is a directory that uid owns, 0 when
 * it is anything else, -1 (errno) when it cannot be seen.
 */
static int
owned_dir(int tfd, const char *name, uid_t uid)
{
	struct stat	 st;

	if (fstatat(tfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	return S_ISDIR(st.st_mode) && st.st_uid == uid;
}

int
spool_evict(const char *top, uid_t uid, char *aside, size_t asidelen,
    char *err, size_t errlen)
{
	char	 name[32], id[SPOOL_ID_LEN + 1];
	int	 tfd, own, ret = -1;

	tfd = open(top, SEARCH_ONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tfd == -1)
		return refuse(err, errlen, top, strerror(errno));
	snprintf(name, sizeof(name), "%lu", (unsigned long)uid);
	own = owned_dir(tfd, name, uid);
	if (own == -1 && errno != ENOENT) {
		refuse(err, errlen, top, strerror(errno));
		goto out;
	}
	if (own != 0) {		/* uid's own, or none at all */
		ret = 0;
		goto out;
	}
	spool_new_id(id);
	snprintf(aside, asidelen, ".squatted.%s.%s", name, id);
	if (renameat(tfd, name, tfd, aside) == -1) {
		refuse(err, errlen, top, strerror(errno));
		goto out;
	}
	/* uid may have made its own in the instant between: give it back. */
	if (owned_dir(tfd, aside, uid) == 1 &&
	    renameat(tfd, aside, tfd, name) == 0) {
		ret = 0;
		goto out;
	}
	ret = 1;
out:
	close(tfd);
	return ret;
}

/* spool_dir_open - the caller's directory under top, checked. */
int
spool_dir_open(const char *top, uid_t uid, int create, char *err,
    size_t errlen)
{
	char	 name[32], path[SPOOL_PATH_MAX];
	int	 tfd, fd = -1, saved = 0;

	tfd = open(top, SEARCH_ONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tfd == -1) {
		saved = errno;
		refuse(err, errlen, top, strerror(errno));
		goto out;
	}
	if (check_top(tfd, top, uid, err, errlen) == -1)
		goto out;

	snprintf(name, sizeof(name), "%lu", (unsigned long)uid);
	snprintf(path, sizeof(path), "%s/%s", top, name);
	fd = open_user_dir(tfd, name, create);
	if (fd == -1) {
		saved = errno;
		refuse(err, errlen, path, errno == ELOOP || errno == ENOTDIR ?
		    "not a directory (a symbolic link?): not used" :
		    strerror(errno));
		goto out;
	}
	if (check_user_dir(fd, path, uid, err, errlen) == -1) {
		close(fd);
		fd = -1;
		goto out;
	}
	fd = reopen_dir(fd);
	if (fd == -1) {
		saved = errno;
		refuse(err, errlen, path, strerror(errno));
	}
out:
	if (tfd != -1)
		close(tfd);
	errno = saved;
	return fd;
}

/* file_init - an empty f for dirfd. */
static void
file_init(struct spool_file *f, int dirfd, const char *path)
{
	memset(f, 0, sizeof(*f));
	f->dirfd = dirfd;
	f->fd = -1;
	snprintf(f->path, sizeof(f->path), "%s", path);
}

/* set_name - the name of f and its full path for messages. */
static void
set_name(struct spool_file *f, const char *dirpath, const char *name)
{
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->path, sizeof(f->path), "%s/%s", dirpath, name);
}

/* free_id - choose e->id so that no file in dirfd has it yet. */
static int
free_id(int dirfd, struct spool_entry *e)
{
	struct stat	 st;
	int		 tries;

	for (tries = 0; tries < 8; tries++) {
		if (tries > 0 || !spool_id_valid(e->id))
			spool_new_id(e->id);
		if (fstatat(dirfd, e->id, &st, AT_SYMLINK_NOFOLLOW) == -1 &&
		    errno == ENOENT)
			return 0;
	}
	return -1;
}

/*
 * create_tmp - the temporary file for id, locked before it has its
 * final name so no other process can take it in between. A leftover of
 * a killed process of the same user is removed first.
 */
static int
create_tmp(int dirfd, const char *id, char *tmp, size_t tmplen)
{
	int	 fd, tries;

	snprintf(tmp, tmplen, TMP_PREFIX "%s", id);
	for (tries = 0; tries < 2; tries++) {
		/* Read too: a later update copies the message from it. */
		fd = openat(dirfd, tmp, O_RDWR | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd != -1 || errno != EEXIST)
			break;
		unlinkat(dirfd, tmp, 0);
	}
	if (fd == -1)
		return -1;
	if (flock(fd, LOCK_EX) == -1) {
		unlinkat(dirfd, tmp, 0);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * commit_tmp - make the temporary file the message: fsync it, rename it
 * over name, and fsync the directory so the rename itself survives a
 * power cut. Returns 0; -1 when nothing changed; 1 when name is the new
 * file but the directory could not be synced (errno says why).
 */
static int
commit_tmp(int dirfd, int fd, const char *tmp, const char *name, int sync)
{
	if (sync && fsync(fd) == -1)
		return -1;
	if (renameat(dirfd, tmp, dirfd, name) == -1)
		return -1;
	if (sync && fsync(dirfd) == -1)
		return 1;
	return 0;
}

/*
 * unname - take back a name just given, keeping errno: a file that is
 * reported as not kept must not be found by sesmail -q either, or the
 * message is kept (and later sent) twice.
 */
static void
unname(int dirfd, const char *name)
{
	int	 saved = errno;

	unlinkat(dirfd, name, 0);
	errno = saved;
}

/*
 * copy_range - len bytes at off in src onto dst: in the kernel where it
 * can, else through a buffer.
 */
static int
copy_range(int src, off_t off, size_t len, int dst)
{
	char	 chunk[COPY_CHUNK];
	size_t	 want;
	ssize_t	 n;
	int	 by_hand = 0;

	while (len > 0) {
		n = by_hand ? 0 : copy_file_range(src, &off, dst, NULL, len,
		    0);
		if (n > 0) {
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		/* Not here (other file systems, old kernels): by hand. */
		by_hand = 1;
		want = len < sizeof(chunk) ? len : sizeof(chunk);
		n = pread(src, chunk, want, off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		if (write_all(dst, chunk, (size_t)n) == -1)
			return -1;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The message a new spool file is to hold: in memory, or in a file. */
struct source {
	const char	*mem;
	int		 fd;
	off_t		 off;
	size_t		 len;
};

/* store - a new file: temporary name, write, rename. */
static int
store(int dirfd, const char *path, struct spool_entry *e,
    const struct source *src, int sync, struct spool_file *f,
    char *err, size_t errlen)
{
	size_t		 len = src->len;
	struct buf	 head = BUF_INIT;
	char		 tmp[64];
	int		 fd = -1, rc = -1, committed = -1;

	file_init(f, dirfd, path);
	e->size = len;
	tmp[0] = '\0';
	if (free_id(dirfd, e) == -1) {
		seterr(err, errlen, "spool %s: no free name", path);
		goto out;
	}
	if (spool_format(e, &head) == -1) {
		seterr(err, errlen, "spool: cannot write the envelope");
		goto out;
	}
	fd = create_tmp(dirfd, e->id, tmp, sizeof(tmp));
	if (fd == -1 || write_all(fd, head.data, head.len) == -1 ||
	    (src->mem != NULL ? write_all(fd, src->mem, len) :
	    copy_range(src->fd, src->off, len, fd)) == -1 ||
	    (committed = commit_tmp(dirfd, fd, tmp, e->id, sync)) != 0) {
		if (committed == 1)
			unname(dirfd, e->id);
		seterr(err, errlen, "spool %s: %s", path, strerror(errno));
		goto out;
	}
	set_name(f, path, e->id);
	f->fd = fd;
	f->msg_off = (off_t)head.len;
	f->msg_len = len;
	fd = -1;
	rc = 0;
out:
	if (fd != -1) {
		unlinkat(dirfd, tmp, 0);
		close(fd);
	}
	buf_free(&head);
	return rc;
}

int
spool_store(int dirfd, const char *path, struct spool_entry *e,
    const char *msg, size_t len, int sync, struct spool_file *f,
    char *err, size_t errlen)
{
	struct source	 src = { msg != NULL ? msg : "", -1, 0, len };

	return store(dirfd, path, e, &src, sync, f, err, errlen);
}

int
spool_store_fd(int dirfd, const char *path, struct spool_entry *e,
    int msgfd, off_t off, size_t len, int sync, struct spool_file *f,
    char *err, size_t errlen)
{
	struct source	 src = { NULL, msgfd, off, len };

	return store(dirfd, path, e, &src, sync, f, err, errlen);
}

/* spool_reserve - an unnamed file for a message still being read. */
int
spool_reserve(int dirfd)
{
	int	 fd;

#ifdef O_TMPFILE
	fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#else
	fd = -1;
	errno = EOPNOTSUPP;
#endif
	if (fd == -1)
		return -1;
	/* Locked before it has a name, like every file being worked on:
	   sesmail -q must pass it by once it has one. */
	if (flock(fd, LOCK_EX) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * padded_head - the head of e made exactly SPOOL_GAP bytes long by a
 * "pad" line before its empty line (older readers skip unknown keys).
 * Returns 0, or -1 when it does not fit.
 */
static int
padded_head(const struct spool_entry *e, struct buf *out)
{
	const char	 pad[] = "pad ";
	size_t		 fill;

	buf_free(out);
	if (spool_format(e, out) == -1 ||
	    out->len + sizeof(pad) - 1 + 1 > SPOOL_GAP)
		return -1;
	fill = SPOOL_GAP - out->len - (sizeof(pad) - 1) - 1;
	out->len--;
	if (buf_append(out, pad, sizeof(pad) - 1) == -1 ||
	    buf_reserve(out, fill + 2) == -1)
		return -1;
	memset(out->data + out->len, '-', fill);
	out->len += fill;
	return buf_append(out, "\n\n", 2);
}

/*
 * name_fd - give the unnamed file fd the name name in dirfd. Linking a
 * descriptor itself (AT_EMPTY_PATH) takes root on older kernels; others
 * go through its /proc entry. Fails with EEXIST when name is taken:
 * never replaces.
 */
static int
name_fd(int fd, int dirfd, const char *name)
{
	char	 proc[64];

	if (linkat(fd, "", dirfd, name, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno == EEXIST)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW);
}

/* adopt_named - write the head into the gap and name the file. */
static int
adopt_named(int dirfd, struct spool_entry *e, int fd, int sync)
{
	struct buf	 head = BUF_INIT;
	int		 tries, rc = -1;

	for (tries = 0; tries < 8; tries++) {
		if (free_id(dirfd, e) == -1)
			break;
		if (padded_head(e, &head) == -1) {
			errno = ENOSPC;
			break;
		}
		if (pwrite_all(fd, head.data, head.len, 0) == -1 ||
		    (sync && fsync(fd) == -1))
			break;
		if (name_fd(fd, dirfd, e->id) == 0) {
			rc = sync ? fsync(dirfd) : 0;
			if (rc == -1)
				unname(dirfd, e->id);
			break;
		}
		if (errno != EEXIST)
			break;
		/* Taken since free_id looked: another id, another head. */
		e->id[0] = '\0';
	}
	buf_free(&head);
	return rc;
}

/* spool_adopt - the reserved file, head written, becomes the entry. */
int
spool_adopt(int dirfd, const char *path, struct spool_entry *e, int fd,
    size_t len, int sync, struct spool_file *f, char *err, size_t errlen)
{
	struct stat	 st;
	int		 own;

	file_init(f, dirfd, path);
	e->size = len;
	/* What followed a lone dot is not the message's. */
	if (fstat(fd, &st) == -1 || (st.st_size > (off_t)(SPOOL_GAP + len) &&
	    ftruncate(fd, (off_t)(SPOOL_GAP + len)) == -1))
		return 1;
	if (adopt_named(dirfd, e, fd, sync) == -1)
		return 1;
	own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (own == -1) {
		seterr(err, errlen, "spool %s: %s", path, strerror(errno));
		unlinkat(dirfd, e->id, 0);
		return -1;
	}
	set_name(f, path, e->id);
	f->fd = own;
	f->msg_off = SPOOL_GAP;
	f->msg_len = len;
	return 0;
}

/*
 * check_file - a regular file of owner, still under its name (not
 * removed or replaced since it was opened). Returns 0, 1 when it is
 * gone, -1 when it is not one of ours.
 */
static int
check_file(int dirfd, const char *name, int fd, uid_t owner)
{
	struct stat	 st, now;

	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != owner || st.st_size > SPOOL_MAX_FILE)
		return -1;
	if (st.st_nlink == 0)
		return 1;
	if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 1 : -1;
	return now.st_ino == st.st_ino && now.st_dev == st.st_dev ? 0 : 1;
}

/* read_head - the head only: read until its empty line. */
static int
read_head(int fd, struct buf *b)
{
	ssize_t	 n;

	for (;;) {
		if (b->len >= 2 && memmem(b->data, b->len, "\n\n", 2) != NULL)
			return 0;
		if (b->len > HEAD_MAX || buf_reserve(b, 4096) == -1)
			return -1;
		n = read(fd, b->data + b->len, 4096);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? 0 : -1;
		b->len += (size_t)n;
		b->data[b->len] = '\0';
	}
}

/* read_whole - the whole file into b. */
static int
read_whole(int fd, struct buf *b)
{
	char	*data;
	size_t	 len;

	data = read_fd(fd, SPOOL_MAX_FILE, &len);
	if (data == NULL)
		return -1;
	buf_free(b);
	b->data = data;
	b->len = len;
	b->cap = len + 1;
	return 0;
}

/*
 * take_message - keep only the message in b (moved to the front: no
 * second copy), after checking it has the size the head says.
 */
static int
take_message(struct buf *b, size_t off, const struct spool_entry *e)
{
	if (b->len < off || b->len - off != e->size)
		return -1;
	memmove(b->data, b->data + off, e->size);
	b->len = e->size;
	b->data[b->len] = '\0';
	return 0;
}

/* lock_now - LOCK_EX without waiting; 1 when another process has it. */
static int
lock_now(int fd)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	return errno == EWOULDBLOCK ? 1 : -1;
}

/* spool_load - open, lock, check and read one spool file. */
int
spool_load(int dirfd, const char *path, const char *name, uid_t owner,
    int lock, struct spool_file *f, struct spool_entry *e,
    struct buf *msg, char *err, size_t errlen)
{
	struct buf	 b = BUF_INIT;
	char		 why[ERRLEN];
	size_t		 off = 0;
	int		 fd, rc = -1, st;

	file_init(f, dirfd, path);
	set_name(f, path, name);
	spool_entry_init(e);
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd == -1) {
		seterr(err, errlen, "%s: %s", f->path, strerror(errno));
		return errno == ENOENT ? 1 : -1;
	}
	st = lock ? lock_now(fd) : 0;
	if (st == 0)
		st = check_file(dirfd, name, fd, owner);
	if (st != 0) {
		seterr(err, errlen, "%s: %s", f->path, st == 1 ? "busy or "
		    "gone" : "not a spool file of its directory's owner");
		rc = st;
		goto out;
	}
	st = msg != NULL ? read_whole(fd, &b) : read_head(fd, &b);
	if (st == -1) {
		seterr(err, errlen, "%s: %s", f->path, strerror(errno));
		goto out;
	}
	if (spool_parse(b.data != NULL ? b.data : "", b.len, e, &off, why,
	    sizeof(why)) == -1) {
		seterr(err, errlen, "%s: %s", f->path, why);
		goto out;
	}
	if (msg != NULL && take_message(&b, off, e) == -1) {
		seterr(err, errlen, "%s: truncated (%zu bytes, not %zu)",
		    f->path, b.len - off, e->size);
		spool_entry_free(e);
		goto out;
	}
	if (msg != NULL) {
		buf_free(msg);
		*msg = b;
		buf_init(&b);
	}
	f->fd = fd;
	f->msg_off = (off_t)off;
	f->msg_len = e->size;
	fd = -1;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	buf_free(&b);
	return rc;
}

/* spool_update - a new head for the same message, replaced atomically. */
int
spool_update(struct spool_file *f, const struct spool_entry *e, int sync,
    char *err, size_t errlen)
{
	struct spool_entry	 ne = *e;
	struct buf		 head = BUF_INIT;
	char			 tmp[64];
	int			 fd = -1, rc = -1, committed = -1;

	ne.size = f->msg_len;
	if (f->fd == -1 || spool_format(&ne, &head) == -1) {
		seterr(err, errlen, "%s: cannot record the failure",
		    f->path);
		goto out;
	}
	fd = create_tmp(f->dirfd, f->name, tmp, sizeof(tmp));
	if (fd == -1 || write_all(fd, head.data, head.len) == -1 ||
	    copy_range(f->fd, f->msg_off, f->msg_len, fd) == -1 ||
	    (committed = commit_tmp(f->dirfd, fd, tmp, f->name, sync)) ==
	    -1) {
		seterr(err, errlen, "%s: cannot record the failure: %s",
		    f->path, strerror(errno));
		goto out;
	}
	/* Renamed: the new file is the entry now, synced or not. */
	if (committed == 1)
		seterr(err, errlen, "%s: the failure is recorded, but may "
		    "not outlast a power cut: %s", f->path, strerror(errno));
	close(f->fd);
	f->fd = fd;
	f->msg_off = (off_t)head.len;
	fd = -1;
	rc = committed == 0 ? 0 : -1;
out:
	if (fd != -1) {
		unlinkat(f->dirfd, tmp, 0);
		close(fd);
	}
	buf_free(&head);
	return rc;
}

/* spool_remove - SES has the message: the copy goes. */
int
spool_remove(struct spool_file *f, int sync, char *err, size_t errlen)
{
	int	 rc = 0;

	if (unlinkat(f->dirfd, f->name, 0) == -1) {
		seterr(err, errlen, "%s: cannot remove: %s", f->path,
		    strerror(errno));
		rc = -1;
	} else if (sync && fsync(f->dirfd) == -1) {
		seterr(err, errlen, "%s: removed, but that may not outlast "
		    "a power cut: %s", f->path, strerror(errno));
		rc = -1;
	}
	spool_close(f);
	return rc;
}

void
spool_close(struct spool_file *f)
{
	if (f->fd != -1)
		close(f->fd);
	f->fd = -1;
}

/* open_listing - a directory stream of its own for dirfd. */
static DIR *
open_listing(int dirfd)
{
	DIR	*d;
	int	 fd;

	/* Not dup(): a dup shares the read position with other streams. */
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return NULL;
	d = fdopendir(fd);
	if (d == NULL)
		close(fd);
	return d;
}

/* by_name - qsort order of two names. */
static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* spool_list - the local ids in dirfd, sorted. */
int
spool_list(int dirfd, struct strlist *names, char *err, size_t errlen)
{
	struct dirent	*de;
	DIR		*d;
	int		 rc = 0;

	d = open_listing(dirfd);
	if (d == NULL) {
		seterr(err, errlen, "spool: %s", strerror(errno));
		return -1;
	}
	for (de = readdir(d); de != NULL; de = readdir(d))
		if (spool_id_valid(de->d_name) &&
		    strlist_add(names, de->d_name) == -1) {
			seterr(err, errlen, "out of memory");
			rc = -1;
			break;
		}
	closedir(d);
	if (names->n > 1)
		qsort(names->v, names->n, sizeof(names->v[0]), by_name);
	return rc;
}

/* spool_clean_tmp - old temporary files are remains of killed writes. */
int
spool_clean_tmp(int dirfd, time_t now)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	int		 n = 0;

	d = open_listing(dirfd);
	if (d == NULL)
		return 0;
	for (de = readdir(d); de != NULL; de = readdir(d)) {
		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) != 0)
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    0 && S_ISREG(st.st_mode) &&
		    now - st.st_mtime > SPOOL_STALE_TMP &&
		    unlinkat(dirfd, de->d_name, 0) == 0)
			n++;
	}
	closedir(d);
	return n;
}
