/*
 * test_spool - the spool file format, and the directory and file rules
 * on a temporary directory: per-user directories, atomic writes, locks,
 * rewrites that keep the message, removal, stale temporary files, a
 * message copied from a file (spool_store_fd); and the ~/dead.letter
 * fallback: mbox quoting, HOME rules, appending.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "deadletter.h"
#include "spool.h"
#include "strlist.h"
#include "util.h"

/*
 * fsync fails (EIO) on a directory while fail_dir_fsync is set: the
 * linker sends the library's calls here (-Wl,--wrap=fsync).
 */
static int	 fail_dir_fsync;

int	__real_fsync(int);
int	__wrap_fsync(int);

int
__wrap_fsync(int fd)
{
	struct stat	 st;

	if (fail_dir_fsync && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		errno = EIO;
		return -1;
	}
	return __real_fsync(fd);
}

/* A message with every byte value, bare LF, CRLF and a lone dot. */
static const char	 msg[] = "From: a@example.com\nSubject: x\r\n\r\n"
    "line\n.\n\xff\x01\x80 end";

static void
entry_fill(struct spool_entry *e)
{
	spool_entry_init(e);
	snprintf(e->id, sizeof(e->id), "0123456789ab");
	e->uid = 1000;
	e->user = strdup("alice");
	e->created = 1700000000;
	e->sender = strdup("alice@example.com");
	e->fullname = strdup("Alice Example");
	assert_int_equal(strlist_add(&e->rcpts, "bob@example.org"), 0);
	assert_int_equal(strlist_add(&e->rcpts, "carol@example.net"), 0);
	e->size = sizeof(msg) - 1;
}

static void
test_format_parse(void **state)
{
	struct spool_entry	 e, p;
	struct buf		 b = BUF_INIT;
	char			 err[ERRLEN];
	size_t			 off;

	(void)state;
	entry_fill(&e);
	assert_int_equal(spool_format(&e, &b), 0);
	assert_string_equal(b.data, "sesmail-spool 1\nid 0123456789ab\n"
	    "uid 1000\nuser alice\ncreated 1700000000\n"
	    "sender alice@example.com\nfullname Alice Example\n"
	    "rcpt bob@example.org\nrcpt carol@example.net\nattempts 0\n"
	    "size 48\n\n");
	assert_int_equal(buf_append(&b, msg, sizeof(msg) - 1), 0);
	assert_int_equal(spool_parse(b.data, b.len, &p, &off, err,
	    sizeof(err)), 0);
	assert_string_equal(p.id, "0123456789ab");
	assert_int_equal(p.uid, 1000);
	assert_string_equal(p.user, "alice");
	assert_int_equal(p.created, 1700000000);
	assert_string_equal(p.sender, "alice@example.com");
	assert_string_equal(p.fullname, "Alice Example");
	assert_int_equal(p.rcpts.n, 2);
	assert_string_equal(p.rcpts.v[1], "carol@example.net");
	assert_int_equal(p.attempts, 0);
	assert_null(p.error);
	assert_int_equal(p.size, sizeof(msg) - 1);
	assert_memory_equal(b.data + off, msg, sizeof(msg) - 1);
	spool_entry_free(&p);

	/* After a failure; the null sender; no full name. */
	free(e.sender);
	e.sender = NULL;
	free(e.fullname);
	e.fullname = NULL;
	e.attempts = 3;
	e.last_try = 1700000100;
	e.exitcode = 75;
	e.error = strdup("SES refused the message: Throttling: slow down");
	buf_reset(&b);
	assert_int_equal(spool_format(&e, &b), 0);
	assert_non_null(strstr(b.data, "\nsender <>\n"));
	assert_non_null(strstr(b.data, "\nattempts 3\nlast-try 1700000100\n"
	    "exit 75\nerror SES refused the message: Throttling: slow down\n"
	    "size 48\n\n"));
	assert_int_equal(spool_parse(b.data, b.len, &p, &off, err,
	    sizeof(err)), 0);
	assert_null(p.sender);
	assert_null(p.fullname);
	assert_int_equal(p.attempts, 3);
	assert_int_equal(p.last_try, 1700000100);
	assert_int_equal(p.exitcode, 75);
	assert_string_equal(p.error, e.error);
	assert_int_equal(off, b.len);
	spool_entry_free(&p);

	/* A value with a line break would forge a field: refused. */
	free(e.error);
	e.error = strdup("bad\nrcpt evil@example.com");
	buf_reset(&b);
	assert_int_equal(spool_format(&e, &b), -1);

	spool_entry_free(&e);
	buf_free(&b);
}

static void
test_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"sesmail-spool 2\nid 0123456789ab\n\n",
		/* No empty line: a head cut short. */
		"sesmail-spool 1\nid 0123456789ab\nuid 1\ncreated 1\n"
		    "rcpt a@b\nsize 0\n",
		/* No recipient. */
		"sesmail-spool 1\nid 0123456789ab\nuid 1\ncreated 1\n"
		    "size 0\n\n",
		/* No size. */
		"sesmail-spool 1\nid 0123456789ab\nuid 1\ncreated 1\n"
		    "rcpt a@b\n\n",
		/* A bad id, a bad number, a line without a value. */
		"sesmail-spool 1\nid ../../etc/x\nuid 1\ncreated 1\n"
		    "rcpt a@b\nsize 0\n\n",
		"sesmail-spool 1\nid 0123456789ab\nuid -1\ncreated 1\n"
		    "rcpt a@b\nsize 0\n\n",
		"sesmail-spool 1\nid 0123456789ab\nuid 1\ncreated 1\n"
		    "rcpt a@b\nsize 99999999999\n\n",
		"sesmail-spool 1\nid 0123456789ab\nuid\ncreated 1\n"
		    "rcpt a@b\nsize 0\n\n",
	};
	static const char	 newer[] = "sesmail-spool 1\nid 0123456789ab\n"
	    "uid 1\ncreated 1\nrcpt a@b\nfuture thing\nsize 0\n\n";
	struct spool_entry	 e;
	char			 err[ERRLEN];
	size_t			 i, off;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (spool_parse(bad[i], strlen(bad[i]), &e, &off, err,
		    sizeof(err)) != -1)
			fail_msg("case %zu parsed", i);
		assert_true(err[0] != '\0');
	}
	/* Unknown keys are skipped (written by a newer sesmail). */
	assert_int_equal(spool_parse(newer, strlen(newer), &e, &off, err,
	    sizeof(err)), 0);
	assert_int_equal(off, strlen(newer));
	spool_entry_free(&e);
}

static void
test_ids(void **state)
{
	char	 a[SPOOL_ID_LEN + 1], b[SPOOL_ID_LEN + 1];

	(void)state;
	assert_true(spool_id_valid("0123456789ab"));
	assert_false(spool_id_valid("0123456789AB"));
	assert_false(spool_id_valid("0123456789a"));
	assert_false(spool_id_valid("0123456789abc"));
	assert_false(spool_id_valid(".tmp.0123456"));
	spool_new_id(a);
	spool_new_id(b);
	assert_true(spool_id_valid(a));
	assert_string_not_equal(a, b);
}

/* A fresh top directory, mode 1733, and its path. */
struct fixture {
	char	 top[256];
};

static int
setup_dir(void **state)
{
	struct fixture	*fx;
	const char	*tmp = getenv("TMPDIR");

	fx = calloc(1, sizeof(*fx));
	if (fx == NULL)
		return -1;
	snprintf(fx->top, sizeof(fx->top), "%s/test_spool.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(fx->top) == NULL || chmod(fx->top, 01733) == -1)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown_dir(void **state)
{
	struct fixture	*fx = *state;
	char		 cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->top);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

static void
test_dir_rules(void **state)
{
	struct fixture	*fx = *state;
	struct stat	 st;
	char		 err[ERRLEN], path[512];
	uid_t		 me = getuid();
	int		 fd;

	/* Missing and not to be created: ENOENT, no directory made. */
	fd = spool_dir_open(fx->top, me, 0, err, sizeof(err));
	assert_int_equal(fd, -1);
	assert_int_equal(errno, ENOENT);

	fd = spool_dir_open(fx->top, me, 1, err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/%lu", fx->top, (unsigned long)me);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(st.st_uid, me);

	/* Opened by others: refused, whoever made it. */
	assert_int_equal(chmod(path, 0755), 0);
	assert_int_equal(spool_dir_open(fx->top, me, 1, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "someone else made it"));
	assert_int_equal(chmod(path, 0700), 0);

	/* A symbolic link in its place. */
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(symlink("/tmp", path), 0);
	assert_int_equal(spool_dir_open(fx->top, me, 1, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "symbolic link"));
	assert_int_equal(unlink(path), 0);

	/* Another user's directory (only root can make one to test). */
	if (me == 0) {
		assert_int_equal(mkdir(path, 0700), 0);
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(spool_dir_open(fx->top, 0, 1, err,
		    sizeof(err)), -1);
		assert_non_null(strstr(err, "uid 65534"));
		assert_int_equal(rmdir(path), 0);
	}

	/* A top directory anyone may write to without the sticky bit. */
	assert_int_equal(chmod(fx->top, 0777), 0);
	assert_int_equal(spool_dir_open(fx->top, me, 1, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "sticky"));
	assert_int_equal(chmod(fx->top, 01733), 0);
}

/* user_dir - the caller's directory under the fixture. */
static int
user_dir(struct fixture *fx, char *path, size_t len)
{
	char	 err[ERRLEN];
	int	 fd;

	fd = spool_dir_open(fx->top, getuid(), 1, err, sizeof(err));
	if (fd == -1)
		fail_msg("%s", err);
	snprintf(path, len, "%s/%lu", fx->top, (unsigned long)getuid());
	return fd;
}

static void
test_store_load_update_remove(void **state)
{
	struct fixture		*fx = *state;
	struct spool_entry	 e, got;
	struct spool_file	 f, g;
	struct strlist		 names = STRLIST_INIT;
	struct buf		 body = BUF_INIT;
	struct stat		 st;
	char			 err[ERRLEN], dir[512];
	int			 dfd;

	dfd = user_dir(fx, dir, sizeof(dir));
	entry_fill(&e);
	e.uid = getuid();
	e.id[0] = '\0';
	assert_int_equal(spool_store(dfd, dir, &e, msg, sizeof(msg) - 1, 1,
	    &f, err, sizeof(err)), 0);
	assert_true(spool_id_valid(e.id));
	assert_string_equal(f.name, e.id);
	assert_int_equal(fstatat(dfd, e.id, &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* Listed, and busy while f holds it. */
	assert_int_equal(spool_list(dfd, &names, err, sizeof(err)), 0);
	assert_int_equal(names.n, 1);
	assert_string_equal(names.v[0], e.id);
	assert_int_equal(spool_load(dfd, dir, e.id, getuid(), 1, &g, &got,
	    &body, err, sizeof(err)), 1);

	/* A failure recorded: one recipient done, the message unchanged. */
	free(e.rcpts.v[0]);
	e.rcpts.v[0] = e.rcpts.v[1];
	e.rcpts.n = 1;
	e.attempts = 2;
	e.exitcode = 75;
	e.last_try = 1700000200;
	e.error = strdup("no reply from SES");
	if (spool_update(&f, &e, 0, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(spool_load(dfd, dir, e.id, getuid(), 1, &g, &got,
	    &body, err, sizeof(err)), 1);
	spool_close(&f);

	assert_int_equal(spool_load(dfd, dir, e.id, getuid(), 1, &g, &got,
	    &body, err, sizeof(err)), 0);
	assert_int_equal(got.rcpts.n, 1);
	assert_string_equal(got.rcpts.v[0], "carol@example.net");
	assert_int_equal(got.attempts, 2);
	assert_string_equal(got.error, "no reply from SES");
	assert_int_equal(body.len, sizeof(msg) - 1);
	assert_memory_equal(body.data, msg, sizeof(msg) - 1);

	/* Removed once SES has it: nothing left, no temporary file. */
	assert_int_equal(spool_remove(&g, 1, err, sizeof(err)), 0);
	assert_int_equal(fstatat(dfd, e.id, &st, 0), -1);
	strlist_free(&names);
	assert_int_equal(spool_list(dfd, &names, err, sizeof(err)), 0);
	assert_int_equal(names.n, 0);
	assert_int_equal(spool_clean_tmp(dfd, time(NULL) + 86400), 0);

	spool_entry_free(&got);
	spool_entry_free(&e);
	strlist_free(&names);
	buf_free(&body);
	close(dfd);
}

static void
test_head_only_and_damage(void **state)
{
	struct fixture		*fx = *state;
	struct spool_entry	 e, got;
	struct spool_file	 f, g;
	struct buf		 body = BUF_INIT;
	struct stat		 st;
	char			 err[ERRLEN], dir[512];
	int			 dfd, fd;

	dfd = user_dir(fx, dir, sizeof(dir));
	entry_fill(&e);
	e.uid = getuid();
	assert_int_equal(spool_store(dfd, dir, &e, msg, sizeof(msg) - 1, 0,
	    &f, err, sizeof(err)), 0);
	spool_close(&f);

	/* mailq reads the head only, without a lock. */
	assert_int_equal(spool_load(dfd, dir, e.id, getuid(), 0, &g, &got,
	    NULL, err, sizeof(err)), 0);
	assert_int_equal(got.size, sizeof(msg) - 1);
	spool_close(&g);
	spool_entry_free(&got);

	/* A file cut short is never taken for a whole message. */
	fd = openat(dfd, e.id, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(ftruncate(fd, st.st_size - 5), 0);
	close(fd);
	assert_int_equal(spool_load(dfd, dir, e.id, getuid(), 1, &g, &got,
	    &body, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "truncated"));

	/* Another owner's file (only root can make one to test). */
	if (getuid() == 0) {
		assert_int_equal(fchownat(dfd, e.id, 65534, 65534, 0), 0);
		assert_int_equal(spool_load(dfd, dir, e.id, 0, 1, &g, &got,
		    &body, err, sizeof(err)), -1);
	}
	assert_int_equal(unlinkat(dfd, e.id, 0), 0);

	/* A stale temporary file goes; a fresh one stays. */
	fd = openat(dfd, ".tmp.0123456789ab", O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(spool_clean_tmp(dfd, time(NULL)), 0);
	assert_int_equal(spool_clean_tmp(dfd, time(NULL) + SPOOL_STALE_TMP +
	    10), 1);

	spool_entry_free(&e);
	buf_free(&body);
	close(dfd);
}

/* --- a message kept in a file: spool_store_fd ------------------------ */

/*
 * A message spilled to a temporary file goes to the spool without
 * passing through memory: copy_file_range, or pread and write where the
 * kernel will not (another file system: a memfd is one). Either way
 * the spool file must be byte for byte the one spool_store makes of the
 * same bytes, whatever the size against spool.c's copy buffer, so that
 * -q cannot tell them apart.
 */

/* spool.c's COPY_CHUNK: the buffer of the copy by hand. */
#define TEST_COPY_CHUNK	(64 * 1024)

/* every_byte - n bytes of every value, line ends and dots among them. */
static char *
every_byte(size_t n)
{
	char	*p;
	size_t	 i;

	p = malloc(n + 1);
	assert_non_null(p);
	for (i = 0; i < n; i++)
		p[i] = (char)(i * 7 + i / 251);
	return p;
}

/*
 * source - a file holding p[0..n) and some bytes that are not the
 * message's, as a spill file may (what followed a lone dot); left at
 * its end, as message_spill leaves it. memfd: not a file of the spool's
 * file system. Returns -1 when no memfd can be had.
 */
static int
source(const char *p, size_t n, int memfd)
{
	static const char	 after[] = "\n.\nnot the message\n";
	int			 fd;

	fd = memfd ? memfd_create("sesmail-test", MFD_CLOEXEC) : tmp_open();
	if (fd == -1 && memfd)
		return -1;
	assert_true(fd >= 0);
	if (n > 0)
		assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(write(fd, after, sizeof(after) - 1),
	    (ssize_t)(sizeof(after) - 1));
	return fd;
}

/* spool_bytes - the whole spool file id of dfd, and its length. */
static char *
spool_bytes(int dfd, const char *id, size_t *len)
{
	char	*p;
	int	 fd;

	fd = openat(dfd, id, O_RDONLY);
	assert_true(fd >= 0);
	p = read_fd(fd, SPOOL_MAX_FILE, len);
	assert_non_null(p);
	close(fd);
	return p;
}

/* entries - how many names dfd holds (temporary ones too). */
static size_t
entries(int dfd)
{
	struct dirent	*d;
	DIR		*dir;
	size_t		 n = 0;

	/* A descriptor of its own: a dup would share the offset, and
	   find nothing after the first listing. */
	dir = fdopendir(openat(dfd, ".", O_RDONLY | O_DIRECTORY));
	assert_non_null(dir);
	while ((d = readdir(dir)) != NULL)
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			n++;
	closedir(dir);
	return n;
}

/*
 * store_both - p[0..n) stored by spool_store then, under the same id,
 * by spool_store_fd from a source: the same file; and spool_load and
 * spool_update (which copies the message again) keep the message.
 */
static void
store_both(int dfd, const char *dir, const char *p, size_t n, int memfd)
{
	struct spool_entry	 e, got;
	struct spool_file	 f, g;
	struct buf		 body = BUF_INIT;
	char			 err[ERRLEN], *a, *b;
	size_t			 alen, blen;
	int			 fd, pass;

	fd = source(p, n, memfd);
	if (fd == -1)
		return;
	entry_fill(&e);
	e.uid = getuid();
	if (spool_store(dfd, dir, &e, p, n, 0, &f, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	a = spool_bytes(dfd, e.id, &alen);
	spool_close(&f);
	assert_int_equal(unlinkat(dfd, e.id, 0), 0);

	if (spool_store_fd(dfd, dir, &e, fd, 0, n, 0, &g, err,
	    sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_string_equal(g.name, "0123456789ab");
	assert_int_equal(g.msg_off, f.msg_off);
	assert_int_equal(g.msg_len, n);
	b = spool_bytes(dfd, e.id, &blen);
	if (alen != blen || memcmp(a, b, alen) != 0)
		fail_msg("%zu bytes from %s: spool files differ", n,
		    memfd ? "a memfd" : "a file");

	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			e.attempts = 1;
			if (spool_update(&g, &e, 0, err, sizeof(err)) == -1)
				fail_msg("%s", err);
		}
		spool_close(&g);
		assert_int_equal(spool_load(dfd, dir, e.id, getuid(), 1, &g,
		    &got, &body, err, sizeof(err)), 0);
		assert_int_equal(got.size, n);
		assert_int_equal(body.len, n);
		if (n > 0)
			assert_memory_equal(body.data, p, n);
		spool_entry_free(&got);
	}
	assert_int_equal(spool_remove(&g, 0, err, sizeof(err)), 0);
	assert_int_equal(entries(dfd), 0);
	spool_entry_free(&e);
	buf_free(&body);
	free(a);
	free(b);
	close(fd);
}

static void
test_store_fd(void **state)
{
	static const size_t	 sizes[] = {
		0, 1, 100, TEST_COPY_CHUNK - 1, TEST_COPY_CHUNK,
		TEST_COPY_CHUNK + 1, 3 * TEST_COPY_CHUNK + 7, 1000003
	};
	struct fixture		*fx = *state;
	char			 dir[512], *p;
	size_t			 i;
	int			 dfd, memfd;

	dfd = user_dir(fx, dir, sizeof(dir));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p = every_byte(sizes[i]);
		for (memfd = 0; memfd < 2; memfd++)
			store_both(dfd, dir, p, sizes[i], memfd);
		free(p);
	}
	close(dfd);
}

/*
 * A source shorter than the length asked for (a spill file cut short):
 * no spool file, no temporary one left behind, and an error.
 */
static void
test_store_fd_short(void **state)
{
	struct fixture		*fx = *state;
	struct spool_entry	 e;
	struct spool_file	 f;
	char			 err[ERRLEN], dir[512], *p;
	size_t			 n = 3 * TEST_COPY_CHUNK;
	int			 dfd, fd, memfd;

	dfd = user_dir(fx, dir, sizeof(dir));
	p = every_byte(n);
	for (memfd = 0; memfd < 2; memfd++) {
		fd = source(p, n, memfd);
		if (fd == -1)
			continue;
		entry_fill(&e);
		e.uid = getuid();
		assert_int_equal(spool_store_fd(dfd, dir, &e, fd, 0,
		    n + 4096, 0, &f, err, sizeof(err)), -1);
		assert_non_null(strstr(err, strerror(EIO)));
		assert_int_equal(entries(dfd), 0);
		spool_entry_free(&e);
		close(fd);
	}
	free(p);
	close(dfd);
}

/* --- a message read into the spool: spool_reserve, spool_adopt ------- */

/*
 * reserved - a file from spool_reserve in dfd holding p[0..n) at
 * SPOOL_GAP and, past it, bytes that are not the message's (what
 * followed a lone dot). Returns -1 where the file system has no unnamed
 * files.
 */
static int
reserved(int dfd, const char *p, size_t n)
{
	static const char	 after[] = "\n.\nnot the message\n";
	int			 fd;

	fd = spool_reserve(dfd);
	if (fd == -1)
		return -1;
	assert_int_equal(pwrite(fd, p, n, SPOOL_GAP), (ssize_t)n);
	assert_int_equal(pwrite(fd, after, sizeof(after) - 1,
	    SPOOL_GAP + (off_t)n), (ssize_t)(sizeof(after) - 1));
	return fd;
}

/*
 * The file the message was read into becomes the spool file: the head
 * fills the gap (a pad line), what followed the message is cut, nothing
 * else is left in the directory, and -q (spool_load) and a failure
 * recorded (spool_update) read it like any other. f has a descriptor of
 * its own: the reader's may be closed first.
 */
static void
test_adopt(void **state)
{
	struct fixture		*fx = *state;
	struct spool_entry	 e, got;
	struct spool_file	 f, g;
	struct buf		 body = BUF_INIT;
	struct stat		 st;
	char			 err[ERRLEN], dir[512], *p, *a;
	size_t			 n = 3 * TEST_COPY_CHUNK + 7, alen;
	int			 dfd, fd;

	dfd = user_dir(fx, dir, sizeof(dir));
	p = every_byte(n);
	fd = reserved(dfd, p, n);
	if (fd == -1) {
		free(p);
		close(dfd);
		skip();
	}
	assert_int_equal(entries(dfd), 0);
	entry_fill(&e);
	e.uid = getuid();
	assert_int_equal(spool_adopt(dfd, dir, &e, fd, n, 1, &f, err,
	    sizeof(err)), 0);
	assert_int_equal(close(fd), 0);
	assert_string_equal(f.name, "0123456789ab");
	assert_int_equal(f.msg_off, SPOOL_GAP);
	assert_int_equal(f.msg_len, n);
	assert_int_equal(entries(dfd), 1);
	assert_int_equal(fstatat(dfd, e.id, &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	a = spool_bytes(dfd, e.id, &alen);
	assert_int_equal(alen, SPOOL_GAP + n);
	assert_memory_equal(a + SPOOL_GAP - 2, "\n\n", 2);
	assert_non_null(memmem(a, SPOOL_GAP, "\npad -", 6));
	assert_memory_equal(a + SPOOL_GAP, p, n);
	free(a);

	/* Still f's, locked: busy to anyone else. */
	assert_int_equal(spool_load(dfd, dir, e.id, getuid(), 1, &g, &got,
	    &body, err, sizeof(err)), 1);
	e.attempts = 1;
	if (spool_update(&f, &e, 0, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	spool_close(&f);
	assert_int_equal(spool_load(dfd, dir, e.id, getuid(), 1, &g, &got,
	    &body, err, sizeof(err)), 0);
	assert_int_equal(got.attempts, 1);
	assert_int_equal(got.rcpts.n, 2);
	assert_int_equal(body.len, n);
	assert_memory_equal(body.data, p, n);
	assert_int_equal(spool_remove(&g, 0, err, sizeof(err)), 0);
	assert_int_equal(entries(dfd), 0);
	spool_entry_free(&got);
	spool_entry_free(&e);
	buf_free(&body);
	free(p);
	close(dfd);
}

/*
 * The padded head reads as the head it pads, wherever the message
 * starts: spool_load of an adopted file, unlocked, as -q finds it after
 * a crash.
 */
static void
test_adopt_load(void **state)
{
	struct fixture		*fx = *state;
	struct spool_entry	 e, got;
	struct spool_file	 f, g;
	struct buf		 body = BUF_INIT;
	char			 err[ERRLEN], dir[512];
	int			 dfd, fd;

	dfd = user_dir(fx, dir, sizeof(dir));
	fd = reserved(dfd, msg, sizeof(msg) - 1);
	if (fd == -1) {
		close(dfd);
		skip();
	}
	entry_fill(&e);
	e.uid = getuid();
	assert_int_equal(spool_adopt(dfd, dir, &e, fd, sizeof(msg) - 1, 0,
	    &f, err, sizeof(err)), 0);
	close(fd);
	spool_close(&f);
	assert_int_equal(spool_load(dfd, dir, e.id, getuid(), 1, &g, &got,
	    &body, err, sizeof(err)), 0);
	assert_string_equal(got.id, e.id);
	assert_string_equal(got.user, "alice");
	assert_string_equal(got.fullname, "Alice Example");
	assert_string_equal(got.rcpts.v[1], "carol@example.net");
	assert_int_equal(got.size, sizeof(msg) - 1);
	assert_int_equal(g.msg_off, SPOOL_GAP);
	assert_memory_equal(body.data, msg, sizeof(msg) - 1);
	spool_close(&g);
	spool_entry_free(&got);
	spool_entry_free(&e);
	buf_free(&body);
	close(dfd);
}

/*
 * The id chosen is taken by the time the file is named: another id,
 * the other file left alone. A head that cannot fit the gap (many
 * recipients): 1, nothing named, and spool_store_fd copies it instead.
 */
static void
test_adopt_taken_and_too_long(void **state)
{
	struct fixture		*fx = *state;
	struct spool_entry	 e;
	struct spool_file	 f;
	char			 err[ERRLEN], dir[512], rcpt[64], *a;
	size_t			 i, alen;
	int			 dfd, fd, other;

	dfd = user_dir(fx, dir, sizeof(dir));
	fd = reserved(dfd, msg, sizeof(msg) - 1);
	if (fd == -1) {
		close(dfd);
		skip();
	}
	other = openat(dfd, "0123456789ab", O_WRONLY | O_CREAT | O_EXCL,
	    0600);
	assert_true(other >= 0);
	assert_int_equal(write(other, "x", 1), 1);
	close(other);
	entry_fill(&e);
	e.uid = getuid();
	assert_int_equal(spool_adopt(dfd, dir, &e, fd, sizeof(msg) - 1, 0,
	    &f, err, sizeof(err)), 0);
	assert_string_not_equal(e.id, "0123456789ab");
	assert_string_equal(f.name, e.id);
	a = spool_bytes(dfd, "0123456789ab", &alen);
	assert_int_equal(alen, 1);
	free(a);
	assert_int_equal(spool_remove(&f, 0, err, sizeof(err)), 0);
	assert_int_equal(unlinkat(dfd, "0123456789ab", 0), 0);
	spool_entry_free(&e);
	close(fd);

	fd = reserved(dfd, msg, sizeof(msg) - 1);
	assert_true(fd >= 0);
	entry_fill(&e);
	e.uid = getuid();
	for (i = 0; i < SPOOL_GAP / 32; i++) {
		snprintf(rcpt, sizeof(rcpt), "recipient%05zu@example.org", i);
		assert_int_equal(strlist_add(&e.rcpts, rcpt), 0);
	}
	assert_int_equal(spool_adopt(dfd, dir, &e, fd, sizeof(msg) - 1, 0,
	    &f, err, sizeof(err)), 1);
	assert_int_equal(entries(dfd), 0);
	if (spool_store_fd(dfd, dir, &e, fd, SPOOL_GAP, sizeof(msg) - 1, 0,
	    &f, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	a = spool_bytes(dfd, e.id, &alen);
	assert_true(alen > SPOOL_GAP);
	assert_memory_equal(a + alen - (sizeof(msg) - 1), msg,
	    sizeof(msg) - 1);
	free(a);
	assert_int_equal(spool_remove(&f, 0, err, sizeof(err)), 0);
	spool_entry_free(&e);
	close(fd);
	close(dfd);
}

/*
 * The directory cannot be synced after a file was named: a new entry
 * (stored or adopted) reported as not kept has no name either, or -q
 * would send a message kept twice; a failure recorded is in place, its
 * new file f's, and the caller is told it may not outlast a power cut;
 * so too for a removal.
 */
static void
test_dir_sync_fails(void **state)
{
	struct fixture		*fx = *state;
	struct spool_entry	 e, got;
	struct spool_file	 f, g;
	struct buf		 body = BUF_INIT;
	char			 err[ERRLEN], dir[512];
	int			 dfd, fd;

	dfd = user_dir(fx, dir, sizeof(dir));
	entry_fill(&e);
	e.uid = getuid();
	fail_dir_fsync = 1;
	assert_int_equal(spool_store(dfd, dir, &e, msg, sizeof(msg) - 1, 1,
	    &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, strerror(EIO)));
	assert_int_equal(entries(dfd), 0);

	fd = reserved(dfd, msg, sizeof(msg) - 1);
	if (fd != -1) {
		e.id[0] = '\0';
		assert_int_equal(spool_adopt(dfd, dir, &e, fd,
		    sizeof(msg) - 1, 1, &f, err, sizeof(err)), 1);
		assert_int_equal(entries(dfd), 0);
		assert_int_equal(spool_store_fd(dfd, dir, &e, fd, SPOOL_GAP,
		    sizeof(msg) - 1, 1, &f, err, sizeof(err)), -1);
		assert_int_equal(entries(dfd), 0);
		close(fd);
	}

	fail_dir_fsync = 0;
	e.id[0] = '\0';
	if (spool_store(dfd, dir, &e, msg, sizeof(msg) - 1, 1, &f, err,
	    sizeof(err)) == -1)
		fail_msg("%s", err);
	fail_dir_fsync = 1;
	e.attempts = 3;
	assert_int_equal(spool_update(&f, &e, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "power cut"));
	fail_dir_fsync = 0;
	assert_int_equal(entries(dfd), 1);
	spool_close(&f);
	assert_int_equal(spool_load(dfd, dir, e.id, getuid(), 1, &g, &got,
	    &body, err, sizeof(err)), 0);
	assert_int_equal(got.attempts, 3);
	assert_memory_equal(body.data, msg, sizeof(msg) - 1);
	fail_dir_fsync = 1;
	assert_int_equal(spool_remove(&g, 1, err, sizeof(err)), -1);
	fail_dir_fsync = 0;
	assert_non_null(strstr(err, "removed, but"));
	assert_int_equal(entries(dfd), 0);
	spool_entry_free(&got);
	spool_entry_free(&e);
	buf_free(&body);
	close(dfd);
}

/* --- the dead.letter fallback ---------------------------------------- */

static void
test_mbox_entry(void **state)
{
	static const char	 in[] = "From junk at the top\r\n"
	    "Subject: x\r\n\r\nFrom here\n>From there\nFromage\r\r\n"
	    " From indented\rlast";
	struct buf		 b = BUF_INIT;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(deadletter_mbox("a@example.com", 0, in,
	    sizeof(in) - 1, &b), 0);
	assert_string_equal(b.data, "From a@example.com Thu Jan  1 00:00:00 "
	    "1970\n>From junk at the top\nSubject: x\n\n>From here\n"
	    ">>From there\nFromage\n From indented\nlast\n\n");
	buf_reset(&b);
	assert_int_equal(deadletter_mbox(NULL, 0, "x\n", 2, &b), 0);
	assert_string_equal(b.data, "From MAILER-DAEMON Thu Jan  1 00:00:00 "
	    "1970\nx\n\n");
	buf_free(&b);
}

static void
test_deadletter_home_rules(void **state)
{
	struct fixture	*fx = *state;
	char		 path[512], err[ERRLEN], home[300];
	uid_t		 me = getuid();

	assert_int_equal(deadletter_path(NULL, me, path, sizeof(path), err,
	    sizeof(err)), -1);
	assert_int_equal(deadletter_path("relative", me, path, sizeof(path),
	    err, sizeof(err)), -1);
	assert_int_equal(deadletter_path("/", me, path, sizeof(path), err,
	    sizeof(err)), -1);
	/* www-data's HOME, wherever it exists. */
	if (access("/var/www", F_OK) == 0) {
		assert_int_equal(deadletter_path("/var/www", me, path,
		    sizeof(path), err, sizeof(err)), -1);
		assert_non_null(strstr(err, "web server"));
	}
	if (access("/srv", F_OK) == 0)
		assert_int_equal(deadletter_path("/srv/", me, path,
		    sizeof(path), err, sizeof(err)), -1);

	/* The caller's own directory; not one others may write to. */
	snprintf(home, sizeof(home), "%s/home", fx->top);
	assert_int_equal(mkdir(home, 0755), 0);
	assert_int_equal(deadletter_path(home, me, path, sizeof(path), err,
	    sizeof(err)), 0);
	assert_non_null(strstr(path, "/home/dead.letter"));
	assert_int_equal(deadletter_path(home, me + 1, path, sizeof(path),
	    err, sizeof(err)), -1);
	assert_int_equal(chmod(home, 0777), 0);
	assert_int_equal(deadletter_path(home, me, path, sizeof(path), err,
	    sizeof(err)), -1);
}

static void
test_deadletter_append(void **state)
{
	struct fixture	*fx = *state;
	struct stat	 st;
	char		 path[512], other[512], err[ERRLEN], *text;
	size_t		 len;

	snprintf(path, sizeof(path), "%s/dead.letter", fx->top);
	assert_int_equal(deadletter_write(path, getuid(), "a@example.com",
	    0, "one\n", 4, err, sizeof(err)), 0);
	assert_int_equal(deadletter_write(path, getuid(), NULL, 0, "two",
	    3, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	text = read_file(path, 4096, &len);
	assert_non_null(text);
	/* Appended, never written over. */
	assert_non_null(strstr(text, "\none\n\nFrom MAILER-DAEMON "));
	assert_non_null(strstr(text, "\ntwo\n\n"));
	free(text);

	/* Not through a symbolic link, nor into a second name. */
	snprintf(other, sizeof(other), "%s/link", fx->top);
	assert_int_equal(symlink(path, other), 0);
	assert_int_equal(deadletter_write(other, getuid(), NULL, 0, "x", 1,
	    err, sizeof(err)), -1);
	assert_int_equal(unlink(other), 0);
	assert_int_equal(link(path, other), 0);
	assert_int_equal(deadletter_write(other, getuid(), NULL, 0, "x", 1,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "one link"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_ids),
		cmocka_unit_test_setup_teardown(test_dir_rules, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_store_load_update_remove,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_head_only_and_damage,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_store_fd, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_store_fd_short, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_adopt, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_adopt_load, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_adopt_taken_and_too_long,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_dir_sync_fails,
		    setup_dir, teardown_dir),
		cmocka_unit_test(test_mbox_entry),
		cmocka_unit_test_setup_teardown(test_deadletter_home_rules,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_deadletter_append,
		    setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
