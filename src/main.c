/*
 * sesmail - a sendmail that hands each message to Amazon SES.
 *
 * main() only dispatches on the mode; the send path below reads top to
 * bottom in the order of sesmail(8): options, configuration, message,
 * envelope, header completion, credentials, SES, audit, exit code.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "audit.h"
#include "buf.h"
#include "conf.h"
#include "credentials.h"
#include "envelope.h"
#include "http.h"
#include "message.h"
#include "options.h"
#include "ses.h"
#include "util.h"

/* SES v1 refuses a message whose base64 form is over 10 MB; take the
   smaller reading of "MB" so a message is never sent only to bounce. */
#define SES_V1_MAX_ENCODED	10000000

/* Everything the send path knows about one submission. */
struct job {
	struct options		 opt;
	struct conf		 conf;
	struct message		 msg;
	struct envelope		 env;
	struct credentials	 cred;
	struct buf		 raw;		/* what SES receives */
	struct buf		 ses_ids;	/* MessageIds, comma-separated */
	char			 id[13];	/* local id, for the log */
	char			 user[64];
	char			 fullname[128];
	uid_t			 uid;
	const char		*error;		/* short error code for audit */
	struct timespec		 start;
};

static int	verbose;

static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* say - a -v line on stderr. */
static void
say(const char *fmt, ...)
{
	va_list	 ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	fputs("sesmail: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* fail_line - the one line a failure prints on stderr. */
static void
fail_line(const char *reason)
{
	fprintf(stderr, "sesmail: %s\n", reason);
}

/*
 * start_defensively - a sendmail is started by anything, with anything
 * open or closed: make descriptors 0-2 valid so that a file opened later
 * never becomes stdout, and never keep a set-id privilege.
 */
static void
start_defensively(void)
{
	int	 fd;

	umask(022);
	do {
		fd = open("/dev/null", O_RDWR);
	} while (fd >= 0 && fd <= 2);
	if (fd > 2)
		close(fd);

	if (getegid() != getgid() || geteuid() != getuid()) {
		/* sesmail holds no secret a set-id bit could guard, and a
		   set-id bit would let any user read what the group can. */
		if (setgid(getgid()) == -1 || setuid(getuid()) == -1) {
			fail_line("cannot drop set-id privileges");
			exit(EX_OSERR);
		}
		fail_line("warning: installed set-id; privileges dropped");
	}
}

static void
job_init(struct job *j)
{
	struct passwd	*pw;
	unsigned char	 rnd[6];
	size_t		 i, n;

	memset(j, 0, sizeof(*j));
	conf_init(&j->conf);
	message_init(&j->msg);
	envelope_init(&j->env);
	credentials_init(&j->cred);
	buf_init(&j->raw);
	buf_init(&j->ses_ids);
	clock_gettime(CLOCK_MONOTONIC, &j->start);

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		memset(rnd, 0, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(j->id + 2 * i, 3, "%02x", rnd[i]);

	j->uid = getuid();
	pw = getpwuid(j->uid);
	if (pw != NULL && pw->pw_name[0] != '\0') {
		snprintf(j->user, sizeof(j->user), "%s", pw->pw_name);
		/* GECOS: the full name ends at the first comma. */
		n = strcspn(pw->pw_gecos ? pw->pw_gecos : "", ",");
		if (n >= sizeof(j->fullname))
			n = sizeof(j->fullname) - 1;
		if (pw->pw_gecos != NULL)
			memcpy(j->fullname, pw->pw_gecos, n);
		j->fullname[n] = '\0';
	} else {
		snprintf(j->user, sizeof(j->user), "uid%ld", (long)j->uid);
	}
	sanitize(j->user);
}

static void
job_free(struct job *j)
{
	conf_free(&j->conf);
	message_free(&j->msg);
	envelope_free(&j->env);
	credentials_free(&j->cred);
	buf_free(&j->raw);
	buf_free(&j->ses_ids);
}

static double
elapsed(const struct job *j)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - j->start.tv_sec) +
	    (double)(now.tv_nsec - j->start.tv_nsec) / 1e9;
}

/*
 * finish - the audit line and the exit code; every send ends here.
 */
static int
finish(struct job *j, int rc, const char *reason)
{
	struct audit_record	 r;
	char			 line[1024];

	if (rc != 0 && reason != NULL)
		fail_line(reason);

	memset(&r, 0, sizeof(r));
	r.id = j->id;
	r.uid = j->uid;
	r.user = j->user;
	r.sender = j->env.sender;
	r.nrcpt = j->env.rcpts.n;
	r.size = j->raw.len;
	r.ses_id = rc == 0 ? j->ses_ids.data : NULL;
	r.error = j->error != NULL ? j->error : (rc != 0 ? "local" : NULL);
	r.exitcode = rc;
	r.elapsed = elapsed(j);
	audit_log(&r);
	if (verbose && audit_format(&r, line, sizeof(line)) == 0)
		say("audit: %s", line);
	return rc;
}

static int
is_printable_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s > 0x7e)
			return 0;
	return 1;
}

/*
 * add_from - From: when the message has none, from -F (or the full name
 * in the password file) and the envelope sender, as sendmail does.
 */
static int
add_from(struct job *j)
{
	struct buf	 v = BUF_INIT;
	const char	*name, *addr, *p;
	int		 rc = -1;

	name = j->opt.fullname != NULL ? j->opt.fullname : j->fullname;
	addr = j->env.sender;
	if (addr == NULL)
		return 0;	/* null sender and no From: SES will refuse */

	/* A non-ASCII name needs RFC 2047 encoding; until sesmail has it,
	   the bare address is the safe choice. */
	if (name[0] != '\0' && is_printable_ascii(name)) {
		if (buf_appendc(&v, '"') == -1)
			goto out;
		for (p = name; *p != '\0'; p++) {
			if ((*p == '"' || *p == '\\') &&
			    buf_appendc(&v, '\\') == -1)
				goto out;
			if (buf_appendc(&v, *p) == -1)
				goto out;
		}
		if (buf_printf(&v, "\" <%s>", addr) == -1)
			goto out;
	} else if (buf_appends(&v, addr) == -1) {
		goto out;
	}
	rc = message_add(&j->msg, "From", v.data);
out:
	buf_free(&v);
	return rc;
}

static int
add_message_id(struct job *j)
{
	unsigned char	 rnd[10];
	char		 hex[21], stamp[16], value[160];
	const char	*domain;
	struct tm	 tm;
	time_t		 now;
	size_t		 i;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);

	domain = j->env.sender != NULL ? strchr(j->env.sender, '@') : NULL;
	domain = domain != NULL ? domain + 1 :
	    (j->conf.domain != NULL ? j->conf.domain : "localhost");
	snprintf(value, sizeof(value), "<%s.%s@%s>", stamp, hex, domain);
	return message_add(&j->msg, "Message-ID", value);
}

static int
add_date(struct job *j)
{
	char		 value[64];
	struct tm	 tm;
	time_t		 now;

	/* RFC 5322 §3.3; the C locale gives English day and month names. */
	now = time(NULL);
	localtime_r(&now, &tm);
	if (strftime(value, sizeof(value), "%a, %d %b %Y %H:%M:%S %z",
	    &tm) == 0)
		return -1;
	return message_add(&j->msg, "Date", value);
}

/*
 * complete_headers - what every sendmail does before handing a message
 * on: Bcc out (the recipients are in the envelope), one of each field
 * SES allows once, and Date, Message-ID and From when missing.
 */
static int
complete_headers(struct job *j)
{
	message_remove(&j->msg, "Bcc");
	message_remove(&j->msg, "Resent-Bcc");
	message_dedupe_singletons(&j->msg);

	if (message_count(&j->msg, "Date") == 0 && add_date(j) == -1)
		return -1;
	if (message_count(&j->msg, "Message-ID") == 0 &&
	    add_message_id(j) == -1)
		return -1;
	if (message_count(&j->msg, "From") == 0 && add_from(j) == -1)
		return -1;
	return 0;
}

/*
 * submit - hand the message to SES, at most SES_MAX_RECIPIENTS
 * destinations per call, every call with the same bytes.
 */
static int
submit(struct job *j, char *err, size_t errlen)
{
	struct http_client	*http = NULL;
	struct ses_reply	 reply;
	const char		*region;
	char			*endpoint = NULL;
	size_t			 done, n;
	int			 rc;

	region = ses_region(&j->conf);
	if (region == NULL) {
		seterr(err, errlen, "no region: set region in sesmail.conf "
		    "or AWS_REGION");
		j->error = "config";
		return EX_CONFIG;
	}
	endpoint = ses_endpoint(&j->conf, region);
	if (endpoint == NULL || http_url_check(endpoint, err, errlen) == -1) {
		j->error = "config";
		rc = EX_CONFIG;
		goto out;
	}

	rc = credentials_resolve(&j->conf, j->uid, &j->cred, err, errlen);
	if (rc != 0) {
		j->error = "credentials";
		goto out;
	}
	say("credentials from %s, region %s, endpoint %s", j->cred.source,
	    region, endpoint);

	http = http_client_new(j->conf.ca_file, j->conf.connect_timeout,
	    j->conf.timeout);
	if (http == NULL) {
		seterr(err, errlen, "cannot set up libcurl");
		rc = EX_SOFTWARE;
		goto out;
	}

	for (done = 0; done < j->env.rcpts.n; done += n) {
		n = j->env.rcpts.n - done;
		if (n > SES_MAX_RECIPIENTS)
			n = SES_MAX_RECIPIENTS;
		ses_reply_init(&reply);
		rc = ses_send_raw(http, endpoint, region, &j->cred,
		    j->env.sender, j->env.rcpts.v + done, n, j->raw.data,
		    j->raw.len, &reply, err, errlen);
		if (rc == 0) {
			say("accepted by SES for %zu recipient(s): %s", n,
			    reply.message_id);
			if (j->ses_ids.len > 0)
				buf_appendc(&j->ses_ids, ',');
			buf_appends(&j->ses_ids, reply.message_id);
		} else {
			j->error = reply.error_code != NULL ?
			    "ses" : "transport";
		}
		ses_reply_free(&reply);
		if (rc != 0)
			break;
	}
	if (rc != 0 && done > 0) {
		size_t	 len = strlen(err);

		snprintf(err + len, errlen - len, " (after %zu of %zu "
		    "recipients were accepted)", done, j->env.rcpts.n);
	}
out:
	http_client_free(http);
	free(endpoint);
	return rc;
}

/*
 * read_and_address - the message from stdin and the envelope for it.
 */
static int
read_and_address(struct job *j, char *err, size_t errlen)
{
	int	 flags, rc;

	flags = j->opt.ignore_dots ? 0 : MSG_DOT_ENDS;
	if (message_read_fd(STDIN_FILENO, flags, &j->msg) == -1) {
		seterr(err, errlen, "reading the message: %s",
		    strerror(errno));
		return EX_IOERR;
	}
	if (j->msg.nul_dropped > 0)
		say("dropped %zu NUL byte(s) from the message",
		    j->msg.nul_dropped);

	rc = envelope_build(&j->opt, &j->conf, &j->msg, j->user, &j->env,
	    err, errlen);
	if (rc != 0)
		return rc;
	if (complete_headers(j) == -1 ||
	    message_serialize(&j->msg, &j->raw) == -1) {
		seterr(err, errlen, "out of memory");
		return EX_OSERR;
	}
	if ((j->raw.len + 2) / 3 * 4 > SES_V1_MAX_ENCODED) {
		seterr(err, errlen, "message too large for SES: %zu bytes "
		    "(at most %d once base64-encoded)", j->raw.len,
		    SES_V1_MAX_ENCODED);
		return EX_DATAERR;
	}
	return 0;
}

static int
send_mode(struct job *j)
{
	char	 err[ERRLEN] = "";
	int	 rc;

	rc = conf_load(j->opt.config_path ? j->opt.config_path :
	    CONF_DEFAULT_PATH, j->opt.config_path != NULL, j->uid, &j->conf,
	    err, sizeof(err));
	if (rc != 0) {
		j->error = "config";
		return finish(j, rc, err);
	}

	rc = read_and_address(j, err, sizeof(err));
	if (rc != 0) {
		if (j->error == NULL)
			j->error = "message";
		return finish(j, rc, err);
	}

	if (j->opt.mode == MODE_VERIFY) {
		size_t	 i;

		for (i = 0; i < j->env.rcpts.n; i++)
			printf("%s... deliverable: handed to SES as is\n",
			    j->env.rcpts.v[i]);
		return 0;
	}

	rc = submit(j, err, sizeof(err));
	return finish(j, rc, err);
}

static void
usage(void)
{
	fputs("usage: sesmail [-t] [-i] [-f sender] [-F name] [-C file] "
	    "[-v] [--] [recipient ...]\n"
	    "       sesmail -bp | -bi | -bv recipient ... | -q\n"
	    "Accepted and ignored: -oX, -B type, -N dsn, -R ret, -V envid, "
	    "-X file, -h N,\n"
	    "  -A c|m, -O opt=val, -p proto, -G, -U, -n, -m, -c, -x, -d, "
	    "-e. See sesmail(8).\n", stdout);
}

int
main(int argc, char **argv)
{
	struct job	 j;
	char		 err[ERRLEN] = "";
	int		 rc;

	start_defensively();
	job_init(&j);

	rc = options_parse(argc, argv, &j.opt, err, sizeof(err));
	if (rc != 0) {
		fail_line(err);
		goto out;
	}
	verbose = j.opt.verbose;
	audit_open(j.opt.syslog_tag);

	switch (j.opt.mode) {
	case MODE_HELP:
		usage();
		break;
	case MODE_VERSION:
		printf("sesmail %s\n", PACKAGE_VERSION);
		break;
	case MODE_QUEUE_LIST:
		puts("Mail queue is empty (sesmail sends at once and keeps "
		    "no queue)");
		break;
	case MODE_QUEUE_RUN:
		fputs("sesmail: no queue to run: messages are sent at once\n",
		    stderr);
		break;
	case MODE_NEWALIASES:
		fputs("sesmail: aliases are read as they are; nothing to "
		    "rebuild\n", stderr);
		break;
	case MODE_SMTP:
		fail_line("-bs (SMTP on standard input) is not supported yet");
		rc = EX_USAGE;
		break;
	case MODE_SEND:
	case MODE_VERIFY:
		rc = send_mode(&j);
		break;
	}
out:
	job_free(&j);
	return rc;
}
