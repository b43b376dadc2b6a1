/*
 * options - the sendmail command line.
 *
 * Callers of sendmail pass a wide and old set of flags (see sesmail(8)).
 * Every flag that takes an argument is known here, so that its argument
 * is never mistaken for a recipient (ssmtp made "-L tag" mail tag@...).
 * Parsing stops at "--" or at the first argument that is not an option,
 * as POSIX getopt does.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "options.h"
#include "util.h"

/* Flags that take an argument, attached ("-fx") or next ("-f x"). */
#define ARG_FLAGS	"ABCFLNORVXfhpr"
/* Flags with no argument that sesmail honours or quietly accepts. */
#define BARE_FLAGS	"GIUcimntvx"

static const char *
program_name(const char *argv0)
{
	const char	*slash;

	if (argv0 == NULL)
		return "sendmail";
	slash = strrchr(argv0, '/');
	return slash != NULL ? slash + 1 : argv0;
}

/*
 * strip_angles - "-f <a@b>" means a@b, and "<>" the null sender.
 */
static const char *
strip_angles(char *s)
{
	size_t	 n;

	n = strlen(s);
	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		s[n - 1] = '\0';
		return s + 1;
	}
	return s;
}

static int
set_mode(struct options *o, const char *arg, char *err, size_t errlen)
{
	switch (arg[0]) {
	case 'm':
		o->mode = MODE_SEND;
		return 0;
	case 's':
		o->mode = MODE_SMTP;
		return 0;
	case 'p':
		o->mode = MODE_QUEUE_LIST;
		return 0;
	case 'i':
		o->mode = MODE_NEWALIASES;
		return 0;
	case 'v':
		o->mode = MODE_VERIFY;
		return 0;
	case 'a':
	case 'h':
	case 'H':
		/* ARPANET mode and host-status lookups: harmless to accept. */
		return 0;
	case 'd':
	case 'D':
	case 'l':
		seterr(err, errlen, "-b%s: sesmail runs no daemon", arg);
		return EX_USAGE;
	default:
		seterr(err, errlen, "-b%s: unknown mode", arg);
		return EX_USAGE;
	}
}

/*
 * take_arg - one flag with an argument, already split off.
 */
static int
take_arg(struct options *o, char flag, char *arg, char *err, size_t errlen)
{
	switch (flag) {
	case 'f':
	case 'r':
		if (has_line_break(arg)) {
			seterr(err, errlen, "-%c: line break in the sender "
			    "address", flag);
			return EX_USAGE;
		}
		o->sender = strip_angles(arg);
		return 0;
	case 'F':
		if (has_line_break(arg)) {
			seterr(err, errlen, "-F: line break in the full name");
			return EX_USAGE;
		}
		/* It goes into a From field whose line must stay under
		   998 octets (RFC 5322 §2.1.1). */
		if (strlen(arg) > OPTIONS_MAX_FULLNAME) {
			seterr(err, errlen, "-F: a full name of at most %d "
			    "characters, please", OPTIONS_MAX_FULLNAME);
			return EX_USAGE;
		}
		o->fullname = arg;
		return 0;
	case 'C':
		o->config_path = arg;
		return 0;
	case 'L':
		/* It starts every syslog line: a line break would forge
		   a line of its own. */
		if (has_control(arg, strlen(arg)) ||
		    strlen(arg) > OPTIONS_MAX_TAG) {
			seterr(err, errlen, "-L: a tag of at most %d "
			    "printable characters, please", OPTIONS_MAX_TAG);
			return EX_USAGE;
		}
		o->syslog_tag = arg;
		return 0;
	default:
		/* -A -B -N -O -R -V -X -h -p: meaningless without a queue,
		   accepted so that callers which pass them keep working. */
		return 0;
	}
}

/*
 * parse_cluster - one argument starting with '-', such as "-ti", "-fx",
 * "-oi", "-bs" or "-q15m". *ip is advanced when the next argument was
 * consumed as this flag's value.
 */
static int
parse_cluster(int argc, char **argv, int *ip, struct options *o,
    char *err, size_t errlen)
{
	char	*p = argv[*ip] + 1;
	char	 c;

	while ((c = *p++) != '\0') {
		if (c == 'o') {
			/* -oi and -o i ignore dots; other -o options do not
			   apply without a queue. */
			if (*p == '\0' && *ip + 1 < argc)
				p = argv[++*ip];
			if (strcmp(p, "i") == 0)
				o->ignore_dots = 1;
			return 0;
		}
		if (c == 'b') {
			if (*p == '\0') {
				seterr(err, errlen, "-b needs a mode letter");
				return EX_USAGE;
			}
			return set_mode(o, p, err, errlen);
		}
		if (c == 'q') {
			/* -q, -q30m, -qR..., -qI...: the argument is always
			   attached, so nothing more is consumed. */
			o->mode = MODE_QUEUE_RUN;
			return 0;
		}
		if (c == 'd' || c == 'e') {
			/* -d0.1 debug levels and -em error modes: attached. */
			return 0;
		}
		if (strchr(ARG_FLAGS, c) != NULL) {
			if (*p == '\0') {
				if (*ip + 1 >= argc) {
					seterr(err, errlen, "-%c needs an "
					    "argument", c);
					return EX_USAGE;
				}
				p = argv[++*ip];
			}
			return take_arg(o, c, p, err, errlen);
		}
		if (strchr(BARE_FLAGS, c) == NULL) {
			seterr(err, errlen, "unknown option -%c (see "
			    "sesmail(8))", c);
			return EX_USAGE;
		}
		if (c == 't')
			o->extract = 1;
		else if (c == 'i')
			o->ignore_dots = 1;
		else if (c == 'v')
			o->verbose++;
		else if (c == 'I')
			o->mode = MODE_NEWALIASES;
	}
	return 0;
}

static int
check_recipients(const struct options *o, int after_dashes, char *err,
    size_t errlen)
{
	int	 i;

	for (i = 0; i < o->nrcpts; i++) {
		/* "a@x -oi -f b@y": sendmail would mail "-oi@domain".
		   Refuse instead; after "--" the caller meant it. */
		if (!after_dashes && o->rcpts[i][0] == '-') {
			seterr(err, errlen, "option %.40s after a recipient: "
			    "options go first (or put -- before recipients)",
			    o->rcpts[i]);
			return EX_USAGE;
		}
		if (has_line_break(o->rcpts[i])) {
			seterr(err, errlen, "line break in recipient "
			    "argument %d", i + 1);
			return EX_USAGE;
		}
	}
	return 0;
}

int
options_parse(int argc, char **argv, struct options *o, char *err,
    size_t errlen)
{
	const char	*name;
	int		 i, rc, dashes = 0;

	memset(o, 0, sizeof(*o));
	o->mode = MODE_SEND;
	name = program_name(argc > 0 ? argv[0] : NULL);
	if (strcmp(name, "mailq") == 0)
		o->mode = MODE_QUEUE_LIST;
	else if (strcmp(name, "newaliases") == 0)
		o->mode = MODE_NEWALIASES;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			dashes = 1;
			break;
		}
		if (strcmp(argv[i], "--help") == 0) {
			o->mode = MODE_HELP;
			continue;
		}
		if (strcmp(argv[i], "--version") == 0) {
			o->mode = MODE_VERSION;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1] == '-') {
			seterr(err, errlen, "unknown option %.40s (see "
			    "sesmail(8))", argv[i]);
			return EX_USAGE;
		}
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			break;
		rc = parse_cluster(argc, argv, &i, o, err, errlen);
		if (rc != 0)
			return rc;
	}

	o->rcpts = argv + i;
	o->nrcpts = argc - i;
	/* -q sends what is kept; recipients would be silently ignored. */
	if (o->mode == MODE_QUEUE_RUN && o->nrcpts > 0) {
		seterr(err, errlen, "-q takes no recipients");
		return EX_USAGE;
	}
	return check_recipients(o, dashes, err, errlen);
}
