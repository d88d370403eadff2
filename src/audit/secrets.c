/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Secret detectors for image layers and environments (CIS 4.10): private
 * keys, AWS keys, GCP service-account files, GitHub and Slack tokens, and
 * password-like variables. One pass over the bytes, every match bounded;
 * the secret itself never leaves this file: matches carry only a redacted
 * form (the first four characters and the length).
 *
 * False positives are what makes a scanner ignored, so each detector wants
 * more than a prefix: a PEM header needs a base64 body after it (source code
 * that merely contains the header string is not a key), tokens need their
 * exact shape, a boundary on both sides and enough distinct characters
 * (placeholders like "ghp_xxxx..." are skipped).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <strings.h>

#include "internal.h"

#define PEM_LABEL_MAX 64
#define PEM_BODY_LOOKAHEAD 160 /* bytes after the header where the body must start */
#define PEM_BODY_MIN 40	       /* base64 characters in a row that make a body */
#define PEM_BODY_MAX (64u << 10)
#define AWS_PAIR_WINDOW 512 /* bytes around a key id searched for its secret */
#define TOKEN_MAX 255
#define MATCHES_MAX (WARD_AUDIT_SECRETS_PER_FILE * 2)

static const char *const kind_names[] = {
	[WARD_SECRET_PRIVATE_KEY] = "private-key",
	[WARD_SECRET_AWS_ACCESS_KEY_ID] = "aws-access-key-id",
	[WARD_SECRET_AWS_SECRET_KEY] = "aws-secret-access-key",
	[WARD_SECRET_GCP_SERVICE_ACCOUNT] = "gcp-service-account",
	[WARD_SECRET_GITHUB_TOKEN] = "github-token",
	[WARD_SECRET_SLACK_TOKEN] = "slack-token",
	[WARD_SECRET_SLACK_WEBHOOK] = "slack-webhook",
	[WARD_SECRET_PASSWORD_VAR] = "password-variable",
};

const char *
ward_secret_kind_name(enum ward_secret_kind k)
{
	return (size_t)k < WARD_ARRAY_SIZE(kind_names) ? kind_names[k] : "?";
}

void
ward_secret_redact(const char *s, size_t n, char *buf, size_t size)
{
	char head[5] = "";

	/* Fewer than 8 characters: four would be half the secret. */
	if (n >= 8) {
		for (size_t i = 0; i < 4; i++)
			head[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
		head[4] = '\0';
	}
	(void)snprintf(buf, size, "%s\xe2\x80\xa6(%zu chars)", head, n);
}

struct hit {
	enum ward_secret_kind kind;
	enum ward_audit_severity sev;
	size_t off, len; /* of the secret value in the buffer */
	char detail[96];
};

struct scan {
	const char *buf;
	size_t len;
	struct hit hits[MATCHES_MAX];
	size_t n;
};

static bool
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool
is_b64(char c)
{
	return is_alnum(c) || c == '+' || c == '/' || c == '=';
}

/* Placeholders ("xxxx", "0000") are not secrets: a real token is random. */
static bool
diverse(const char *s, size_t n, unsigned want)
{
	bool seen[256] = {0};
	unsigned k = 0;

	for (size_t i = 0; i < n && k < want; i++)
		if (!seen[(unsigned char)s[i]]) {
			seen[(unsigned char)s[i]] = true;
			k++;
		}
	return k >= want;
}

static void
add_hit(struct scan *sc, enum ward_secret_kind kind, enum ward_audit_severity sev, size_t off,
	size_t len, const char *detail)
{
	struct hit *h;

	if (sc->n >= MATCHES_MAX)
		return;
	h = &sc->hits[sc->n++];
	h->kind = kind;
	h->sev = sev;
	h->off = off;
	h->len = len;
	(void)snprintf(h->detail, sizeof(h->detail), "%s", detail ? detail : "");
}

static bool
at(const struct scan *sc, size_t i, const char *lit)
{
	size_t n = strlen(lit);

	return i <= sc->len && sc->len - i >= n && memcmp(sc->buf + i, lit, n) == 0;
}

static bool
at_case(const struct scan *sc, size_t i, const char *lit)
{
	size_t n = strlen(lit);

	return i <= sc->len && sc->len - i >= n && strncasecmp(sc->buf + i, lit, n) == 0;
}

static size_t
run_of(const struct scan *sc, size_t i, bool (*cls)(char), size_t max)
{
	size_t n = 0;

	while (i + n < sc->len && n < max && cls(sc->buf[i + n]))
		n++;
	return n;
}

static bool
boundary_before(const struct scan *sc, size_t i)
{
	return i == 0 || !is_alnum(sc->buf[i - 1]);
}

static bool
is_upper_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool
is_tok(char c)
{
	return is_alnum(c) || c == '_';
}

static bool
is_slack(char c)
{
	return is_alnum(c) || c == '-';
}

static bool
is_hook(char c)
{
	return is_alnum(c) || c == '/' || c == '_';
}

/* "-----BEGIN <label>PRIVATE KEY[ BLOCK]-----" followed by a base64 body. */
static size_t
try_pem(struct scan *sc, size_t i)
{
	const char *b = sc->buf;
	size_t p = i + 11, lab = p, body, end;
	bool encrypted;

	while (p < sc->len && p - lab < PEM_LABEL_MAX &&
	       ((b[p] >= 'A' && b[p] <= 'Z') || (b[p] >= '0' && b[p] <= '9') || b[p] == ' '))
		p++;
	if (!at(sc, p, "-----"))
		return 0;
	if (!((p - lab >= 11 && memcmp(b + p - 11, "PRIVATE KEY", 11) == 0) ||
	      (p - lab >= 17 && memcmp(b + p - 17, "PRIVATE KEY BLOCK", 17) == 0)))
		return 0;
	encrypted = memmem(b + lab, p - lab, "ENCRYPTED", 9) != NULL;
	p += 5;
	/* The body: a run of base64 soon after the header (PEM headers such as
	 * "Proc-Type: 4,ENCRYPTED" may come first). A string literal in a
	 * parser's source is followed by a quote, not by a key. */
	for (body = p; body < sc->len && body - p < PEM_BODY_LOOKAHEAD; body++) {
		if (run_of(sc, body, is_b64, PEM_BODY_MIN) >= PEM_BODY_MIN)
			break;
		if (!encrypted && at(sc, body, "ENCRYPTED"))
			encrypted = true;
	}
	if (body >= sc->len || body - p >= PEM_BODY_LOOKAHEAD)
		return 0;
	for (end = body; end < sc->len && end - body < PEM_BODY_MAX && !at(sc, end, "-----END");
	     end++)
		;
	/* OpenSSH keys say "none" as their cipher when unencrypted. */
	if (memmem(b + lab, p - lab, "OPENSSH", 7) &&
	    !(sc->len - body >= 31 && memcmp(b + body, "b3BlbnNzaC1rZXktdjEAAAAABG5vbmU", 31) == 0))
		encrypted = true;
	add_hit(sc, WARD_SECRET_PRIVATE_KEY, encrypted ? WARD_AUDIT_MEDIUM : WARD_AUDIT_CRITICAL,
		body, end - body,
		encrypted ? "passphrase-protected (still crackable offline)" : "unencrypted");
	return end - i;
}

/* AKIA/ASIA/ABIA/ACCA + 16 upper-case letters and digits, word-bounded. */
static size_t
try_aws_id(struct scan *sc, size_t i)
{
	size_t n;

	if (!(at(sc, i, "AKIA") || at(sc, i, "ASIA") || at(sc, i, "ABIA") || at(sc, i, "ACCA")) ||
	    !boundary_before(sc, i))
		return 0;
	n = run_of(sc, i + 4, is_upper_alnum, 17);
	if (n != 16 || (i + 20 < sc->len && is_alnum(sc->buf[i + 20])) ||
	    !diverse(sc->buf + i + 4, 16, 6))
		return 0;
	add_hit(sc, WARD_SECRET_AWS_ACCESS_KEY_ID, WARD_AUDIT_HIGH, i, 20, NULL);
	return 20;
}

static bool
is_aws_secret_char(char c)
{
	return is_alnum(c) || c == '/' || c == '+';
}

/* 40 characters of [A-Za-z0-9/+] with both cases and a digit, bounded. */
static bool
aws_secret_at(const struct scan *sc, size_t p)
{
	bool lo = false, up = false, dig = false;

	/* Inside a longer base64 run (a hash, a certificate) is not a key. */
	if (p > 0 && is_aws_secret_char(sc->buf[p - 1]))
		return false;
	if (run_of(sc, p, is_aws_secret_char, 41) != 40)
		return false;
	if (p + 40 < sc->len && sc->buf[p + 40] == '=')
		return false;
	for (size_t k = p; k < p + 40; k++) {
		char c = sc->buf[k];
		lo |= c >= 'a' && c <= 'z';
		up |= c >= 'A' && c <= 'Z';
		dig |= (c >= '0' && c <= '9') || c == '/' || c == '+';
	}
	return lo && up && dig && diverse(sc->buf + p, 40, 12);
}

/* aws_secret_access_key = "...40..." (also SecretAccessKey, secret-access-key). */
static size_t
try_aws_secret_kw(struct scan *sc, size_t i)
{
	static const char *const kws[] = {"aws_secret_access_key", "secret_access_key",
					  "secretaccesskey", "secret-access-key", "aws_secret_key"};
	size_t p = 0;
	bool sep = false;

	for (size_t k = 0; k < WARD_ARRAY_SIZE(kws) && !p; k++)
		if (at_case(sc, i, kws[k]))
			p = i + strlen(kws[k]);
	if (!p)
		return 0;
	for (size_t k = 0; k < 8 && p < sc->len && strchr(" \t\"':=>", sc->buf[p]); k++, p++)
		sep |= sc->buf[p] == ':' || sc->buf[p] == '=';
	if (!sep || !aws_secret_at(sc, p))
		return p - i;
	add_hit(sc, WARD_SECRET_AWS_SECRET_KEY, WARD_AUDIT_CRITICAL, p, 40, NULL);
	return p + 40 - i;
}

static size_t
try_github(struct scan *sc, size_t i)
{
	static const char *const classic[] = {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"};
	size_t n;

	if (!boundary_before(sc, i))
		return 0;
	if (at(sc, i, "github_pat_")) {
		n = run_of(sc, i + 11, is_tok, TOKEN_MAX);
		if (n < 82 || n >= TOKEN_MAX || !diverse(sc->buf + i + 11, n, 12))
			return 0;
		add_hit(sc, WARD_SECRET_GITHUB_TOKEN, WARD_AUDIT_CRITICAL, i, 11 + n,
			"fine-grained personal access token");
		return 11 + n;
	}
	for (size_t k = 0; k < WARD_ARRAY_SIZE(classic); k++) {
		if (!at(sc, i, classic[k]))
			continue;
		n = run_of(sc, i + 4, is_alnum, TOKEN_MAX);
		if (n < 36 || n >= TOKEN_MAX ||
		    (i + 4 + n < sc->len && sc->buf[i + 4 + n] == '_') ||
		    !diverse(sc->buf + i + 4, n, 10))
			return 0;
		add_hit(sc, WARD_SECRET_GITHUB_TOKEN, WARD_AUDIT_CRITICAL, i, 4 + n, NULL);
		return 4 + n;
	}
	return 0;
}

/* xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xoxo- tokens; Slack webhooks. */
static size_t
try_slack(struct scan *sc, size_t i)
{
	size_t n, dashes = 0;

	if (at(sc, i, "xox") && i + 4 < sc->len && strchr("bpaors", sc->buf[i + 3]) &&
	    sc->buf[i + 3] && sc->buf[i + 4] == '-' && boundary_before(sc, i)) {
		n = run_of(sc, i + 5, is_slack, TOKEN_MAX);
		for (size_t k = i + 5; k < i + 5 + n; k++)
			dashes += sc->buf[k] == '-';
		if (n < 20 || n >= TOKEN_MAX || dashes < 1 || !diverse(sc->buf + i + 5, n, 8))
			return 0;
		add_hit(sc, WARD_SECRET_SLACK_TOKEN, WARD_AUDIT_HIGH, i, 5 + n, NULL);
		return 5 + n;
	}
	if (at(sc, i, "hooks.slack.com/services/")) {
		size_t p = i + 25;
		n = run_of(sc, p, is_hook, TOKEN_MAX);
		if (n < 20 || n >= TOKEN_MAX || !sc->buf[p] || sc->buf[p] != 'T' ||
		    !diverse(sc->buf + p, n, 10))
			return 0;
		add_hit(sc, WARD_SECRET_SLACK_WEBHOOK, WARD_AUDIT_HIGH, p, n, NULL);
		return 25 + n;
	}
	return 0;
}

/* A service-account key file: "type": "service_account" with a
 * "private_key". The secret shown (redacted) is private_key_id. */
static void
try_gcp(struct scan *sc)
{
	const char *b = sc->buf, *sa, *pk, *id, *q;
	size_t off, n = 0;

	if (!(sa = memmem(b, sc->len, "\"service_account\"", 17)) ||
	    !(pk = memmem(b, sc->len, "\"private_key\"", 13)) ||
	    !memmem(b, sc->len, "\"client_email\"", 14))
		return;
	off = (size_t)(pk - b);
	if ((id = memmem(b, sc->len, "\"private_key_id\"", 16))) {
		q = memchr(id + 16, '"', sc->len - (size_t)(id + 16 - b));
		if (q) {
			off = (size_t)(q + 1 - b);
			while (off + n < sc->len && n < TOKEN_MAX && is_alnum(b[off + n]))
				n++;
		}
	}
	if (n == 0) {
		off = (size_t)(pk - b);
		n = 13;
	}
	(void)sa;
	add_hit(sc, WARD_SECRET_GCP_SERVICE_ACCOUNT, WARD_AUDIT_CRITICAL, off, n,
		"service-account key file");
}

static size_t
try_at(struct scan *sc, size_t i)
{
	switch (sc->buf[i]) {
	case '-':
		return at(sc, i, "-----BEGIN ") ? try_pem(sc, i) : 0;
	case 'A':
		return try_aws_id(sc, i) ?: try_aws_secret_kw(sc, i);
	case 'a':
	case 'S':
	case 's':
		return try_aws_secret_kw(sc, i);
	case 'g':
		return try_github(sc, i);
	case 'x':
	case 'h':
		return try_slack(sc, i);
	default:
		return 0;
	}
}

/* A key id with no keyword-marked secret: look for a bare 40-character
 * secret next to it (CSV exports, "AKIA... wJalr..." on one line). */
static void
pair_aws(struct scan *sc)
{
	size_t n0 = sc->n;

	for (size_t k = 0; k < n0; k++) {
		struct hit *h = &sc->hits[k];
		size_t lo, hi, best = SIZE_MAX;
		if (h->kind != WARD_SECRET_AWS_ACCESS_KEY_ID)
			continue;
		for (size_t j = 0; j < sc->n; j++)
			if (sc->hits[j].kind == WARD_SECRET_AWS_SECRET_KEY &&
			    (sc->hits[j].off > h->off
				     ? sc->hits[j].off - h->off
				     : h->off - sc->hits[j].off) <= AWS_PAIR_WINDOW)
				best = sc->hits[j].off;
		if (best == SIZE_MAX) {
			lo = h->off > AWS_PAIR_WINDOW ? h->off - AWS_PAIR_WINDOW : 0;
			hi = sc->len - h->off > AWS_PAIR_WINDOW + 20 ? h->off + 20 + AWS_PAIR_WINDOW
								     : sc->len;
			for (size_t p = lo; p + 40 <= hi; p++)
				if (aws_secret_at(sc, p)) {
					add_hit(sc, WARD_SECRET_AWS_SECRET_KEY, WARD_AUDIT_CRITICAL,
						p, 40, "next to an access key id");
					best = p;
					break;
				}
		}
		h = &sc->hits[k];
		if (best != SIZE_MAX) {
			h->sev = WARD_AUDIT_CRITICAL;
			(void)snprintf(h->detail, sizeof(h->detail),
				       "with its secret access key %zu bytes away",
				       best > h->off ? best - h->off : h->off - best);
		} else {
			(void)snprintf(h->detail, sizeof(h->detail),
				       "no secret access key found near it");
		}
	}
}

static int
cmp_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static int
report(struct scan *sc, ward_secret_fn fn, void *opaque)
{
	size_t line = 1, pos = 0;
	int count = 0;

	qsort(sc->hits, sc->n, sizeof(sc->hits[0]), cmp_hit);
	for (size_t k = 0; k < sc->n && (unsigned)count < WARD_AUDIT_SECRETS_PER_FILE; k++) {
		const struct hit *h = &sc->hits[k];
		struct ward_secret_match m = {.kind = h->kind, .severity = h->sev};
		const char *nl;
		int r;
		while (pos < h->off && (nl = memchr(sc->buf + pos, '\n', h->off - pos))) {
			line++;
			pos = (size_t)(nl - sc->buf) + 1;
		}
		pos = h->off > pos ? h->off : pos;
		m.line = line > UINT32_MAX ? UINT32_MAX : (unsigned)line;
		ward_secret_redact(sc->buf + h->off, h->len, m.redacted, sizeof(m.redacted));
		(void)snprintf(m.detail, sizeof(m.detail), "%s", h->detail);
		if ((r = fn(opaque, &m)) < 0)
			return r;
		count++;
	}
	return count;
}

int
ward_secrets_scan(const char *buf, size_t len, ward_secret_fn fn, void *opaque)
{
	struct scan *sc = calloc(1, sizeof(*sc));
	int r;

	if (!sc)
		return -ENOMEM;
	sc->buf = buf;
	sc->len = len;
	for (size_t i = 0; i < len && sc->n < MATCHES_MAX;) {
		size_t adv = try_at(sc, i);
		i += adv ? adv : 1;
	}
	try_gcp(sc);
	pair_aws(sc);
	r = report(sc, fn, opaque);
	explicit_bzero(sc, sizeof(*sc));
	free(sc);
	return r;
}

/* ---- environment entries ----------------------------------------------- */

static bool
secret_key_name(const char *k, size_t n)
{
	static const char *const words[] = {"PASSWORD",	   "PASSWD",	 "PASSPHRASE", "SECRET",
					    "TOKEN",	   "API_KEY",	 "APIKEY",     "ACCESS_KEY",
					    "PRIVATE_KEY", "CREDENTIAL", "AUTH_KEY"};
	static const char *const not_secret[] = {"_FILE", "_PATH", "_DIR", "_URL_FILE"};
	char up[128];

	if (n == 0 || n >= sizeof(up))
		return false;
	for (size_t i = 0; i < n; i++)
		up[i] = (char)toupper((unsigned char)k[i]);
	up[n] = '\0';
	/* POSTGRES_PASSWORD_FILE=/run/secrets/db is the right way to do it. */
	for (size_t i = 0; i < WARD_ARRAY_SIZE(not_secret); i++) {
		size_t m = strlen(not_secret[i]);
		if (n >= m && strcmp(up + n - m, not_secret[i]) == 0)
			return false;
	}
	for (size_t i = 0; i < WARD_ARRAY_SIZE(words); i++)
		if (strstr(up, words[i]))
			return true;
	return false;
}

static bool
placeholder_value(const char *v)
{
	static const char *const words[] = {"true", "false", "yes", "no", "none",      "null",
					    "0",    "1",     "-",   "*",  "<redacted>"};

	if (!*v || *v == '$' || (v[0] == '{' && v[1] == '{'))
		return true; /* unset, or a reference expanded elsewhere */
	for (size_t i = 0; i < WARD_ARRAY_SIZE(words); i++)
		if (strcasecmp(v, words[i]) == 0)
			return true;
	return false;
}

struct env_ctx {
	ward_secret_fn fn;
	void *opaque;
	int count;
};

static int
env_forward(void *opaque, const struct ward_secret_match *m)
{
	struct env_ctx *c = opaque;
	struct ward_secret_match copy = *m;

	copy.line = 0;
	c->count++;
	return c->fn(c->opaque, &copy);
}

int
ward_secrets_scan_env(const char *kv, ward_secret_fn fn, void *opaque)
{
	struct env_ctx c = {.fn = fn, .opaque = opaque};
	const char *eq = strchr(kv, '='), *v, *at;
	struct ward_secret_match m = {.kind = WARD_SECRET_PASSWORD_VAR,
				      .severity = WARD_AUDIT_HIGH};
	int r;

	if (!eq)
		return 0;
	v = eq + 1;
	/* The whole entry: AWS_SECRET_ACCESS_KEY=... is found by its name. */
	if ((r = ward_secrets_scan(kv, strlen(kv), env_forward, &c)) < 0)
		return r;
	if (c.count)
		return c.count;
	/* DATABASE_URL=postgres://user:pass@host carries a password too. */
	if ((at = strstr(v, "://")) && strchr(at + 3, '@')) {
		const char *user = at + 3, *atsign = strchr(user, '@'),
			   *colon = memchr(user, ':', (size_t)(atsign - user));
		if (colon && atsign - colon > 1 && !memchr(user, '/', (size_t)(atsign - user))) {
			ward_secret_redact(colon + 1, (size_t)(atsign - colon - 1), m.redacted,
					   sizeof(m.redacted));
			(void)snprintf(m.detail, sizeof(m.detail), "password in the URL of %.*s",
				       (int)((eq - kv) > 40 ? 40 : (eq - kv)), kv);
			return (r = fn(opaque, &m)) < 0 ? r : 1;
		}
	}
	if (!secret_key_name(kv, (size_t)(eq - kv)) || placeholder_value(v))
		return 0;
	ward_secret_redact(v, strlen(v), m.redacted, sizeof(m.redacted));
	(void)snprintf(m.detail, sizeof(m.detail), "literal value of %.*s",
		       (int)((eq - kv) > 40 ? 40 : (eq - kv)), kv);
	return (r = fn(opaque, &m)) < 0 ? r : 1;
}
