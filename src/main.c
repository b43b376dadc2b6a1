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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "audit.h"
#include "conf.h"
#include "envelope.h"
#include "message.h"
#include "options.h"
#include "submit.h"
#include "util.h"

/* Who runs sesmail, from the password file. */
struct caller {
	uid_t	 uid;
	char	 user[64];
	char	 fullname[128];
};

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
caller_lookup(struct caller *who)
{
	struct passwd	*pw;
	size_t		 n;

	memset(who, 0, sizeof(*who));
	who->uid = getuid();
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

static int
verify_mode(const struct envelope *env)
{
	size_t	 i;

	for (i = 0; i < env->rcpts.n; i++)
		printf("%s... deliverable: handed to SES as it is\n",
		    env->rcpts.v[i]);
	return 0;
}

/*
 * send_mode - -bm and -bv: one message from standard input.
 */
static int
send_mode(const struct options *o, const struct caller *who)
{
	struct conf		 conf;
	struct message		 msg;
	struct envelope		 env;
	struct submitter	 sub;
	struct submit_result	 res;
	const char		*cause = NULL;
	char			 err[ERRLEN] = "";
	int			 rc;

	conf_init(&conf);
	message_init(&msg);
	envelope_init(&env);
	submitter_init(&sub, &conf, who->uid, who->user,
	    o->fullname != NULL ? o->fullname : who->fullname, o->verbose);
	memset(&res, 0, sizeof(res));

	cause = "config";
	rc = conf_load(o->config_path ? o->config_path : CONF_DEFAULT_PATH,
	    o->config_path != NULL, who->uid, &conf, err, sizeof(err));
	if (rc != 0)
		goto fail;

	cause = "input";
	if (message_read_fd(STDIN_FILENO, o->ignore_dots ? 0 : MSG_DOT_ENDS,
	    &msg) == -1) {
		seterr(err, sizeof(err), "reading the message: %s",
		    strerror(errno));
		rc = EX_IOERR;
		goto fail;
	}

	cause = "address";
	rc = envelope_build(o, &conf, &msg, who->user, &env, err,
	    sizeof(err));
	if (rc != 0)
		goto fail;
	if (o->mode == MODE_VERIFY) {
		rc = verify_mode(&env);
		goto out;
	}

	rc = submit_message(&sub, &msg, &env, &res, err, sizeof(err));
	if (rc != 0)
		fail_line(err);
	goto out;

fail:
	fail_line(err);
	submit_log_failure(&sub, &env, msg.input_size, cause, rc);
out:
	submit_result_free(&res);
	submitter_free(&sub);
	envelope_free(&env);
	message_free(&msg);
	conf_free(&conf);
	return rc;
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
		puts("Mail queue is empty (sesmail sends at once and keeps "
		    "no queue)");
		return 0;
	case MODE_QUEUE_RUN:
		fputs("sesmail: no queue to run: messages are sent at once\n",
		    stderr);
		return 0;
	case MODE_NEWALIASES:
		fputs("sesmail: aliases are read as they are; nothing to "
		    "rebuild\n", stderr);
		return 0;
	case MODE_SMTP:
		fail_line("-bs (SMTP on standard input) is not supported yet");
		return EX_USAGE;
	case MODE_SEND:
	case MODE_VERIFY:
		break;
	}
	return send_mode(&opt, &who);
}
