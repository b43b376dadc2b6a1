/*
 * xmlreply - read the XML reply of an AWS Query-protocol call (SES v1,
 * STS) with expat.
 *
 * Both services answer with a few short elements in a known place. The
 * reader walks the elements and asks its caller, for each one, where its
 * text goes, by the local names of the open elements: namespace and
 * prefix are dropped, so <ses:MessageId> is MessageId. How long a text
 * may be differs between callers, and is an option.
 */
#ifndef SESMAIL_XMLREPLY_H
#define SESMAIL_XMLREPLY_H

#include <stddef.h>

/*
 * Elements open at once that the path holds. Replies are four deep;
 * an element deeper than this is never offered to the selector.
 */
#define XMLREPLY_DEPTH		16

/*
 * Longest local name held in the path. A longer one is held as "",
 * which no caller asks for (XML names are never empty).
 */
#define XMLREPLY_NAME_MAX	63

/*
 * xmlreply_select_fn - where the text of the element path[n - 1] goes:
 * path[0] is the root, each entry a local name, 1 <= n <= XMLREPLY_DEPTH.
 * Returns the field to fill, or NULL to pass the element by; sets
 * *secret (0 on entry) when the text is a key or token. Elements inside
 * one being read are not offered.
 */
typedef char	**(*xmlreply_select_fn)(void *arg, const char *const *path,
		    size_t n, int *secret);

struct xmlreply_opts {
	size_t			 text_max;	/* bytes of one element */
	xmlreply_select_fn	 select;
	void			*arg;		/* passed to select */
};

/*
 * xmlreply_parse - read xml[0..len) and fill the fields select names
 * (pure). Only the text directly inside a selected element counts,
 * cut to its first text_max bytes, then trimmed of spaces, tabs, CRs and
 * LFs at both ends; an element without such text leaves its field as it
 * was. A secret longer than text_max is not cut (a key cut short is a
 * wrong key): the reply is refused. Text is sanitize()d, except a
 * secret, which is kept as sent but refused when it holds a control
 * byte. A field's old value, and the reader's own copy of the text, are
 * wiped before they are freed. Returns 0, or -1 when the reply is not
 * well-formed, has a DOCTYPE, is longer than INT32_MAX, breaks a rule
 * above, or memory runs out; fields may then be partly filled, and the
 * caller clears them.
 */
int	xmlreply_parse(const char *xml, size_t len,
	    const struct xmlreply_opts *opts);

/*
 * xmlreply_inside - true when an element above path[n - 1] is called
 * name.
 */
int	xmlreply_inside(const char *const *path, size_t n, const char *name);

/*
 * xmlreply_child_of - true when the parent of path[n - 1] is called name
 * and no element above it is: the outermost such container counts.
 */
int	xmlreply_child_of(const char *const *path, size_t n,
	    const char *name);

#endif
