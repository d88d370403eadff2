/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lines of JSON members. jansson reports a line only for syntax errors; a
 * policy that is valid JSON but wrong (an unknown field, a wrong type) must
 * still say where, so this scanner walks the original text to the member
 * the error names. It runs only when there is an error to report, and it
 * never trusts its input: every step is bounded by the buffer's end, there
 * is no recursion (nesting only counts), and a path it cannot follow gives
 * 0 ("line unknown") rather than a wrong line.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct scan {
	const char *p, *end;
	unsigned line;
};

static void
skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n')) {
		if (*s->p == '\n')
			s->line++;
		s->p++;
	}
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
read_u4(struct scan *s, unsigned *ret)
{
	unsigned v = 0;

	if (s->end - s->p < 4)
		return false;
	for (int i = 0; i < 4; i++) {
		int h = hexval(s->p[i]);
		if (h < 0)
			return false;
		v = v << 4 | (unsigned)h;
	}
	s->p += 4;
	*ret = v;
	return true;
}

/* Compare one decoded byte with the key being looked for. */
static void
cmp_byte(const char *key, size_t *i, bool *match, unsigned char b)
{
	if (!key || !*match)
		return;
	if ((unsigned char)key[*i] != b || key[*i] == '\0')
		*match = false;
	else
		(*i)++;
}

/* At '"': consume the string; true when it decodes to exactly key (NULL:
 * just skip). Malformed input ends the string where the scan stops. */
static bool
scan_string(struct scan *s, const char *key)
{
	bool match = key != NULL;
	size_t i = 0;

	s->p++; /* the opening quote */
	while (s->p < s->end && *s->p != '"') {
		unsigned char c = (unsigned char)*s->p++;
		unsigned cp, lo;

		if (c == '\n')
			s->line++;
		if (c != '\\') {
			cmp_byte(key, &i, &match, c);
			continue;
		}
		if (s->p >= s->end)
			break;
		c = (unsigned char)*s->p++;
		switch (c) {
		case 'b':
			c = '\b';
			break;
		case 'f':
			c = '\f';
			break;
		case 'n':
			c = '\n';
			break;
		case 'r':
			c = '\r';
			break;
		case 't':
			c = '\t';
			break;
		case 'u':
			if (!read_u4(s, &cp)) {
				match = false;
				continue;
			}
			if (cp >= 0xd800 && cp < 0xdc00 && s->end - s->p >= 6 && s->p[0] == '\\' &&
			    s->p[1] == 'u') {
				s->p += 2;
				if (read_u4(s, &lo) && lo >= 0xdc00 && lo < 0xe000)
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				else
					match = false;
			}
			if (cp < 0x80) {
				cmp_byte(key, &i, &match, (unsigned char)cp);
			} else if (cp < 0x800) {
				cmp_byte(key, &i, &match, (unsigned char)(0xc0 | cp >> 6));
				cmp_byte(key, &i, &match, (unsigned char)(0x80 | (cp & 0x3f)));
			} else if (cp < 0x10000) {
				cmp_byte(key, &i, &match, (unsigned char)(0xe0 | cp >> 12));
				cmp_byte(key, &i, &match, (unsigned char)(0x80 | (cp >> 6 & 0x3f)));
				cmp_byte(key, &i, &match, (unsigned char)(0x80 | (cp & 0x3f)));
			} else {
				cmp_byte(key, &i, &match, (unsigned char)(0xf0 | cp >> 18));
				cmp_byte(key, &i, &match,
					 (unsigned char)(0x80 | (cp >> 12 & 0x3f)));
				cmp_byte(key, &i, &match, (unsigned char)(0x80 | (cp >> 6 & 0x3f)));
				cmp_byte(key, &i, &match, (unsigned char)(0x80 | (cp & 0x3f)));
			}
			continue;
		default: /* '"', '\\', '/' stand for themselves */
			break;
		}
		cmp_byte(key, &i, &match, c);
	}
	if (s->p < s->end)
		s->p++; /* the closing quote */
	return match && key[i] == '\0';
}

/* Skip one value of any kind, counting nesting instead of recursing. */
static void
skip_value(struct scan *s)
{
	size_t depth = 0;

	skip_ws(s);
	do {
		if (s->p >= s->end)
			return;
		switch (*s->p) {
		case '"':
			scan_string(s, NULL);
			break;
		case '{':
		case '[':
			depth++;
			s->p++;
			break;
		case '}':
		case ']':
			if (depth == 0)
				return; /* malformed: the container's end, not ours */
			depth--;
			s->p++;
			break;
		default:
			if (depth == 0) {
				while (s->p < s->end && !strchr(",]} \t\r\n", *s->p))
					s->p++;
				return;
			}
			if (*s->p == '\n')
				s->line++;
			s->p++;
			break;
		}
	} while (depth > 0);
}

unsigned
policy_json_line(const char *buf, size_t len, const struct jpath *path)
{
	struct scan s = {.p = buf, .end = buf + len, .line = 1};

	if (!path || path->n == 0)
		return 1;
	skip_ws(&s);
	for (size_t i = 0; i < path->n && i < JPATH_MAX; i++) {
		const struct jpath_elem *e = &path->e[i];
		bool last = i + 1 == path->n;

		if (s.p >= s.end || *s.p != (e->key ? '{' : '['))
			return 0;
		s.p++;
		for (size_t k = 0;; k++) {
			skip_ws(&s);
			if (s.p >= s.end || *s.p == '}' || *s.p == ']')
				return 0;
			if (e->key) {
				unsigned line = s.line;
				bool m;

				if (*s.p != '"')
					return 0;
				m = scan_string(&s, e->key);
				skip_ws(&s);
				if (s.p >= s.end || *s.p != ':')
					return 0;
				s.p++;
				skip_ws(&s);
				if (m) {
					if (last)
						return line;
					break;
				}
			} else if (k == e->idx) {
				if (last)
					return s.line;
				break;
			}
			skip_value(&s);
			skip_ws(&s);
			if (s.p >= s.end || *s.p != ',')
				return 0;
			s.p++;
		}
	}
	return 0;
}

static bool
is_ident(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		      (*k >= '0' && *k <= '9') || *k == '_' || *k == '-'))
			return false;
	return true;
}

void
policy_jpath_format(const struct jpath *path, char *out, size_t cap)
{
	size_t o = 0;

	if (cap == 0)
		return;
	out[0] = '\0';
#define PUT(...)                                                          \
	do {                                                              \
		if (o < cap) {                                            \
			int n_ = snprintf(out + o, cap - o, __VA_ARGS__); \
			o = n_ < 0 ? cap : o + (size_t)n_;                \
		}                                                         \
	} while (0)
	for (size_t i = 0; i < path->n && i < JPATH_MAX; i++) {
		const struct jpath_elem *e = &path->e[i];

		if (!e->key) {
			PUT("[%zu]", e->idx);
		} else if (is_ident(e->key)) {
			PUT("%s%s", o > 0 ? "." : "", e->key);
		} else {
			PUT("[\"");
			for (const unsigned char *c = (const unsigned char *)e->key; *c; c++) {
				if (*c == '"' || *c == '\\')
					PUT("\\%c", *c);
				else if (*c < 0x20 || *c == 0x7f)
					PUT("\\x%02x", *c);
				else
					PUT("%c", *c);
			}
			PUT("\"]");
		}
	}
#undef PUT
	if (o >= cap && cap >= 4)
		memcpy(out + cap - 4, "...", 4);
}
