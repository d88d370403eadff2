/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward verify [--key PUB] [--format json|table] [--tls-verify=false]
 *             [--cert-dir D] [--authfile F] IMAGE
 *
 * IMAGE in the store is checked with the signatures kept beside it; else a
 * registry reference is checked with its .sig tag and lookaside. --key is a
 * cosign public key (PEM) or GPG public keys; without it the trust policy
 * decides. Exit 0 only when at least one signature verified; the verified
 * payloads are printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include <ward/image.h>
#include <ward/policy.h>
#include <ward/registry.h>
#include <ward/sign.h>

#include "cli.h"

struct verified {
	const char *kind;
	char *signer;
	struct ward_sign_payload *payload;
};

struct target {
	char *reference;
	struct ward_digest digest;
	struct ward_sign_list sigs;
	bool local;
};

static void
target_clear(struct target *t)
{
	free(t->reference);
	ward_sign_list_clear(&t->sigs);
}

static int
find_target(struct ward_cli *cli, const char *image, const struct ward_registry_opts *ro,
	    struct target *t, struct ward_error **err)
{
	_cleanup_(ward_store_freep) struct ward_store *s = NULL;
	_cleanup_(ward_registry_freep) struct ward_registry *r = NULL;
	_cleanup_(ward_ref_freep) struct ward_ref *ref = NULL;
	_cleanup_free_ char *name = NULL;
	struct ward_manifest_blob mb = {0};
	struct ward_descriptor desc;
	struct ward_error *e = NULL;
	int rc;

	bool remote = ward_str_has_prefix(image, "docker://");

	/* docker://REF: the registry's signatures, even when the store has it. */
	if (remote)
		image += 9;
	if (ward_store_open(cli->root, true, &s, err) < 0)
		return -EIO;
	if (!remote && ward_cli_image_lookup(s, image, &name, &desc, &e) == 0) {
		ward_error_free(e);
		t->local = true;
		t->digest = desc.digest;
		if (!(t->reference = ward_cli_docker_reference(name)))
			return ward_error_set(err, ENOMEM, "verify");
		return ward_sigstore_list(cli->root, &t->digest, &t->sigs, err);
	}
	if (ward_ref_parse(image, &ref, NULL) < 0) {
		if (!e)
			return ward_error_setk(err, WARD_E_INVALID, EINVAL,
					       "verify: '%s' is not a registry reference", image);
		if (err)
			*err = e;
		else
			ward_error_free(e);
		return -ENOENT;
	}
	ward_error_free(e);
	if (!(t->reference = ward_ref_format(ref)))
		return ward_error_set(err, ENOMEM, "verify");
	if ((rc = ward_registry_init(err)) < 0 ||
	    (rc = ward_registry_new(ref->registry, ro, &r, err)) < 0 ||
	    (rc = ward_registry_get_manifest(r, ref->repository, ward_ref_reference(ref), &mb,
					     err)) < 0)
		return ward_error_wrap(err, "verify %s", t->reference);
	rc = ward_digest_parse(mb.digest, &t->digest, err);
	ward_manifest_blob_clear(&mb);
	if (rc == 0)
		rc = ward_cli_fetch_signatures(cli, r, t->reference, &t->digest, true, &t->sigs,
					       err);
	if (rc < 0)
		return ward_error_wrap(err, "verify %s", t->reference);
	return 0;
}

/* ---- --key --------------------------------------------------------------- */

static int
accept_identity(const char *signed_ref, void *userdata, struct ward_error **err)
{
	const struct ward_policy_identity id = {.type = WARD_POLICY_ID_MATCH_REPO_DIGEST_OR_EXACT};

	return ward_policy_identity_match(&id, userdata, signed_ref, err);
}

/* Each signature of t with the key in (buf, len): a PEM public key checks
 * the cosign ones, GPG keys the GPG ones. Reasons for refusals are kept
 * for the message when none verifies. */
static int
verify_with_key(const char *path, const char *buf, size_t len, struct target *t,
		struct verified **ret, size_t *ret_n, char **ret_why, struct ward_error **err)
{
	_cleanup_(ward_sign_key_freep) struct ward_sign_key *key = NULL;
	_cleanup_(ward_gpg_keyring_freep) struct ward_gpg_keyring *kr = NULL;
	struct ward_sign_verify_opts vo = {.manifest_digest = &t->digest,
					   .accept_identity = accept_identity,
					   .identity_userdata = t->reference};
	struct verified *v = NULL;
	char *why = NULL;
	size_t n = 0;
	int rc;

	if (memmem(buf, len, "-----BEGIN PUBLIC KEY-----", 26)) {
		if ((rc = ward_sign_key_read_public(buf, len, path, &key, err)) < 0)
			return rc;
	} else if ((rc = ward_gpg_keyring_new(&kr, err)) < 0 ||
		   (rc = ward_gpg_keyring_add(kr, buf, len, path, err)) < 0) {
		return rc;
	}
	for (size_t i = 0; i < t->sigs.n; i++) {
		const struct ward_sign_stored *s = &t->sigs.v[i];
		struct ward_sign_payload *p = NULL;
		struct ward_error *e = NULL;
		char *signer = NULL;

		if (key && s->kind == WARD_SIGN_KIND_COSIGN) {
			struct ward_digest fp;
			vo.type = WARD_SIGN_PAYLOAD_COSIGN;
			rc = ward_sign_verify(key, (const char *)s->data, s->len, s->sig_b64, &vo,
					      &p, &e);
			if (rc == 0 && ward_sign_key_fingerprint(key, &fp, NULL) == 0)
				signer = ward_strdup_printf("%s %s", ward_sign_key_describe(key),
							    fp.s);
		} else if (kr && s->kind == WARD_SIGN_KIND_GPG) {
			_cleanup_free_ char *content = NULL;
			size_t clen = 0;
			rc = ward_gpg_verify(kr, s->data, s->len, &content, &clen, &signer, &e);
			/* The same order as cosign's: signature, strict parse, digest,
			 * identity. */
			if (rc == 0)
				rc = ward_sign_payload_parse(content, clen,
							     WARD_SIGN_PAYLOAD_ATOMIC, &p, &e);
			if (rc == 0 && strcmp(p->manifest_digest.s, t->digest.s) != 0)
				rc = ward_error_setk(&e, WARD_E_DENIED, EKEYREJECTED,
						     "signed digest %s is not the image's %s "
						     "(a signature of another image)",
						     p->manifest_digest.s, t->digest.s);
			if (rc == 0)
				rc = accept_identity(p->docker_reference, t->reference, &e);
		} else {
			continue;
		}
		if (rc < 0) {
			char *w = ward_strdup_printf("%s%s%zu: %s", why ? why : "", why ? "; " : "",
						     i + 1, e && e->msg ? e->msg : "refused");
			free(why);
			why = w;
			ward_error_free(e);
			ward_sign_payload_free(p);
			free(signer);
			continue;
		}
		struct verified *nv = reallocarray(v, n + 1, sizeof(*v));
		if (!nv) {
			ward_sign_payload_free(p);
			free(signer);
			break;
		}
		v = nv;
		v[n++] = (struct verified){.kind = s->kind == WARD_SIGN_KIND_GPG ? "gpg" : "cosign",
					   .signer = signer,
					   .payload = p};
	}
	*ret = v;
	*ret_n = n;
	*ret_why = why;
	return 0;
}

/* ---- output ---------------------------------------------------------------- */

static json_t *
payload_json(const struct verified *v)
{
	const struct ward_sign_payload *p = v->payload;

	return json_pack("{s:s, s:s?, s:{s:{s:s}, s:{s:s}, s:s}, s:O?}", "kind", v->kind, "signer",
			 v->signer, "critical", "identity", "docker-reference", p->docker_reference,
			 "image", "docker-manifest-digest", p->manifest_digest.s, "type",
			 ward_sign_payload_type_name(p->type), "optional", p->optional);
}

static void
print_verified(const struct target *t, const struct verified *v, size_t n, bool json)
{
	if (json) {
		json_t *a = json_array();
		char *s;
		for (size_t i = 0; a && i < n; i++)
			json_array_append_new(a, payload_json(&v[i]));
		s = a ? json_dumps(a, JSON_INDENT(2)) : NULL;
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(a);
		return;
	}
	fprintf(stderr, "Verification for %s (%s) --\n", t->reference, t->digest.s);
	for (size_t i = 0; i < n; i++)
		printf("%s signature by %s: %s %s\n", v[i].kind, v[i].signer ? v[i].signer : "?",
		       v[i].payload->docker_reference, v[i].payload->manifest_digest.s);
}

int
ward_cmd_verify(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},
		{"format", required_argument, NULL, 'f'},
		{"tls-verify", required_argument, NULL, 't'},
		{"cert-dir", required_argument, NULL, 'c'},
		{"authfile", required_argument, NULL, 'A'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct ward_registry_opts ro = {.log = &cli->log};
	_cleanup_free_ char *authfile = NULL, *keybuf = NULL, *why = NULL;
	const char *key = NULL, *auth_flag = NULL;
	struct ward_policy_decision dec = {0};
	struct verified *v = NULL;
	struct ward_error *err = NULL;
	struct target t = {0};
	size_t n = 0, keylen = 0;
	bool json = false;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key = optarg;
			break;
		case 'f':
			if ((rc = ward_cli_parse_format("verify", optarg, &json)) != 0)
				return rc;
			break;
		case 't':
			if (ward_cli_tls_verify(cli, "verify", optarg, &ro) != 0)
				return WARD_EXIT_ENGINE;
			break;
		case 'c':
			ro.cert_dir = optarg;
			break;
		case 'A':
			auth_flag = optarg;
			break;
		case 'h':
			printf("usage: ward [--policy FILE] verify [--key PUB] [--format json] "
			       "IMAGE\n\n"
			       "  --key PUB   a cosign public key (PEM) or GPG public keys; "
			       "without it\n"
			       "              the trust policy decides\n"
			       "Exit status 0 only when at least one signature verified.\n");
			return 0;
		default:
			return ward_cli_usage("verify", "invalid option");
		}
	}
	if (argc - optind != 1)
		return ward_cli_usage("verify", "expected one IMAGE");
	if (!(authfile = ward_cli_authfile(auth_flag)))
		return ward_cli_usage("verify", "out of memory");
	ro.auth_file = authfile;
	if (key &&
	    ward_fs_read_all(AT_FDCWD, key, WARD_POLICY_KEYFILE_MAX, &keybuf, &keylen, &err) < 0) {
		ward_error_wrap(&err, "--key");
		return ward_cli_fail(cli, err);
	}
	if (find_target(cli, argv[optind], &ro, &t, &err) < 0) {
		target_clear(&t);
		return ward_cli_fail(cli, err);
	}
	if (key) {
		rc = verify_with_key(key, keybuf, keylen, &t, &v, &n, &why, &err);
		if (rc == 0 && n == 0)
			rc = ward_error_setk(
				&err, WARD_E_DENIED, EKEYREJECTED,
				"%s: no signature verified with %s (%zu signature%s%s%s)",
				t.reference, key, t.sigs.n, t.sigs.n == 1 ? "" : "s",
				why ? ": " : "", why ? why : "");
	} else {
		_cleanup_(ward_policy_freep) struct ward_policy *p = NULL;

		rc = ward_cli_policy_load(cli, &p, &err);
		if (rc == 0)
			rc = ward_cli_policy_check(p, t.reference, &t.digest, &t.sigs, NULL, NULL, &dec,
						   &err);
		if (rc == 0 && dec.n_verified == 0)
			rc = ward_error_setk(&err, WARD_E_DENIED, EKEYREJECTED,
					     "%s: the policy accepts it (%s), but no signature "
					     "verified",
					     t.reference, dec.message ? dec.message : "");
		if (rc == 0 && !(v = calloc(dec.n_verified, sizeof(*v))))
			rc = ward_error_set(&err, ENOMEM, "verify");
		for (size_t i = 0; rc == 0 && i < dec.n_verified; i++)
			v[n++] = (struct verified){
				.kind = dec.verified[i].kind == WARD_POLICY_SIG_GPG ? "gpg"
										    : "cosign",
				.signer = dec.verified[i].signer,
				.payload = dec.verified[i].payload};
	}
	if (rc == 0)
		print_verified(&t, v, n, json);
	if (key)
		for (size_t i = 0; i < n; i++) {
			free(v[i].signer);
			ward_sign_payload_free(v[i].payload);
		}
	free(v);
	ward_policy_decision_clear(&dec);
	target_clear(&t);
	if (rc < 0)
		return ward_cli_fail(cli, err);
	return 0;
}
