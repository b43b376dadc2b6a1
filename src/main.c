/*
 * sesmail - a sendmail that hands each message to Amazon SES.
 *
 * main() only sets up and dispatches on the mode. The send path reads top
 * to bottom in the order of sesmail(8): options, configuration, message,
 * envelope, then submit (rewrite, credentials, SES, audit), exit code.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "address.h"
#include "aliases.h"
#include "audit.h"
#include "conf.h"
#include "envelope.h"
#include "message.h"
#include "options.h"
#include "queue.h"
#include "ses.h"
#include "smtp.h"
#include "submit.h"
#include "util.h"

/* Input this much beyond what the configured api takes cannot become a
   message SES takes, even after the Bcc fields go: stop keeping it there
   rather than hold it all. */
#define INPUT_SLACK		(1024 * 1024)

/* Who runs sesmail, from the password file. */
struct caller {
	uid_t	 uid;
	char	 user[64];
	char	 fullname[128];
	char	 hostname[256];
};

/* fail_line - the one line a failure prints on stderr. */
static void
fail_line(const char *reason)
{
	fprintf(stderr, "sesmail: %s\n", reason);
}

/* prefix_err - "path: " + err, for errors that do not name the file. */
static void
prefix_err(char *err, size_t errlen, const char *path)
{
	char	 tmp[ERRLEN];

	snprintf(tmp, sizeof(tmp), "%s", err);
	snprintf(err, errlen, "%.200s: %.300s", path, tmp);
}

/* Standard input was closed at start: there is no message to read. */
static int	 stdin_closed;

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
	stdin_closed = fcntl(STDIN_FILENO, F_GETFD) == -1 && errno == EBADF;
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

	/* Over a file-size limit (ulimit -f) a write must fail with EFBIG,
	   which keeps the message elsewhere, not kill us and lose it. */
	signal(SIGXFSZ, SIG_IGN);
}

static void
caller_lookup(struct caller *who)
{
	struct passwd	*pw;
	size_t		 n;

	memset(who, 0, sizeof(*who));
	who->uid = getuid();
	/* gethostname may truncate without a NUL. */
	if (gethostname(who->hostname, sizeof(who->hostname) - 1) == -1)
		who->hostname[0] = '\0';
	pw = getpwuid(who->uid);
	if (pw == NULL || pw->pw_name[0] == '\0') {
		snprintf(who->user, sizeof(who->user), "uid%ld",
		    (long)who->uid);
		return;
	}
	snprintf(who->user, sizeof(who->user), "%s", pw->pw_name);
	sanitize(who->user);

	/* GECOS: the full name ends at the first comma. */
	if (pw->pw_gecos != NULL) {
		n = strcspn(pw->pw_gecos, ",");
		if (n >= sizeof(who->fullname))
			n = sizeof(who->fullname) - 1;
		memcpy(who->fullname, pw->pw_gecos, n);
		who->fullname[n] = '\0';
	}
}

/*
 * load_aliases - the aliases file chooses where mail for root goes, so it
 * is held to the rules of the configuration file: owned by root or the
 * caller, not writable by group or others.
 */
static int
load_aliases(const struct conf *c, uid_t uid, struct aliases *a,
    char *err, size_t errlen)
{
	char	*text = NULL;
	size_t	 len;
	int	 fd, rc = EX_CONFIG;

	/* O_NONBLOCK: a FIFO in its place must not hang us. A symbolic
	   link is vetted by the file it leads to, as sesmail.conf is. */
	fd = open(c->aliases, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		seterr(err, errlen, "%s: %s", c->aliases, strerror(errno));
		return EX_CONFIG;
	}
	if (check_private_file(fd, c->aliases, uid, S_IWGRP | S_IWOTH, err,
	    errlen) == -1)
		goto out;
	text = read_fd(fd, 1024 * 1024, &len);
	if (text == NULL) {
		seterr(err, errlen, "%s: %s", c->aliases, strerror(errno));
		goto out;
	}
	if (aliases_parse(text, len, a, err, errlen) == 0)
		rc = 0;
	else
		/* aliases_parse names the line; add the file. */
		prefix_err(err, errlen, c->aliases);
out:
	free(text);
	close(fd);
	return rc;
}

/*
 * display_name - for a From sesmail adds: -F, else the caller's user
 * section, else the password file.
 */
static const char *
display_name(const struct options *o, const struct conf *c,
    const struct caller *who)
{
	const struct conf_user	*u;

	if (o->fullname != NULL)
		return o->fullname;
	u = conf_user_find(c, who->user);
	if (u != NULL && u->fullname != NULL)
		return u->fullname;
	return who->fullname;
}

/*
 * newaliases_mode - -bi: sesmail reads the aliases file as it is, so
 * there is nothing to rebuild; check it instead and say what is wrong,
 * which is what an administrator running newaliases wants to know.
 */
static int
newaliases_mode(const struct options *o, const struct caller *who)
{
	struct conf	 conf;
	struct aliases	 aliases = ALIASES_INIT;
	char		 err[ERRLEN] = "";
	int		 rc;

	conf_init(&conf);
	rc = conf_load(o->config_path ? o->config_path : CONF_DEFAULT_PATH,
	    o->config_path != NULL, who->uid, &conf, err, sizeof(err));
	if (rc == 0 && conf.aliases == NULL) {
		puts("sesmail: no aliases file is configured");
		goto out;
	}
	if (rc == 0)
		rc = load_aliases(&conf, who->uid, &aliases, err, sizeof(err));
	if (rc == 0 && aliases_check(&aliases, err, sizeof(err)) == -1)
		rc = EX_CONFIG;
	if (rc == 0)
		printf("%s: %zu aliases\n", conf.aliases, aliases.n);
	else
		fail_line(err);
out:
	aliases_free(&aliases);
	conf_free(&conf);
	return rc;
}

static int
verify_mode(const struct envelope *env)
{
	size_t	 i;

	printf("sender: %s\n", env->sender != NULL ? env->sender :
	    "<> (no Source: SES takes the From field)");
	for (i = 0; i < env->rcpts.n; i++)
		printf("%s... deliverable: an SES destination\n",
		    env->rcpts.v[i]);
	return 0;
}

/* input_error - the reason for a failed read of standard input. */
static int
input_error(size_t max, char *err, size_t errlen)
{
	if (errno == EFBIG) {
		seterr(err, errlen, "message too large for SES: over %zu "
		    "bytes", max);
		return EX_DATAERR;
	}
	if (errno == ENOMEM) {
		seterr(err, errlen, "out of memory");
		return EX_OSERR;
	}
	if (errno == E2BIG) {
		seterr(err, errlen, "%s", MSG_HEAD_TOO_BIG);
		return EX_DATAERR;
	}
	seterr(err, errlen, "reading the message: %s", strerror(errno));
	return EX_IOERR;
}

/*
 * read_message - standard input as it came (sp, which the spool keeps,
 * as raw says) and parsed (msg); raw ends where the message does, before
 * a lone dot. A large message stays in a temporary file, from which its
 * body is read as it is sent, so memory does not grow with it. Keeping
 * stops at INPUT_SLACK past what the configured api takes; the rest is
 * read and thrown away, so that the caller, writing into a pipe, hears
 * exit status 65 rather than dying of SIGPIPE.
 */
static int
read_message(const struct options *o, struct submitter *sub,
    struct spill *sp, struct submit_raw *raw, struct message *msg,
    char *err, size_t errlen)
{
	struct spill_to	 to;
	int		 flags = o->ignore_dots ? 0 : MSG_DOT_ENDS, rc;
	size_t		 max = ses_max_raw(sub->conf->api) + INPUT_SLACK;

	/* /dev/null stands in for it now; an empty message is not what a
	   caller that closed it meant to send. */
	if (stdin_closed) {
		seterr(err, errlen, "standard input is closed: no message "
		    "to read");
		return EX_IOERR;
	}
	/* Only a message that is to be sent is worth a place in the spool;
	   read there, keeping it is giving it a name. */
	submit_spill_to(sub, &to);
	if (message_spill_to(STDIN_FILENO, flags | MSG_DRAIN, max,
	    o->mode == MODE_SEND ? &to : NULL, sp) == -1)
		return input_error(max, err, errlen);
	if (sp->file_errno != 0 && o->verbose)
		fprintf(stderr, "sesmail: the message is held in memory, as "
		    "no temporary file took it: %s\n",
		    strerror(sp->file_errno));
	if (sp->fd == -1) {
		raw->mem = &sp->mem;
		rc = message_parse(sp->mem.data != NULL ? sp->mem.data : "",
		    sp->mem.len, flags, msg);
	} else {
		raw->fd = sp->fd;
		raw->off = sp->off;
		raw->len = sp->end;
		rc = message_parse_fd(sp->fd, sp->off, sp->end, &sp->st, msg);
	}
	if (rc == -1)
		return input_error(max, err, errlen);
	msg->input_size = sp->size;
	return 0;
}

/*
 * send_mode - -bm and -bv: one message from standard input.
 */
static int
send_mode(const struct options *o, const struct caller *who)
{
	struct conf		 conf;
	struct aliases		 aliases = ALIASES_INIT;
	struct envelope_ctx	 ectx;
	struct message		 msg;
	struct envelope		 env;
	struct submitter	 sub;
	struct submit_result	 res;
	struct submit_raw	 raw = SUBMIT_RAW_INIT;
	struct spill		 sp = SPILL_INIT;
	const char		*cause = NULL;
	char			 err[ERRLEN] = "";
	int			 rc, read_whole;

	conf_init(&conf);
	message_init(&msg);
	envelope_init(&env);
	submitter_init(&sub, &conf, who->uid, who->user, NULL, o->verbose);
	sub.home = getenv("HOME");
	memset(&res, 0, sizeof(res));

	cause = "config";
	rc = conf_load(o->config_path ? o->config_path : CONF_DEFAULT_PATH,
	    o->config_path != NULL, who->uid, &conf, err, sizeof(err));
	if (rc != 0)
		goto fail;
	if (conf.aliases != NULL) {
		rc = load_aliases(&conf, who->uid, &aliases, err, sizeof(err));
		if (rc != 0)
			goto fail;
	}
	sub.fullname = display_name(o, &conf, who);

	/* -bv takes recipients from the message only with -t; without
	   it nothing is read, so a terminal or an open pipe never waits. */
	cause = "input";
	if (o->mode != MODE_VERIFY || o->extract) {
		rc = read_message(o, &sub, &sp, &raw, &msg, err,
		    sizeof(err));
		if (rc != 0)
			goto fail;
	}
	if (msg.nul_dropped > 0 && o->verbose)
		fprintf(stderr, "sesmail: removed %zu NUL byte(s) from the "
		    "message\n", msg.nul_dropped);

	cause = "address";
	ectx.conf = &conf;
	ectx.aliases = conf.aliases != NULL ? &aliases : NULL;
	ectx.user = who->user;
	ectx.hostname = who->hostname[0] != '\0' ? who->hostname : NULL;
	rc = envelope_build(o, &ectx, &msg, &env, err, sizeof(err));
	if (rc != 0)
		goto fail;
	if (o->mode == MODE_VERIFY) {
		rc = verify_mode(&env);
		goto out;
	}

	/* From here on the message is kept: a signal must not lose it. */
	submit_catch_signals();
	rc = submit_message(&sub, &msg, &env, &raw, &res, err, sizeof(err));
	if (rc != 0)
		fail_line(err);
	goto out;

fail:
	read_whole = raw.mem != NULL || raw.fd != -1;
	submit_refused(&sub, &env, o->mode == MODE_SEND && read_whole ?
	    &raw : NULL, sp.size, cause, rc, err, sizeof(err));
	fail_line(err);
out:
	submit_result_free(&res);
	submitter_free(&sub);
	envelope_free(&env);
	message_free(&msg);
	message_spill_free(&sp);
	aliases_free(&aliases);
	conf_free(&conf);
	return rc;
}

/* What each -bs message is delivered with. */
struct smtp_ctx {
	const struct envelope_ctx	*ectx;
	struct submitter		*sub;
};

/*
 * smtp_check - RCPT TO: refuse at once what could never be sent, so the
 * client hears of it from the RCPT reply and not after DATA.
 */
static int
smtp_check(void *arg, const char *rcpt, char *reply, size_t replylen)
{
	struct smtp_ctx		*ctx = arg;
	struct address_list	 list = ADDRESS_LIST_INIT;
	struct envelope		 env;
	const char		*why;
	int			 rc;

	/* One RCPT names one mailbox (RFC 5321 §4.1.1.3): a group or a
	   list would slip past the recipient limit or name nobody. */
	if (address_list_parse(rcpt, strlen(rcpt), &list, &why) == -1 ||
	    list.n != 1) {
		address_list_free(&list);
		seterr(reply, replylen, "one mailbox per RCPT TO, please");
		return EX_DATAERR;
	}
	address_list_free(&list);

	envelope_init(&env);
	rc = envelope_add_list(ctx->ectx, rcpt, "RCPT TO", &env, reply,
	    replylen);
	envelope_free(&env);
	return rc;
}

/*
 * smtp_deliver - one message of an SMTP session, with the envelope the
 * client gave: the same path as a message on standard input.
 */
static int
smtp_deliver(void *arg, const char *sender, char *const *rcpts,
    size_t nrcpt, const char *data, size_t len, char *reply, size_t replylen)
{
	struct smtp_ctx		*ctx = arg;
	struct submit_result	 res;
	struct message		 msg;
	struct envelope		 env;
	size_t			 i;
	int			 rc;

	message_init(&msg);
	envelope_init(&env);
	memset(&res, 0, sizeof(res));
	if (message_parse(data, len, 0, &msg) == -1) {
		rc = errno == E2BIG ? EX_DATAERR : EX_OSERR;
		seterr(reply, replylen, "%s", rc == EX_DATAERR ?
		    MSG_HEAD_TOO_BIG : "out of memory");
		goto out;
	}
	rc = envelope_set_sender(ctx->ectx, sender != NULL ? sender : "", 1,
	    &env, reply, replylen);
	for (i = 0; i < nrcpt && rc == 0; i++)
		rc = envelope_add_list(ctx->ectx, rcpts[i], "RCPT TO", &env,
		    reply, replylen);
	if (rc == 0 && env.rcpts.n == 0) {
		seterr(reply, replylen, "no recipients");
		rc = EX_USAGE;
	}
	if (rc != 0) {
		submit_refused(ctx->sub, &env, NULL, len, "address", rc,
		    reply, replylen);
		goto out;
	}

	/* Not spooled: the client keeps the message until it hears 250. */
	rc = submit_message(ctx->sub, &msg, &env, NULL, &res, reply,
	    replylen);
	if (rc == 0)
		seterr(reply, replylen, "%s", res.ses_ids.data);
out:
	submit_result_free(&res);
	envelope_free(&env);
	message_free(&msg);
	return rc;
}

/*
 * smtp_mode - -bs: SMTP on standard input and output, any number of
 * messages, one configuration, one set of credentials, one connection.
 */
static int
smtp_mode(const struct options *o, const struct caller *who)
{
	struct conf		 conf;
	struct aliases		 aliases = ALIASES_INIT;
	struct envelope_ctx	 ectx;
	struct submitter	 sub;
	struct smtp_server	 srv;
	struct smtp_ctx		 ctx;
	char			 err[ERRLEN] = "";
	int			 rc;

	conf_init(&conf);
	submitter_init(&sub, &conf, who->uid, who->user, NULL, o->verbose);
	rc = conf_load(o->config_path ? o->config_path : CONF_DEFAULT_PATH,
	    o->config_path != NULL, who->uid, &conf, err, sizeof(err));
	if (rc == 0 && conf.aliases != NULL)
		rc = load_aliases(&conf, who->uid, &aliases, err, sizeof(err));
	if (rc != 0) {
		/* RFC 5321 §3.8: a server that cannot serve says 421. */
		sanitize(err);
		printf("421 4.3.0 sesmail: %s\r\n", err);
		fflush(stdout);
		fail_line(err);
		goto out;
	}

	sub.fullname = display_name(o, &conf, who);
	ectx.conf = &conf;
	ectx.aliases = conf.aliases != NULL ? &aliases : NULL;
	ectx.user = who->user;
	ectx.hostname = who->hostname[0] != '\0' ? who->hostname : NULL;
	ctx.ectx = &ectx;
	ctx.sub = &sub;
	memset(&srv, 0, sizeof(srv));
	srv.hostname = ectx.hostname != NULL ? ectx.hostname : "localhost";
	srv.max_size = ses_max_raw(conf.api);
	srv.deliver = smtp_deliver;
	srv.check_rcpt = smtp_check;
	srv.ctx = &ctx;
	/* A client that goes away must end the session with an error
	   code, not kill the process in the middle of a delivery. */
	signal(SIGPIPE, SIG_IGN);
	rc = smtp_serve(&srv, stdin, stdout);
	if (rc == EX_PROTOCOL)
		fail_line("-bs: the client went away with a transaction "
		    "open; that message was not sent");
	else if (rc != 0)
		fail_line("-bs: cannot write to the client");
out:
	submitter_free(&sub);
	aliases_free(&aliases);
	conf_free(&conf);
	return rc;
}

/*
 * queue_mode - -q (any -qX form) and -bp: the messages kept in the
 * spool, of the caller or, for root, of everyone.
 */
static int
queue_mode(const struct options *o, const struct caller *who)
{
	struct conf		 conf;
	struct queue_caller	 qc;
	char			 err[ERRLEN] = "";
	int			 rc;

	conf_init(&conf);
	rc = conf_load(o->config_path ? o->config_path : CONF_DEFAULT_PATH,
	    o->config_path != NULL, who->uid, &conf, err, sizeof(err));
	if (rc != 0) {
		fail_line(err);
		goto out;
	}
	if (o->mode == MODE_QUEUE_LIST) {
		rc = queue_list(&conf, who->uid, stdout);
		goto out;
	}
	qc.uid = who->uid;
	qc.hostname = who->hostname[0] != '\0' ? who->hostname : NULL;
	qc.verbose = o->verbose;
	rc = queue_run(&conf, &qc);
out:
	conf_free(&conf);
	return rc;
}

static void
usage(void)
{
	fputs("usage: sesmail [-t] [-i] [-f|-r sender] [-F name] [-C file] "
	    "[-L tag] [-v]\n"
	    "               [--] [recipient ...]\n"
	    "       sesmail -bs | -bp | -bi | -bv recipient ... | -q\n"
	    "Accepted and ignored: -oX, -B type, -N dsn, -R ret, -V envid, "
	    "-X file, -h N,\n"
	    "  -A c|m, -O opt=val, -p proto, -G, -U, -n, -m, -c, -x, -d, "
	    "-e. See sesmail(8).\n", stdout);
}

int
main(int argc, char **argv)
{
	struct options	 opt;
	struct caller	 who;
	char		 err[ERRLEN] = "";
	int		 rc;

	start_defensively();
	caller_lookup(&who);

	rc = options_parse(argc, argv, &opt, err, sizeof(err));
	if (rc != 0) {
		fail_line(err);
		return rc;
	}
	audit_open(opt.syslog_tag);

	switch (opt.mode) {
	case MODE_HELP:
		usage();
		return 0;
	case MODE_VERSION:
		printf("sesmail %s\n", PACKAGE_VERSION);
		return 0;
	case MODE_QUEUE_LIST:
	case MODE_QUEUE_RUN:
		return queue_mode(&opt, &who);
	case MODE_NEWALIASES:
		return newaliases_mode(&opt, &who);
	case MODE_SMTP:
		return smtp_mode(&opt, &who);
	case MODE_SEND:
	case MODE_VERIFY:
		break;
	}
	return send_mode(&opt, &who);
}
