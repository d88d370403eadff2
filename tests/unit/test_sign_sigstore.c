/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cosign signature artifacts (build, parse, append, bounds) and signatures
 * kept in the store (numbering, duplicates, bounds, symlinks refused).
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

#include <ward/image.h>
#include <ward/sign.h>

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DIG "sha256:" D64
#define SIG1 "MEUCIQDsig1AAAA="
#define SIG2 "MEUCIQDsig2BBBB="

static const char payload1[] = "{\"critical\":{},\"optional\":null}";
static const char payload2[] = "{\"critical\":{\"x\":1},\"optional\":null}";

static void
check_parse_fails(const char *doc, const char *needle)
{
	struct ward_sign_artifact *a = NULL;
	struct ward_error *err = NULL;

	if (ward_sign_artifact_parse(doc, strlen(doc), &a, &err) == 0)
		fail_msg("parsed: %.120s", doc);
	assert_null(a);
	assert_int_equal(err->kind, WARD_E_INVALID);
	if (!strstr(err->msg, needle))
		fail_msg("'%s' lacks '%s'", err->msg, needle);
	ward_error_free(err);
}

static void
test_tag_names_the_digest(void **state)
{
	struct ward_digest d;
	char tag[WARD_SIGN_ARTIFACT_TAG_MAX];

	(void)state;
	assert_int_equal(ward_digest_parse(DIG, &d, NULL), 0);
	ward_sign_artifact_tag(&d, tag);
	assert_string_equal(tag, "sha256-" D64 ".sig");
}

static void
test_build_has_cosign_layout(void **state)
{
	struct ward_sign_artifact *a = NULL;
	char *m = NULL, *c = NULL;
	size_t ml = 0, cl = 0;
	struct ward_digest pd, cd;
	json_t *doc, *layer, *cfg;
	bool added = false;

	(void)state;
	assert_int_equal(ward_sign_artifact_new(&a, NULL), 0);
	assert_int_equal(ward_sign_artifact_add(a, payload1, strlen(payload1), SIG1, &added, NULL),
			 0);
	assert_true(added);
	assert_int_equal(ward_sign_artifact_serialize(a, &m, &ml, &c, &cl, NULL), 0);
	doc = json_loads(m, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(doc, "schemaVersion")), 2);
	assert_string_equal(json_string_value(json_object_get(doc, "mediaType")),
			    WARD_MT_OCI_MANIFEST);
	cfg = json_object_get(doc, "config");
	ward_digest_of(c, cl, &cd);
	assert_string_equal(json_string_value(json_object_get(cfg, "digest")), cd.s);
	assert_int_equal(json_integer_value(json_object_get(cfg, "size")), cl);
	assert_string_equal(json_string_value(json_object_get(cfg, "mediaType")),
			    WARD_MT_OCI_CONFIG);
	assert_int_equal(json_array_size(json_object_get(doc, "layers")), 1);
	layer = json_array_get(json_object_get(doc, "layers"), 0);
	ward_digest_of(payload1, strlen(payload1), &pd);
	assert_string_equal(json_string_value(json_object_get(layer, "mediaType")),
			    WARD_SIGN_MT_SIMPLESIGNING);
	assert_string_equal(json_string_value(json_object_get(layer, "digest")), pd.s);
	assert_int_equal(json_integer_value(json_object_get(layer, "size")), strlen(payload1));
	assert_string_equal(json_string_value(json_object_get(json_object_get(layer, "annotations"),
							      WARD_SIGN_ANNOTATION_SIG)),
			    SIG1);
	/* The config lists the payload as the one diff id, as ggcr writes. */
	assert_non_null(strstr(c, pd.s));
	assert_non_null(strstr(c, "\"rootfs\":{\"diff_ids\":[\""));
	json_decref(doc);
	free(m);
	free(c);
	ward_sign_artifact_free(a);
}

static void
test_parse_append_keeps_foreign_layers(void **state)
{
	/* A foreign artifact: extra annotations (a cosign certificate) and a
	 * layer of another media type must survive the append. */
	const char *foreign =
		"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"size\":"
		"2,\"digest\":\"" DIG "\"},\"layers\":[{\"mediaType\":\"application/"
		"vnd.dev.cosign.simplesigning.v1+json\",\"size\":33,\"digest\":\"" DIG
		"\",\"annotations\":{\"dev.cosignproject.cosign/signature\":\"" SIG1
		"\",\"dev.sigstore.cosign/certificate\":\"CERT\"}},{\"mediaType\":\"text/plain\","
		"\"size\":1,\"digest\":\"" DIG "\"}]}";
	struct ward_sign_artifact *a = NULL, *b = NULL;
	char *m = NULL, *c = NULL;
	size_t ml = 0, cl = 0;
	bool added = false;

	(void)state;
	assert_int_equal(ward_sign_artifact_parse(foreign, strlen(foreign), &a, NULL), 0);
	assert_int_equal(a->n_layers, 2);
	assert_true(a->layers[0].simplesigning);
	assert_string_equal(a->layers[0].sig_b64, SIG1);
	assert_false(a->layers[1].simplesigning);
	assert_null(a->layers[1].sig_b64);
	assert_int_equal(ward_sign_artifact_add(a, payload2, strlen(payload2), SIG2, &added, NULL),
			 0);
	assert_true(added);
	/* The same signature again is not a new layer. */
	assert_int_equal(ward_sign_artifact_add(a, payload2, strlen(payload2), SIG2, &added, NULL),
			 0);
	assert_false(added);
	assert_int_equal(ward_sign_artifact_serialize(a, &m, &ml, &c, &cl, NULL), 0);
	assert_non_null(strstr(m, "dev.sigstore.cosign/certificate"));
	assert_int_equal(ward_sign_artifact_parse(m, ml, &b, NULL), 0);
	assert_int_equal(b->n_layers, 3);
	assert_string_equal(b->layers[2].sig_b64, SIG2);
	assert_int_equal(b->layers[2].size, strlen(payload2));
	free(m);
	free(c);
	ward_sign_artifact_free(a);
	ward_sign_artifact_free(b);
}

#define CFG "\"config\":{\"mediaType\":\"x\",\"size\":2,\"digest\":\"" DIG "\"}"
#define LAYER(size, ann)                                                                     \
	"{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"size\":" size \
	",\"digest\":\"" DIG "\"" ann "}"

static void
test_parse_refuses_malformed(void **state)
{
	(void)state;
	check_parse_fails("[]", "expected an object");
	check_parse_fails("{\"schemaVersion\":1," CFG ",\"layers\":[]}", "schemaVersion");
	check_parse_fails("{\"schemaVersion\":2,\"mediaType\":\"application/"
			  "vnd.oci.image.index.v1+json\"," CFG ",\"layers\":[]}",
			  "mediaType");
	check_parse_fails("{\"schemaVersion\":2,\"layers\":[]}", "config: missing");
	check_parse_fails("{\"schemaVersion\":2," CFG "}", "layers: expected an array");
	check_parse_fails("{\"schemaVersion\":2," CFG ",\"layers\":[],\"manifests\":[]}", "index");
	check_parse_fails("{\"schemaVersion\":2," CFG ",\"layers\":[1]}", "layers[0]");
	check_parse_fails("{\"schemaVersion\":2," CFG ",\"layers\":[{\"mediaType\":\"x\"}]}",
			  "layers[0]");
	check_parse_fails("{\"schemaVersion\":2," CFG ",\"layers\":[" LAYER("-1", "") "]}",
			  "negative");
	check_parse_fails("{\"schemaVersion\":2," CFG ",\"layers\":[{\"mediaType\":\"x\",\"size\":"
			  "1,\"digest\":\"sha256:abc\"}]}",
			  "layers[0].digest");
	/* A 100 MB "payload" is refused from its descriptor, before any fetch. */
	check_parse_fails("{\"schemaVersion\":2," CFG ",\"layers\":[" LAYER("104857600", "") "]}",
			  "more than the 65536 allowed");
	check_parse_fails("{\"schemaVersion\":2," CFG
			  ",\"layers\":[" LAYER("3", ",\"annotations\":[]") "]}",
			  "annotations: expected an object");
	check_parse_fails(
		"{\"schemaVersion\":2," CFG ",\"layers\":[" LAYER(
			"3", ",\"annotations\":{\"dev.cosignproject.cosign/signature\":5}") "]}",
		"not a string");
	check_parse_fails("{\"schemaVersion\":2,\"schemaVersion\":2," CFG ",\"layers\":[]}",
			  "duplicate");
}

static char *
many_layers(size_t n, size_t *ret_len)
{
	static const char head[] = "{\"schemaVersion\":2," CFG ",\"layers\":[";
	static const char one[] = LAYER(
		"33", ",\"annotations\":{\"dev.cosignproject.cosign/signature\":\"" SIG1 "\"}");
	size_t cap = sizeof(head) + n * sizeof(one) + 8, len = 0;
	char *buf = malloc(cap);

	assert_non_null(buf);
	len += (size_t)sprintf(buf + len, "%s", head);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "%s%s", i ? "," : "", one);
	len += (size_t)sprintf(buf + len, "]}");
	*ret_len = len;
	return buf;
}

static void
test_signature_count_is_bounded(void **state)
{
	struct ward_sign_artifact *a = NULL;
	struct ward_error *err = NULL;
	size_t len = 0;
	char *buf;

	(void)state;
	buf = many_layers(WARD_SIGN_ARTIFACT_SIGS_MAX, &len);
	assert_int_equal(ward_sign_artifact_parse(buf, len, &a, NULL), 0);
	assert_int_equal(a->n_layers, WARD_SIGN_ARTIFACT_SIGS_MAX);
	/* Full: one more is refused when building too. */
	assert_true(ward_sign_artifact_add(a, payload2, strlen(payload2), SIG2, NULL, &err) < 0);
	assert_non_null(strstr(err->msg, "the most ward writes"));
	ward_error_free(err);
	err = NULL;
	ward_sign_artifact_free(a);
	a = NULL;
	free(buf);
	/* 10,000 signatures: refused at once, by name. */
	buf = many_layers(10000, &len);
	assert_true(len < WARD_MANIFEST_MAX);
	assert_true(ward_sign_artifact_parse(buf, len, &a, &err) < 0);
	assert_non_null(strstr(err->msg, "10000 signatures, more than the 1024 ward reads"));
	ward_error_free(err);
	free(buf);
}

static void
test_oversized_signature_annotation_is_refused(void **state)
{
	size_t n = WARD_SIGN_SIG_B64_MAX + 1;
	char *sig = malloc(n + 1), *doc;
	struct ward_sign_artifact *a = NULL;
	struct ward_error *err = NULL;

	(void)state;
	assert_non_null(sig);
	memset(sig, 'A', n);
	sig[n] = '\0';
	doc = ward_strdup_printf("{\"schemaVersion\":2," CFG ",\"layers\":[" LAYER(
					 "3", ",\"annotations\":{\"dev.cosignproject.cosign/"
					      "signature\":\"%s\"}") "]}",
				 sig);
	assert_true(ward_sign_artifact_parse(doc, strlen(doc), &a, &err) < 0);
	assert_non_null(strstr(err->msg, "signature annotation of 2049 bytes"));
	ward_error_free(err);
	err = NULL;
	assert_int_equal(ward_sign_artifact_new(&a, NULL), 0);
	assert_true(ward_sign_artifact_add(a, payload1, strlen(payload1), sig, NULL, &err) < 0);
	ward_error_free(err);
	ward_sign_artifact_free(a);
	free(doc);
	free(sig);
}

/* ---- the local store ------------------------------------------------------ */

static char *
tmp_root(void)
{
	char *t = strdup("/tmp/ward-sigstore-XXXXXX");

	assert_non_null(t);
	assert_non_null(mkdtemp(t));
	return t;
}

static void
rm_root(char *root)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	free(root);
}

static void
test_store_keeps_both_kinds_in_order(void **state)
{
	char *root = tmp_root();
	struct ward_digest d;
	struct ward_sign_list l = {0};
	struct ward_sign_stored g1 = {.kind = WARD_SIGN_KIND_GPG,
				      .data = (unsigned char *)"gpg-one",
				      .len = 7},
				g2 = {.kind = WARD_SIGN_KIND_GPG,
				      .data = (unsigned char *)"gpg-two",
				      .len = 7},
				c1 = {.kind = WARD_SIGN_KIND_COSIGN,
				      .data = (unsigned char *)payload1,
				      .len = strlen(payload1),
				      .sig_b64 = SIG1};
	bool added = false;
	char path[256];
	struct stat st;

	(void)state;
	assert_int_equal(ward_digest_parse(DIG, &d, NULL), 0);
	assert_int_equal(ward_sigstore_list(root, &d, &l, NULL), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(ward_sigstore_add(root, &d, &g1, &added, NULL), 0);
	assert_true(added);
	assert_int_equal(ward_sigstore_add(root, &d, &c1, &added, NULL), 0);
	assert_true(added);
	assert_int_equal(ward_sigstore_add(root, &d, &g2, &added, NULL), 0);
	assert_true(added);
	assert_int_equal(ward_sigstore_add(root, &d, &g1, &added, NULL), 0);
	assert_false(added);
	assert_int_equal(ward_sigstore_add(root, &d, &c1, &added, NULL), 0);
	assert_false(added);
	snprintf(path, sizeof(path), "%s/signatures/sha256/" D64 "/gpg/signature-2", root);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/signatures/sha256/" D64 "/cosign/1.payload", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, strlen(payload1));
	assert_int_equal(ward_sigstore_list(root, &d, &l, NULL), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[0].kind, WARD_SIGN_KIND_GPG);
	assert_memory_equal(l.v[0].data, "gpg-one", 7);
	assert_memory_equal(l.v[1].data, "gpg-two", 7);
	assert_int_equal(l.v[2].kind, WARD_SIGN_KIND_COSIGN);
	assert_string_equal((char *)l.v[2].data, payload1);
	assert_string_equal(l.v[2].sig_b64, SIG1);
	ward_sign_list_clear(&l);
	rm_root(root);
}

static void
test_store_refuses_symlinks_and_oversize(void **state)
{
	char *root = tmp_root();
	struct ward_digest d;
	struct ward_sign_list l = {0};
	struct ward_error *err = NULL;
	struct ward_sign_stored g1 = {
		.kind = WARD_SIGN_KIND_GPG, .data = (unsigned char *)"gpg-one", .len = 7};
	char path[256], cmd[512];

	(void)state;
	assert_int_equal(ward_digest_parse(DIG, &d, NULL), 0);
	assert_int_equal(ward_sigstore_add(root, &d, &g1, NULL, NULL), 0);
	/* A planted symlink is not followed: /etc/passwd is no signature. */
	snprintf(path, sizeof(path), "%s/signatures/sha256/" D64 "/gpg/signature-2", root);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_true(ward_sigstore_list(root, &d, &l, &err) < 0);
	assert_non_null(strstr(err->msg, "signature-2"));
	ward_error_free(err);
	err = NULL;
	ward_sign_list_clear(&l);
	assert_int_equal(unlink(path), 0);
	/* A file over the bound is refused by its size, not read. */
	snprintf(cmd, sizeof(cmd), "truncate -s %u '%s'", WARD_SIGN_GPG_SIG_MAX + 1, path);
	assert_int_equal(system(cmd), 0);
	assert_true(ward_sigstore_list(root, &d, &l, &err) < 0);
	assert_non_null(strstr(err->msg, "more than the"));
	ward_error_free(err);
	err = NULL;
	ward_sign_list_clear(&l);
	/* Empty and oversized signatures are not kept. */
	g1.len = 0;
	assert_true(ward_sigstore_add(root, &d, &g1, NULL, &err) < 0);
	ward_error_free(err);
	rm_root(root);
}

static void
test_lookaside_file_write_then_read(void **state)
{
	char *root = tmp_root();
	_cleanup_free_ char *base = ward_strdup_printf("file://%s/look", root);
	struct ward_digest d;
	struct ward_sign_list l = {0};
	struct ward_error *err = NULL;
	unsigned idx = 0;
	char path[512];
	struct stat st;

	(void)state;
	assert_int_equal(ward_digest_parse(DIG, &d, NULL), 0);
	/* Nothing there yet: no signatures, not an error. */
	assert_int_equal(ward_lookaside_read(base, "r.io/a/b:1", &d, NULL, &l, NULL), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(ward_lookaside_write(base, "r.io/a/b:1", &d, "one", 3, &idx, NULL), 0);
	assert_int_equal(idx, 1);
	assert_int_equal(ward_lookaside_write(base, "r.io/a/b:1", &d, "two", 3, &idx, NULL), 0);
	assert_int_equal(idx, 2);
	/* The same bytes again are found, not written twice. */
	assert_int_equal(ward_lookaside_write(base, "r.io/a/b:1", &d, "one", 3, &idx, NULL), 0);
	assert_int_equal(idx, 1);
	/* containers/image's layout: the repository path without the host. */
	snprintf(path, sizeof(path), "%s/look/a/b@sha256=" D64 "/signature-2", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(ward_lookaside_read(base, "r.io/a/b:1", &d, NULL, &l, NULL), 0);
	assert_int_equal(l.n, 2);
	assert_memory_equal(l.v[0].data, "one", 3);
	assert_memory_equal(l.v[1].data, "two", 3);
	assert_int_equal(l.v[1].kind, WARD_SIGN_KIND_GPG);
	ward_sign_list_clear(&l);
	/* Only file:// is written to. */
	assert_true(ward_lookaside_write("https://look.example/s", "r.io/a/b:1", &d, "x", 1, NULL,
					 &err) < 0);
	assert_int_equal(err->kind, WARD_E_UNSUPPORTED);
	ward_error_free(err);
	err = NULL;
	/* An http lookaside that refuses connections fails naming the URL. */
	assert_true(ward_lookaside_read("http://127.0.0.1:1/s", "r.io/a/b:1", &d, NULL, &l, &err) <
		    0);
	assert_non_null(strstr(err->msg, "http://127.0.0.1:1/s/a/b@sha256=" D64 "/signature-1"));
	ward_error_free(err);
	ward_sign_list_clear(&l);
	rm_root(root);
}

static void
test_index_link_round_trip(void **state)
{
	char *root = tmp_root();
	struct ward_digest m, i, got;

	(void)state;
	assert_int_equal(ward_digest_parse(DIG, &m, NULL), 0);
	ward_digest_of("index", 5, &i);
	assert_int_equal(ward_sigstore_get_index(root, &m, &got, NULL), -ENOENT);
	assert_int_equal(ward_sigstore_set_index(root, &m, &i, NULL), 0);
	assert_int_equal(ward_sigstore_get_index(root, &m, &got, NULL), 0);
	assert_string_equal(got.s, i.s);
	rm_root(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tag_names_the_digest),
		cmocka_unit_test(test_build_has_cosign_layout),
		cmocka_unit_test(test_parse_append_keeps_foreign_layers),
		cmocka_unit_test(test_parse_refuses_malformed),
		cmocka_unit_test(test_signature_count_is_bounded),
		cmocka_unit_test(test_oversized_signature_annotation_is_refused),
		cmocka_unit_test(test_store_keeps_both_kinds_in_order),
		cmocka_unit_test(test_store_refuses_symlinks_and_oversize),
		cmocka_unit_test(test_lookaside_file_write_then_read),
		cmocka_unit_test(test_index_link_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
