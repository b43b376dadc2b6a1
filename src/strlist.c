/*
 * strlist - a list of owned C strings.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strlist.h"

void
strlist_init(struct strlist *l)
{
	l->v = NULL;
	l->n = 0;
	l->cap = 0;
}

int
strlist_take(struct strlist *l, char *s)
{
	char	**v;
	size_t	  cap;

	if (s == NULL)
		return -1;
	if (l->n + 1 >= l->cap) {
		cap = l->cap ? l->cap * 2 : 8;
		v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL) {
			free(s);
			return -1;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
	return 0;
}

int
strlist_add(struct strlist *l, const char *s)
{
	char	*copy;

	copy = strdup(s);
	if (copy == NULL)
		return -1;
	return strlist_take(l, copy);
}

int
strlist_contains(const struct strlist *l, const char *s)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

int
strlist_add_unique(struct strlist *l, const char *s)
{
	if (strlist_contains(l, s))
		return 0;
	return strlist_add(l, s);
}

void
strlist_free(struct strlist *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	strlist_init(l);
}
