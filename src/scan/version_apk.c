/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Alpine versions, digit{.digit}...{letter}{_suffix{number}}...{~hash}{-r#},
 * tokenised and ordered as apk-tools 3 (src/version.c), written from its
 * documented behaviour and checked against its test data
 * (test/unit/version.data, replayed by tests/unit/test_scan_version.c):
 *
 *   - the first number and revision numbers compare numerically (unsigned
 *     64-bit, wrapping like apk's apk_blob_pull_uint);
 *   - later ".N" components compare numerically unless either starts with
 *     '0', then as strings ("8.2.0015" < "8.2.002", Gentoo's rule);
 *   - one letter after the numbers compares by its character;
 *   - suffixes rank _alpha < _beta < _pre < _rc < (none) < _cvs < _svn <
 *     _git < _hg < _p, each with an optional number;
 *   - "~hash" (lower-case hex) compares as a string;
 *   - when one version runs out first, the other is newer unless its next
 *     token is a pre-release suffix (alpha, beta, pre, rc).
 */
#include <stdint.h>
#include <string.h>

#include "scan/internal.h"

/* Token kinds in the order apk-tools numbers them: a version whose next
 * token has the higher kind is the older one when the other ran out. */
enum apk_token {
	TOK_INITIAL_DIGIT,
	TOK_DIGIT,
	TOK_LETTER,
	TOK_SUFFIX,
	TOK_SUFFIX_NO,
	TOK_COMMIT_HASH,
	TOK_REVISION_NO,
	TOK_END,
	TOK_INVALID,
};

enum apk_suffix {
	SUF_INVALID,
	SUF_ALPHA,
	SUF_BETA,
	SUF_PRE,
	SUF_RC,
	SUF_NONE, /* pre-release suffixes rank below it, the others above */
	SUF_CVS,
	SUF_SVN,
	SUF_GIT,
	SUF_HG,
	SUF_P,
};

static const struct {
	const char *name;
	enum apk_suffix value;
} apk_suffixes[] = {
	{"alpha", SUF_ALPHA}, {"beta", SUF_BETA}, {"pre", SUF_PRE},
	{"rc", SUF_RC},	      {"cvs", SUF_CVS},	  {"svn", SUF_SVN},
	{"git", SUF_GIT},     {"hg", SUF_HG},	  {"p", SUF_P},
};

struct apk_tok {
	enum apk_token token;
	enum apk_suffix suffix;
	uint64_t number;
	const char *value; /* the token's text */
	size_t len;
};

struct apk_cursor {
	const char *p, *end;
};

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

static enum apk_suffix
suffix_value(const char *s, size_t len)
{
	for (size_t i = 0; i < WARD_ARRAY_SIZE(apk_suffixes); i++)
		if (strlen(apk_suffixes[i].name) == len &&
		    memcmp(apk_suffixes[i].name, s, len) == 0)
			return apk_suffixes[i].value;
	return SUF_INVALID;
}

/* Digits at the cursor into t->number (wrapping like apk) and t->value;
 * none at all makes the token invalid. */
static void
parse_digits(struct apk_tok *t, struct apk_cursor *c)
{
	const char *start = c->p;

	t->number = 0;
	while (c->p < c->end && is_digit(*c->p))
		t->number = t->number * 10 + (uint64_t)(*c->p++ - '0');
	t->value = start;
	t->len = (size_t)(c->p - start);
	if (t->len == 0)
		t->token = TOK_INVALID;
}

static void
token_first(struct apk_tok *t, struct apk_cursor *c)
{
	t->token = TOK_INITIAL_DIGIT;
	t->suffix = SUF_INVALID;
	parse_digits(t, c);
}

static void
token_suffix(struct apk_tok *t, struct apk_cursor *c)
{
	const char *start = ++c->p;

	while (c->p < c->end && *c->p >= 'a' && *c->p <= 'z')
		c->p++;
	t->value = start;
	t->len = (size_t)(c->p - start);
	t->suffix = suffix_value(start, t->len);
	t->token = t->suffix == SUF_INVALID ? TOK_INVALID : TOK_SUFFIX;
}

static void
token_hash(struct apk_tok *t, struct apk_cursor *c)
{
	const char *start = ++c->p;

	while (c->p < c->end && is_hex(*c->p))
		c->p++;
	t->value = start;
	t->len = (size_t)(c->p - start);
	t->token = t->len ? TOK_COMMIT_HASH : TOK_INVALID;
}

/* The next token; which kinds may follow which is the grammar above. */
static void
token_next(struct apk_tok *t, struct apk_cursor *c)
{
	char ch;

	if (c->p >= c->end) {
		t->token = TOK_END;
		return;
	}
	ch = *c->p;
	if (ch >= 'a' && ch <= 'z') {
		if (t->token > TOK_DIGIT)
			goto invalid;
		t->value = c->p++;
		t->len = 1;
		t->token = TOK_LETTER;
	} else if (ch == '.' || is_digit(ch)) {
		if (ch == '.') {
			if (t->token > TOK_DIGIT)
				goto invalid;
			c->p++;
		}
		if (t->token == TOK_INITIAL_DIGIT || t->token == TOK_DIGIT)
			t->token = TOK_DIGIT;
		else if (t->token == TOK_SUFFIX)
			t->token = TOK_SUFFIX_NO;
		else
			goto invalid;
		parse_digits(t, c);
	} else if (ch == '_') {
		if (t->token > TOK_SUFFIX_NO)
			goto invalid;
		token_suffix(t, c);
	} else if (ch == '~') {
		if (t->token >= TOK_COMMIT_HASH)
			goto invalid;
		token_hash(t, c);
	} else if (ch == '-') {
		if (t->token >= TOK_REVISION_NO || c->end - c->p < 2 || c->p[1] != 'r')
			goto invalid;
		c->p += 2;
		t->token = TOK_REVISION_NO;
		parse_digits(t, c);
	} else {
		goto invalid;
	}
	return;
invalid:
	t->token = TOK_INVALID;
}

static int
three_way(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* apk_blob_sort: bytes, then the shorter first. */
static int
string_sort(const struct apk_tok *a, const struct apk_tok *b)
{
	int rc = memcmp(a->value, b->value, a->len < b->len ? a->len : b->len);

	if (rc)
		return rc < 0 ? -1 : 1;
	return three_way(a->len, b->len);
}

/* Two tokens of the same kind. */
static int
token_cmp(const struct apk_tok *a, const struct apk_tok *b)
{
	switch (a->token) {
	case TOK_DIGIT:
		/* a leading zero makes it a fraction: string order */
		if (a->value[0] == '0' || b->value[0] == '0')
			return string_sort(a, b);
		return three_way(a->number, b->number);
	case TOK_INITIAL_DIGIT:
	case TOK_SUFFIX_NO:
	case TOK_REVISION_NO:
		return three_way(a->number, b->number);
	case TOK_LETTER:
		return three_way((unsigned char)a->value[0], (unsigned char)b->value[0]);
	case TOK_SUFFIX:
		return three_way(a->suffix, b->suffix);
	default:
		return string_sort(a, b);
	}
}

int
scan_apk_compare_raw(const char *a, size_t alen, const char *b, size_t blen, bool fuzzy)
{
	struct apk_cursor ca = {a, a + alen}, cb = {b, b + blen};
	struct apk_tok ta, tb;

	token_first(&ta, &ca);
	token_first(&tb, &cb);
	while (ta.token == tb.token && ta.token < TOK_END) {
		int rc = token_cmp(&ta, &tb);

		if (rc)
			return rc;
		token_next(&ta, &ca);
		token_next(&tb, &cb);
	}
	if (ta.token == tb.token)
		return 0;
	if (tb.token == TOK_END && fuzzy)
		return 0;
	/* equal so far: the longer one is newer unless it goes on with a
	 * pre-release suffix */
	if (ta.token == TOK_SUFFIX && ta.suffix < SUF_NONE)
		return -1;
	if (tb.token == TOK_SUFFIX && tb.suffix < SUF_NONE)
		return 1;
	if (ta.token > tb.token)
		return -1;
	if (tb.token > ta.token)
		return 1;
	return 0;
}

const char *
scan_apk_check(const char *v, size_t len)
{
	struct apk_cursor c = {v, v + len};
	struct apk_tok t;

	if (len == 0)
		return "the version string is empty";
	if (!is_digit(v[0]))
		return "an Alpine version must start with a digit";
	token_first(&t, &c);
	while (t.token < TOK_END)
		token_next(&t, &c);
	if (t.token == TOK_END)
		return NULL;
	return "not of the form 1.2.3[a][_suffix[N]]...[~hash][-rN] (suffixes: alpha beta pre rc "
	       "cvs svn git hg p)";
}

int
scan_apk_compare(const char *a, const char *b)
{
	return scan_apk_compare_raw(a, strlen(a), b, strlen(b), false);
}
