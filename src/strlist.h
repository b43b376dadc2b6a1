/*
 * strlist - a list of owned C strings.
 */
#ifndef SESMAIL_STRLIST_H
#define SESMAIL_STRLIST_H

#include <stddef.h>

struct strlist {
	char	**v;
	size_t	  n;
	size_t	  cap;
};

#define STRLIST_INIT { NULL, 0, 0 }

void	strlist_init(struct strlist *);
/* Copies s. Returns 0, or -1 when memory runs out. */
int	strlist_add(struct strlist *, const char *s);
/* Takes ownership of s, even on failure. */
int	strlist_take(struct strlist *, char *s);
/* Adds a copy unless an equal string (ignoring ASCII case) is there. */
int	strlist_add_unique(struct strlist *, const char *s);
int	strlist_contains(const struct strlist *, const char *s);
void	strlist_free(struct strlist *);

#endif
