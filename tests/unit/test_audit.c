/*
 * test_audit - the one syslog line per message.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "buf.h"

static void
test_fields(void **state)
{
	struct audit_record	 r;
	char			 line[1024];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.id = "0123456789ab";
	r.uid = 33;
	r.user = "www-data";
	r.sender = "web@example.com";
	r.nrcpt = 3;
	r.size = 1234;
	r.ses_id = "0100-abc-000000";
	r.exitcode = 0;
	r.attempts = 1;
	r.elapsed = 0.25;
	assert_int_equal(audit_format(&r, line, sizeof(line)), 0);
	assert_string_equal(line, "id=0123456789ab uid=33 user=www-data "
	    "from=<web@example.com> nrcpt=3 size=1234 sesid=0100-abc-000000 "
	    "status=sent exit=0 attempts=1 elapsed=0.250");

	/* Where a message that did not go is kept comes last. */
	r.ses_id = NULL;
	r.error = "Throttling";
	r.exitcode = 75;
	r.attempts = 3;
	r.kept = "/var/spool/sesmail/33/0123456789ab";
	assert_int_equal(audit_format(&r, line, sizeof(line)), 0);
	assert_non_null(strstr(line, " error=Throttling status=deferred "
	    "exit=75 attempts=3 elapsed=0.250 "
	    "kept=/var/spool/sesmail/33/0123456789ab"));
	r.kept = NULL;
	r.sender = "web@example.com";

	r.ses_id = NULL;
	r.error = "transport";
	r.exitcode = 75;
	r.sender = NULL;
	assert_int_equal(audit_format(&r, line, sizeof(line)), 0);
	assert_non_null(strstr(line, "from=<> "));
	assert_non_null(strstr(line, " error=transport status=deferred "
	    "exit=75 "));
	r.exitcode = 69;
	assert_int_equal(audit_format(&r, line, sizeof(line)), 0);
	assert_non_null(strstr(line, "status=failed exit=69"));
}

static void
test_many_ids_keep_the_end(void **state)
{
	struct audit_record	 r;
	struct buf		 ids = BUF_INIT;
	char			 line[1024];
	int			 i;

	/* 16 calls' worth of MessageIds must not push status and exit
	   out of the line. */
	(void)state;
	for (i = 0; i < 16; i++)
		assert_int_equal(buf_printf(&ids, "%s0101018264278cea-"
		    "406a0406-5f46-412b-8f32-05ef31a62a%02d-000000",
		    i ? "," : "", i), 0);
	memset(&r, 0, sizeof(r));
	r.id = "x";
	r.user = "root";
	r.sender = "a@example.com";
	r.ses_id = ids.data;
	assert_int_equal(audit_format(&r, line, sizeof(line)), 0);
	assert_non_null(strstr(line, "a00-000000(+15) status=sent exit=0"));
	buf_free(&ids);
}

/* No value can end its field early or forge another one. */
static void
test_values_escaped(void **state)
{
	struct audit_record	 r;
	char			 line[AUDIT_LINE_MAX];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.id = "0123456789ab";
	r.user = "root";
	r.sender = "\"a b\"@example.com";
	r.ses_id = "0100 status=sent exit=0";
	r.exitcode = 69;
	assert_int_equal(audit_format(&r, line, sizeof(line)), 0);
	assert_non_null(strstr(line, " from=<\"a%20b\"@example.com> "));
	assert_non_null(strstr(line, " sesid=0100%20status=sent%20exit=0 "
	    "status=failed exit=69 "));
	r.ses_id = NULL;
	r.error = "Bad\nsesmail: x=1";
	r.kept = "dead.letter:/home/j doe/dead.letter";
	r.user = "50%";
	assert_int_equal(audit_format(&r, line, sizeof(line)), 0);
	assert_non_null(strstr(line, " user=50%25 "));
	assert_non_null(strstr(line, " error=Bad%0Asesmail:%20x=1 "));
	assert_non_null(strstr(line,
	    " kept=dead.letter:/home/j%20doe/dead.letter"));
	assert_null(strchr(line, '\n'));

	/* The longest of every field still fits. */
	r.user = "\001\001\001\001\001\001\001\001\001\001\001\001"
	    "\001\001\001\001\001\001\001\001\001\001\001\001\001\001"
	    "\001\001\001\001\001\001\001\001\001\001\001\001\001\001"
	    "\001\001\001\001\001\001\001\001\001\001\001\001\001\001"
	    "\001\001\001\001\001\001\001\001\001\001";
	assert_int_equal(audit_format(&r, line, sizeof(line)), 0);
	assert_non_null(strstr(line, " status=failed exit=69 "));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_many_ids_keep_the_end),
		cmocka_unit_test(test_values_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
