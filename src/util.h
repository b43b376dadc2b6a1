/*
 * util - small helpers that more than one module needs.
 */
#ifndef SESMAIL_UTIL_H
#define SESMAIL_UTIL_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* Size of the error buffers that functions fill for their callers. */
#define ERRLEN	512

/*
 * seterr - format a one-line reason into err (which may be NULL).
 */
void	seterr(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * sanitize - replace every control or non-ASCII byte of s by '?', in place,
 * so that text that came from the network is safe to print or log.
 */
void	sanitize(char *s);

/*
 * parse_long - the one number parser: whole string, base 10, in
 * [min, max]. Returns 0, or -1 when s is not such a number.
 */
int	parse_long(const char *s, long min, long max, long *out);

/*
 * has_line_break - true when s holds CR, LF (or is NULL); such text must
 * never reach a header or a protocol line.
 */
int	has_line_break(const char *s);

/*
 * has_control - true when s[0..n) holds a C0 control byte or DEL: text
 * that goes out as it came, such as a key, must not hold one.
 */
int	has_control(const char *s, size_t n);

/*
 * host_is_loopback - true for "localhost", 127.0.0.0/8 and ::1 (with or
 * without brackets).
 */
int	host_is_loopback(const char *host);

/*
 * host_is_address - true when host (a URL host, IPv6 with or without
 * brackets) is the IP address addr, compared as addresses, so that
 * "fd00:ec2:0::254" is "fd00:ec2::254". Names never match.
 */
int	host_is_address(const char *host, const char *addr);

/*
 * check_private_file - fstat an open file and refuse it unless it is a
 * regular file owned by root or by owner, and none of the bits in
 * forbidden (e.g. S_IWGRP | S_IWOTH) are set. Returns 0 or -1 with err
 * naming the path and the problem.
 */
int	check_private_file(int fd, const char *path, uid_t owner,
	    mode_t forbidden, char *err, size_t errlen);

/*
 * read_file - read a whole (small) file into a NUL-terminated string.
 * Returns NULL with errno set on failure; *lenp gets the length.
 */
char	*read_file(const char *path, size_t max, size_t *lenp);

/* read_fd - the same for an open descriptor, which it does not close. */
char	*read_fd(int fd, size_t max, size_t *lenp);

/*
 * write_all - all of p[0..n) to fd, through short writes and EINTR.
 * Returns 0, or -1 with errno.
 */
int	write_all(int fd, const void *p, size_t n);

/* pwrite_all - all n bytes of src at off in fd; 0, or -1 with errno. */
int	pwrite_all(int fd, const void *src, size_t n, off_t off);

/*
 * pread_all - exactly n bytes at off in fd into dst, through short
 * reads and EINTR; a file that ends first is EIO. Returns 0, or -1 with
 * errno.
 */
int	pread_all(int fd, void *dst, size_t n, off_t off);

/*
 * tmp_open - an unnamed file for the caller alone (mode 0600) in
 * $TMPDIR, or /tmp when that is not set to an absolute path; it goes
 * away when closed. Returns the descriptor, or -1 with errno.
 */
int	tmp_open(void);

/*
 * region_is_valid - a region is a DNS label like "eu-west-1": lower-case
 * letters, digits and '-', 1 to 63 of them.
 */
int	region_is_valid(const char *s);

/* Current UTC time as "YYYYMMDDTHHMMSSZ" (SigV4's X-Amz-Date). */
void	amz_date_now(char out[17]);

/* The same for the time t (a clock corrected for skew). */
void	amz_date_at(time_t t, char out[17]);

#endif
