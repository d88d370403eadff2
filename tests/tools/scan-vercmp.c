/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan-vercmp — generated version pairs and ward's order of them, for
 * checking against the ecosystems' own tools (tests/e2e/scan-versions.bats).
 *
 *   scan-vercmp pairs SCHEME SEED COUNT
 *       COUNT lines "A<TAB>B<TAB>R", generated deterministically from SEED:
 *       R is ward_version_compare's -1, 0 or 1, or "invalid" when ward
 *       refuses A or B. SCHEME: dpkg, rpm, pep440, semver or go. For rpm
 *       every pair is valid (rpm itself validates nothing to compare
 *       against); the others include some invalid versions on purpose.
 *   scan-vercmp cmp SCHEME
 *       reads "A<TAB>B" lines, writes "R" lines ("invalid<TAB>ERROR" for
 *       a refused pair).
 *
 * Half the pairs are a version and a small mutation of it (one character
 * changed, inserted or removed, or a suffix appended), so equal and nearly
 * equal versions, where orders differ, are frequent.
 *
 * Exit status: 0, 1 on error, 2 on usage.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ward/scan.h>

#define GEN_MAX 96 /* generated versions stay well under WARD_VERSION_MAX */

struct rng {
	uint64_t s;
};

/* xorshift64*: deterministic for a seed on every platform */
static uint32_t
rnd(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (uint32_t)((r->s * 2685821657736338717ULL) >> 32);
}

static unsigned
pick(struct rng *r, unsigned n)
{
	return rnd(r) % n;
}

static const char *
one_of(struct rng *r, const char *const *v, size_t n)
{
	return v[pick(r, (unsigned)n)];
}

#define ONE_OF(r, v) one_of(r, v, sizeof(v) / sizeof((v)[0]))

struct buf {
	char s[GEN_MAX + 32];
	size_t n;
};

static void
put(struct buf *b, const char *s)
{
	size_t l = strlen(s);

	if (b->n + l < GEN_MAX) {
		memcpy(b->s + b->n, s, l);
		b->n += l;
	}
	b->s[b->n] = '\0';
}

static const char *const digits[] = {"0", "1", "2", "9", "10", "01", "00", "11", "123", "20240101"};
static const char *const letters[] = {"a", "b", "z", "A", "Z", "rc", "alpha", "git", "p", "dfsg"};

/* ---- dpkg ---------------------------------------------------------------- */

static void
dpkg_part(struct rng *r, struct buf *b, bool colon, bool hyphen, bool revision)
{
	static const char *const ver_seps[] = {".", "+", "~", "~~", "."};
	static const char *const rev_seps[] = {".", "+", "~"};
	unsigned n = pick(r, 6);

	put(b, ONE_OF(r, digits));
	for (unsigned i = 0; i < n; i++) {
		unsigned k = pick(r, 10);

		if (k < 4)
			put(b, ONE_OF(r, digits));
		else if (k < 7)
			put(b, ONE_OF(r, letters));
		else if (k == 9 && colon && !revision)
			put(b, ":");
		else if (k == 9 && hyphen && !revision)
			put(b, "-");
		else
			put(b, revision ? ONE_OF(r, rev_seps) : ONE_OF(r, ver_seps));
	}
}

static void
gen_dpkg(struct rng *r, struct buf *b)
{
	static const char *const epochs[] = {"0:", "1:", "2:", "10:", "01:"};
	bool epoch = pick(r, 4) == 0, rev = pick(r, 2) == 0;

	b->n = 0;
	b->s[0] = '\0';
	if (epoch)
		put(b, ONE_OF(r, epochs));
	dpkg_part(r, b, epoch, rev, false);
	if (rev) {
		put(b, "-");
		if (pick(r, 3) == 0)
			put(b, ONE_OF(r, letters));
		dpkg_part(r, b, false, false, true);
	}
}

/* ---- rpm ----------------------------------------------------------------- */

static void
gen_rpm_field(struct rng *r, struct buf *b)
{
	static const char *const seps[] = {".", ".", "_", "+", "~", "^", "..", "~~"};
	unsigned n = 1 + pick(r, 6);

	for (unsigned i = 0; i < n; i++) {
		unsigned k = pick(r, 10);

		if (k < 4)
			put(b, ONE_OF(r, digits));
		else if (k < 7)
			put(b, ONE_OF(r, letters));
		else
			put(b, ONE_OF(r, seps));
	}
}

static void
gen_rpm(struct rng *r, struct buf *b)
{
	static const char *const epochs[] = {"0:", "1:", "2:", "10:", "00:", "01:"};

	b->n = 0;
	b->s[0] = '\0';
	if (pick(r, 4) == 0)
		put(b, ONE_OF(r, epochs));
	gen_rpm_field(r, b);
	if (pick(r, 10) < 7) {
		put(b, "-");
		gen_rpm_field(r, b);
	}
}

/* ---- PEP 440 ------------------------------------------------------------- */

static void
gen_pep440(struct rng *r, struct buf *b)
{
	static const char *const seps[] = {"", "", ".", "-", "_"};
	static const char *const pre[] = {"a",	 "b",	    "rc", "c",	"alpha", "beta",
					  "pre", "preview", "A",  "RC", "Beta"};
	static const char *const post[] = {"post", "rev", "r", "POST", "Rev"};
	static const char *const nums[] = {"", "0", "1", "2", "00", "10", "456"};
	static const char *const local[] = {"abc", "5", "7", "ubuntu", "0", "Deb", "1a", "007"};
	unsigned n = 1 + pick(r, 4);

	b->n = 0;
	b->s[0] = '\0';
	if (pick(r, 20) == 0)
		put(b, " ");
	if (pick(r, 20) == 0)
		put(b, pick(r, 2) ? "v" : "V");
	if (pick(r, 8) == 0)
		put(b, pick(r, 2) ? "1!" : "0!");
	for (unsigned i = 0; i < n; i++) {
		if (i)
			put(b, ".");
		put(b, ONE_OF(r, digits));
	}
	if (pick(r, 3) == 0) {
		put(b, ONE_OF(r, seps));
		put(b, ONE_OF(r, pre));
		put(b, ONE_OF(r, seps));
		put(b, ONE_OF(r, nums));
	}
	if (pick(r, 4) == 0) {
		if (pick(r, 4) == 0) {
			put(b, "-");
			put(b, ONE_OF(r, digits));
		} else {
			put(b, ONE_OF(r, seps));
			put(b, ONE_OF(r, post));
			put(b, ONE_OF(r, seps));
			put(b, ONE_OF(r, nums));
		}
	}
	if (pick(r, 4) == 0) {
		put(b, ONE_OF(r, seps));
		put(b, pick(r, 4) ? "dev" : "DEV");
		put(b, ONE_OF(r, seps));
		put(b, ONE_OF(r, nums));
	}
	if (pick(r, 5) == 0) {
		unsigned m = 1 + pick(r, 3);

		put(b, "+");
		for (unsigned i = 0; i < m; i++) {
			if (i)
				put(b, one_of(r, (const char *const[]){".", "-", "_"}, 3));
			put(b, ONE_OF(r, local));
		}
	}
	if (pick(r, 20) == 0)
		put(b, " ");
}

/* ---- semver and Go -------------------------------------------------------- */

static void
gen_semver(struct rng *r, struct buf *b)
{
	static const char *const nums[] = {"0", "1", "2", "9", "10", "11", "123", "20240101"};
	static const char *const pre[] = {"alpha",
					  "beta",
					  "rc",
					  "0",
					  "1",
					  "2",
					  "11",
					  "x-y",
					  "-",
					  "0a",
					  "Alpha",
					  "a1",
					  "20191109021931-daa7c04131f5"};
	static const char *const build[] = {"build", "001", "sha", "5114f85", "x-1"};

	b->n = 0;
	b->s[0] = '\0';
	for (int i = 0; i < 3; i++) {
		if (i)
			put(b, ".");
		put(b, ONE_OF(r, nums));
	}
	if (pick(r, 5) < 3) {
		unsigned n = 1 + pick(r, 3);

		put(b, "-");
		for (unsigned i = 0; i < n; i++) {
			if (i)
				put(b, ".");
			put(b, ONE_OF(r, pre));
		}
	}
	if (pick(r, 5) == 0) {
		put(b, "+");
		put(b, ONE_OF(r, build));
		if (pick(r, 2)) {
			put(b, ".");
			put(b, ONE_OF(r, build));
		}
	}
}

/* Go module versions: the semver ones with their "v" */
static void
gen_go(struct rng *r, struct buf *b)
{
	gen_semver(r, b);
	memmove(b->s + 1, b->s, b->n + 1);
	b->s[0] = 'v';
	b->n++;
}

/* ---- pairs --------------------------------------------------------------- */

/* One small edit of a version: change, insert or drop a character, or append a suffix. */
static void
mutate(struct rng *r, struct buf *b, const char *alphabet)
{
	static const char *const tails[] = {"~", "a", "0", ".0", "-1", "^", "~rc1", ".1", "+1"};
	size_t la = strlen(alphabet);
	unsigned k = pick(r, 4);
	size_t at = b->n ? pick(r, (unsigned)b->n) : 0;

	if (k == 0 && b->n) {
		b->s[at] = alphabet[pick(r, (unsigned)la)];
	} else if (k == 1 && b->n + 1 < GEN_MAX) {
		memmove(b->s + at + 1, b->s + at, b->n - at + 1);
		b->s[at] = alphabet[pick(r, (unsigned)la)];
		b->n++;
	} else if (k == 2 && b->n > 1) {
		memmove(b->s + at, b->s + at + 1, b->n - at);
		b->n--;
	} else {
		put(b, ONE_OF(r, tails));
	}
}

struct scheme_gen {
	const char *name;
	enum ward_version_scheme scheme;
	void (*gen)(struct rng *r, struct buf *b);
	const char *alphabet; /* for mutations */
	bool only_valid;      /* regenerate until both versions are valid */
};

static const struct scheme_gen gens[] = {
	{"dpkg", WARD_VERSION_DPKG, gen_dpkg, "0123456789abzAZ.+~-:_", false},
	{"rpm", WARD_VERSION_RPM, gen_rpm, "0123456789abzAZ._+~^", true},
	{"pep440", WARD_VERSION_PEP440, gen_pep440, "0123456789abcrdevpost.-_+!", false},
	{"semver", WARD_VERSION_SEMVER, gen_semver, "0123456789aAzZ.-+", false},
	{"go", WARD_VERSION_GO, gen_go, "0123456789aAzZ.-+", false},
};

static const struct scheme_gen *
find_gen(const char *name)
{
	for (size_t i = 0; i < sizeof(gens) / sizeof(gens[0]); i++)
		if (strcmp(gens[i].name, name) == 0)
			return &gens[i];
	return NULL;
}

static bool
long_digit_run(const char *s)
{
	size_t run = 0;

	for (; *s; s++) {
		run = (*s >= '0' && *s <= '9') ? run + 1 : 0;
		if (run > 15)
			return true;
	}
	return false;
}

/* dpkg accepts a sign before the epoch ("+1:0") where ward does not;
 * keep the generated invalid versions to those both refuse. */
static bool
acceptable(const struct scheme_gen *g, const struct buf *b)
{
	if (b->n == 0)
		return false;
	if (g->scheme == WARD_VERSION_DPKG && (b->s[0] == '+' || b->s[0] == '-'))
		return false;
	/* node-semver, the oracle for semver and go, refuses numbers past
	 * 2^53 - 1 where semver.org (and ward) set no bound */
	if (g->scheme == WARD_VERSION_SEMVER || g->scheme == WARD_VERSION_GO)
		return !long_digit_run(b->s);
	return true;
}

/* ward's answer; with `why`, an invalid one is followed by a tab and the error. */
static void
compare_line(enum ward_version_scheme s, const char *a, const char *b, bool why)
{
	struct ward_error *err = NULL;
	int rc;

	if (ward_version_compare(s, a, b, &rc, &err) < 0) {
		printf(why ? "invalid\t%s\n" : "invalid\n", err->msg);
		ward_error_free(err);
	} else {
		printf("%d\n", rc);
	}
}

static int
cmd_pairs(const struct scheme_gen *g, uint64_t seed, unsigned long count)
{
	struct rng r = {seed * 0x9E3779B97F4A7C15ULL + 1};
	struct buf a, b;

	for (unsigned long i = 0; i < count;) {
		g->gen(&r, &a);
		if (pick(&r, 2)) {
			b = a;
			mutate(&r, &b, g->alphabet);
			if (pick(&r, 3) == 0)
				mutate(&r, &b, g->alphabet);
		} else {
			g->gen(&r, &b);
		}
		if (!acceptable(g, &a) || !acceptable(g, &b))
			continue;
		if (g->only_valid &&
		    (!ward_version_valid(g->scheme, a.s) || !ward_version_valid(g->scheme, b.s)))
			continue;
		printf("%s\t%s\t", a.s, b.s);
		compare_line(g->scheme, a.s, b.s, false);
		i++;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

static int
cmd_cmp(const struct scheme_gen *g)
{
	char line[2 * WARD_VERSION_MAX + 64];

	while (fgets(line, sizeof(line), stdin)) {
		char *tab = strchr(line, '\t');

		line[strcspn(line, "\n")] = '\0';
		if (!tab) {
			fprintf(stderr, "scan-vercmp: line without a tab: %s\n", line);
			return 1;
		}
		*tab = '\0';
		compare_line(g->scheme, line, tab + 1, true);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	const struct scheme_gen *g = argc >= 3 ? find_gen(argv[2]) : NULL;
	char *end;

	if (g && argc == 5 && strcmp(argv[1], "pairs") == 0) {
		unsigned long long seed, count;

		errno = 0;
		seed = strtoull(argv[3], &end, 10);
		if (errno || *end)
			goto usage;
		count = strtoull(argv[4], &end, 10);
		if (errno || *end || count > 10000000)
			goto usage;
		return cmd_pairs(g, seed, count);
	}
	if (g && argc == 3 && strcmp(argv[1], "cmp") == 0)
		return cmd_cmp(g);
usage:
	fprintf(stderr, "usage: scan-vercmp pairs dpkg|rpm|pep440|semver|go SEED COUNT\n"
			"       scan-vercmp cmp dpkg|rpm|pep440|semver|go < PAIRS\n");
	return 2;
}
