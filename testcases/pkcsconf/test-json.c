/*
 * Unit tests of pkcsconf's JSON writer (usr/sbin/pkcsconf/json.c): layout
 * of nested and empty containers, escaping of quotes, backslashes and
 * control characters, and U+FFFD for every byte that is not part of
 * well-formed UTF-8 (stray continuation bytes, overlong forms, surrogates,
 * values past U+10FFFF, truncated sequences).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct capture {
	char *buf;
	size_t len;
	FILE *fp;
	struct json js;
};

static void capture_open(struct capture *cap)
{
	cap->fp = open_memstream(&cap->buf, &cap->len);
	assert_non_null(cap->fp);
	json_init(&cap->js, cap->fp);
}

/* Closes the stream and checks what was written; frees the buffer. */
static void capture_check(struct capture *cap, const char *want)
{
	fclose(cap->fp);
	assert_string_equal(cap->buf, want);
	free(cap->buf);
}

/* The document {"s": <bytes>} for len bytes of s. */
static void check_string(const char *s, size_t len, const char *want_value)
{
	struct capture cap;
	char want[256];

	capture_open(&cap);
	json_object_begin(&cap.js);
	json_key(&cap.js, "s");
	json_string_n(&cap.js, s, len);
	json_object_end(&cap.js);
	json_finish(&cap.js);
	snprintf(want, sizeof(want), "{\n  \"s\": %s\n}\n", want_value);
	capture_check(&cap, want);
}

static void test_layout(void **state)
{
	struct capture cap;

	capture_open(&cap);
	json_object_begin(&cap.js);
	json_member_uint(&cap.js, "n", 42);
	json_member_bool(&cap.js, "yes", true);
	json_key(&cap.js, "none");
	json_null(&cap.js);
	json_key(&cap.js, "list");
	json_array_begin(&cap.js);
	json_string(&cap.js, "a");
	json_object_begin(&cap.js);
	json_member_string(&cap.js, "b", "c");
	json_object_end(&cap.js);
	json_array_end(&cap.js);
	json_object_end(&cap.js);
	json_finish(&cap.js);
	capture_check(&cap, "{\n"
	                    "  \"n\": 42,\n"
	                    "  \"yes\": true,\n"
	                    "  \"none\": null,\n"
	                    "  \"list\": [\n"
	                    "    \"a\",\n"
	                    "    {\n"
	                    "      \"b\": \"c\"\n"
	                    "    }\n"
	                    "  ]\n"
	                    "}\n");
}

static void test_empty_containers(void **state)
{
	struct capture cap;

	capture_open(&cap);
	json_object_begin(&cap.js);
	json_key(&cap.js, "a");
	json_array_begin(&cap.js);
	json_array_end(&cap.js);
	json_key(&cap.js, "o");
	json_object_begin(&cap.js);
	json_object_end(&cap.js);
	json_object_end(&cap.js);
	json_finish(&cap.js);
	capture_check(&cap, "{\n  \"a\": [],\n  \"o\": {}\n}\n");
}

static void test_null_string(void **state)
{
	struct capture cap;

	capture_open(&cap);
	json_array_begin(&cap.js);
	json_string(&cap.js, NULL);
	json_array_end(&cap.js);
	json_finish(&cap.js);
	capture_check(&cap, "[\n  null\n]\n");
}

static void test_escapes(void **state)
{
	check_string("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	check_string("t\tn\nr\r", 6, "\"t\\tn\\nr\\r\"");
	check_string("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
	check_string("nul\0x", 5, "\"nul\\u0000x\"");
	check_string("/", 1, "\"/\"");
}

static void test_utf8_kept(void **state)
{
	check_string("caf\xc3\xa9", 5, "\"caf\xc3\xa9\"");
	check_string("\xe2\x82\xac", 3, "\"\xe2\x82\xac\"");
	check_string("\xf0\x9f\x94\x91", 4, "\"\xf0\x9f\x94\x91\"");
	check_string("\xf4\x8f\xbf\xbf", 4, "\"\xf4\x8f\xbf\xbf\"");
}

static void test_utf8_replaced(void **state)
{
	check_string("\x80", 1, "\"\\ufffd\"");
	check_string("\xff", 1, "\"\\ufffd\"");
	/* overlong forms */
	check_string("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");
	check_string("\xe0\x80\xaf", 3, "\"\\ufffd\\ufffd\\ufffd\"");
	/* a surrogate, and a value past U+10FFFF */
	check_string("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
	check_string("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* truncated at the end of the field */
	check_string("ab\xe2\x82", 4, "\"ab\\ufffd\\ufffd\"");
	/* a lead byte followed by ASCII */
	check_string("\xc3x", 2, "\"\\ufffdx\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout),      cmocka_unit_test(test_empty_containers),
	    cmocka_unit_test(test_null_string), cmocka_unit_test(test_escapes),
	    cmocka_unit_test(test_utf8_kept),   cmocka_unit_test(test_utf8_replaced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
