/*
 * options - the sendmail command line.
 */
#ifndef SESMAIL_OPTIONS_H
#define SESMAIL_OPTIONS_H

#include <stddef.h>

/* Longest -F accepted. */
#define OPTIONS_MAX_FULLNAME	200

/* The longest -L tag: syslog idents are short names. */
#define OPTIONS_MAX_TAG		64

enum mode {
	MODE_SEND,		/* -bm, the default */
	MODE_SMTP,		/* -bs */
	MODE_QUEUE_LIST,	/* -bp, mailq */
	MODE_NEWALIASES,	/* -bi, newaliases */
	MODE_VERIFY,		/* -bv */
	MODE_QUEUE_RUN,		/* -q */
	MODE_VERSION,		/* --version */
	MODE_HELP		/* --help */
};

struct options {
	enum mode	  mode;
	int		  extract;	/* -t */
	int		  ignore_dots;	/* -i, -oi */
	int		  verbose;	/* -v, repeatable */
	const char	 *sender;	/* -f, -r; "" for the null sender */
	const char	 *fullname;	/* -F */
	const char	 *config_path;	/* -C */
	const char	 *syslog_tag;	/* -L */
	char		**rcpts;	/* the arguments left, may hold lists */
	int		  nrcpts;
};

/*
 * options_parse - parse argv like sendmail. The program name picks the
 * mode for "mailq" and "newaliases". Options that make no sense without a
 * queue, and every -o option, are accepted and ignored. An option's
 * argument is never taken for a recipient.
 *
 * Returns 0, or EX_USAGE with err naming the offending option. CR, LF in
 * -f, -F or a recipient argument is EX_USAGE: such text could inject
 * header lines.
 */
int	options_parse(int argc, char **argv, struct options *o,
	    char *err, size_t errlen);

#endif
