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
	struct strlist	 targets;	/* addr-specs as written, without
					   display names or comments */
	size_t		 line;		/* where it was defined */
};

struct aliases {
	struct alias	*v;		/* in the order of the file */
	size_t		 n;
	size_t		 cap;
	size_t		*byname;	/* indexes of v sorted by name, so a
					   lookup is a binary search */
};

#define ALIASES_INIT { NULL, 0, 0, NULL }

/*
 * aliases_parse - read aliases(5) text: "name: target, target" lines,
 * '#' comments, continuation lines that start with white space, blank
 * lines. LF or CRLF line ends. Comment and blank lines do not end an
 * entry, so a commented-out target may sit among its continuation lines.
 * A '#' later in a line is no comment: it is atext (RFC 5322).
 * Names are one word of printable ASCII without "@", in any case.
 * Targets are an RFC 5322 address list (quoted names allowed).
 * ":include:", "/file" and "|command" targets, quoted or not, are
 * refused: sesmail delivers nothing locally. A name defined twice (also
 * across calls on the same a) is an error, as are control characters.
 * Entries are added to a. Returns 0, or -1 with err naming the line (the
 * first line of the entry) and the problem; a is then left as it was.
 */
int	aliases_parse(const char *text, size_t len, struct aliases *a,
	    char *err, size_t errlen);

/*
 * aliases_load - aliases_parse of a file (at most 1 MiB). Returns 0, or
 * -1 with err starting with the path: "path: strerror" when it cannot be
 * read, "path: line N: ..." when it is wrong.
 */
int	aliases_load(const char *path, struct aliases *a, char *err,
	    size_t errlen);

/*
 * aliases_resolve - expand name (a local part, any case) into out:
 * following chains (a: b, b: c@x), adding every final address once, in
 * order. A name that is not an alias is added as it is. A name that
 * lists itself ("root: root, ops@x") stops there, as sendmail does. A
 * loop (a: b, b: a) or more than 32 levels is an error. Equal addresses
 * are compared ignoring case, and addresses already in out count too.
 * Returns 0, or -1 with err ("alias loop: a -> b -> a"); out is then
 * left as it was.
 */
int	aliases_resolve(const struct aliases *a, const char *name,
	    struct strlist *out, char *err, size_t errlen);

/* aliases_free - free every entry; a is left as ALIASES_INIT makes it. */
/*
 * aliases_check - resolve every alias once, so that a loop or a chain
 * too deep is reported when the file is checked (newaliases), not only
 * when mail for that name arrives. Returns 0, or -1 with err.
 */
int	aliases_check(const struct aliases *a, char *err, size_t errlen);

void	aliases_free(struct aliases *a);

#endif
