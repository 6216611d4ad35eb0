/*
 * The JSON writer (see json.h).  Output is indented by two spaces per
 * level; an empty object or array is written as {} or [].
 */
#include "json.h"

#include <stdint.h>
#include <string.h>

void json_init(struct json *js, FILE *fp)
{
	memset(js, 0, sizeof(*js));
	js->fp = fp;
	js->first[0] = true;
}

void json_finish(struct json *js)
{
	fputc('\n', js->fp);
}

static void json_indent(struct json *js)
{
	fputc('\n', js->fp);
	for (int i = 0; i < js->depth; i++)
		fputs("  ", js->fp);
}

/* Writes what must come before a value or a key: a comma and a new line. */
static void json_separate(struct json *js)
{
	if (js->after_key) {
		js->after_key = false;
		return;
	}
	if (!js->first[js->depth])
		fputc(',', js->fp);
	js->first[js->depth] = false;
	if (js->depth > 0)
		json_indent(js);
}

static void json_open(struct json *js, char c)
{
	if (js->depth + 1 >= JSON_MAX_DEPTH)
		return;
	json_separate(js);
	fputc(c, js->fp);
	js->depth++;
	js->first[js->depth] = true;
}

static void json_close(struct json *js, char c)
{
	if (js->depth == 0)
		return;
	bool empty = js->first[js->depth];

	js->depth--;
	if (!empty)
		json_indent(js);
	fputc(c, js->fp);
}

void json_object_begin(struct json *js)
{
	json_open(js, '{');
}

void json_object_end(struct json *js)
{
	json_close(js, '}');
}

void json_array_begin(struct json *js)
{
	json_open(js, '[');
}

void json_array_end(struct json *js)
{
	json_close(js, ']');
}

/*
 * The length of the well-formed UTF-8 sequence at s (at most len bytes),
 * or 0 when it is not one: overlong forms, surrogates and values past
 * U+10FFFF are refused.
 */
static size_t json_utf8_len(const unsigned char *s, size_t len)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void json_escape_byte(FILE *fp, unsigned char c)
{
	switch (c) {
	case '"':
		fputs("\\\"", fp);
		break;
	case '\\':
		fputs("\\\\", fp);
		break;
	case '\n':
		fputs("\\n", fp);
		break;
	case '\r':
		fputs("\\r", fp);
		break;
	case '\t':
		fputs("\\t", fp);
		break;
	default:
		if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\u%04x", c);
		else
			fputc(c, fp);
	}
}

static void json_write_string(FILE *fp, const unsigned char *s, size_t len)
{
	fputc('"', fp);
	for (size_t i = 0; i < len;) {
		size_t n = json_utf8_len(s + i, len - i);

		if (n == 0) {
			fputs("\\ufffd", fp);
			i++;
		} else if (n == 1) {
			json_escape_byte(fp, s[i++]);
		} else {
			fwrite(s + i, 1, n, fp);
			i += n;
		}
	}
	fputc('"', fp);
}

void json_key(struct json *js, const char *key)
{
	json_separate(js);
	json_write_string(js->fp, (const unsigned char *)key, strlen(key));
	fputs(": ", js->fp);
	js->after_key = true;
}

void json_string_n(struct json *js, const char *s, size_t len)
{
	json_separate(js);
	json_write_string(js->fp, (const unsigned char *)s, len);
}

void json_string(struct json *js, const char *s)
{
	if (s == NULL) {
		json_null(js);
		return;
	}
	json_string_n(js, s, strlen(s));
}

void json_uint(struct json *js, unsigned long v)
{
	json_separate(js);
	fprintf(js->fp, "%lu", v);
}

void json_bool(struct json *js, bool v)
{
	json_separate(js);
	fputs(v ? "true" : "false", js->fp);
}

void json_null(struct json *js)
{
	json_separate(js);
	fputs("null", js->fp);
}

void json_member_string(struct json *js, const char *key, const char *s)
{
	json_key(js, key);
	json_string(js, s);
}

void json_member_uint(struct json *js, const char *key, unsigned long v)
{
	json_key(js, key);
	json_uint(js, v);
}

void json_member_bool(struct json *js, const char *key, bool v)
{
	json_key(js, key);
	json_bool(js, v);
}
