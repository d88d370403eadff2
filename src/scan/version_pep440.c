/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Python package versions (PEP 440, "Version specifiers" in the PyPA
 * specifications), accepted and ordered as the reference implementation,
 * packaging.version.Version: its VERSION_PATTERN (case-insensitive,
 * surrounding whitespace allowed, optional "v", every spelling PEP 440
 * normalises: "1.0-alpha.1" is 1.0a1, "1.0-r4" is 1.0.post4, "1.0-1" is
 * 1.0.post1, "1.0.dev" is 1.0.dev0, "+ubuntu-1" is +ubuntu.1) and its
 * _cmpkey order:
 *
 *   epoch, then the release with trailing zeros dropped (1.0 == 1.0.0),
 *   then the pre-release (a < b < rc; none ranks above all, except for a
 *   bare dev release, which ranks below all: 1.0.dev0 < 1.0a0), then the
 *   post-release (none lowest), then the dev release (none highest), then
 *   the local version (none lowest; segments compared in turn, numeric
 *   ones numerically and above alphanumeric ones, which compare
 *   case-insensitively; a shorter prefix lower).
 *
 * All numbers are unbounded, as Python's ints. Only ASCII is accepted:
 * Python's case folding and Unicode whitespace are not replicated.
 */
#include <string.h>

#include "scan/internal.h"

#define PEP440_PARTS_MAX (WARD_VERSION_MAX / 2 + 1)

struct span {
	const char *p;
	size_t len;
};

struct pep440 {
	struct span epoch; /* len 0: epoch 0 */
	struct span release[PEP440_PARTS_MAX];
	size_t nrelease;
	char pre; /* 0 none, 'a', 'b' or 'r' (rc) */
	struct span pre_n;
	bool post, dev;
	struct span post_n, dev_n; /* len 0: implicit 0 */
	bool local;
	struct span locals[PEP440_PARTS_MAX];
	size_t nlocal;
};

struct cursor {
	const char *p, *end;
};

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alnum(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_sep(int c)
{
	return c == '-' || c == '_' || c == '.';
}

/* Python's \s on ASCII */
static bool
is_space(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static bool
at(const struct cursor *c, char ch)
{
	return c->p < c->end && *c->p == ch;
}

/* Consume `word` (lower case) case-insensitively if it is next. */
static bool
take_word(struct cursor *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(c->p[i]) != word[i])
			return false;
	c->p += n;
	return true;
}

static void
take_sep(struct cursor *c)
{
	if (c->p < c->end && is_sep(*c->p))
		c->p++;
}

static struct span
take_digits(struct cursor *c)
{
	struct span s = {c->p, 0};

	while (c->p < c->end && is_digit(*c->p))
		c->p++;
	s.len = (size_t)(c->p - s.p);
	return s;
}

/* [-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?N? -- the spellings in the
 * pattern's order, longest first where one prefixes another. */
static void
parse_pre(struct cursor *c, struct pep440 *v)
{
	static const struct {
		const char *word;
		char kind;
	} labels[] = {{"alpha", 'a'},	{"a", 'a'},   {"beta", 'b'}, {"b", 'b'},
		      {"preview", 'r'}, {"pre", 'r'}, {"c", 'r'},    {"rc", 'r'}};
	const char *save = c->p;

	take_sep(c);
	for (size_t i = 0; i < WARD_ARRAY_SIZE(labels); i++) {
		if (take_word(c, labels[i].word)) {
			v->pre = labels[i].kind;
			take_sep(c);
			v->pre_n = take_digits(c);
			return;
		}
	}
	c->p = save;
}

/* -N | [-_.]?(post|rev|r)[-_.]?N? */
static void
parse_post(struct cursor *c, struct pep440 *v)
{
	const char *save = c->p;

	if (at(c, '-') && c->p + 1 < c->end && is_digit(c->p[1])) {
		c->p++;
		v->post = true;
		v->post_n = take_digits(c);
		return;
	}
	take_sep(c);
	if (take_word(c, "post") || take_word(c, "rev") || take_word(c, "r")) {
		v->post = true;
		take_sep(c);
		v->post_n = take_digits(c);
		return;
	}
	c->p = save;
}

/* [-_.]?dev[-_.]?N? */
static void
parse_dev(struct cursor *c, struct pep440 *v)
{
	const char *save = c->p;

	take_sep(c);
	if (take_word(c, "dev")) {
		v->dev = true;
		take_sep(c);
		v->dev_n = take_digits(c);
		return;
	}
	c->p = save;
}

static struct span
take_alnum(struct cursor *c)
{
	struct span s = {c->p, 0};

	while (c->p < c->end && is_alnum(*c->p))
		c->p++;
	s.len = (size_t)(c->p - s.p);
	return s;
}

/* \+[a-z0-9]+([-_.][a-z0-9]+)* ; a separator not followed by a segment
 * is left for the end check to refuse. */
static const char *
parse_local(struct cursor *c, struct pep440 *v)
{
	if (!at(c, '+'))
		return NULL;
	c->p++;
	v->local = true;
	for (;;) {
		struct span s = take_alnum(c);

		if (s.len == 0)
			return "the local version after '+' has an empty segment";
		if (v->nlocal == PEP440_PARTS_MAX)
			return "too many local version segments";
		v->locals[v->nlocal++] = s;
		if (!(c->p + 1 < c->end && is_sep(*c->p) && is_alnum(c->p[1])))
			return NULL;
		c->p++;
	}
}

static const char *
parse_release(struct cursor *c, struct pep440 *v)
{
	struct span s = take_digits(c);

	if (s.len == 0)
		return "a release number (N[.N]...) is required";
	v->release[v->nrelease++] = s;
	while (c->p + 1 < c->end && *c->p == '.' && is_digit(c->p[1])) {
		c->p++;
		if (v->nrelease == PEP440_PARTS_MAX)
			return "too many release components";
		v->release[v->nrelease++] = take_digits(c);
	}
	return NULL;
}

static const char *
pep440_parse(const char *s, size_t len, struct pep440 *v)
{
	struct cursor c = {s, s + len};
	const char *why;

	memset(v, 0, sizeof(*v));
	while (c.p < c.end && is_space(*c.p))
		c.p++;
	if (c.p < c.end && lower(*c.p) == 'v')
		c.p++;
	/* N! is an epoch; digits without '!' are the release */
	struct cursor e = c;
	struct span n = take_digits(&e);
	if (n.len && at(&e, '!')) {
		v->epoch = n;
		c.p = e.p + 1;
	}
	why = parse_release(&c, v);
	if (why)
		return why;
	parse_pre(&c, v);
	parse_post(&c, v);
	parse_dev(&c, v);
	why = parse_local(&c, v);
	if (why)
		return why;
	while (c.p < c.end && is_space(*c.p))
		c.p++;
	if (c.p < c.end)
		return "not a PEP 440 version: expected "
		       "[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local] "
		       "at the text after the release or suffixes";
	return NULL;
}

const char *
scan_pep440_check(const char *v, size_t len)
{
	struct pep440 p;

	if (len == 0)
		return "the version string is empty";
	return pep440_parse(v, len, &p);
}

static int
three_way(int a, int b)
{
	return (a > b) - (a < b);
}

static int
release_cmp(const struct pep440 *a, const struct pep440 *b)
{
	size_t n = a->nrelease > b->nrelease ? a->nrelease : b->nrelease;

	/* missing components are 0: trailing zeros do not count */
	for (size_t i = 0; i < n; i++) {
		struct span x = i < a->nrelease ? a->release[i] : (struct span){"", 0};
		struct span y = i < b->nrelease ? b->release[i] : (struct span){"", 0};
		int rc = scan_numcmp(x.p, x.len, y.p, y.len);

		if (rc)
			return rc;
	}
	return 0;
}

/* packaging's _pre: -inf for a bare dev release, +inf without a pre-release. */
static int
pre_rank(const struct pep440 *v)
{
	if (!v->pre && !v->post && v->dev)
		return 0;
	return v->pre ? 1 : 2;
}

static int
pre_cmp(const struct pep440 *a, const struct pep440 *b)
{
	int ra = pre_rank(a), rb = pre_rank(b);

	if (ra != rb || ra != 1)
		return three_way(ra, rb);
	if (a->pre != b->pre)
		return three_way(a->pre, b->pre);
	return scan_numcmp(a->pre_n.p, a->pre_n.len, b->pre_n.p, b->pre_n.len);
}

static bool
all_digits(struct span s)
{
	for (size_t i = 0; i < s.len; i++)
		if (!is_digit(s.p[i]))
			return false;
	return true;
}

static int
local_part_cmp(struct span x, struct span y)
{
	bool xn = all_digits(x), yn = all_digits(y);
	size_t n = x.len < y.len ? x.len : y.len;

	if (xn != yn)
		return xn ? 1 : -1;
	if (xn)
		return scan_numcmp(x.p, x.len, y.p, y.len);
	for (size_t i = 0; i < n; i++)
		if (lower(x.p[i]) != lower(y.p[i]))
			return three_way(lower(x.p[i]), lower(y.p[i]));
	return three_way(x.len > y.len, x.len < y.len);
}

static int
local_cmp(const struct pep440 *a, const struct pep440 *b)
{
	size_t n = a->nlocal < b->nlocal ? a->nlocal : b->nlocal;

	if (a->local != b->local)
		return a->local ? 1 : -1;
	for (size_t i = 0; i < n; i++) {
		int rc = local_part_cmp(a->locals[i], b->locals[i]);

		if (rc)
			return rc;
	}
	return three_way(a->nlocal > b->nlocal, a->nlocal < b->nlocal);
}

static int
pep440_cmp(const struct pep440 *a, const struct pep440 *b)
{
	int rc = scan_numcmp(a->epoch.p, a->epoch.len, b->epoch.p, b->epoch.len);

	if (!rc)
		rc = release_cmp(a, b);
	if (!rc)
		rc = pre_cmp(a, b);
	if (!rc && a->post != b->post)
		rc = a->post ? 1 : -1;
	if (!rc && a->post)
		rc = scan_numcmp(a->post_n.p, a->post_n.len, b->post_n.p, b->post_n.len);
	if (!rc && a->dev != b->dev)
		rc = a->dev ? -1 : 1;
	if (!rc && a->dev)
		rc = scan_numcmp(a->dev_n.p, a->dev_n.len, b->dev_n.p, b->dev_n.len);
	if (!rc)
		rc = local_cmp(a, b);
	return rc;
}

int
scan_pep440_compare(const char *a, const char *b)
{
	struct pep440 x, y;

	if (pep440_parse(a, strlen(a), &x) || pep440_parse(b, strlen(b), &y))
		return 0; /* not reached: version.c checked both */
	return pep440_cmp(&x, &y);
}
