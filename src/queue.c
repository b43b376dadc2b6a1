/*
 * queue - sesmail -q and mailq over the spool (see spool.h).
 *
 * Root's run forks one child per user directory, and each child takes
 * on its owner's uid, gids and sender policy before it reads a message:
 * a file in a user's own directory is that user's to write, so sending
 * it with root's rights would let any user send as root could.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "envelope.h"
#include "message.h"
#include "queue.h"
#include "spool.h"
#include "strlist.h"
#include "submit.h"
#include "util.h"

/* Variables of the SDKs that carry a key: not handed to another user. */
static const char *const key_vars[] = {
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_SECURITY_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
};

/* One user's part of a run. */
struct run {
	const struct conf	*conf;
	const char		*hostname;
	int			 verbose;
	uid_t			 uid;
	char			 user[64];
	char			 dir[SPOOL_PATH_MAX];
	int			 dirfd;
	struct submitter	 sub;
	int			 rc;
};

/* login_of - the login name of uid, else "uidN". */
static void
login_of(uid_t uid, char *out, size_t len)
{
	struct passwd	*pw;

	pw = getpwuid(uid);
	if (pw != NULL && pw->pw_name[0] != '\0')
		snprintf(out, len, "%s", pw->pw_name);
	else
		snprintf(out, len, "uid%lu", (unsigned long)uid);
	sanitize(out);
}

/*
 * envelope_of - the envelope a kept message is sent with: its sender
 * judged again by the owner's policy (allowed_from, as for -f), since
 * the owner could have written the file by hand, and its recipients.
 */
static int
envelope_of(const struct run *r, const struct spool_entry *e,
    struct envelope *env, char *err, size_t errlen)
{
	struct envelope_ctx	 x;
	size_t			 i;
	int			 rc;

	memset(&x, 0, sizeof(x));
	x.conf = r->conf;
	x.user = r->user;
	x.hostname = r->hostname;
	rc = envelope_set_sender(&x, e->sender != NULL ? e->sender : "", 1,
	    env, err, errlen);
	for (i = 0; rc == 0 && i < e->rcpts.n; i++) {
		if (!address_is_valid_spec(e->rcpts.v[i])) {
			seterr(err, errlen, "recipient %.100s is not an "
			    "address", e->rcpts.v[i]);
			sanitize(err);
			rc = EX_DATAERR;
		} else if (strlist_add_unique(&env->rcpts,
		    e->rcpts.v[i]) == -1) {
			seterr(err, errlen, "out of memory");
			rc = EX_OSERR;
		}
	}
	return rc;
}

/* too_young - whether f was written less than SPOOL_MIN_AGE ago. */
static int
too_young(const struct spool_file *f, time_t now)
{
	struct stat	 st;

	return fstat(f->fd, &st) == -1 || now - st.st_mtime < SPOOL_MIN_AGE;
}

/*
 * parse_kept - the message of f, read from the file as it is sent; a
 * file cut short (a full disk, a hand edit) is not sent in part.
 */
static int
parse_kept(const struct spool_file *f, struct message *msg, char *err,
    size_t errlen)
{
	struct stat	 st;

	if (fstat(f->fd, &st) == -1 || st.st_size < f->msg_off ||
	    (size_t)(st.st_size - f->msg_off) != f->msg_len) {
		seterr(err, errlen, "cut short or added to: not the %zu "
		    "bytes its head says", f->msg_len);
		return EX_DATAERR;
	}
	if (message_parse_fd(f->fd, f->msg_off, f->msg_len, NULL, msg) ==
	    -1) {
		if (errno == E2BIG) {
			seterr(err, errlen, "%s", MSG_HEAD_TOO_BIG);
			return EX_DATAERR;
		}
		seterr(err, errlen, "cannot read it: %s", strerror(errno));
		return errno == ENOMEM ? EX_OSERR : EX_IOERR;
	}
	return 0;
}

/* resend - one loaded message: parse it, send it, report. */
static void
resend(struct run *r, struct spool_file *f, struct spool_entry *e)
{
	struct envelope		 env;
	struct message		 msg;
	struct submit_result	 res;
	char			 err[ERRLEN] = "";
	int			 rc;

	envelope_init(&env);
	message_init(&msg);
	memset(&res, 0, sizeof(res));
	rc = envelope_of(r, e, &env, err, sizeof(err));
	if (rc == 0 && parse_kept(f, &msg, err, sizeof(err)) != 0) {
		/* Not the queue's to mend: as for a file it cannot load. */
		fprintf(stderr, "sesmail: %s: %s; left alone\n", f->path, err);
		r->rc = EX_DATAERR;
		goto out;
	}
	r->sub.fullname = e->fullname;
	if (rc == 0)
		rc = submit_spooled(&r->sub, &msg, &env, f, e, &res, err,
		    sizeof(err));
	/*
	 * A message that failed again is no failure of the queue run: it
	 * is kept with its reason (mailq shows it). Saying so on every
	 * run from cron would mail a report, through sesmail, into the
	 * spool, once per run; so only with -v or on a terminal.
	 */
	if (rc != 0 && (r->verbose || isatty(STDERR_FILENO)))
		fprintf(stderr, "sesmail: %s: %s\n", f->path, err);
	else if (rc == 0 && r->verbose)
		fprintf(stderr, "sesmail: %s: sent\n", f->path);
out:
	submit_result_free(&res);
	message_free(&msg);
	envelope_free(&env);
}

/* run_one - load name (locked), unless busy, gone or too young. */
static void
run_one(struct run *r, const char *name, time_t now)
{
	struct spool_file	 f;
	struct spool_entry	 e;
	char			 err[ERRLEN] = "";
	int			 st;

	st = spool_load(r->dirfd, r->dir, name, r->uid, 1, &f, &e, NULL, err,
	    sizeof(err));
	if (st == 1 && r->verbose)
		fprintf(stderr, "sesmail: %s/%s: being sent, left alone\n",
		    r->dir, name);
	if (st == -1) {
		fprintf(stderr, "sesmail: %s; left alone\n", err);
		r->rc = EX_DATAERR;
	}
	if (st != 0)
		return;
	if (too_young(&f, now)) {
		if (r->verbose)
			fprintf(stderr, "sesmail: %s: younger than %d s (a "
			    "send may be under way), left for the next run\n",
			    f.path, SPOOL_MIN_AGE);
	} else
		resend(r, &f, &e);
	spool_close(&f);
	spool_entry_free(&e);
}

/* run_user - every kept message in one user's directory. */
static int
run_user(const struct conf *c, const struct queue_caller *who,
    const char *top, uid_t uid)
{
	struct run	 r;
	struct strlist	 names = STRLIST_INIT;
	char		 err[ERRLEN];
	size_t		 i;

	memset(&r, 0, sizeof(r));
	r.conf = c;
	r.hostname = who->hostname;
	r.verbose = who->verbose;
	r.uid = uid;
	login_of(uid, r.user, sizeof(r.user));
	snprintf(r.dir, sizeof(r.dir), "%s/%lu", top, (unsigned long)uid);
	r.dirfd = spool_dir_open(top, uid, 0, err, sizeof(err));
	if (r.dirfd == -1 && errno == ENOENT)
		return 0;
	if (r.dirfd == -1) {
		fprintf(stderr, "sesmail: %s\n", err);
		return EX_CANTCREAT;
	}
	spool_clean_tmp(r.dirfd, time(NULL));
	if (spool_list(r.dirfd, &names, err, sizeof(err)) == -1) {
		fprintf(stderr, "sesmail: %s\n", err);
		r.rc = EX_OSERR;
	}
	submitter_init(&r.sub, c, uid, r.user, NULL, who->verbose);
	for (i = 0; i < names.n && !submit_interrupted(); i++)
		run_one(&r, names.v[i], time(NULL));
	if (submit_interrupted())
		r.rc = EX_TEMPFAIL;
	submitter_free(&r.sub);
	strlist_free(&names);
	close(r.dirfd);
	return r.rc;
}

/*
 * become - take on uid's identity for good: its groups, its gid, its
 * uid, and none of root's keys from the environment.
 */
static int
become(uid_t uid)
{
	struct passwd	*pw;
	size_t		 i;

	pw = getpwuid(uid);
	if (pw == NULL) {
		fprintf(stderr, "sesmail: uid %lu has no password entry; its "
		    "messages are left alone\n", (unsigned long)uid);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setgid(pw->pw_gid) == -1 || setuid(uid) == -1 ||
	    (uid != 0 && setuid(0) != -1)) {
		fprintf(stderr, "sesmail: cannot become uid %lu: %s\n",
		    (unsigned long)uid, strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(key_vars) / sizeof(key_vars[0]); i++)
		unsetenv(key_vars[i]);
	return 0;
}

/* run_as - one user's directory in a child that runs as that user. */
static int
run_as(const struct conf *c, const struct queue_caller *who,
    const char *top, uid_t uid)
{
	pid_t	 pid;
	int	 status, told = 0;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == -1) {
		fprintf(stderr, "sesmail: fork: %s\n", strerror(errno));
		return EX_OSERR;
	}
	if (pid == 0) {
		if (uid != 0 && become(uid) == -1)
			_exit(EX_NOPERM);
		exit(run_user(c, who, top, uid));
	}
	for (;;) {
		/* A stop sent to us alone (kill PID, not the group) must
		   reach the child, which keeps its message and ends. */
		if (submit_interrupted() && !told) {
			kill(pid, submit_interrupted());
			told = 1;
		}
		if (waitpid(pid, &status, 0) != -1)
			break;
		if (errno != EINTR)
			return EX_OSERR;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return EX_TEMPFAIL;
}

/* uid_name - a user directory's name as a uid; -1 when it is not one. */
static int
uid_name(const char *name, uid_t *uid)
{
	long	 v;

	if (name[0] < '0' || name[0] > '9' ||
	    parse_long(name, 0, 0x7fffffffL, &v) == -1)
		return -1;
	*uid = (uid_t)v;
	return 0;
}

/* user_dirs - the uids that have a directory under top (root only). */
static int
user_dirs(const char *top, struct strlist *names)
{
	struct dirent	*de;
	DIR		*d;
	uid_t		 uid;

	d = opendir(top);
	if (d == NULL)
		return -1;
	for (de = readdir(d); de != NULL; de = readdir(d))
		if (uid_name(de->d_name, &uid) == 0 &&
		    strlist_add(names, de->d_name) == -1)
			break;
	closedir(d);
	return 0;
}

/*
 * evict - a directory made for uid by someone else keeps uid out of the
 * spool (sesmail will not use it): move it aside and say so, once.
 * Returns 1 when uid has nothing to run.
 */
static int
evict(const char *top, uid_t uid)
{
	char	 aside[64], err[ERRLEN];

	switch (spool_evict(top, uid, aside, sizeof(aside), err,
	    sizeof(err))) {
	case 1:
		fprintf(stderr, "sesmail: warning: spool %s/%lu was not made "
		    "by uid %lu: moved aside to %s/%s\n", top,
		    (unsigned long)uid, (unsigned long)uid, top, aside);
		return 1;
	case -1:
		fprintf(stderr, "sesmail: %s\n", err);
		return 0;
	default:
		return 0;
	}
}

/* run_all - root: every user's directory, each as its owner. */
static int
run_all(const struct conf *c, const struct queue_caller *who,
    const char *top)
{
	struct strlist	 names = STRLIST_INIT;
	size_t		 i;
	uid_t		 uid;
	int		 rc = 0, one;

	if (user_dirs(top, &names) == -1) {
		fprintf(stderr, "sesmail: spool %s: %s\n", top,
		    strerror(errno));
		return errno == ENOENT ? 0 : EX_OSERR;
	}
	for (i = 0; i < names.n && !submit_interrupted(); i++) {
		if (uid_name(names.v[i], &uid) == -1)
			continue;
		if (evict(top, uid))
			continue;
		one = run_as(c, who, top, uid);
		if (one != 0)
			rc = one;
	}
	strlist_free(&names);
	return submit_interrupted() ? EX_TEMPFAIL : rc;
}

/* queue_run - see queue.h. */
int
queue_run(const struct conf *c, const struct queue_caller *who)
{
	const char	*top = spool_top(c->spool);

	if (top == NULL) {
		if (who->verbose)
			fputs("sesmail: no spool is configured: nothing to "
			    "run\n", stderr);
		return 0;
	}
	submit_catch_signals();
	if (who->uid == 0)
		return run_all(c, who, top);
	return run_user(c, who, top, who->uid);
}

/* --- mailq ------------------------------------------------------------ */

/* Totals of a listing. */
struct listing {
	FILE		*out;
	time_t		 now;
	size_t		 count;
	unsigned long long bytes;
};

/* age - "42s", "5m", "3h", "2d". */
static void
age(time_t secs, char *out, size_t len)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		snprintf(out, len, "%llds", (long long)secs);
	else if (secs < 2 * 3600)
		snprintf(out, len, "%lldm", (long long)secs / 60);
	else if (secs < 2 * 86400)
		snprintf(out, len, "%lldh", (long long)secs / 3600);
	else
		snprintf(out, len, "%lldd", (long long)secs / 86400);
}

/* show - one entry: the id line, the status line, the recipients. */
static void
show(struct listing *l, const struct spool_entry *e)
{
	char	 when[32];
	size_t	 i;

	if (l->count == 0)
		fprintf(l->out, "-Queue ID-   --Size-- --Age-- "
		    "-Sender/Recipient-------\n");
	age(l->now - e->created, when, sizeof(when));
	fprintf(l->out, "%-12s %8zu %7s  %s\n", e->id, e->size, when,
	    e->sender != NULL ? e->sender : "<>");
	fprintf(l->out, "  (user %s, %lu attempt%s%s%s)\n", e->user != NULL ?
	    e->user : "?", e->attempts, e->attempts == 1 ? "" : "s",
	    e->error != NULL ? ", last: " : ", not tried yet",
	    e->error != NULL ? e->error : "");
	for (i = 0; i < e->rcpts.n; i++)
		fprintf(l->out, "%31s%s\n", "", e->rcpts.v[i]);
	fputc('\n', l->out);
	l->count++;
	l->bytes += e->size;
}

/* list_user - the entries of one user's directory. */
static int
list_user(struct listing *l, const char *top, uid_t uid)
{
	struct strlist		 names = STRLIST_INIT;
	struct spool_file	 f;
	struct spool_entry	 e;
	char			 err[ERRLEN], dir[SPOOL_PATH_MAX];
	size_t			 i;
	int			 fd;

	snprintf(dir, sizeof(dir), "%s/%lu", top, (unsigned long)uid);
	fd = spool_dir_open(top, uid, 0, err, sizeof(err));
	if (fd == -1 && errno == ENOENT)
		return 0;
	if (fd == -1 || spool_list(fd, &names, err, sizeof(err)) == -1) {
		fprintf(stderr, "sesmail: %s\n", err);
		if (fd != -1)
			close(fd);
		return EX_NOINPUT;
	}
	for (i = 0; i < names.n; i++) {
		if (spool_load(fd, dir, names.v[i], uid, 0, &f, &e, NULL, err,
		    sizeof(err)) != 0)
			continue;
		show(l, &e);
		spool_close(&f);
		spool_entry_free(&e);
	}
	strlist_free(&names);
	close(fd);
	return 0;
}

/* queue_list - see queue.h. */
int
queue_list(const struct conf *c, uid_t uid, FILE *out)
{
	struct listing	 l;
	struct strlist	 names = STRLIST_INIT;
	const char	*top = spool_top(c->spool);
	size_t		 i;
	uid_t		 u;
	int		 rc = 0;

	memset(&l, 0, sizeof(l));
	l.out = out;
	l.now = time(NULL);
	if (top != NULL && uid != 0)
		rc = list_user(&l, top, uid);
	if (top != NULL && uid == 0 && user_dirs(top, &names) == 0)
		for (i = 0; i < names.n; i++)
			if (uid_name(names.v[i], &u) == 0 &&
			    list_user(&l, top, u) != 0)
				rc = EX_NOINPUT;
	strlist_free(&names);
	if (l.count == 0)
		fputs("Mail queue is empty\n", out);
	else
		fprintf(out, "-- %llu Kbytes in %zu Request%s.\n",
		    (l.bytes + 1023) / 1024, l.count, l.count == 1 ? "" : "s");
	return rc;
}
