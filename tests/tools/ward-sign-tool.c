/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward-sign-tool: drive src/sign from the e2e tests (interop with openssl and
 * an independent Python implementation of the cosign key format) until the
 * `ward key` / `ward sign` / `ward verify` verbs exist.
 *
 *   generate PREFIX                     PREFIX.key (cosign) + PREFIX.pub
 *   pub KEY                             public key PEM of a private key
 *   describe KEY|PUB                    key type and sha256 fingerprint
 *   payload DIGEST REF [--atomic] [-a K=V]...
 *   parse PAYLOAD [--atomic]            digest and reference of a payload
 *   sign KEY PAYLOAD [--base64]         signature (raw DER, or base64)
 *   verify-raw PUB PAYLOAD SIG          raw signature check
 *   verify PUB PAYLOAD SIGB64 DIGEST REF [--atomic]
 *
 * Passwords come from WARD_PASSWORD, else COSIGN_PASSWORD, else "". Errors go
 * to stderr as the library words them; exit 1 on failure, 2 on bad usage.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include <ward/sign.h>

static int
fail(struct ward_error *err)
{
	fprintf(stderr, "ward-sign-tool: %s\n", err && err->msg ? err->msg : "failed");
	ward_error_free(err);
	return 1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: ward-sign-tool generate|pub|describe|payload|parse|sign|"
			"verify-raw|verify ...\n");
	return 2;
}

static const char *
password(void)
{
	const char *p = getenv("WARD_PASSWORD");

	if (!p)
		p = getenv("COSIGN_PASSWORD");
	return p ? p : "";
}

static int
read_file(const char *path, size_t max, char **ret, size_t *ret_len, struct ward_error **err)
{
	return ward_fs_read_all(AT_FDCWD, path, max, ret, ret_len, err);
}

static int
write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	int r;

	if (fd < 0) {
		perror(path);
		return -1;
	}
	r = ward_fs_write_all(fd, buf, len);
	if (close(fd) < 0)
		r = -1;
	return r;
}

static int
load_key(const char *path, bool want_private, struct ward_sign_key **ret, struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	r = read_file(path, WARD_SIGN_PEM_MAX, &buf, &len, err);
	if (r < 0)
		return r;
	if (!want_private && strstr(buf, "-----BEGIN PUBLIC KEY-----"))
		return ward_sign_key_read_public(buf, len, path, ret, err);
	return ward_sign_key_read_private(buf, len, path, password(), strlen(password()), ret, err);
}

static int
cmd_generate(const char *prefix)
{
	_cleanup_(ward_sign_key_freep) struct ward_sign_key *k = NULL;
	_cleanup_free_ char *priv = NULL, *pub = NULL, *kp = NULL, *pp = NULL;
	struct ward_error *err = NULL;
	size_t priv_len = 0, pub_len = 0;

	if (ward_sign_key_generate(&k, &err) < 0 ||
	    ward_sign_key_write_cosign(k, password(), strlen(password()), &priv, &priv_len, &err) <
		    0 ||
	    ward_sign_key_write_public(k, &pub, &pub_len, &err) < 0)
		return fail(err);
	kp = ward_strdup_printf("%s.key", prefix);
	pp = ward_strdup_printf("%s.pub", prefix);
	if (!kp || !pp || write_file(kp, priv, priv_len, 0600) < 0 ||
	    write_file(pp, pub, pub_len, 0644) < 0)
		return 1;
	return 0;
}

static int
cmd_pub(const char *path)
{
	_cleanup_(ward_sign_key_freep) struct ward_sign_key *k = NULL;
	_cleanup_free_ char *pub = NULL;
	struct ward_error *err = NULL;
	size_t len = 0;

	if (load_key(path, true, &k, &err) < 0 ||
	    ward_sign_key_write_public(k, &pub, &len, &err) < 0)
		return fail(err);
	return ward_fs_write_all(STDOUT_FILENO, pub, len) < 0;
}

static int
cmd_describe(const char *path)
{
	_cleanup_(ward_sign_key_freep) struct ward_sign_key *k = NULL;
	struct ward_error *err = NULL;
	struct ward_digest fp;

	if (load_key(path, false, &k, &err) < 0 || ward_sign_key_fingerprint(k, &fp, &err) < 0)
		return fail(err);
	printf("%s %s %s\n", ward_sign_key_describe(k),
	       ward_sign_key_has_private(k) ? "private" : "public", fp.s);
	return 0;
}

static int
cmd_payload(int argc, char **argv)
{
	_cleanup_free_ char *out = NULL;
	struct ward_sign_payload_spec spec = {.timestamp = -1};
	struct ward_error *err = NULL;
	struct ward_digest d;
	char *ann[WARD_SIGN_ANNOTATIONS_MAX + 2] = {0};
	size_t n = 0, len = 0;

	if (argc < 2)
		return usage();
	if (ward_digest_parse(argv[0], &d, &err) < 0)
		return fail(err);
	spec.manifest_digest = &d;
	spec.docker_reference = argv[1];
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--atomic"))
			spec.type = WARD_SIGN_PAYLOAD_ATOMIC;
		else if (!strcmp(argv[i], "-a") && i + 1 < argc && n <= WARD_SIGN_ANNOTATIONS_MAX)
			ann[n++] = argv[++i];
		else
			return usage();
	}
	spec.annotations = ann;
	if (ward_sign_payload_make(&spec, &out, &len, &err) < 0)
		return fail(err);
	return ward_fs_write_all(STDOUT_FILENO, out, len) < 0;
}

static enum ward_sign_payload_type
type_flag(int argc, char **argv, int from)
{
	for (int i = from; i < argc; i++)
		if (!strcmp(argv[i], "--atomic"))
			return WARD_SIGN_PAYLOAD_ATOMIC;
	return WARD_SIGN_PAYLOAD_COSIGN;
}

static int
cmd_parse(int argc, char **argv)
{
	_cleanup_(ward_sign_payload_freep) struct ward_sign_payload *p = NULL;
	_cleanup_free_ char *buf = NULL;
	struct ward_error *err = NULL;
	size_t len = 0;

	if (read_file(argv[0], WARD_SIGN_PAYLOAD_MAX * 2, &buf, &len, &err) < 0 ||
	    ward_sign_payload_parse(buf, len, type_flag(argc, argv, 1), &p, &err) < 0)
		return fail(err);
	printf("%s %s\n", p->manifest_digest.s, p->docker_reference);
	return 0;
}

static int
cmd_sign(int argc, char **argv)
{
	_cleanup_(ward_sign_key_freep) struct ward_sign_key *k = NULL;
	_cleanup_free_ char *buf = NULL, *b64 = NULL;
	_cleanup_free_ unsigned char *sig = NULL;
	struct ward_error *err = NULL;
	size_t len = 0, sig_len = 0;

	if (argc < 2)
		return usage();
	if (load_key(argv[0], true, &k, &err) < 0 ||
	    read_file(argv[1], WARD_SIGN_PAYLOAD_MAX, &buf, &len, &err) < 0)
		return fail(err);
	if (argc > 2 && !strcmp(argv[2], "--base64")) {
		if (ward_sign_data_base64(k, buf, len, &b64, &err) < 0)
			return fail(err);
		printf("%s\n", b64);
		return 0;
	}
	if (ward_sign_data(k, buf, len, &sig, &sig_len, &err) < 0)
		return fail(err);
	return ward_fs_write_all(STDOUT_FILENO, sig, sig_len) < 0;
}

static int
cmd_verify_raw(char **argv)
{
	_cleanup_(ward_sign_key_freep) struct ward_sign_key *k = NULL;
	_cleanup_free_ char *buf = NULL, *sig = NULL;
	struct ward_error *err = NULL;
	size_t len = 0, sig_len = 0;

	if (load_key(argv[0], false, &k, &err) < 0 ||
	    read_file(argv[1], WARD_SIGN_PAYLOAD_MAX, &buf, &len, &err) < 0 ||
	    read_file(argv[2], WARD_SIGN_SIG_MAX * 4, &sig, &sig_len, &err) < 0 ||
	    ward_sign_verify_data(k, buf, len, (unsigned char *)sig, sig_len, &err) < 0)
		return fail(err);
	printf("verified\n");
	return 0;
}

static int
cmd_verify(int argc, char **argv)
{
	_cleanup_(ward_sign_key_freep) struct ward_sign_key *k = NULL;
	_cleanup_free_ char *buf = NULL, *sig = NULL;
	struct ward_error *err = NULL;
	struct ward_digest d;
	size_t len = 0, sig_len = 0;
	struct ward_sign_verify_opts o = {
		.type = type_flag(argc, argv, 5),
		.accept_identity = ward_sign_identity_exact,
		.identity_userdata = argv[4],
	};

	if (load_key(argv[0], false, &k, &err) < 0 ||
	    read_file(argv[1], WARD_SIGN_PAYLOAD_MAX * 2, &buf, &len, &err) < 0 ||
	    read_file(argv[2], WARD_SIGN_SIG_MAX * 4, &sig, &sig_len, &err) < 0 ||
	    ward_digest_parse(argv[3], &d, &err) < 0)
		return fail(err);
	/* The annotation holds the base64 text; a file may end in a newline. */
	while (sig_len && (sig[sig_len - 1] == '\n' || sig[sig_len - 1] == '\r'))
		sig[--sig_len] = '\0';
	o.manifest_digest = &d;
	if (ward_sign_verify(k, buf, len, sig, &o, NULL, &err) < 0)
		return fail(err);
	printf("verified\n");
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	if (!strcmp(argv[1], "generate"))
		return cmd_generate(argv[2]);
	if (!strcmp(argv[1], "pub"))
		return cmd_pub(argv[2]);
	if (!strcmp(argv[1], "describe"))
		return cmd_describe(argv[2]);
	if (!strcmp(argv[1], "payload"))
		return cmd_payload(argc - 2, argv + 2);
	if (!strcmp(argv[1], "parse"))
		return cmd_parse(argc - 2, argv + 2);
	if (!strcmp(argv[1], "sign"))
		return cmd_sign(argc - 2, argv + 2);
	if (!strcmp(argv[1], "verify-raw") && argc >= 5)
		return cmd_verify_raw(argv + 2);
	if (!strcmp(argv[1], "verify") && argc >= 7)
		return cmd_verify(argc - 2, argv + 2);
	return usage();
}
