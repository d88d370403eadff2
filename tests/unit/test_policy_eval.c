/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policy evaluation: scope precedence as containers/image chooses it,
 * reject and accept, sigstoreSigned with keys and signatures made here,
 * signedBy with GPG keys made here by gpg, every signedIdentity rule, and
 * the attacks the checks stop: a wrong key, a tampered payload, a signature
 * of another image (digest) or another name (identity), no signature,
 * 10,000 signatures. Also prints the cost of load + evaluate.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/policy.h>

#define ACCEPT "{\"type\":\"insecureAcceptAnything\"}"
#define REJECT "{\"type\":\"reject\"}"

struct fx {
	char dir[64];
	char k1_path[128], k2_path[128];
	struct ward_sign_key *k1, *k2;
	char *k1_pub_b64, *k2_pub_b64;
	struct ward_digest d1, d2;
};

static struct fx *F;

static void
write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char *pem = NULL;
	size_t len = 0;

	(void)state;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ward-policyeval-XXXXXX");
	if (!f || !mkdtemp(f->dir))
		return -1;
	snprintf(f->k1_path, sizeof(f->k1_path), "%s/k1.pub", f->dir);
	snprintf(f->k2_path, sizeof(f->k2_path), "%s/k2.pub", f->dir);
	if (ward_sign_key_generate(&f->k1, NULL) < 0 || ward_sign_key_generate(&f->k2, NULL) < 0)
		return -1;
	if (ward_sign_key_write_public(f->k1, &pem, &len, NULL) < 0)
		return -1;
	write_file(f->k1_path, pem, len);
	if (ward_base64_encode(pem, len, &f->k1_pub_b64, NULL) < 0)
		return -1;
	free(pem);
	if (ward_sign_key_write_public(f->k2, &pem, &len, NULL) < 0)
		return -1;
	write_file(f->k2_path, pem, len);
	if (ward_base64_encode(pem, len, &f->k2_pub_b64, NULL) < 0)
		return -1;
	free(pem);
	ward_digest_of("manifest one", 12, &f->d1);
	ward_digest_of("manifest two", 12, &f->d2);
	F = f;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", F->dir);
	(void)system(cmd);
	ward_sign_key_free(F->k1);
	ward_sign_key_free(F->k2);
	free(F->k1_pub_b64);
	free(F->k2_pub_b64);
	free(F);
	return 0;
}

static struct ward_policy *
policy(const char *json)
{
	struct ward_policy *p = NULL;
	struct ward_error *err = NULL;

	if (ward_policy_parse(json, strlen(json), "policy.json", &p, &err) < 0)
		fail_msg("policy: %s\n%s", err->msg, json);
	return p;
}

/* A cosign signature by k over a payload naming ref and d. */
struct csig {
	char *payload;
	size_t len;
	char *b64;
};

static struct csig
csign(struct ward_sign_key *k, const char *ref, const struct ward_digest *d)
{
	struct ward_sign_payload_spec spec = {
		.type = WARD_SIGN_PAYLOAD_COSIGN,
		.docker_reference = ref,
		.manifest_digest = d,
		.timestamp = -1,
	};
	struct csig s = {0};

	assert_int_equal(ward_sign_payload_make(&spec, &s.payload, &s.len, NULL), 0);
	assert_int_equal(ward_sign_data_base64(k, s.payload, s.len, &s.b64, NULL), 0);
	return s;
}

static void
csig_free(struct csig *s)
{
	free(s->payload);
	free(s->b64);
}

static struct ward_policy_signature
as_sig(const struct csig *s)
{
	return (struct ward_policy_signature){
		.kind = WARD_POLICY_SIG_COSIGN,
		.data = s->payload,
		.len = s->len,
		.cosign_sig_b64 = s->b64,
	};
}

/* Evaluate; want NULL: must accept; else must fail with a message holding want. */
static void
expect(const struct ward_policy *p, const struct ward_policy_image *img, const char *want,
       struct ward_policy_decision *ret)
{
	struct ward_policy_decision d = {0};
	struct ward_error *err = NULL;
	int r = ward_policy_evaluate(p, img, &d, &err);

	if (!want) {
		if (r < 0)
			fail_msg("%s: expected accept, got: %s", img->docker_reference, err->msg);
		if (ret)
			*ret = d;
		else
			ward_policy_decision_clear(&d);
		return;
	}
	if (r >= 0)
		fail_msg("%s: expected refusal '%s', got accept (%s)",
			 img->docker_reference ? img->docker_reference : img->path, want,
			 d.message);
	if (!strstr(err->msg, want))
		fail_msg("message '%s' lacks '%s'", err->msg, want);
	assert_int_equal(d.n_verified, 0);
	assert_null(d.message);
	ward_error_free(err);
}

/* ---- scopes --------------------------------------------------------------- */

static void
test_most_specific_scope_wins(void **state)
{
	(void)state;
	struct ward_policy *p = policy(
		"{\"default\":[" ACCEPT "],\"transports\":{"
		"\"docker\":{\"\":[" ACCEPT "],\"r.io\":[" ACCEPT "],\"r.io/ns\":[" ACCEPT "],"
		"\"r.io/ns/app\":[" ACCEPT "],\"r.io/ns/app:v1\":[" ACCEPT "],"
		"\"*.r.io\":[" ACCEPT "],\"*.io\":[" ACCEPT "],\"127.0.0.1:5000\":[" ACCEPT "]},"
		"\"oci-archive\":{\"/srv/imgs\":[" ACCEPT "],\"/srv/imgs/a.tar\":[" ACCEPT "]},"
		"\"docker-archive\":{\"\":[" ACCEPT "]}}}");
	char digested[128];
	static const struct {
		const char *transport, *ref, *scope;
	} cases[] = {
		{"docker", "r.io/ns/app:v1", "docker scope \"r.io/ns/app:v1\""},
		{"docker", "r.io/ns/app:v2", "docker scope \"r.io/ns/app\""},
		{"docker", "r.io/ns/other:v1", "docker scope \"r.io/ns\""},
		{"docker", "r.io/ns2/x:1", "docker scope \"r.io\""},
		{"docker", "r.io/nsx/app:v1", "docker scope \"r.io\""}, /* not "r.io/ns" */
		{"docker", "sub.r.io/x:1", "docker scope \"*.r.io\""},
		{"docker", "a.sub.r.io/x:1", "docker scope \"*.r.io\""},
		{"docker", "q.io/x:1", "docker scope \"*.io\""},
		{"docker", "r.io.evil.com/ns/app:v1", "docker default scope \"\""},
		{"docker", "127.0.0.1:5000/app:1", "docker scope \"127.0.0.1:5000\""},
		{"docker", "localhost/app:1", "docker default scope \"\""},
		{"oci-archive", "/srv/imgs/a.tar", "oci-archive scope \"/srv/imgs/a.tar\""},
		{"oci-archive", "/srv/imgs/sub/b.tar", "oci-archive scope \"/srv/imgs\""},
		{"oci-archive", "/srv/imgsx/b.tar", "default"},
		{"oci", "/srv/imgs/a", "default"}, /* no "oci" transport section */
		{"docker-archive", "/anything.tar", "docker-archive default scope \"\""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ward_policy_image img = {.transport = cases[i].transport};
		struct ward_policy_decision d = {0};

		if (!strcmp(cases[i].transport, "docker"))
			img.docker_reference = cases[i].ref;
		else
			img.path = cases[i].ref;
		expect(p, &img, NULL, &d);
		if (strcmp(d.scope, cases[i].scope) != 0)
			fail_msg("%s: scope '%s', want '%s'", cases[i].ref, d.scope,
				 cases[i].scope);
		assert_string_equal(d.origin, "policy.json");
		assert_string_equal(d.rules, "insecureAcceptAnything");
		ward_policy_decision_clear(&d);
	}
	snprintf(digested, sizeof(digested), "r.io/ns/app@%s", F->d1.s);
	{
		struct ward_policy_image img = {.transport = "docker",
						.docker_reference = digested};
		struct ward_policy_decision d = {0};

		expect(p, &img, NULL, &d);
		assert_string_equal(d.scope, "docker scope \"r.io/ns/app\"");
		ward_policy_decision_clear(&d);
	}
	ward_policy_free(p);
}

static void
test_bad_images_are_refused(void **state)
{
	(void)state;
	struct ward_policy *p = policy("{\"default\":[" ACCEPT "]}");
	char both[160];
	struct ward_policy_image img = {.transport = "docker"};
	struct ward_error *err = NULL;

	snprintf(both, sizeof(both), "r.io/a:v1@%s", F->d1.s);
	img.docker_reference = both;
	expect(p, &img, "both a tag and a digest", NULL);
	img.docker_reference = "busybox";
	expect(p, &img, "short name", NULL);
	img.docker_reference = NULL;
	expect(p, &img, "no docker reference", NULL);
	img.transport = "containers-storage";
	assert_true(ward_policy_evaluate(p, &img, NULL, &err) < 0);
	assert_int_equal(err->kind, WARD_E_UNSUPPORTED);
	ward_error_free(err);
	img.transport = "oci-archive";
	img.path = "/srv/../etc/a.tar";
	expect(p, &img, "not a clean absolute path", NULL);
	img.path = "rel.tar";
	expect(p, &img, "not a clean absolute path", NULL);
	img.transport = NULL;
	expect(p, &img, "no transport", NULL);
	ward_policy_free(p);
}

static void
test_reject_names_the_rule(void **state)
{
	(void)state;
	struct ward_policy *p = policy("{\"default\":[" ACCEPT "],\"transports\":{\"docker\":{"
				       "\"127.0.0.1:5000/app\":[" REJECT
				       "],\"127.0.0.1:5000/two\":[" ACCEPT "," REJECT "]}}}");
	struct ward_policy_image img = {.transport = "docker",
					.docker_reference = "127.0.0.1:5000/app:latest"};
	struct ward_error *err = NULL;

	assert_int_equal(ward_policy_evaluate(p, &img, NULL, &err), -EACCES);
	assert_int_equal(err->kind, WARD_E_DENIED);
	assert_string_equal(err->msg, "policy policy.json: docker scope \"127.0.0.1:5000/app\": "
				      "reject: the policy rejects this image");
	ward_error_free(err);
	/* every requirement must pass */
	img.docker_reference = "127.0.0.1:5000/two:1";
	expect(p, &img, "docker scope \"127.0.0.1:5000/two\": reject", NULL);
	img.docker_reference = "127.0.0.1:5000/three:1";
	expect(p, &img, NULL, NULL);
	ward_policy_free(p);
}

/* ---- sigstoreSigned --------------------------------------------------------- */

static char *
sigstore_policy(const char *keys, const char *identity)
{
	return ward_strdup_printf("{\"default\":[" REJECT "],\"transports\":{\"docker\":{"
				  "\"r.io/app\":[{\"type\":\"sigstoreSigned\",%s%s%s}]}}}",
				  keys, identity ? ",\"signedIdentity\":" : "",
				  identity ? identity : "");
}

static struct ward_policy *
keypath_policy(const char *path)
{
	char keys[512];
	char *json;
	struct ward_policy *p;

	snprintf(keys, sizeof(keys), "\"keyPath\":\"%s\"", path);
	json = sigstore_policy(keys, NULL);
	p = policy(json);
	free(json);
	return p;
}

static void
test_sigstore_valid_signature_is_accepted(void **state)
{
	(void)state;
	struct ward_policy *p = keypath_policy(F->k1_path);
	struct csig s = csign(F->k1, "r.io/app:v1", &F->d1);
	struct ward_policy_signature sigs[] = {as_sig(&s)};
	struct ward_policy_image img = {.transport = "docker",
					.docker_reference = "r.io/app:v1",
					.manifest_digest = &F->d1,
					.sigs = sigs,
					.n_sigs = 1};
	struct ward_policy_decision d = {0};
	struct ward_digest fp;
	char want[160];

	expect(p, &img, NULL, &d);
	assert_string_equal(d.scope, "docker scope \"r.io/app\"");
	assert_string_equal(d.rules, "sigstoreSigned");
	assert_string_equal(d.message, "policy policy.json: docker scope \"r.io/app\": "
				       "sigstoreSigned");
	assert_int_equal(d.n_verified, 1);
	assert_int_equal(d.verified[0].kind, WARD_POLICY_SIG_COSIGN);
	assert_int_equal(d.verified[0].sig_index, 0);
	assert_string_equal(d.verified[0].payload->docker_reference, "r.io/app:v1");
	assert_string_equal(d.verified[0].payload->manifest_digest.s, F->d1.s);
	assert_int_equal(ward_sign_key_fingerprint(F->k1, &fp, NULL), 0);
	snprintf(want, sizeof(want), "ecdsa-p256 %s", fp.s);
	assert_string_equal(d.verified[0].signer, want);
	ward_policy_decision_clear(&d);
	csig_free(&s);
	ward_policy_free(p);
}

static void
test_sigstore_forgeries_are_refused(void **state)
{
	(void)state;
	struct ward_policy *p = keypath_policy(F->k1_path);
	struct csig by_k2 = csign(F->k2, "r.io/app:v1", &F->d1);
	struct csig other_image = csign(F->k1, "r.io/app:v1", &F->d2);
	struct csig other_name = csign(F->k1, "r.io/evil:v1", &F->d1);
	struct csig other_tag = csign(F->k1, "r.io/app:v2", &F->d1);
	struct csig tampered = csign(F->k1, "r.io/app:v1", &F->d1);
	struct ward_policy_signature gpg_only = {
		.kind = WARD_POLICY_SIG_GPG, .data = "x", .len = 1};
	struct ward_policy_signature sig;
	struct ward_policy_image img = {.transport = "docker",
					.docker_reference = "r.io/app:v1",
					.manifest_digest = &F->d1,
					.sigs = &sig,
					.n_sigs = 1};
	char *v;

	sig = as_sig(&by_k2);
	expect(p, &img,
	       "sigstoreSigned: no signature verified (1 sigstore signature: 1: "
	       "signature does not verify",
	       NULL);
	sig = as_sig(&other_image);
	expect(p, &img, "refusing a signature of another image", NULL);
	sig = as_sig(&other_name);
	expect(p, &img, "signature identity 'r.io/evil:v1' is not accepted for 'r.io/app:v1'",
	       NULL);
	sig = as_sig(&other_tag);
	expect(p, &img, "not accepted", NULL);
	/* one byte of the payload changed after signing */
	v = strstr(tampered.payload, "r.io/app:v1");
	v[9] = '2';
	sig = as_sig(&tampered);
	expect(p, &img, "does not verify", NULL);
	/* malformed signatures */
	sig = as_sig(&by_k2);
	sig.cosign_sig_b64 = "not base64!";
	expect(p, &img, "no signature verified", NULL);
	sig.cosign_sig_b64 = NULL;
	expect(p, &img, "no signature annotation", NULL);
	/* none at all, or only GPG ones */
	img.n_sigs = 0;
	expect(p, &img, "sigstoreSigned: no sigstore signature (the image has 0 signatures)", NULL);
	img.sigs = &gpg_only;
	img.n_sigs = 1;
	expect(p, &img, "no sigstore signature (the image has 1 signature)", NULL);
	/* no manifest digest: nothing to verify against */
	img.manifest_digest = NULL;
	expect(p, &img, "no manifest digest", NULL);
	csig_free(&by_k2);
	csig_free(&other_image);
	csig_free(&other_name);
	csig_free(&other_tag);
	csig_free(&tampered);
	ward_policy_free(p);

	/* a key file that cannot be read fails closed */
	{
		char missing[160];
		struct csig s = csign(F->k1, "r.io/app:v1", &F->d1);

		snprintf(missing, sizeof(missing), "%s/none.pub", F->dir);
		p = keypath_policy(missing);
		sig = as_sig(&s);
		img.sigs = &sig;
		img.manifest_digest = &F->d1;
		expect(p, &img, "keyPath: open", NULL);
		ward_policy_free(p);
		csig_free(&s);
	}
}

static void
test_sigstore_key_data_several_keys_and_all_signatures(void **state)
{
	(void)state;
	char keys[2048], *json;
	struct ward_policy *p;
	struct csig good1 = csign(F->k1, "r.io/app:v1", &F->d1);
	struct csig good2 = csign(F->k1, "r.io/app:v1", &F->d1);
	struct csig bad = csign(F->k1, "r.io/app:v1", &F->d2);
	struct ward_policy_signature sigs[] = {as_sig(&bad), as_sig(&good1), as_sig(&good2)};
	struct ward_policy_image img = {.transport = "docker",
					.docker_reference = "r.io/app:v1",
					.manifest_digest = &F->d1,
					.sigs = sigs,
					.n_sigs = 3};
	struct ward_policy_decision d = {0};

	snprintf(keys, sizeof(keys), "\"keyDatas\":[\"%s\",\"%s\"]", F->k2_pub_b64, F->k1_pub_b64);
	json = sigstore_policy(keys, NULL);
	p = policy(json);
	free(json);
	/* the first verified signature decides ... */
	expect(p, &img, NULL, &d);
	assert_int_equal(d.n_verified, 1);
	assert_int_equal(d.verified[0].sig_index, 1);
	ward_policy_decision_clear(&d);
	/* ... unless every one is wanted (ward verify) */
	img.verify_all = true;
	expect(p, &img, NULL, &d);
	assert_int_equal(d.n_verified, 2);
	assert_int_equal(d.verified[1].sig_index, 2);
	ward_policy_decision_clear(&d);
	ward_policy_free(p);

	/* keyData with only the other key */
	snprintf(keys, sizeof(keys), "\"keyData\":\"%s\"", F->k2_pub_b64);
	json = sigstore_policy(keys, NULL);
	p = policy(json);
	free(json);
	expect(p, &img, "does not verify", NULL);
	ward_policy_free(p);
	csig_free(&good1);
	csig_free(&good2);
	csig_free(&bad);
}

static void
test_sigstore_signed_identity_rules(void **state)
{
	(void)state;
	char keys[512], digested[160];
	static const struct {
		const char *identity, *image, *signed_ref;
		bool ok;
	} cases[] = {
		{NULL, "r.io/app:v1", "r.io/app:v1", true},
		{NULL, "r.io/app:v1", "r.io/app:v2", false},
		{NULL, "DIGESTED", "r.io/app:v7",
		 true}, /* digest-only image: any tag of its repo */
		{"{\"type\":\"matchExact\"}", "DIGESTED", "r.io/app:v7", false},
		{"{\"type\":\"matchRepository\"}", "r.io/app:v1", "r.io/app:v9", true},
		{"{\"type\":\"matchRepository\"}", "r.io/app:v1", "r.io/app2:v1", false},
		{"{\"type\":\"exactReference\",\"dockerReference\":\"r.io/golden:1\"}",
		 "r.io/app:v1", "r.io/golden:1", true},
		{"{\"type\":\"exactRepository\",\"dockerRepository\":\"r.io/golden\"}",
		 "r.io/app:v1", "r.io/golden:any", true},
		{"{\"type\":\"remapIdentity\",\"prefix\":\"r.io/app\",\"signedPrefix\":"
		 "\"upstream.io/app\"}",
		 "r.io/app:v1", "upstream.io/app:v1", true},
		{"{\"type\":\"remapIdentity\",\"prefix\":\"r.io/app\",\"signedPrefix\":"
		 "\"upstream.io/app\"}",
		 "r.io/app:v1", "r.io/app:v1", false},
	};

	snprintf(keys, sizeof(keys), "\"keyPath\":\"%s\"", F->k1_path);
	snprintf(digested, sizeof(digested), "r.io/app@%s", F->d1.s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *json = sigstore_policy(keys, cases[i].identity);
		struct ward_policy *p = policy(json);
		struct csig s = csign(F->k1, cases[i].signed_ref, &F->d1);
		struct ward_policy_signature sig = as_sig(&s);
		struct ward_policy_image img = {
			.transport = "docker",
			.docker_reference =
				strcmp(cases[i].image, "DIGESTED") ? cases[i].image : digested,
			.manifest_digest = &F->d1,
			.sigs = &sig,
			.n_sigs = 1};

		expect(p, &img, cases[i].ok ? NULL : "is not accepted", NULL);
		csig_free(&s);
		ward_policy_free(p);
		free(json);
	}
}

static void
test_identity_match_table(void **state)
{
	(void)state;
	char dig[160], dig_other[160];
	const struct {
		enum ward_policy_identity_type type;
		const char *v1, *v2, *image, *sig;
		bool ok;
	} cases[] = {
		{WARD_POLICY_ID_MATCH_REPO_DIGEST_OR_EXACT, 0, 0, "r.io/a:v1", "r.io/a:v1", true},
		{WARD_POLICY_ID_MATCH_REPO_DIGEST_OR_EXACT, 0, 0, "r.io/a:v1", "r.io/a", false},
		{WARD_POLICY_ID_MATCH_REPO_DIGEST_OR_EXACT, 0, 0, dig, "r.io/a:v1", true},
		{WARD_POLICY_ID_MATCH_REPO_DIGEST_OR_EXACT, 0, 0, dig, dig_other, true},
		{WARD_POLICY_ID_MATCH_REPO_DIGEST_OR_EXACT, 0, 0, dig, "r.io/b:v1", false},
		{WARD_POLICY_ID_MATCH_REPO_DIGEST_OR_EXACT, 0, 0,
		 "docker.io/library/busybox:latest", "busybox:latest", true},
		{WARD_POLICY_ID_MATCH_REPO_DIGEST_OR_EXACT, 0, 0,
		 "docker.io/library/busybox:latest", "busybox", false},
		{WARD_POLICY_ID_MATCH_REPO_DIGEST_OR_EXACT, 0, 0, "r.io/a:v1", "R.IO/A:v1", false},
		{WARD_POLICY_ID_MATCH_EXACT, 0, 0, dig, "r.io/a:v1", false},
		{WARD_POLICY_ID_MATCH_EXACT, 0, 0, dig, dig, true},
		{WARD_POLICY_ID_MATCH_EXACT, 0, 0, "r.io/a:v1", "r.io/a:v1", true},
		{WARD_POLICY_ID_MATCH_REPOSITORY, 0, 0, "r.io/a:v1", "r.io/a", true},
		{WARD_POLICY_ID_MATCH_REPOSITORY, 0, 0, "r.io/a:v1", "r.io/a/b:v1", false},
		{WARD_POLICY_ID_EXACT_REFERENCE, "r.io/g:1", 0, "x.io/y:2", "r.io/g:1", true},
		{WARD_POLICY_ID_EXACT_REFERENCE, "r.io/g:1", 0, "x.io/y:2", "r.io/g:2", false},
		{WARD_POLICY_ID_EXACT_REFERENCE, "busybox:1", 0, "x.io/y:2",
		 "docker.io/library/busybox:1", true},
		{WARD_POLICY_ID_EXACT_REPOSITORY, "r.io/g", 0, "x.io/y:2", "r.io/g:9", true},
		{WARD_POLICY_ID_EXACT_REPOSITORY, "r.io/g", 0, "x.io/y:2", "r.io/gg:9", false},
		{WARD_POLICY_ID_REMAP_IDENTITY, "mirror.io/m", "r.io", "mirror.io/m/app:v1",
		 "r.io/app:v1", true},
		{WARD_POLICY_ID_REMAP_IDENTITY, "mirror.io/m", "r.io", "mirror.io/m/app:v1",
		 "mirror.io/m/app:v1", false},
		/* "mirror.io/mx" does not start with the component "mirror.io/m" */
		{WARD_POLICY_ID_REMAP_IDENTITY, "mirror.io/m", "r.io", "mirror.io/mx/app:v1",
		 "mirror.io/mx/app:v1", true},
		{WARD_POLICY_ID_REMAP_IDENTITY, "mirror.io/m", "r.io", "mirror.io/mx/app:v1",
		 "r.io/x/app:v1", false},
		{WARD_POLICY_ID_REMAP_IDENTITY, "mirror.io", "docker.io", "mirror.io/app:v1",
		 "docker.io/app:v1", false}, /* rewrite not canonical (library/): no match */
	};

	snprintf(dig, sizeof(dig), "r.io/a@%s", F->d1.s);
	snprintf(dig_other, sizeof(dig_other), "r.io/a@%s", F->d2.s);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ward_policy_identity id = {cases[i].type, cases[i].v1, cases[i].v2};
		struct ward_error *err = NULL;
		int r = ward_policy_identity_match(&id, cases[i].image, cases[i].sig, &err);

		if (cases[i].ok && r < 0)
			fail_msg("case %zu: %s vs %s: %s", i, cases[i].image, cases[i].sig,
				 err->msg);
		if (!cases[i].ok) {
			if (r != -EACCES)
				fail_msg("case %zu: %s vs %s: accepted", i, cases[i].image,
					 cases[i].sig);
			assert_int_equal(err->kind, WARD_E_DENIED);
		}
		ward_error_free(err);
	}
	/* an image without a name cannot satisfy a rule about its name */
	{
		struct ward_policy_identity id = {WARD_POLICY_ID_MATCH_REPOSITORY, 0, 0};
		struct ward_error *err = NULL;

		assert_int_equal(ward_policy_identity_match(&id, NULL, "r.io/a:1", &err), -EACCES);
		assert_non_null(strstr(err->msg, "no docker reference"));
		ward_error_free(err);
	}
}

/* ---- signatures on demand, counts -------------------------------------------- */

struct cb {
	int calls;
	const struct ward_policy_signature *sigs;
	size_t n;
	bool fail;
};

static int
get_sigs(void *opaque, const struct ward_policy_signature **ret, size_t *ret_n,
	 struct ward_error **err)
{
	struct cb *c = opaque;

	c->calls++;
	if (c->fail)
		return ward_error_set(err, EIO, "lookaside unreachable");
	*ret = c->sigs;
	*ret_n = c->n;
	return 0;
}

static void
test_signatures_are_fetched_only_when_needed(void **state)
{
	(void)state;
	char *json;
	struct ward_policy *p;
	struct csig s = csign(F->k1, "r.io/app:v1", &F->d1);
	struct ward_policy_signature sig = as_sig(&s);
	struct cb c = {.sigs = &sig, .n = 1};
	struct ward_policy_image img = {.transport = "docker",
					.docker_reference = "r.io/other:v1",
					.manifest_digest = &F->d1,
					.get_signatures = get_sigs,
					.opaque = &c};
	char keys[512];
	bool needs = true;

	snprintf(keys, sizeof(keys),
		 "\"keyPath\":\"%s\"}, {\"type\":\"sigstoreSigned\","
		 "\"keyPath\":\"%s\"",
		 F->k1_path, F->k1_path);
	json = sigstore_policy(keys, NULL);
	p = policy(json);
	free(json);
	/* r.io/other falls to default [reject]: signatures are never fetched */
	expect(p, &img, "default: reject", NULL);
	assert_int_equal(c.calls, 0);
	assert_int_equal(ward_policy_needs_signatures(p, &img, &needs, NULL), 0);
	assert_false(needs);
	/* two signed requirements: fetched once */
	img.docker_reference = "r.io/app:v1";
	assert_int_equal(ward_policy_needs_signatures(p, &img, &needs, NULL), 0);
	assert_true(needs);
	expect(p, &img, NULL, NULL);
	assert_int_equal(c.calls, 1);
	/* a fetch failure is a refusal naming it */
	c.fail = true;
	expect(p, &img, "read the image's signatures: lookaside unreachable", NULL);
	ward_policy_free(p);
	csig_free(&s);
}

/* ---- vulnerabilityScan ------------------------------------------------------ */

struct scan_probe {
	int calls;
	int result; /* what the callback returns */
	struct ward_policy_scan_rule seen;
};

static int
scan_probe_cb(void *opaque, const struct ward_policy_scan_rule *rule, struct ward_error **err)
{
	struct scan_probe *sp = opaque;

	sp->calls++;
	sp->seen = *rule;
	if (sp->result < 0)
		return ward_error_setk(err, WARD_E_DENIED, EACCES, "2 findings above HIGH");
	return 0;
}

static void
test_scan_rule_runs_after_signatures_and_only_with_a_callback(void **state)
{
	(void)state;
	char json[1024];
	struct csig good = csign(F->k1, "r.io/app:v1", &F->d1);
	struct ward_policy_signature sigs[] = {as_sig(&good)};
	struct scan_probe sp = {0};
	struct ward_policy_image img = {.transport = "docker",
					.docker_reference = "r.io/app:v1",
					.manifest_digest = &F->d1,
					.sigs = sigs,
					.n_sigs = 1,
					.scan = scan_probe_cb,
					.scan_opaque = &sp};
	struct ward_policy_decision d = {0};
	struct ward_policy *p;

	/* The scan rule first in the list: still evaluated after the
	 * signature, so an unsigned image is never unpacked for a scan. */
	snprintf(json, sizeof(json),
		 "{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"docker\":{\"r.io/app\":["
		 "{\"type\":\"vulnerabilityScan\",\"maxSeverity\":\"high\",\"ignoreUnfixed\":true,"
		 "\"maxDbAge\":\"2d\"},"
		 "{\"type\":\"sigstoreSigned\",\"keyPath\":\"%s\"}]}}}",
		 F->k1_path);
	p = policy(json);
	expect(p, &img, NULL, &d);
	assert_int_equal(sp.calls, 1);
	assert_int_equal(sp.seen.max_severity, WARD_SEV_HIGH);
	assert_true(sp.seen.ignore_unfixed);
	assert_int_equal(sp.seen.max_db_age, 2 * 86400);
	assert_false(d.scan_deferred);
	assert_string_equal(d.rules, "vulnerabilityScan, sigstoreSigned");
	ward_policy_decision_clear(&d);

	/* A failing scan refuses, naming the rule. */
	sp.result = -1;
	expect(p, &img, "vulnerabilityScan: 2 findings above HIGH", NULL);
	assert_int_equal(sp.calls, 2);

	/* No valid signature: refused before any scan. */
	sp = (struct scan_probe){0};
	img.n_sigs = 0;
	expect(p, &img, "sigstoreSigned", NULL);
	assert_int_equal(sp.calls, 0);

	/* No callback (ward pull, before anything is fetched): deferred. */
	img.n_sigs = 1;
	img.scan = NULL;
	expect(p, &img, NULL, &d);
	assert_true(d.scan_deferred);
	ward_policy_decision_clear(&d);
	ward_policy_free(p);
	csig_free(&good);
}

static void
test_scan_rule_parse_errors_name_the_line(void **state)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
		{"{\"default\":[\n{\"type\":\"vulnerabilityScan\"}]}",
		 "policy.json:2: default[0]: missing field \"maxSeverity\""},
		{"{\"default\":[{\"type\":\"vulnerabilityScan\",\n\"maxSeverity\":\"unknown\"}]}",
		 "policy.json:2: default[0].maxSeverity: \"unknown\": want LOW"},
		{"{\"default\":[{\"type\":\"vulnerabilityScan\",\"maxSeverity\":\"LOW\",\n"
		 "\"ignoreFile\":\"rel/path\"}]}",
		 "policy.json:2: default[0].ignoreFile: ignoreFile 'rel/path' is not an absolute"},
		{"{\"default\":[{\"type\":\"vulnerabilityScan\",\"maxSeverity\":\"LOW\",\n"
		 "\"maxDbAge\":\"soon\"}]}",
		 "policy.json:2: default[0].maxDbAge: \"soon\": a duration"},
		{"{\"default\":[{\"type\":\"vulnerabilityScan\",\"maxSeverity\":\"LOW\",\n"
		 "\"vex\":[\"/ok\",\n7]}]}",
		 "policy.json:3: default[0].vex[1]: expected a string"},
		{"{\"default\":[{\"type\":\"vulnerabilityScan\",\"maxSeverity\":\"LOW\",\n"
		 "\"failOn\":\"LOW\"}]}",
		 "policy.json:2: default[0].failOn: unknown field in vulnerabilityScan"},
		{"{\"default\":[{\"type\":\"vulnerabilityScan\",\"maxSeverity\":\"LOW\",\n"
		 "\"ignoreUnfixed\":\"yes\"}]}",
		 "policy.json:2: default[0].ignoreUnfixed: expected a boolean"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ward_policy *p = NULL;
		struct ward_error *err = NULL;

		if (ward_policy_parse(cases[i].json, strlen(cases[i].json), "policy.json", &p,
				      &err) >= 0)
			fail_msg("case %zu parsed", i);
		if (!strstr(err->msg, cases[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, err->msg, cases[i].want);
		ward_error_free(err);
	}
}

static void
test_ten_thousand_signatures_are_refused_quickly(void **state)
{
	(void)state;
	struct ward_policy *p = keypath_policy(F->k1_path);
	size_t n = WARD_POLICY_SIGNATURES_MAX + 1;
	struct ward_policy_signature *sigs = calloc(n, sizeof(*sigs));
	struct ward_policy_image img = {.transport = "docker",
					.docker_reference = "r.io/app:v1",
					.manifest_digest = &F->d1,
					.sigs = sigs,
					.n_sigs = n};
	struct csig bad = csign(F->k2, "r.io/app:v1", &F->d1);
	long t0;

	for (size_t i = 0; i < n; i++)
		sigs[i] = as_sig(&bad);
	expect(p, &img, "10001 signatures, more than 10000", NULL);
	/* exactly the maximum, none valid: all tried, refused, bounded time
	 * and a bounded message */
	img.n_sigs = WARD_POLICY_SIGNATURES_MAX;
	t0 = ward_now_ms();
	expect(p, &img, "no signature verified (10000 sigstore signatures: 1: ", NULL);
	printf("# 10000 forged cosign signatures refused in %ld ms\n", ward_now_ms() - t0);
	csig_free(&bad);
	free(sigs);
	ward_policy_free(p);
}

/* ---- signedBy (GPG) ------------------------------------------------------------ */

static int
run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static bool
gpg_key(const char *home, const char *uid, const char *pub_path, char fpr[64])
{
	char path[256];
	FILE *f;

	if (mkdir(home, 0700) < 0)
		return false;
	if (run("gpg --homedir '%s' --batch --quiet --passphrase '' --quick-gen-key '%s' ed25519 "
		"sign never >/dev/null 2>&1",
		home, uid) != 0)
		return false;
	if (run("gpg --homedir '%s' --batch --armor --export >'%s' 2>/dev/null", home, pub_path))
		return false;
	snprintf(path, sizeof(path), "%s/fpr", home);
	if (run("gpg --homedir '%s' --batch --with-colons --list-secret-keys 2>/dev/null | "
		"awk -F: '$1==\"fpr\"{print $10; exit}' >'%s'",
		home, path) != 0)
		return false;
	f = fopen(path, "r");
	if (!f || !fgets(fpr, 64, f)) {
		if (f)
			fclose(f);
		return false;
	}
	fclose(f);
	fpr[strcspn(fpr, "\n")] = '\0';
	return strlen(fpr) >= 40;
}

static struct ward_policy_signature
gsign(const char *home, const char *fpr, const char *ref, const struct ward_digest *d,
      unsigned char **buf)
{
	struct ward_sign_payload_spec spec = {
		.type = WARD_SIGN_PAYLOAD_ATOMIC,
		.docker_reference = ref,
		.manifest_digest = d,
		.timestamp = -1,
	};
	struct ward_error *err = NULL;
	char *payload = NULL;
	size_t len = 0, sig_len = 0;

	assert_int_equal(ward_sign_payload_make(&spec, &payload, &len, NULL), 0);
	if (ward_gpg_sign(home, fpr, payload, len, buf, &sig_len, &err) < 0)
		fail_msg("gpg sign: %s", err->msg);
	free(payload);
	return (struct ward_policy_signature){
		.kind = WARD_POLICY_SIG_GPG, .data = *buf, .len = sig_len};
}

static void
test_gpg_signed_by(void **state)
{
	(void)state;
	char home_a[160], home_b[160], pub_a[160], pub_b[160], fpr_a[64], fpr_b[64];
	unsigned char *good_buf = NULL, *by_b_buf = NULL, *other_buf = NULL, *name_buf = NULL;
	struct ward_policy_signature good, by_b, other_image, other_name, sigs[2];
	struct ward_policy_image img = {.transport = "docker",
					.docker_reference = "r.io/app:v1",
					.manifest_digest = &F->d1,
					.sigs = sigs,
					.n_sigs = 1};
	struct ward_policy_decision d = {0};
	struct ward_policy *p;
	char *json, *keydata = NULL, *armored = NULL;
	size_t alen = 0;
	FILE *f;

	if (run("command -v gpg >/dev/null 2>&1") != 0)
		skip();
	snprintf(home_a, sizeof(home_a), "%s/gpg-a", F->dir);
	snprintf(home_b, sizeof(home_b), "%s/gpg-b", F->dir);
	snprintf(pub_a, sizeof(pub_a), "%s/a.asc", F->dir);
	snprintf(pub_b, sizeof(pub_b), "%s/b.asc", F->dir);
	assert_true(gpg_key(home_a, "policy test A <a@ward.test>", pub_a, fpr_a));
	assert_true(gpg_key(home_b, "policy test B <b@ward.test>", pub_b, fpr_b));

	good = gsign(home_a, fpr_a, "r.io/app:v1", &F->d1, &good_buf);
	by_b = gsign(home_b, fpr_b, "r.io/app:v1", &F->d1, &by_b_buf);
	other_image = gsign(home_a, fpr_a, "r.io/app:v1", &F->d2, &other_buf);
	other_name = gsign(home_a, fpr_a, "r.io/evil:v1", &F->d1, &name_buf);

	json = ward_strdup_printf("{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\","
				  "\"keyPath\":\"%s\"}]}",
				  pub_a);
	p = policy(json);
	free(json);
	sigs[0] = good;
	expect(p, &img, NULL, &d);
	assert_int_equal(d.n_verified, 1);
	assert_int_equal(d.verified[0].kind, WARD_POLICY_SIG_GPG);
	assert_string_equal(d.verified[0].signer, fpr_a);
	assert_int_equal(d.verified[0].payload->type, WARD_SIGN_PAYLOAD_ATOMIC);
	assert_string_equal(d.message, "policy policy.json: default: signedBy");
	ward_policy_decision_clear(&d);

	sigs[0] = by_b;
	expect(p, &img, "signedBy: no signature verified (1 GPG signature: 1: ", NULL);
	sigs[0] = other_image;
	expect(p, &img, "refusing a signature of another image", NULL);
	sigs[0] = other_name;
	expect(p, &img, "signature identity 'r.io/evil:v1' is not accepted", NULL);
	/* tampered: flip a byte inside the signed message */
	{
		unsigned char *t = malloc(good.len);
		struct ward_policy_signature tampered = good;

		memcpy(t, good.data, good.len);
		t[good.len / 2] ^= 0x01;
		tampered.data = t;
		sigs[0] = tampered;
		expect(p, &img, "signedBy: no signature verified", NULL);
		free(t);
	}
	/* a bad one, then a good one: accepted by the good one */
	sigs[0] = by_b;
	sigs[1] = good;
	img.n_sigs = 2;
	expect(p, &img, NULL, &d);
	assert_int_equal(d.verified[0].sig_index, 1);
	ward_policy_decision_clear(&d);
	/* cosign signatures do not satisfy signedBy */
	{
		struct csig c = csign(F->k1, "r.io/app:v1", &F->d1);

		sigs[0] = as_sig(&c);
		img.n_sigs = 1;
		expect(p, &img, "signedBy: no GPG signature (the image has 1 signature)", NULL);
		csig_free(&c);
	}
	/* more GPG signatures than one signedBy looks at: refused before any
	 * gpg run; a few hundred forged ones cost bounded time */
	{
		size_t n = WARD_POLICY_GPG_SIGNATURES_MAX + 1;
		struct ward_policy_signature *many = calloc(n, sizeof(*many));
		struct ward_policy_image mimg = img;
		long t0;

		for (size_t i = 0; i < n; i++)
			many[i] = by_b;
		mimg.sigs = many;
		mimg.n_sigs = n;
		t0 = ward_now_ms();
		expect(p, &mimg, "129 GPG signatures, more than 128", NULL);
		assert_true(ward_now_ms() - t0 < 1000);
		mimg.n_sigs = 32;
		t0 = ward_now_ms();
		expect(p, &mimg, "no signature verified (32 GPG signatures: ", NULL);
		printf("# 32 GPG signatures by another key refused in %ld ms\n", ward_now_ms() - t0);
		free(many);
	}
	ward_policy_free(p);

	/* keyPaths with both keys, and keyData */
	json = ward_strdup_printf("{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\","
				  "\"keyPaths\":[\"%s\",\"%s\"]}]}",
				  pub_b, pub_a);
	p = policy(json);
	free(json);
	sigs[0] = good;
	expect(p, &img, NULL, NULL);
	ward_policy_free(p);

	f = fopen(pub_b, "rb");
	assert_non_null(f);
	armored = malloc(1 << 16);
	alen = fread(armored, 1, 1 << 16, f);
	fclose(f);
	assert_int_equal(ward_base64_encode(armored, alen, &keydata, NULL), 0);
	json = ward_strdup_printf("{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\","
				  "\"keyData\":\"%s\"}]}",
				  keydata);
	p = policy(json);
	free(json);
	sigs[0] = by_b;
	expect(p, &img, NULL, NULL);
	sigs[0] = good;
	expect(p, &img, "no signature verified", NULL);
	ward_policy_free(p);

	free(keydata);
	free(armored);
	free(good_buf);
	free(by_b_buf);
	free(other_buf);
	free(name_buf);
	(void)run("gpgconf --homedir '%s' --kill all >/dev/null 2>&1", home_a);
	(void)run("gpgconf --homedir '%s' --kill all >/dev/null 2>&1", home_b);
}

/* ---- agreement with skopeo ------------------------------------------------------- */

/* A dir: image (skopeo's directory transport) made here, signed by
 * `skopeo standalone-sign` with a gpg key made here; then the same policies
 * are decided by `skopeo copy` and by ward, which must agree. */
static bool
make_dir_image(const char *t)
{
	return run("set -e; cd '%s'; mkdir -p src; head -c 1024 /dev/zero >layer; "
		   "L=$(sha256sum layer | cut -d' ' -f1); mv layer src/$L; "
		   "printf '{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
		   "\"layers\",\"diff_ids\":[\"sha256:%%s\"]}}' $L >cfg; "
		   "C=$(sha256sum cfg | cut -d' ' -f1); CS=$(stat -c %%s cfg); mv cfg src/$C; "
		   "printf '{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image."
		   "manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image."
		   "config.v1+json\",\"digest\":\"sha256:%%s\",\"size\":%%s},\"layers\":[{"
		   "\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":"
		   "\"sha256:%%s\",\"size\":1024}]}' $C $CS $L >src/manifest.json; "
		   "printf 'Directory Transport Version: 1.1\\n' >src/version; "
		   "cp -r src tampered; printf ' ' >>tampered/manifest.json",
		   t) == 0;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(WARD_SIGN_GPG_SIG_MAX);

	assert_non_null(f);
	*len = fread(buf, 1, WARD_SIGN_GPG_SIG_MAX, f);
	fclose(f);
	return buf;
}

static bool
ward_accepts_dir(const char *policy_path, const char *image_dir)
{
	_cleanup_free_ char *mpath = ward_strdup_printf("%s/manifest.json", image_dir);
	_cleanup_free_ char *spath = ward_strdup_printf("%s/signature-1", image_dir);
	_cleanup_free_ char *manifest = NULL, *sig = NULL;
	struct ward_policy *p = NULL;
	struct ward_error *err = NULL;
	struct ward_digest d;
	size_t mlen = 0, slen = 0;
	int r;

	manifest = slurp(mpath, &mlen);
	sig = slurp(spath, &slen);
	ward_digest_of(manifest, mlen, &d);
	{
		struct ward_policy_signature s = {
			.kind = WARD_POLICY_SIG_GPG, .data = sig, .len = slen};
		struct ward_policy_image img = {.transport = "dir",
						.path = image_dir,
						.manifest_digest = &d,
						.sigs = &s,
						.n_sigs = 1};

		if (ward_policy_load(policy_path, &p, &err) < 0)
			fail_msg("policy: %s", err->msg);
		r = ward_policy_evaluate(p, &img, NULL, &err);
	}
	ward_error_free(err);
	ward_policy_free(p);
	return r == 0;
}

/* fmt with each "%N$s" (N in 1..4) replaced by v[N-1]. */
static char *
subst(const char *fmt, const char *const v[4])
{
	size_t cap = strlen(fmt) + 1, o = 0;
	char *out;

	for (int i = 0; i < 4; i++)
		cap += 4 * strlen(v[i]);
	out = malloc(cap);
	assert_non_null(out);
	for (const char *p = fmt; *p;) {
		if (p[0] == '%' && p[1] >= '1' && p[1] <= '4' && p[2] == '$' && p[3] == 's') {
			size_t n = strlen(v[p[1] - '1']);

			memcpy(out + o, v[p[1] - '1'], n);
			o += n;
			p += 4;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	return out;
}

static void
test_agrees_with_skopeo_on_signed_dir_images(void **state)
{
	(void)state;
	char t[128], home_a[160], home_b[160], pa[160], pb[160], fa[64], fb[64], src[160];
	char tampered[160], pol[160], parent[160];
	const struct {
		const char *fmt; /* %1$s pub A, %2$s pub B, %3$s src, %4$s parent of src */
		bool accept;
	} cases[] = {
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"%1$"
		 "s\","
		 "\"signedIdentity\":{\"type\":\"exactReference\",\"dockerReference\":"
		 "\"r.io/app:v1\"}}]}",
		 true},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"%2$"
		 "s\","
		 "\"signedIdentity\":{\"type\":\"exactReference\",\"dockerReference\":"
		 "\"r.io/app:v1\"}}]}",
		 false},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"%1$"
		 "s\","
		 "\"signedIdentity\":{\"type\":\"exactReference\",\"dockerReference\":"
		 "\"r.io/app:v2\"}}]}",
		 false},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"%1$"
		 "s\","
		 "\"signedIdentity\":{\"type\":\"exactRepository\",\"dockerRepository\":"
		 "\"r.io/app\"}}]}",
		 true},
		/* a dir: image has no docker name: rules about its name cannot pass */
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":"
		 "\"%1$s\"}]}",
		 false},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"%1$"
		 "s\","
		 "\"signedIdentity\":{\"type\":\"matchRepository\"}}]}",
		 false},
		{"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPaths\":[\"%2$"
		 "s\","
		 "\"%1$s\"],\"signedIdentity\":{\"type\":\"exactReference\",\"dockerReference\":"
		 "\"r.io/app:v1\"}}]}",
		 true},
		{"{\"default\":[" ACCEPT
		 ",{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":"
		 "\"%2$s\",\"signedIdentity\":{\"type\":\"exactReference\",\"dockerReference\":"
		 "\"r.io/app:v1\"}}]}",
		 false},
		{"{\"default\":[" ACCEPT "],\"transports\":{\"dir\":{\"%4$s\":[" REJECT "]}}}",
		 false},
		{"{\"default\":[" REJECT "],\"transports\":{\"dir\":{\"%3$s\":[" ACCEPT "],"
		 "\"%4$s\":[" REJECT "]}}}",
		 true},
		{"{\"default\":[" REJECT "],\"transports\":{\"dir\":{\"\":[" ACCEPT "]}}}", true},
		{"{\"default\":[" REJECT "],\"transports\":{\"docker\":{\"\":[" ACCEPT "]}}}",
		 false},
	};

	if (run("command -v skopeo >/dev/null 2>&1 && command -v gpg >/dev/null 2>&1") != 0)
		skip();
	snprintf(t, sizeof(t), "%s/skopeo", F->dir);
	assert_int_equal(mkdir(t, 0700), 0);
	snprintf(home_a, sizeof(home_a), "%s/ga", t);
	snprintf(home_b, sizeof(home_b), "%s/gb", t);
	snprintf(pa, sizeof(pa), "%s/a.asc", t);
	snprintf(pb, sizeof(pb), "%s/b.asc", t);
	snprintf(src, sizeof(src), "%s/src", t);
	snprintf(tampered, sizeof(tampered), "%s/tampered", t);
	snprintf(pol, sizeof(pol), "%s/policy.json", t);
	snprintf(parent, sizeof(parent), "%s", t);
	assert_true(gpg_key(home_a, "skopeo peer A <a@ward.test>", pa, fa));
	assert_true(gpg_key(home_b, "skopeo peer B <b@ward.test>", pb, fb));
	assert_true(make_dir_image(t));
	assert_int_equal(run("GNUPGHOME='%s' skopeo standalone-sign '%s/manifest.json' r.io/app:v1 "
			     "%s -o '%s/signature-1' >/dev/null 2>&1 && cp '%s/signature-1' '%s/'",
			     home_a, src, fa, src, src, tampered),
			 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const v[4] = {pa, pb, src, parent};
		char *json = subst(cases[i].fmt, v);
		bool skopeo_ok, ward_ok;

		write_file(pol, json, strlen(json));
		skopeo_ok = run("rm -rf '%s/dst'; skopeo --policy '%s' copy --quiet 'dir:%s' "
				"'dir:%s/dst' >/dev/null 2>&1",
				t, pol, src, t) == 0;
		ward_ok = ward_accepts_dir(pol, src);
		if (skopeo_ok != cases[i].accept || ward_ok != cases[i].accept)
			fail_msg("case %zu: skopeo %s, ward %s, want %s\n%s", i,
				 skopeo_ok ? "accepts" : "rejects", ward_ok ? "accepts" : "rejects",
				 cases[i].accept ? "accept" : "reject", json);
		/* a manifest changed after signing: both refuse under signing rules */
		if (i == 0) {
			skopeo_ok = run("rm -rf '%s/dst'; skopeo --policy '%s' copy --quiet "
					"'dir:%s' 'dir:%s/dst' >/dev/null 2>&1",
					t, pol, tampered, t) == 0;
			assert_false(skopeo_ok);
			assert_false(ward_accepts_dir(pol, tampered));
		}
		free(json);
	}
	(void)run("gpgconf --homedir '%s' --kill all >/dev/null 2>&1", home_a);
	(void)run("gpgconf --homedir '%s' --kill all >/dev/null 2>&1", home_b);
}

/* ---- cost ----------------------------------------------------------------------- */

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* load (read + parse the file) + evaluate, as `ward run` does once. */
static long
median_ns(const char *policy_path, const struct ward_policy_image *img)
{
	static long t[1000];

	for (int i = 0; i < 1000; i++) {
		struct ward_policy *p = NULL;
		long t0 = now_ns();

		assert_int_equal(ward_policy_load(policy_path, &p, NULL), 0);
		assert_int_equal(ward_policy_evaluate(p, img, NULL, NULL), 0);
		ward_policy_free(p);
		t[i] = now_ns() - t0;
	}
	qsort(t, 1000, sizeof(t[0]), cmp_long);
	return t[500];
}

static void
test_cost_of_load_and_evaluate(void **state)
{
	(void)state;
	char path[160], *json;
	struct csig s = csign(F->k1, "r.io/app:v1", &F->d1);
	struct ward_policy_signature sig = as_sig(&s);
	struct ward_policy_image img = {.transport = "docker",
					.docker_reference = "r.io/app:v1",
					.manifest_digest = &F->d1,
					.sigs = &sig,
					.n_sigs = 1};
	char keys[512];
	long accept_ns, sigstore_ns;

	snprintf(path, sizeof(path), "%s/policy.json", F->dir);
	json = "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}";
	write_file(path, json, strlen(json));
	accept_ns = median_ns(path, &img);
	snprintf(keys, sizeof(keys), "\"keyPath\":\"%s\"", F->k1_path);
	json = sigstore_policy(keys, NULL);
	write_file(path, json, strlen(json));
	free(json);
	sigstore_ns = median_ns(path, &img);
	printf("# policy load+evaluate, median of 1000 (this build: ASan+UBSan, -O1): "
	       "insecureAcceptAnything %.1f us, sigstoreSigned (1 ECDSA P-256 signature) %.1f us\n",
	       accept_ns / 1000.0, sigstore_ns / 1000.0);
	csig_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_most_specific_scope_wins),
		cmocka_unit_test(test_bad_images_are_refused),
		cmocka_unit_test(test_reject_names_the_rule),
		cmocka_unit_test(test_sigstore_valid_signature_is_accepted),
		cmocka_unit_test(test_sigstore_forgeries_are_refused),
		cmocka_unit_test(test_sigstore_key_data_several_keys_and_all_signatures),
		cmocka_unit_test(test_sigstore_signed_identity_rules),
		cmocka_unit_test(test_identity_match_table),
		cmocka_unit_test(test_signatures_are_fetched_only_when_needed),
		cmocka_unit_test(test_ten_thousand_signatures_are_refused_quickly),
		cmocka_unit_test(test_scan_rule_runs_after_signatures_and_only_with_a_callback),
		cmocka_unit_test(test_scan_rule_parse_errors_name_the_line),
		cmocka_unit_test(test_gpg_signed_by),
		cmocka_unit_test(test_agrees_with_skopeo_on_signed_dir_images),
		cmocka_unit_test(test_cost_of_load_and_evaluate),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
