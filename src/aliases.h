/*
 * aliases - the aliases(5) file, for the envelope only.
 *
 * A bare local name (or name@localhost, name@<this host>) is looked up
 * here before it is qualified with the configured domain. Aliases change
 * where SES delivers, never the header fields of the message.
 */
#ifndef SESMAIL_ALIASES_H
#define SESMAIL_ALIASES_H

#include <stddef.h>

#include "strlist.h"

struct alias {
	char		*name;		/* lower-cased local name */
	struct strlist	 targets;	/* addresses as written */
	size_t		 line;		/* where it was defined */
};

struct aliases {
	struct alias	*v;
	size_t		 n;
	size_t		 cap;
};

#define ALIASES_INIT { NULL, 0, 0 }

/*
 * aliases_parse - read aliases(5) text: "name: target, target" lines,
 * '#' comments, continuation lines that start with white space, blank
 * lines. Targets are an RFC 5322 address list (quoted names allowed).
 * ":include:", "/file" and "|command" targets are refused: sesmail
 * delivers nothing locally. A name defined twice is an error.
 * Returns 0, or -1 with err naming the line and the problem.
 */
int	aliases_parse(const char *text, size_t len, struct aliases *a,
	    char *err, size_t errlen);

/*
 * aliases_load - aliases_parse of a file. Returns 0, or -1 with err.
 */
int	aliases_load(const char *path, struct aliases *a, char *err,
	    size_t errlen);

/*
 * aliases_resolve - expand name (a local part, any case) into out:
 * following chains (a: b, b: c@x), adding every final address once, in
 * order. A name that is not an alias is added as it is. A name that
 * lists itself ("root: root, ops@x") stops there, as sendmail does. A
 * loop (a: b, b: a) or more than 32 levels is an error.
 * Returns 0, or -1 with err.
 */
int	aliases_resolve(const struct aliases *a, const char *name,
	    struct strlist *out, char *err, size_t errlen);

void	aliases_free(struct aliases *a);

#endif
