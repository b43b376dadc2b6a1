/*
 * credproc - credential_process: run the command a profile of the key
 * file names and read credentials from its output (SES.md 4.4).
 *
 * The command comes only from the key file, which must be owned by root
 * (or the caller) and not be writable by group or others. It runs as the
 * caller (sesmail is never set-id), without a shell, with standard input
 * on /dev/null, for at most CREDPROC_TIMEOUT seconds, and at most
 * CREDPROC_MAX_OUTPUT bytes of its output are read.
 */
#ifndef SESMAIL_CREDPROC_H
#define SESMAIL_CREDPROC_H

#include <stddef.h>

#include "credentials.h"

#define CREDPROC_TIMEOUT	10
#define CREDPROC_MAX_OUTPUT	(64 * 1024)
#define CREDPROC_MAX_ARGS	64

/*
 * credproc_split - split cmd into words as a POSIX shell would, without
 * any expansion: blanks separate; '...' is literal; "..." is literal but
 * for \" \\ \$ \`; a backslash outside quotes escapes the next byte. The
 * first word must be an absolute path (no PATH search). argv gets an
 * allocated, NULL-terminated array (free with credproc_argv_free).
 * Returns 0, or -1 with err.
 */
int	credproc_split(const char *cmd, char ***argv, char *err, size_t errlen);
void	credproc_argv_free(char **argv);

/*
 * cred_from_process - run cmd and parse its output (Version 1 JSON).
 * Returns 0, or EX_CONFIG (the command cannot be run, its output is not
 * valid), EX_TEMPFAIL (it failed, timed out or gave expired keys) with
 * err.
 */
int	cred_from_process(const char *cmd, struct credentials *cr, char *err,
	    size_t errlen);

#endif
