/*
 * credproc - credential_process (SES.md 4.4).
 *
 * Offered because it is how sites plug in their own vaults, and safe
 * enough here: sesmail is never set-id, so the command runs with no
 * more rights than the caller already has, and it can only come from
 * the key file, which sesmail holds to the rules of a secret (owned by
 * root or the caller, writable by no one else). What remains is to run
 * it predictably: an absolute path, no shell, no inherited descriptors,
 * a time limit and an output limit.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "buf.h"
#include "credentials.h"
#include "credproc.h"
#include "util.h"

/* Outside quotes a shell would give these a meaning sesmail does not. */
#define SHELL_SPECIAL	"|&;<>()$`"

/* Descriptors closed in the child when /proc/self/fd cannot be read. */
#define FD_SCAN_MAX	1024

/* Splitting state: the words so far and the one being built. */
struct split {
	char		**v;
	size_t		  n;
	struct buf	  word;
	int		  in_word;
};

/* credproc_argv_free - free the words and the array. */
void
credproc_argv_free(char **argv)
{
	size_t	 i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/* end_word - move the word being built into the array. */
static int
end_word(struct split *sp, char *err, size_t errlen)
{
	char	*w;

	if (!sp->in_word)
		return 0;
	if (sp->n + 1 >= CREDPROC_MAX_ARGS) {
		seterr(err, errlen, "more than %d words",
		    CREDPROC_MAX_ARGS - 1);
		return -1;
	}
	w = buf_steal(&sp->word);
	if (w == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	sp->v[sp->n++] = w;
	sp->v[sp->n] = NULL;
	sp->in_word = 0;
	return 0;
}

/* add_byte - one literal byte to the word being built. */
static int
add_byte(struct split *sp, char ch, char *err, size_t errlen)
{
	sp->in_word = 1;
	if (buf_appendc(&sp->word, ch) == -1) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* quoted - the text of '...' or "..." from *p (at the quote). */
static int
quoted(struct split *sp, const char **p, char *err, size_t errlen)
{
	char	 q = **p;

	sp->in_word = 1;
	for ((*p)++; **p != q; (*p)++) {
		if (**p == '\0') {
			seterr(err, errlen, "unterminated %c quote", q);
			return -1;
		}
		if (q == '"' && **p == '\\' && (*p)[1] != '\0' &&
		    strchr("\"\\$`", (*p)[1]) != NULL)
			(*p)++;
		if (add_byte(sp, **p, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* split_byte - one step of the splitter at *p. */
static int
split_byte(struct split *sp, const char **p, char *err, size_t errlen)
{
	unsigned char	 ch = (unsigned char)**p;

	if (ch == ' ' || ch == '\t')
		return end_word(sp, err, errlen);
	if (ch < 0x20 || ch == 0x7f) {
		seterr(err, errlen, "control character in the command");
		return -1;
	}
	if (ch == '\'' || ch == '"')
		return quoted(sp, p, err, errlen);
	if (strchr(SHELL_SPECIAL, ch) != NULL) {
		seterr(err, errlen, "'%c' outside quotes: the command is run "
		    "without a shell, so pipes, redirections and expansions "
		    "are not available", ch);
		return -1;
	}
	if (ch == '\\') {
		(*p)++;
		if (**p == '\0') {
			seterr(err, errlen, "backslash at the end");
			return -1;
		}
	}
	return add_byte(sp, **p, err, errlen);
}

/* credproc_split - shell-like words, no expansion, no shell. */
int
credproc_split(const char *cmd, char ***argv, char *err, size_t errlen)
{
	struct split	 sp;
	const char	*p;

	*argv = NULL;
	memset(&sp, 0, sizeof(sp));
	buf_init(&sp.word);
	sp.v = calloc(CREDPROC_MAX_ARGS, sizeof(*sp.v));
	if (sp.v == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	for (p = cmd; *p != '\0'; p++)
		if (split_byte(&sp, &p, err, errlen) == -1)
			goto fail;
	if (end_word(&sp, err, errlen) == -1)
		goto fail;
	if (sp.n == 0 || sp.v[0][0] != '/') {
		seterr(err, errlen, "the command must start with an absolute "
		    "path (there is no PATH search)");
		goto fail;
	}
	*argv = sp.v;
	return 0;

fail:
	buf_free(&sp.word);
	credproc_argv_free(sp.v);
	return -1;
}

/* close_others - in the child: nothing of sesmail's but 0, 1 and 2. */
static void
close_others(void)
{
	struct dirent	*d;
	DIR		*dir;
	long		 fd;
	int		 own;

	dir = opendir("/proc/self/fd");
	if (dir == NULL) {
		for (fd = 3; fd < FD_SCAN_MAX; fd++)
			close((int)fd);
		return;
	}
	own = dirfd(dir);
	while ((d = readdir(dir)) != NULL)
		if (parse_long(d->d_name, 3, 1L << 30, &fd) == 0 &&
		    fd != own)
			close((int)fd);
	closedir(dir);
}

/* child - set up descriptors and signals, then exec; never returns. */
static void
child(char **argv, int out)
{
	int	 fd;

	fd = open("/dev/null", O_RDONLY);
	if (fd == -1 || dup2(fd, STDIN_FILENO) == -1 ||
	    dup2(out, STDOUT_FILENO) == -1)
		_exit(127);
	close_others();
	/* -bs ignores SIGPIPE, and ignored signals survive exec. */
	signal(SIGPIPE, SIG_DFL);
	execv(argv[0], argv);
	_exit(127);
}

/* ms_left - milliseconds to the deadline, at least 0. */
static int
ms_left(const struct timespec *deadline)
{
	struct timespec	 now;
	long		 ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (int)ms : 0;
}

/*
 * collect - read the child's output until EOF, the limit or the
 * deadline. Returns 0, or an EX_* code with err (the child is then to
 * be killed).
 */
static int
collect(int fd, struct buf *out, const struct timespec *deadline,
    char *err, size_t errlen)
{
	struct pollfd	 pfd;
	ssize_t		 n;
	int		 r;

	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		r = poll(&pfd, 1, ms_left(deadline));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == 0) {
			seterr(err, errlen, "no output within %d s",
			    CREDPROC_TIMEOUT);
			return EX_TEMPFAIL;
		}
		/* Reserved whole: reading never moves the buffer. */
		n = r == -1 ? -1 : read(fd, out->data + out->len,
		    CREDPROC_MAX_OUTPUT + 1 - out->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			seterr(err, errlen, "reading its output: %s",
			    strerror(errno));
			return EX_OSERR;
		}
		if (n == 0)
			return 0;
		out->len += (size_t)n;
		if (out->len > CREDPROC_MAX_OUTPUT) {
			seterr(err, errlen, "more than %d bytes of output",
			    CREDPROC_MAX_OUTPUT);
			return EX_CONFIG;
		}
	}
}

/*
 * reap - wait for the child until the deadline, then kill it. Returns
 * its wait status, or -1 when it had to be killed.
 */
static int
reap(pid_t pid, const struct timespec *deadline)
{
	struct timespec	 nap = { 0, 10 * 1000000L };
	int		 status;

	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		if (ms_left(deadline) == 0)
			break;
		nanosleep(&nap, NULL);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		continue;
	return -1;
}

/* run - start argv[0], collect its output and exit status. */
static int
run(char **argv, struct buf *out, char *err, size_t errlen)
{
	struct timespec	 deadline;
	pid_t		 pid;
	int		 fds[2], rc, status;

	if (pipe(fds) == -1) {
		seterr(err, errlen, "pipe: %s", strerror(errno));
		return EX_OSERR;
	}
	pid = fork();
	if (pid == -1) {
		seterr(err, errlen, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return EX_OSERR;
	}
	if (pid == 0)
		child(argv, fds[1]);
	close(fds[1]);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += CREDPROC_TIMEOUT;
	rc = collect(fds[0], out, &deadline, err, errlen);
	close(fds[0]);
	if (rc != 0)
		deadline.tv_sec = 0;
	status = reap(pid, &deadline);
	if (rc != 0)
		return rc;
	if (status == -1) {
		seterr(err, errlen, "still running after %d s",
		    CREDPROC_TIMEOUT);
		return EX_TEMPFAIL;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		seterr(err, errlen, "failed (%s %d)", WIFEXITED(status) ?
		    "exit status" : "signal", WIFEXITED(status) ?
		    WEXITSTATUS(status) : WTERMSIG(status));
		return EX_TEMPFAIL;
	}
	return 0;
}

/* cred_from_process - split, run, parse; nothing of it is printed. */
int
cred_from_process(const char *cmd, struct credentials *cr, char *err,
    size_t errlen)
{
	struct buf	 out = BUF_INIT;
	char		 why[ERRLEN];
	char		**argv = NULL;
	int		 rc;

	credentials_init(cr);
	if (credproc_split(cmd, &argv, why, sizeof(why)) == -1) {
		seterr(err, errlen, "credential_process: %s", why);
		return EX_CONFIG;
	}
	if (access(argv[0], X_OK) == -1) {
		seterr(err, errlen, "credential_process %s: %s", argv[0],
		    strerror(errno));
		rc = EX_CONFIG;
		goto out;
	}
	if (buf_reserve(&out, CREDPROC_MAX_OUTPUT + 1) == -1) {
		seterr(err, errlen, "out of memory");
		rc = EX_OSERR;
		goto out;
	}
	rc = run(argv, &out, why, sizeof(why));
	if (rc == 0) {
		rc = credentials_parse_json(out.data, out.len,
		    CRED_JSON_PROCESS, time(NULL), cr, why, sizeof(why));
		rc = rc == 0 ? 0 : rc == CRED_JSON_EXPIRED ? EX_TEMPFAIL :
		    EX_CONFIG;
	}
	if (rc != 0)
		seterr(err, errlen, "credential_process %s: %s", argv[0],
		    why);
out:
	buf_wipe(&out);
	credproc_argv_free(argv);
	return rc;
}
