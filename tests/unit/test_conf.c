/*
 * test_conf - conf_load and credentials_resolve on real files in a
 * private temporary directory.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "conf.h"
#include "credentials.h"
#include "spool.h"
#include "util.h"

/* A uid nobody on a test machine has. */
#define OTHER_UID	4242

static char	tmpdir[] = "/tmp/sesmail-test-conf.XXXXXX";

/* write_file - a new file in tmpdir with content and mode; path in out. */
static void
write_file(const char *content, mode_t mode, char *out, size_t outlen)
{
	size_t	 n;
	int	 fd;

	snprintf(out, outlen, "%s/f.XXXXXX", tmpdir);
	fd = mkstemp(out);
	assert_true(fd != -1);
	n = strlen(content);
	assert_int_equal(write(fd, content, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* clear_env - no AWS variable from the caller's shell leaks in. */
static void
clear_env(void)
{
	static const char *const vars[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION",
		"AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
		"AWS_ENDPOINT_URL_SES", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", NULL
	};
	size_t	 i;

	for (i = 0; vars[i] != NULL; i++)
		unsetenv(vars[i]);
	/* Never the real instance metadata from a unit test. */
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

/* resolve - the credential chain for conf c and caller uid. */
static int
resolve(const struct conf *c, uid_t uid, struct credentials *cr,
    char *err, size_t errlen)
{
	struct cred_query	 q;

	memset(&q, 0, sizeof(q));
	q.conf = c;
	q.uid = uid;
	q.user = "tester";
	q.region = "us-east-1";
	return credentials_resolve(&q, cr, err, errlen);
}

static int
group_setup(void **state)
{
	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	struct dirent	*d;
	char		 path[512];
	DIR		*dir;

	(void)state;
	dir = opendir(tmpdir);
	if (dir == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, d->d_name);
		unlink(path);
	}
	closedir(dir);
	return rmdir(tmpdir);
}

static int
test_setup(void **state)
{
	(void)state;
	clear_env();
	return 0;
}

/*
 * load - conf_load of content written with mode, with root as the
 * caller, into c (initialised) after dropping what c held.
 */
static int
load(const char *content, mode_t mode, struct conf *c, char *err)
{
	char	 path[256];

	write_file(content, mode, path, sizeof(path));
	conf_free(c);
	err[0] = '\0';
	return conf_load(path, 1, 0, c, err, ERRLEN);
}

static void
test_defaults(void **state)
{
	struct conf	 c;
	char		 err[ERRLEN];

	(void)state;
	conf_init(&c);
	assert_null(c.path);
	assert_null(c.region);
	assert_null(c.endpoint);
	assert_null(c.cred_file);
	assert_null(c.cred_profile);
	assert_int_equal(c.connect_timeout, 10);
	assert_int_equal(c.timeout, 60);

	/* An empty file sets nothing but the path. */
	assert_int_equal(load("", 0644, &c, err), 0);
	assert_non_null(c.path);
	assert_null(c.region);
	assert_null(c.sender);
	assert_int_equal(c.connect_timeout, 10);
	assert_int_equal(c.timeout, 60);
	conf_free(&c);
}

static void
test_all_keys(void **state)
{
	struct conf	 c;
	char		 err[ERRLEN];
	const char	*text =
	    "# every key\n"
	    "region = \"eu-west-1\"\n"
	    "endpoint = \"https://email.example.test/prefix/\"\n"
	    "ca_file = \"/etc/ssl/ca.pem\"\n"
	    "sender = \"mailer@example.com\"\n"
	    "domain = example.com\n"
	    "aliases = /etc/aliases\n"
	    "api = \"v1\"\n"
	    "configuration_set = \"tracking\"\n"
	    "connect_timeout = 5\n"
	    "timeout = 120\n"
	    "credentials {\n"
	    "  file = \"/etc/sesmail/credentials\"\n"
	    "  profile = \"mail\"\n"
	    "}\n";

	(void)state;
	conf_init(&c);
	assert_int_equal(load(text, 0600, &c, err), 0);
	assert_string_equal(c.region, "eu-west-1");
	assert_string_equal(c.endpoint, "https://email.example.test/prefix/");
	assert_string_equal(c.ca_file, "/etc/ssl/ca.pem");
	assert_string_equal(c.sender, "mailer@example.com");
	assert_string_equal(c.domain, "example.com");
	assert_string_equal(c.aliases, "/etc/aliases");
	assert_int_equal(c.connect_timeout, 5);
	assert_int_equal(c.timeout, 120);
	assert_string_equal(c.cred_file, "/etc/sesmail/credentials");
	assert_string_equal(c.cred_profile, "mail");
	assert_true(strncmp(c.path, tmpdir, strlen(tmpdir)) == 0);
	conf_free(&c);
	assert_null(c.region);
}

static void
test_unknown_key(void **state)
{
	struct conf	 c;
	char		 err[ERRLEN];

	(void)state;
	conf_init(&c);
	assert_int_equal(load("region = \"eu-west-1\"\n\nbogus_key = 1\n",
	    0644, &c, err), EX_CONFIG);
	assert_non_null(strstr(err, "bogus_key"));
	assert_non_null(strstr(err, ":3:"));
	assert_null(c.region);

	assert_int_equal(load("credentials {\n  secret = \"x\"\n}\n", 0644,
	    &c, err), EX_CONFIG);
	assert_non_null(strstr(err, "secret"));
	conf_free(&c);
}

static void
test_syntax_error(void **state)
{
	struct conf	 c;
	char		 err[ERRLEN];

	(void)state;
	conf_init(&c);
	assert_int_equal(load("region = \"eu-west-1\n", 0644, &c, err),
	    EX_CONFIG);
	assert_true(err[0] != '\0');
	assert_int_equal(load("timeout = soon\n", 0644, &c, err),
	    EX_CONFIG);
	assert_true(err[0] != '\0');
	conf_free(&c);
}

static void
test_modes(void **state)
{
	struct conf	 c;
	char		 err[ERRLEN];

	(void)state;
	conf_init(&c);
	assert_int_equal(load("", 0664, &c, err), EX_CONFIG);
	assert_non_null(strstr(err, "too open"));
	assert_int_equal(load("", 0646, &c, err), EX_CONFIG);
	assert_non_null(strstr(err, "too open"));
	assert_int_equal(load("", 0444, &c, err), 0);
	conf_free(&c);
}

static void
test_owner(void **state)
{
	struct conf	 c;
	char		 path[256], err[ERRLEN];

	(void)state;
	if (geteuid() != 0)
		skip();
	write_file("", 0644, path, sizeof(path));
	assert_int_equal(chown(path, OTHER_UID, OTHER_UID), 0);
	conf_init(&c);
	assert_int_equal(conf_load(path, 1, 0, &c, err, sizeof(err)),
	    EX_CONFIG);
	assert_non_null(strstr(err, "owned by"));
	/* The caller's own file is fine (-C with a private config). */
	assert_int_equal(conf_load(path, 1, OTHER_UID, &c, err,
	    sizeof(err)), 0);
	conf_free(&c);
}

/* A link is as good as the file it leads to (a ConfigMap), no better. */
static void
test_symlink(void **state)
{
	struct conf	 c;
	char		 target[256], link[300], err[ERRLEN];

	(void)state;
	write_file("region = \"eu-west-1\"\n", 0644, target, sizeof(target));
	snprintf(link, sizeof(link), "%s.link", target);
	assert_int_equal(symlink(target, link), 0);
	conf_init(&c);
	assert_int_equal(conf_load(link, 1, 0, &c, err, sizeof(err)), 0);
	assert_string_equal(c.region, "eu-west-1");
	conf_free(&c);

	/* What the link leads to is checked, not the link. */
	assert_int_equal(chmod(target, 0666), 0);
	conf_init(&c);
	assert_int_equal(conf_load(link, 0, 0, &c, err, sizeof(err)),
	    EX_CONFIG);
	assert_non_null(strstr(err, "too open"));
	assert_null(c.region);
	conf_free(&c);
}

static void
test_not_regular(void **state)
{
	struct conf	 c;
	char		 err[ERRLEN];

	(void)state;
	conf_init(&c);
	assert_int_equal(conf_load(tmpdir, 1, 0, &c, err, sizeof(err)),
	    EX_CONFIG);
	conf_free(&c);
}

static void
test_missing(void **state)
{
	struct conf	 c;
	char		 path[300], err[ERRLEN];

	(void)state;
	snprintf(path, sizeof(path), "%s/no-such-file", tmpdir);
	conf_init(&c);
	assert_int_equal(conf_load(path, 0, 0, &c, err, sizeof(err)), 0);
	assert_null(c.path);
	assert_int_equal(c.timeout, 60);

	assert_int_equal(conf_load(path, 1, 0, &c, err, sizeof(err)),
	    EX_CONFIG);
	assert_non_null(strstr(err, "no-such-file"));
	conf_free(&c);
}

static void
test_timeouts(void **state)
{
	static const char *const bad[] = {
		"timeout = 0\n", "timeout = 3601\n", "timeout = -5\n",
		"connect_timeout = 0\n", "connect_timeout = 3601\n", NULL
	};
	struct conf	 c;
	char		 err[ERRLEN];
	size_t		 i;

	(void)state;
	conf_init(&c);
	for (i = 0; bad[i] != NULL; i++) {
		assert_int_equal(load(bad[i], 0644, &c, err), EX_CONFIG);
		assert_non_null(strstr(err, "between 1 and 3600"));
	}
	assert_int_equal(load("timeout = 3600\nconnect_timeout = 1\n", 0644,
	    &c, err), 0);
	assert_int_equal(c.timeout, 3600);
	assert_int_equal(c.connect_timeout, 1);
	conf_free(&c);
}

static void
test_retry_and_spool(void **state)
{
	static const char *const bad[] = {
		"retry {\n max_attempts = 0\n}\n",
		"retry {\n max_attempts = 11\n}\n",
		"retry {\n max_time = -1\n}\n",
		"retry {\n max_time = 601\n}\n",
		"retry {\n base_delay = 21\n}\n",
		"spool = \"relative/dir\"\n",
		NULL
	};
	struct conf	 c;
	char		 err[ERRLEN];
	size_t		 i;

	(void)state;
	conf_init(&c);
	assert_int_equal(c.retry_attempts, 3);
	assert_true(c.retry_max_time == 30.0);
	assert_true(c.retry_base_delay == 1.0);
	assert_null(c.spool);
	assert_int_equal(c.spool_sync, 0);
	assert_int_equal(c.dead_letter, 1);

	/* A file without them keeps the defaults. */
	assert_int_equal(load("", 0644, &c, err), 0);
	assert_int_equal(c.retry_attempts, 3);
	assert_true(c.retry_base_delay == 1.0);
	assert_string_equal(c.spool, SPOOL_DEFAULT);
	assert_int_equal(c.dead_letter, 1);

	assert_int_equal(load("retry {\n\tmax_attempts = 5\n"
	    "\tmax_time = 12.5\n\tbase_delay = 0.05\n}\n"
	    "spool = \"/tmp/sp\"\nspool_sync = yes\ndead_letter = no\n",
	    0644, &c, err), 0);
	assert_int_equal(c.retry_attempts, 5);
	assert_true(c.retry_max_time == 12.5);
	assert_true(c.retry_base_delay == 0.05);
	assert_string_equal(c.spool, "/tmp/sp");
	assert_int_equal(c.spool_sync, 1);
	assert_int_equal(c.dead_letter, 0);

	/* "" turns the spool off. */
	assert_int_equal(load("spool = \"\"\n", 0644, &c, err), 0);
	assert_null(spool_top(c.spool));

	for (i = 0; bad[i] != NULL; i++)
		if (load(bad[i], 0644, &c, err) != EX_CONFIG)
			fail_msg("accepted: %s", bad[i]);
	conf_free(&c);
}

static void
test_endpoint(void **state)
{
	struct conf	 c;
	char		 err[ERRLEN];

	(void)state;
	conf_init(&c);
	assert_int_equal(load("endpoint = \"http://email.example.com/\"\n",
	    0644, &c, err), EX_CONFIG);
	assert_non_null(strstr(err, "loopback"));
	assert_int_equal(load("endpoint = \"ftp://127.0.0.1/\"\n", 0644, &c,
	    err), EX_CONFIG);
	assert_int_equal(load("endpoint = \"http://127.0.0.1:8005/\"\n",
	    0644, &c, err), 0);
	assert_string_equal(c.endpoint, "http://127.0.0.1:8005/");
	conf_free(&c);
}

static void
test_bad_values(void **state)
{
	struct conf	 c;
	char		 err[ERRLEN];

	(void)state;
	conf_init(&c);
	assert_int_equal(load("sender = \"a@example.com\\nBcc: x@y\"\n",
	    0644, &c, err), EX_CONFIG);
	assert_non_null(strstr(err, "line break"));
	assert_int_equal(load("domain = \"example.com\\r\"\n", 0644, &c,
	    err), EX_CONFIG);
	assert_int_equal(load("api = \"v3\"\n", 0644, &c, err), EX_CONFIG);
	assert_int_equal(load("region = \"evil.example/\"\n", 0644, &c,
	    err), EX_CONFIG);
	assert_int_equal(load("api = \"v2\"\n", 0644, &c, err), 0);
	conf_free(&c);
}

/* A failed load leaves what an earlier one set. */
static void
test_failure_keeps(void **state)
{
	struct conf	 c;
	char		 path[256], err[ERRLEN];

	(void)state;
	conf_init(&c);
	assert_int_equal(load("region = \"eu-west-1\"\n", 0644, &c, err), 0);
	write_file("region = \"us-east-1\"\ntimeout = 0\n", 0644, path,
	    sizeof(path));
	assert_int_equal(conf_load(path, 1, 0, &c, err, sizeof(err)),
	    EX_CONFIG);
	assert_string_equal(c.region, "eu-west-1");
	conf_free(&c);
}

/*
 * The shipped example parses as it is, and with every commented-out key
 * turned on ("#key", "#\tkey", "#}"; prose comments start with "# ").
 */
static void
test_shipped_example(void **state)
{
	struct conf	 c;
	struct buf	 on = BUF_INIT;
	char		*text, *line, *nl, err[ERRLEN];
	size_t		 len;

	(void)state;
	text = read_file(TESTDATA "/../etc/sesmail.conf", 1 << 16, &len);
	assert_non_null(text);
	conf_init(&c);
	assert_int_equal(load(text, 0644, &c, err), 0);

	for (line = text; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		if (line[0] == '#' && strchr(" #\n", line[1]) == NULL)
			line++;
		buf_append(&on, line, (size_t)(nl - line + 1));
	}
	if (load(on.data, 0644, &c, err) != 0)
		fail_msg("%s", err);
	assert_string_equal(c.region, "eu-west-1");
	assert_string_equal(c.endpoint, "http://127.0.0.1:8005/");
	assert_string_equal(c.domain, "example.com");
	assert_string_equal(c.cred_file, "/etc/sesmail/credentials");
	assert_string_equal(c.cred_profile, "default");
	assert_int_equal(c.timeout, 60);
	assert_int_equal(c.connect_timeout, 10);
	conf_free(&c);
	buf_free(&on);
	free(text);
}

/* --- credentials_resolve ------------------------------------------ */

static const char key_file[] =
    "[default]\n"
    "aws_access_key_id = AKIDDEFAULT\n"
    "aws_secret_access_key = secretdefault\n"
    "\n"
    "[mail]\n"
    "aws_access_key_id = AKIDMAIL\n"
    "aws_secret_access_key = secretmail\n"
    "aws_session_token = tokenmail\n";

/* key_conf - a conf naming a fresh key file with mode. */
static void
key_conf(struct conf *c, mode_t mode, char *path, size_t pathlen)
{
	write_file(key_file, mode, path, pathlen);
	conf_init(c);
	c->cred_file = strdup(path);
	assert_non_null(c->cred_file);
}

static void
test_cred_env(void **state)
{
	struct credentials	 cr;
	struct conf		 c;
	char			 err[ERRLEN];

	(void)state;
	conf_init(&c);
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	assert_int_equal(resolve(&c, 0, &cr, err, sizeof(err)),
	    0);
	assert_string_equal(cr.access_key_id, "AKIDENV");
	assert_string_equal(cr.secret_access_key, "secretenv");
	assert_null(cr.session_token);
	assert_string_equal(cr.source, "environment");
	credentials_free(&cr);
	assert_null(cr.secret_access_key);

	setenv("AWS_SESSION_TOKEN", "tokenenv", 1);
	assert_int_equal(resolve(&c, 0, &cr, err, sizeof(err)),
	    0);
	assert_string_equal(cr.session_token, "tokenenv");
	credentials_free(&cr);

	/* One key alone is a mistake, not "no credentials". */
	unsetenv("AWS_SECRET_ACCESS_KEY");
	assert_int_equal(resolve(&c, 0, &cr, err, sizeof(err)),
	    EX_CONFIG);
	assert_non_null(strstr(err, "AWS_SECRET_ACCESS_KEY"));
	assert_null(cr.access_key_id);
	setenv("AWS_SECRET_ACCESS_KEY", "", 1);
	assert_int_equal(resolve(&c, 0, &cr, err, sizeof(err)),
	    EX_CONFIG);
	unsetenv("AWS_ACCESS_KEY_ID");
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	assert_int_equal(resolve(&c, 0, &cr, err, sizeof(err)),
	    EX_CONFIG);
	assert_non_null(strstr(err, "AWS_ACCESS_KEY_ID"));
	conf_free(&c);
}

static void
test_cred_none(void **state)
{
	struct credentials	 cr;
	struct conf		 c;
	char			 err[ERRLEN];

	(void)state;
	conf_init(&c);
	/* Empty variables count as unset. */
	setenv("AWS_ACCESS_KEY_ID", "", 1);
	assert_int_equal(resolve(&c, 0, &cr, err, sizeof(err)),
	    EX_CONFIG);
	assert_non_null(strstr(err, "no AWS credentials"));
	conf_free(&c);
}

static void
test_cred_file(void **state)
{
	struct credentials	 cr;
	struct conf		 c;
	char			 path[256], err[ERRLEN];

	(void)state;
	key_conf(&c, 0640, path, sizeof(path));
	assert_int_equal(resolve(&c, 0, &cr, err, sizeof(err)),
	    0);
	assert_string_equal(cr.access_key_id, "AKIDDEFAULT");
	assert_string_equal(cr.secret_access_key, "secretdefault");
	assert_null(cr.session_token);
	assert_string_equal(cr.source, "file");
	credentials_free(&cr);

	/* The environment comes first. */
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	assert_int_equal(resolve(&c, 0, &cr, err, sizeof(err)),
	    0);
	assert_string_equal(cr.source, "environment");
	credentials_free(&cr);
	conf_free(&c);
}

static void
test_cred_file_modes(void **state)
{
	static const mode_t	 bad[] = { 0644, 0604, 0660, 0602 };
	struct credentials	 cr;
	struct conf		 c;
	char			 path[256], err[ERRLEN];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		key_conf(&c, bad[i], path, sizeof(path));
		assert_int_equal(resolve(&c, 0, &cr, err,
		    sizeof(err)), EX_NOPERM);
		assert_non_null(strstr(err, "too open"));
		assert_null(cr.secret_access_key);
		conf_free(&c);
	}
	key_conf(&c, 0600, path, sizeof(path));
	assert_int_equal(resolve(&c, 0, &cr, err, sizeof(err)),
	    0);
	credentials_free(&cr);
	conf_free(&c);
}

static void
test_cred_file_owner(void **state)
{
	struct credentials	 cr;
	struct conf		 c;
	char			 path[256], err[ERRLEN];

	(void)state;
	if (geteuid() != 0)
		skip();
	key_conf(&c, 0640, path, sizeof(path));
	assert_int_equal(chown(path, OTHER_UID, OTHER_UID), 0);
	assert_int_equal(resolve(&c, 0, &cr, err, sizeof(err)),
	    EX_NOPERM);
	assert_int_equal(resolve(&c, OTHER_UID, &cr, err,
	    sizeof(err)), 0);
	credentials_free(&cr);
	conf_free(&c);
}

static void
test_cred_profile(void **state)
{
	struct credentials	 cr;
	struct conf		 c;
	char			 path[256], err[ERRLEN];

	(void)state;
	key_conf(&c, 0640, path, sizeof(path));
	setenv("AWS_PROFILE", "mail", 1);
	assert_int_equal(resolve(&c, 0, &cr, err, sizeof(err)),
	    0);
	assert_string_equal(cr.access_key_id, "AKIDMAIL");
	assert_string_equal(cr.session_token, "tokenmail");
	credentials_free(&cr);

	/* The configuration's profile beats AWS_PROFILE. */
	c.cred_profile = strdup("default");
	assert_int_equal(resolve(&c, 0, &cr, err, sizeof(err)),
	    0);
	assert_string_equal(cr.access_key_id, "AKIDDEFAULT");
	credentials_free(&cr);

	setenv("AWS_PROFILE", "nosuch", 1);
	free(c.cred_profile);
	c.cred_profile = NULL;
	assert_int_equal(resolve(&c, 0, &cr, err, sizeof(err)),
	    EX_CONFIG);
	assert_non_null(strstr(err, "nosuch"));
	conf_free(&c);
}

static void
test_cred_file_missing(void **state)
{
	struct credentials	 cr;
	struct conf		 c;
	char			 path[256], link[300], err[ERRLEN];

	(void)state;
	/* A link (a Kubernetes Secret) is vetted by what it leads to. */
	key_conf(&c, 0640, path, sizeof(path));
	snprintf(link, sizeof(link), "%s.link", path);
	assert_int_equal(symlink(path, link), 0);
	free(c.cred_file);
	c.cred_file = strdup(link);
	assert_int_equal(resolve(&c, 0, &cr, err, sizeof(err)), 0);
	credentials_free(&cr);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(resolve(&c, 0, &cr, err, sizeof(err)),
	    EX_NOPERM);
	assert_null(strstr(err, "symbolic link"));

	free(c.cred_file);
	snprintf(link, sizeof(link), "%s/no-such-keys", tmpdir);
	c.cred_file = strdup(link);
	assert_int_equal(resolve(&c, 0, &cr, err, sizeof(err)),
	    EX_CONFIG);
	conf_free(&c);
}

static void
test_cred_file_no_secret(void **state)
{
	struct credentials	 cr;
	struct conf		 c;
	char			 path[256], err[ERRLEN];

	(void)state;
	write_file("[default]\naws_access_key_id = AKID\n", 0600, path,
	    sizeof(path));
	conf_init(&c);
	c.cred_file = strdup(path);
	assert_int_equal(resolve(&c, 0, &cr, err, sizeof(err)),
	    EX_CONFIG);
	assert_non_null(strstr(err, "aws_secret_access_key"));
	assert_null(cr.access_key_id);
	conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, test_setup),
		cmocka_unit_test_setup(test_all_keys, test_setup),
		cmocka_unit_test_setup(test_unknown_key, test_setup),
		cmocka_unit_test_setup(test_syntax_error, test_setup),
		cmocka_unit_test_setup(test_modes, test_setup),
		cmocka_unit_test_setup(test_owner, test_setup),
		cmocka_unit_test_setup(test_symlink, test_setup),
		cmocka_unit_test_setup(test_not_regular, test_setup),
		cmocka_unit_test_setup(test_missing, test_setup),
		cmocka_unit_test_setup(test_timeouts, test_setup),
		cmocka_unit_test_setup(test_retry_and_spool, test_setup),
		cmocka_unit_test_setup(test_endpoint, test_setup),
		cmocka_unit_test_setup(test_bad_values, test_setup),
		cmocka_unit_test_setup(test_failure_keeps, test_setup),
		cmocka_unit_test_setup(test_shipped_example, test_setup),
		cmocka_unit_test_setup(test_cred_env, test_setup),
		cmocka_unit_test_setup(test_cred_none, test_setup),
		cmocka_unit_test_setup(test_cred_file, test_setup),
		cmocka_unit_test_setup(test_cred_file_modes, test_setup),
		cmocka_unit_test_setup(test_cred_file_owner, test_setup),
		cmocka_unit_test_setup(test_cred_profile, test_setup),
		cmocka_unit_test_setup(test_cred_file_missing, test_setup),
		cmocka_unit_test_setup(test_cred_file_no_secret, test_setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
