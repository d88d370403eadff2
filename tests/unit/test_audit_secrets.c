/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward audit, secrets (CIS 4.10) and setuid files (4.8): each detector on
 * true positives made here (a PEM key from OpenSSL, token shapes built from
 * random bytes), the false positives it must not raise, redaction, and a
 * tree walk over a hostile directory (symlinks pointing at host files, a
 * 1 GiB sparse file, FIFOs, binaries, deep nesting). The secrets planted
 * must never appear in a report, its JSON or its SARIF.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <ward/audit.h>

struct collected {
	struct ward_secret_match m[64];
	size_t n;
};

static int
collect(void *opaque, const struct ward_secret_match *m)
{
	struct collected *c = opaque;

	if (c->n < 64)
		c->m[c->n++] = *m;
	return 0;
}

static struct collected
scan(const char *text)
{
	struct collected c = {0};

	assert_true(ward_secrets_scan(text, strlen(text), collect, &c) >= 0);
	return c;
}

static const struct ward_secret_match *
has_kind(const struct collected *c, enum ward_secret_kind k)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->m[i].kind == k)
			return &c->m[i];
	return NULL;
}

/* Random characters of a class, so no test vector is a real credential. */
static void
random_chars(char *buf, size_t n, const char *alphabet)
{
	unsigned char r[256];
	size_t k = strlen(alphabet);

	assert_true(n <= sizeof(r));
	assert_int_equal(RAND_bytes(r, (int)n), 1);
	for (size_t i = 0; i < n; i++)
		buf[i] = alphabet[r[i] % k];
	buf[n] = '\0';
}

#define UPPER_ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

static char aws_id[21], aws_secret[41], gh_token[41], pem[4096];

static void
make_aws(void)
{
	memcpy(aws_id, "AKIA", 4);
	random_chars(aws_id + 4, 16, UPPER_ALNUM);
	/* Both cases and a digit guaranteed, as the detector wants. */
	random_chars(aws_secret, 40, ALNUM "/+");
	aws_secret[0] = 'a';
	aws_secret[1] = 'Z';
	aws_secret[2] = '7';
	memcpy(gh_token, "ghp_", 4);
	random_chars(gh_token + 4, 36, ALNUM);
}

static void
make_pem(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;

	assert_non_null(k);
	assert_non_null(b);
	assert_int_equal(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL), 1);
	n = BIO_get_mem_data(b, &data);
	assert_true(n > 0 && (size_t)n < sizeof(pem));
	memcpy(pem, data, (size_t)n);
	pem[n] = '\0';
	BIO_free(b);
	EVP_PKEY_free(k);
}

static int
setup(void **state)
{
	(void)state;
	make_aws();
	make_pem();
	return 0;
}

/* ---- detectors ------------------------------------------------------------ */

static void
test_pem_private_key_is_found_with_its_line(void **state)
{
	(void)state;
	char text[5000];
	struct collected c;
	const struct ward_secret_match *m;

	snprintf(text, sizeof(text), "# config\n\n%s", pem);
	c = scan(text);
	m = has_kind(&c, WARD_SECRET_PRIVATE_KEY);
	assert_non_null(m);
	assert_int_equal(m->severity, WARD_AUDIT_CRITICAL);
	/* The body starts on the line after the header (line 3). */
	assert_int_equal(m->line, 4);
	assert_non_null(strstr(m->detail, "unencrypted"));
}

static void
test_pem_false_positives(void **state)
{
	(void)state;
	static const char *const not_keys[] = {
		/* A parser's source names the header but holds no key. */
		"if (strncmp(p, \"-----BEGIN RSA PRIVATE KEY-----\", 31) == 0)\n",
		"const HEADER = '-----BEGIN PRIVATE KEY-----';\nconst FOOTER = 'x';\n",
		/* Public keys and certificates are not secrets. */
		"-----BEGIN PUBLIC "
		"KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEabcdefghijklmnopqrstuv\n",
		"-----BEGIN "
		"CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUabcdefghijklmnopqrstuvwxyz0123456\n",
		"-----BEGIN PRIVATE KEY",
	};

	for (size_t i = 0; i < sizeof(not_keys) / sizeof(not_keys[0]); i++) {
		struct collected c = scan(not_keys[i]);
		if (c.n)
			fail_msg("false positive %s in: %s", ward_secret_kind_name(c.m[0].kind),
				 not_keys[i]);
	}
}

static void
test_encrypted_and_openssh_keys(void **state)
{
	(void)state;
	struct collected c;
	const struct ward_secret_match *m;

	c = scan("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
		 "MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQIabcdefghijklmnop\n"
		 "-----END ENCRYPTED PRIVATE KEY-----\n");
	m = has_kind(&c, WARD_SECRET_PRIVATE_KEY);
	assert_non_null(m);
	assert_int_equal(m->severity, WARD_AUDIT_MEDIUM);
	assert_non_null(strstr(m->detail, "passphrase"));
	/* OpenSSH: "none" cipher right after the magic is unencrypted. */
	c = scan("-----BEGIN OPENSSH PRIVATE KEY-----\n"
		 "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
		 "-----END OPENSSH PRIVATE KEY-----\n");
	m = has_kind(&c, WARD_SECRET_PRIVATE_KEY);
	assert_non_null(m);
	assert_int_equal(m->severity, WARD_AUDIT_CRITICAL);
	c = scan("-----BEGIN OPENSSH PRIVATE KEY-----\n"
		 "b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABB0x1\n"
		 "-----END OPENSSH PRIVATE KEY-----\n");
	m = has_kind(&c, WARD_SECRET_PRIVATE_KEY);
	assert_non_null(m);
	assert_int_equal(m->severity, WARD_AUDIT_MEDIUM);
}

static void
test_aws_key_pairs_and_guards(void **state)
{
	(void)state;
	char text[512];
	struct collected c;
	const struct ward_secret_match *m;

	/* The credentials file format: id and secret by keyword. */
	snprintf(text, sizeof(text),
		 "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", aws_id,
		 aws_secret);
	c = scan(text);
	m = has_kind(&c, WARD_SECRET_AWS_ACCESS_KEY_ID);
	assert_non_null(m);
	assert_int_equal(m->severity, WARD_AUDIT_CRITICAL);
	assert_int_equal(m->line, 2);
	assert_non_null(strstr(m->detail, "with its secret access key"));
	m = has_kind(&c, WARD_SECRET_AWS_SECRET_KEY);
	assert_non_null(m);
	assert_int_equal(m->line, 3);
	/* A CSV export: no keyword, the secret right next to the id. */
	snprintf(text, sizeof(text), "User,Key,Secret\nci,%s,%s\n", aws_id, aws_secret);
	c = scan(text);
	assert_non_null(has_kind(&c, WARD_SECRET_AWS_SECRET_KEY));
	assert_int_equal(has_kind(&c, WARD_SECRET_AWS_ACCESS_KEY_ID)->severity,
			 WARD_AUDIT_CRITICAL);
	/* An id alone is reported, less severely. */
	snprintf(text, sizeof(text), "key=%s\n", aws_id);
	c = scan(text);
	m = has_kind(&c, WARD_SECRET_AWS_ACCESS_KEY_ID);
	assert_non_null(m);
	assert_int_equal(m->severity, WARD_AUDIT_HIGH);
	assert_null(has_kind(&c, WARD_SECRET_AWS_SECRET_KEY));
	/* Guards: inside a longer word, too short, placeholders. */
	static const char *const not_keys[] = {
		"XAKIAABCDEFGHIJKLMNOP\n",
		"AKIAABCDEFGHIJKLMNOPQ7\n",
		"AKIAABCDEF\n",
		"AKIAXXXXXXXXXXXXXXXX\n",
		"id: AKIA0000000000000000\n",
		"aws_secret_access_key = ${AWS_SECRET}\n",
		"sha1 0123456789abcdef0123456789abcdef01234567\n",
	};
	for (size_t i = 0; i < sizeof(not_keys) / sizeof(not_keys[0]); i++) {
		c = scan(not_keys[i]);
		if (c.n)
			fail_msg("false positive %s in: %s", ward_secret_kind_name(c.m[0].kind),
				 not_keys[i]);
	}
}

static void
test_github_slack_gcp(void **state)
{
	(void)state;
	char text[1024], pat[100], slack[64];
	struct collected c;

	snprintf(text, sizeof(text), "export GITHUB_TOKEN=%s\n", gh_token);
	c = scan(text);
	assert_non_null(has_kind(&c, WARD_SECRET_GITHUB_TOKEN));
	memcpy(pat, "github_pat_", 11);
	random_chars(pat + 11, 22, ALNUM);
	pat[33] = '_';
	random_chars(pat + 34, 59, ALNUM);
	c = scan(pat);
	assert_non_null(has_kind(&c, WARD_SECRET_GITHUB_TOKEN));
	memcpy(slack, "xoxb-", 5);
	random_chars(slack + 5, 12, "0123456789");
	slack[17] = '-';
	random_chars(slack + 18, 24, ALNUM);
	c = scan(slack);
	assert_non_null(has_kind(&c, WARD_SECRET_SLACK_TOKEN));
	snprintf(text, sizeof(text), "url: https://hooks.slack.com/services/T%.8s/B%.8s/%.24s\n",
		 aws_id + 4, aws_id + 8, aws_secret + 3);
	c = scan(text);
	assert_non_null(has_kind(&c, WARD_SECRET_SLACK_WEBHOOK));
	snprintf(text, sizeof(text),
		 "{\n  \"type\": \"service_account\",\n  \"project_id\": \"p\",\n"
		 "  \"private_key_id\": \"%.40s\",\n  \"private_key\": \"x\",\n"
		 "  \"client_email\": \"a@p.iam.gserviceaccount.com\"\n}\n",
		 "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567");
	c = scan(text);
	assert_non_null(has_kind(&c, WARD_SECRET_GCP_SERVICE_ACCOUNT));
	assert_int_equal(has_kind(&c, WARD_SECRET_GCP_SERVICE_ACCOUNT)->line, 4);
	/* Guards: placeholders and prefixes inside words. */
	static const char *const not_tokens[] = {
		"ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
		"ghp_short\n",
		"myghp_abcdefghijklmnopqrstuvwxyz0123456789AB\n",
		"xoxb-\n",
		"{\"type\": \"service_account\"}\n",
		"https://hooks.slack.com/services/\n",
	};
	for (size_t i = 0; i < sizeof(not_tokens) / sizeof(not_tokens[0]); i++) {
		c = scan(not_tokens[i]);
		if (c.n)
			fail_msg("false positive %s in: %s", ward_secret_kind_name(c.m[0].kind),
				 not_tokens[i]);
	}
}

static void
test_env_entries(void **state)
{
	(void)state;
	struct collected c = {0};
	char kv[128];
	static const char *const secret_envs[] = {
		"DB_PASSWORD=s3cr3t-passw0rd",
		"api_key=abcdef123456",
		"MYSQL_ROOT_PASSWORD=changeme",
		"DATABASE_URL=postgres://app:pa55word@db:5432/app",
	};
	static const char *const fine_envs[] = {
		"PATH=/usr/bin:/bin",  "POSTGRES_PASSWORD_FILE=/run/secrets/db",
		"PASSWORD=",	       "TOKEN=$TOKEN",
		"SECRET_ENABLED=true", "DATABASE_URL=postgres://db:5432/app",
		"HOME=/root",	       "NOKEY",
	};

	for (size_t i = 0; i < sizeof(secret_envs) / sizeof(secret_envs[0]); i++) {
		c.n = 0;
		assert_int_equal(ward_secrets_scan_env(secret_envs[i], collect, &c), 1);
		assert_int_equal(c.m[0].kind, WARD_SECRET_PASSWORD_VAR);
		assert_int_equal(c.m[0].line, 0);
	}
	for (size_t i = 0; i < sizeof(fine_envs) / sizeof(fine_envs[0]); i++) {
		c.n = 0;
		if (ward_secrets_scan_env(fine_envs[i], collect, &c) != 0)
			fail_msg("false positive in env %s", fine_envs[i]);
	}
	/* A specific detector wins over the generic name rule. */
	snprintf(kv, sizeof(kv), "AWS_SECRET_ACCESS_KEY=%s", aws_secret);
	c.n = 0;
	assert_int_equal(ward_secrets_scan_env(kv, collect, &c), 1);
	assert_int_equal(c.m[0].kind, WARD_SECRET_AWS_SECRET_KEY);
}

static void
test_redaction(void **state)
{
	(void)state;
	char buf[64];

	ward_secret_redact("AKIAABCDEFGHIJKLMNOP", 20, buf, sizeof(buf));
	assert_string_equal(buf, "AKIA\xe2\x80\xa6(20 chars)");
	/* Short secrets show no characters at all. */
	ward_secret_redact("hunter2", 7, buf, sizeof(buf));
	assert_string_equal(buf, "\xe2\x80\xa6(7 chars)");
	/* Control bytes never reach a terminal. */
	ward_secret_redact("\x1b[2Jabcdefgh", 12, buf, sizeof(buf));
	assert_null(strchr(buf, '\x1b'));
}

static void
test_binary_noise_and_limits(void **state)
{
	(void)state;
	size_t n = 1u << 20;
	char *buf = malloc(n);
	struct collected c = {0};
	int found;

	assert_non_null(buf);
	assert_int_equal(RAND_bytes((unsigned char *)buf, (int)n), 1);
	assert_true(ward_secrets_scan(buf, n, collect, &c) >= 0);
	/* A file full of keys reports at most WARD_AUDIT_SECRETS_PER_FILE. */
	memset(buf, '\n', n);
	for (size_t off = 0; off + 40 < n; off += 64) {
		memcpy(buf + off, gh_token, 40);
	}
	c.n = 0;
	found = ward_secrets_scan(buf, n, collect, &c);
	assert_int_equal(found, WARD_AUDIT_SECRETS_PER_FILE);
	free(buf);
}

/* ---- tree walk --------------------------------------------------------------- */

static char tmpl[] = "/tmp/ward-audit-tree-XXXXXX";

static void
write_file(int dfd, const char *name, const char *text, mode_t mode)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static bool
report_contains(const struct ward_audit_report *r, const char *needle)
{
	json_t *j = ward_audit_report_json(r, true), *s = ward_audit_report_sarif(r);
	char *a = json_dumps(j, 0), *b = json_dumps(s, 0);
	bool hit = strstr(a, needle) || strstr(b, needle);

	for (size_t i = 0; i < r->n && !hit; i++)
		hit = strstr(r->v[i].evidence, needle) || strstr(r->v[i].remediation, needle) ||
		      (r->v[i].path && strstr(r->v[i].path, needle));
	for (size_t i = 0; i < r->n_warnings && !hit; i++)
		hit = strstr(r->warnings[i], needle) != NULL;
	free(a);
	free(b);
	json_decref(j);
	json_decref(s);
	return hit;
}

static const struct ward_audit_finding *
finding_at(const struct ward_audit_report *r, const char *id, const char *path)
{
	for (size_t i = 0; i < r->n; i++)
		if (!r->v[i].passed && strcmp(r->v[i].check->id, id) == 0 && r->v[i].path &&
		    strcmp(r->v[i].path, path) == 0)
			return &r->v[i];
	return NULL;
}

static void
test_tree_walk_hostile_layer(void **state)
{
	(void)state;
	char *dir = mkdtemp(tmpl), text[1024], host_secret[80];
	int dfd, sub, fd;
	struct ward_audit_report *r = NULL;
	struct ward_error *err = NULL;
	struct ward_audit_opts o = {0};
	const struct ward_audit_finding *f;

	assert_non_null(dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_int_equal(mkdirat(dfd, "layer", 0755), 0);
	assert_int_equal(mkdirat(dfd, "host", 0755), 0);
	/* A secret outside the layer that symlinks point at: must never be read. */
	snprintf(host_secret, sizeof(host_secret), "ghp_%.36s", gh_token + 4);
	snprintf(text, sizeof(text), "token=%s\n", host_secret);
	sub = openat(dfd, "host", O_RDONLY | O_DIRECTORY);
	write_file(sub, "outside", text, 0644);
	close(sub);
	sub = openat(dfd, "layer", O_RDONLY | O_DIRECTORY);
	assert_int_equal(mkdirat(sub, "etc", 0755), 0);
	assert_int_equal(mkdirat(sub, "bin", 0755), 0);
	snprintf(text, sizeof(text), "[default]\naws_access_key_id=%s\naws_secret_access_key=%s\n",
		 aws_id, aws_secret);
	write_file(sub, "etc/credentials", text, 0600);
	write_file(sub, "etc/key.pem", pem, 0600);
	write_file(sub, "bin/su", "#!/bin/sh\n", 04755);
	write_file(sub, "bin/ww", "#!/bin/sh\n", 02777 & ~0);
	assert_int_equal(fchmodat(sub, "bin/ww", 04777, 0), 0);
	snprintf(text, sizeof(text), "%s/host/outside", dir);
	assert_int_equal(symlinkat(text, sub, "etc/abs-link"), 0);
	assert_int_equal(symlinkat("../../host/outside", sub, "etc/rel-link"), 0);
	snprintf(text, sizeof(text), "%s/host", dir);
	assert_int_equal(symlinkat(text, sub, "hostdir"), 0);
	assert_int_equal(mkfifoat(sub, "fifo", 0644), 0);
	/* A binary with a key in it: skipped by the NUL heuristic. */
	fd = openat(sub, "bin/blob", O_WRONLY | O_CREAT, 0755);
	assert_int_equal(write(fd,
			       "\x7f"
			       "ELF\0\0\0",
			       7),
			 7);
	assert_int_equal(write(fd, gh_token, 40), 40);
	close(fd);
	/* Text past the first 8 KiB is still read; a 4 MiB binary is not read
	 * past its first 8 KiB. */
	{
		size_t n = 20000;
		char *big = malloc(n + 64);
		assert_non_null(big);
		for (size_t i = 0; i < n; i++)
			big[i] = i % 50 == 49 ? '\n' : 'a';
		snprintf(big + n, 64, "\ntoken %s\n", gh_token);
		write_file(sub, "etc/long.txt", big, 0644);
		free(big);
		big = calloc(1, 4u << 20);
		assert_non_null(big);
		fd = openat(sub, "bin/big-binary", O_WRONLY | O_CREAT, 0755);
		assert_int_equal(write(fd, big, 4u << 20), 4 << 20);
		close(fd);
		free(big);
	}
	/* 1 GiB sparse: skipped by its size, never read. */
	fd = openat(sub, "sparse", O_WRONLY | O_CREAT, 0644);
	assert_int_equal(ftruncate(fd, 1ll << 30), 0);
	close(fd);
	/* Deeper than the bound. */
	{
		int cur = dup(sub);
		for (unsigned i = 0; i < WARD_AUDIT_MAX_DEPTH + 5; i++) {
			int next;
			assert_int_equal(mkdirat(cur, "d", 0755), 0);
			next = openat(cur, "d", O_RDONLY | O_DIRECTORY);
			close(cur);
			cur = next;
		}
		close(cur);
	}

	assert_int_equal(ward_audit_report_new(&r, &err), 0);
	assert_int_equal(ward_audit_tree(r, "image t", "layer 1", sub, &o, &err), 0);

	f = finding_at(r, "4.10", "/etc/credentials");
	assert_non_null(f);
	assert_int_equal(f->severity, WARD_AUDIT_CRITICAL);
	assert_non_null(strstr(f->evidence, "AKIA\xe2\x80\xa6(20 chars)"));
	assert_non_null(finding_at(r, "4.10", "/etc/key.pem"));
	assert_non_null(finding_at(r, "4.10", "/etc/long.txt"));
	assert_int_equal(finding_at(r, "4.10", "/etc/long.txt")->line, 402);
	assert_null(finding_at(r, "4.10", "/etc/abs-link"));
	assert_null(finding_at(r, "4.10", "/etc/rel-link"));
	assert_null(finding_at(r, "4.10", "/bin/blob"));
	f = finding_at(r, "4.8", "/bin/su");
	assert_non_null(f);
	assert_int_equal(f->severity, WARD_AUDIT_MEDIUM);
	assert_int_equal(finding_at(r, "4.8", "/bin/ww")->severity, WARD_AUDIT_HIGH);
	/* Nothing of the host's file was read through the links. */
	assert_false(report_contains(r, host_secret));
	assert_false(report_contains(r, "/host/outside"));
	/* The sparse file and the binary were skipped, the depth bound warned. */
	assert_true(r->files_skipped >= 2);
	assert_true(r->bytes_scanned < (1u << 20));
	{
		bool warned = false;
		for (size_t i = 0; i < r->n_warnings; i++)
			warned |= strstr(r->warnings[i], "deeper than") != NULL;
		assert_true(warned);
	}
	/* The planted secrets never appear, in any form. */
	assert_false(report_contains(r, aws_id));
	assert_false(report_contains(r, aws_secret));
	assert_false(report_contains(r, aws_secret + 4));
	{
		/* Any 40-byte window of the PEM body. */
		const char *body = strchr(pem, '\n') + 1;
		char win[41];
		snprintf(win, sizeof(win), "%.40s", body + 4);
		assert_false(report_contains(r, win));
	}
	ward_audit_report_free(r);
	r = NULL;

	/* --no-secrets reads no file, still finds setuid (the same fd walked twice). */
	o.no_secrets = true;
	assert_int_equal(ward_audit_report_new(&r, &err), 0);
	assert_int_equal(ward_audit_tree(r, "image t", "layer 1", sub, &o, &err), 0);
	assert_null(finding_at(r, "4.10", "/etc/credentials"));
	assert_non_null(finding_at(r, "4.8", "/bin/su"));
	assert_int_equal(r->files_scanned, 0);
	ward_audit_report_free(r);
	r = NULL;

	/* A file-count bound stops the walk with a warning. */
	o.no_secrets = false;
	o.max_files = 3;
	assert_int_equal(ward_audit_report_new(&r, &err), 0);
	assert_int_equal(ward_audit_tree(r, "image t", "layer 1", sub, &o, &err), 0);
	assert_true(r->n_warnings >= 1);
	assert_non_null(strstr(r->warnings[0], "more than 3 entries"));
	ward_audit_report_free(r);
	close(sub);
	close(dfd);
	{
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

static void
test_image_config_env_and_history_secrets(void **state)
{
	(void)state;
	struct ward_audit_report *r = NULL;
	struct ward_error *err = NULL;
	char cfg[2048];
	bool found_env = false, found_hist = false, found_arg = false;

	snprintf(
		cfg, sizeof(cfg),
		"{\"config\":{\"User\":\"app\",\"Env\":[\"PATH=/bin\",\"AWS_ACCESS_KEY_ID=%s\","
		"\"DB_PASSWORD=correct-horse-battery\"],"
		"\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"]}},"
		"\"history\":[{\"created_by\":\"/bin/sh -c echo %s > /root/.token\"},"
		"{\"created_by\":\"|2 NPM_TOKEN=npm-abcdef0123456789 OTHER=x /bin/sh -c npm ci\"}],"
		"\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
		aws_id, gh_token);
	assert_int_equal(ward_audit_report_new(&r, &err), 0);
	assert_int_equal(ward_audit_image_config(r, "image t", "quay.io/x/y:1", cfg, strlen(cfg),
						 NULL, &err),
			 0);
	for (size_t i = 0; i < r->n; i++) {
		const struct ward_audit_finding *f = &r->v[i];
		if (f->passed || strcmp(f->check->id, "4.10") != 0)
			continue;
		found_env |= strstr(f->evidence, "config.Env[1]") != NULL;
		found_hist |= strstr(f->evidence, "history[0].created_by") != NULL;
		found_arg |= strstr(f->evidence, "history[1].created_by") != NULL &&
			     strstr(f->evidence, "NPM_TOKEN") != NULL;
	}
	assert_true(found_env);
	assert_true(found_hist);
	assert_true(found_arg);
	assert_false(report_contains(r, aws_id));
	assert_false(report_contains(r, gh_token));
	assert_false(report_contains(r, "correct-horse-battery"));
	assert_false(report_contains(r, "npm-abcdef0123456789"));
	ward_audit_report_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pem_private_key_is_found_with_its_line),
		cmocka_unit_test(test_pem_false_positives),
		cmocka_unit_test(test_encrypted_and_openssh_keys),
		cmocka_unit_test(test_aws_key_pairs_and_guards),
		cmocka_unit_test(test_github_slack_gcp),
		cmocka_unit_test(test_env_entries),
		cmocka_unit_test(test_redaction),
		cmocka_unit_test(test_binary_noise_and_limits),
		cmocka_unit_test(test_tree_walk_hostile_layer),
		cmocka_unit_test(test_image_config_env_and_history_secrets),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
