/*
 * A small JSON writer for pkcsconf's --json output.
 *
 * The writer produces one indented document on a stdio stream.  Callers
 * open and close objects and arrays and add members; the writer places the
 * commas, newlines and indentation, and escapes every string so that the
 * output is well-formed whatever bytes a token reports: quotes, backslashes
 * and control characters are escaped, and bytes that are not valid UTF-8
 * become U+FFFD.  Inside an object, each value is preceded by json_key().
 * Nesting deeper than JSON_MAX_DEPTH is a programming error and is refused
 * by ignoring the call.
 */
#ifndef PKCSCONF_JSON_H
#define PKCSCONF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *fp;
	int depth;
	bool first[JSON_MAX_DEPTH]; /* no member written yet at this level */
	bool after_key;             /* the next value follows a key on the same line */
};

void json_init(struct json *js, FILE *fp);
/* Ends the document with a newline. */
void json_finish(struct json *js);

void json_object_begin(struct json *js);
void json_object_end(struct json *js);
void json_array_begin(struct json *js);
void json_array_end(struct json *js);

void json_key(struct json *js, const char *key);

/* A string of len bytes (not NUL-terminated), e.g. a blank-padded PKCS#11 field. */
void json_string_n(struct json *js, const char *s, size_t len);
void json_string(struct json *js, const char *s);
void json_uint(struct json *js, unsigned long v);
void json_bool(struct json *js, bool v);
void json_null(struct json *js);

/* Shorthands for a key followed by its value. */
void json_member_string(struct json *js, const char *key, const char *s);
void json_member_uint(struct json *js, const char *key, unsigned long v);
void json_member_bool(struct json *js, const char *key, bool v);

#endif
