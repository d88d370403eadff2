/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward sign --key KEY [-a k=v]... [--push] IMAGE            (cosign format)
 * ward sign --sign-by FPR [--gnupg-home DIR] [--push] IMAGE  (GPG simple signing)
 *
 * and what pull, push, run and verify share about signatures: the trust
 * policy in force, fetching an image's signatures from its registry (.sig
 * tag) and lookaside, publishing the local ones, and checking an image
 * against the policy before it is used.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>

#include <ward/image.h>
#include <ward/policy.h>
#include <ward/registry.h>
#include <ward/sign.h>

#include "cli.h"

#define PASSWORD_MAX 1024

/* ---- passwords --------------------------------------------------------------- */

static void
wipe_free(char *p, size_t len)
{
	if (p) {
		explicit_bzero(p, len);
		free(p);
	}
}

static int
prompt_line(FILE *tty, const char *prompt, char **ret, size_t *ret_len, struct ward_error **err)
{
	struct termios old, quiet;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool restore;

	fprintf(tty, "%s", prompt);
	fflush(tty);
	restore = tcgetattr(fileno(tty), &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		(void)tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	}
	n = getline(&line, &cap, tty);
	if (restore)
		(void)tcsetattr(fileno(tty), TCSAFLUSH, &old);
	if (n < 0) {
		wipe_free(line, cap);
		return ward_error_set(err, EIO, "password: no input");
	}
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	if ((size_t)n > PASSWORD_MAX) {
		wipe_free(line, cap);
		return ward_error_set(err, EINVAL, "password: longer than %u bytes", PASSWORD_MAX);
	}
	*ret = line;
	*ret_len = (size_t)n;
	return 0;
}

int
ward_cli_read_password(const char *what, bool confirm, char **ret, size_t *ret_len,
		       struct ward_error **err)
{
	const char *env = secure_getenv("WARD_PASSWORD");
	char *a = NULL, *b = NULL;
	size_t al = 0, bl = 0;
	FILE *tty;
	int r;

	if (!env)
		env = secure_getenv("COSIGN_PASSWORD");
	if (env) {
		if (strlen(env) > PASSWORD_MAX)
			return ward_error_set(err, EINVAL, "password: longer than %u bytes",
					      PASSWORD_MAX);
		if (!(a = strdup(env)))
			return ward_error_set(err, ENOMEM, "password");
		*ret = a;
		*ret_len = strlen(a);
		return 0;
	}
	tty = fopen("/dev/tty", "r+e");
	if (!tty)
		return ward_error_setk(err, WARD_E_INVALID, ENXIO,
				       "%s: no password: set WARD_PASSWORD (or COSIGN_PASSWORD), "
				       "or run on a terminal",
				       what);
	r = prompt_line(tty, "Enter password for private key: ", &a, &al, err);
	if (r == 0 && confirm) {
		r = prompt_line(tty, "Enter password for private key again: ", &b, &bl, err);
		if (r == 0 && (al != bl || memcmp(a, b, al) != 0))
			r = ward_error_setk(err, WARD_E_INVALID, EINVAL,
					    "%s: the passwords do not match", what);
		wipe_free(b, bl);
	}
	fclose(tty);
	if (r < 0) {
		wipe_free(a, al);
		return r;
	}
	*ret = a;
	*ret_len = al;
	return 0;
}

/* ---- the trust policy --------------------------------------------------------- */

int
ward_cli_policy_load(struct ward_cli *cli, struct ward_policy **ret, struct ward_error **err)
{
	const char *path = cli->policy_path;

	if (cli->insecure_policy) {
		/* Explicit and visible: nobody loses signature checks silently. */
		fprintf(stderr, "Warning: --insecure-policy: the trust policy is not enforced; "
				"every image is accepted\n");
		return ward_policy_insecure(ret, err);
	}
	if (!path)
		path = secure_getenv("WARD_POLICY");
	if (path && *path)
		return ward_policy_load(path, ret, err);
	return ward_policy_load_default(NULL, ret, err);
}

static int
registries_d_load(struct ward_cli *cli, struct ward_registries_d **ret, struct ward_error **err)
{
	const char *dir = cli->registries_d;
	const char *dirs[2] = {NULL, NULL};

	if (!dir)
		dir = secure_getenv("WARD_REGISTRIES_D");
	if (dir && *dir) {
		dirs[0] = dir;
		return ward_registries_d_load(dirs, ret, err);
	}
	return ward_registries_d_load(NULL, ret, err);
}

/* The docker reference an image is checked and signed under: its store
 * name when fully qualified, else "localhost/NAME" (podman's name for
 * images that never came from a registry). */
char *
ward_cli_docker_reference(const char *name)
{
	_cleanup_(ward_ref_freep) struct ward_ref *ref = NULL;

	const char *last = strrchr(name, '/');

	if (ward_ref_parse(name, &ref, NULL) == 0)
		return ward_ref_format(ref);
	/* A store name without a registry (`ward import x.tgz busybox`) is
	 * podman's localhost/NAME, and like every docker reference it has a
	 * tag: ":latest" when none is given. Without one, no signedIdentity
	 * rule could match the signature's identity to the image. */
	if (!strchr(last ? last : name, ':') && !strchr(name, '@'))
		return ward_strdup_printf("localhost/%s:latest", name);
	return ward_strdup_printf("localhost/%s", name);
}

/* ---- signatures from a registry ------------------------------------------------ */

struct mem_sink {
	char *buf;
	size_t len, max;
};

static int
mem_write(void *opaque, const void *buf, size_t len, struct ward_error **err)
{
	struct mem_sink *m = opaque;

	if (len > m->max - m->len)
		return ward_error_setk(err, WARD_E_INVALID, EFBIG, "more than %zu bytes", m->max);
	memcpy(m->buf + m->len, buf, len);
	m->len += len;
	return 0;
}

/* The cosign signatures of d from its .sig tag: the artifact is parsed
 * within its bounds first, then each distinct payload is fetched once
 * (many signatures over one payload cost one GET). */
static int
fetch_cosign(struct ward_registry *r, const struct ward_ref *ref, const struct ward_digest *d,
	     struct ward_sign_list *l, struct ward_error **err)
{
	_cleanup_(ward_sign_artifact_freep) struct ward_sign_artifact *a = NULL;
	struct ward_manifest_blob mb = {0};
	char tag[WARD_SIGN_ARTIFACT_TAG_MAX];
	struct ward_error *e = NULL;
	size_t first = l->n;
	int rc;

	ward_sign_artifact_tag(d, tag);
	rc = ward_registry_get_manifest(r, ref->repository, tag, &mb, &e);
	if (rc == -ENOENT) {
		ward_error_free(e);
		return 0;
	}
	if (rc < 0) {
		if (err)
			*err = e;
		else
			ward_error_free(e);
		return ward_error_wrap(err, "%s", tag);
	}
	rc = ward_sign_artifact_parse(mb.body, mb.len, &a, err);
	ward_manifest_blob_clear(&mb);
	if (rc < 0)
		return ward_error_wrap(err, "%s/%s:%s", ref->registry, ref->repository, tag);
	for (size_t i = 0; i < a->n_layers; i++) {
		const struct ward_sign_artifact_layer *L = &a->layers[i];
		struct mem_sink m = {.max = WARD_SIGN_PAYLOAD_MAX};
		bool reused = false;

		if (!L->simplesigning || !L->sig_b64)
			continue;
		for (size_t j = first; j < l->n && !reused; j++) {
			struct ward_digest pd;
			ward_digest_of(l->v[j].data, l->v[j].len, &pd);
			if (strcmp(pd.s, L->digest.s) == 0) {
				rc = ward_sign_list_add(l, WARD_SIGN_KIND_COSIGN, l->v[j].data,
							l->v[j].len, L->sig_b64, err);
				if (rc < 0)
					return rc;
				reused = true;
			}
		}
		if (reused)
			continue;
		if (!(m.buf = malloc(WARD_SIGN_PAYLOAD_MAX + 1)))
			return ward_error_set(err, ENOMEM, "%s", tag);
		/* Verified against the layer's digest by the client. */
		rc = ward_registry_get_blob(r, ref->repository, L->digest.s, L->size,
					    WARD_SIGN_PAYLOAD_MAX, mem_write, &m, err);
		if (rc == 0)
			rc = ward_sign_list_add(l, WARD_SIGN_KIND_COSIGN, m.buf, m.len, L->sig_b64,
						err);
		free(m.buf);
		if (rc < 0)
			return ward_error_wrap(err, "%s: layers[%zu] %s", tag, i, L->digest.s);
	}
	return 0;
}

int
ward_cli_fetch_signatures(struct ward_cli *cli, struct ward_registry *r, const char *reference,
			  const struct ward_digest *d, bool lookaside, struct ward_sign_list *l,
			  struct ward_error **err)
{
	_cleanup_(ward_registries_d_freep) struct ward_registries_d *rd = NULL;
	_cleanup_(ward_ref_freep) struct ward_ref *ref = NULL;
	struct ward_registries_d_entry ent = {0};
	struct ward_lookaside_opts lo = {.log = &cli->log};
	const char *tmo = secure_getenv("WARD_LOOKASIDE_TIMEOUT_MS");
	uint64_t ms = 0;
	int rc;

	/* Per signature-N request; the default (15 s) bounds a hanging server. */
	if (tmo && ward_parse_u64(tmo, &ms) == 0 && ms > 0 && ms <= 600000) {
		lo.timeout_ms = (long)ms;
		lo.connect_timeout_ms = (long)ms;
	}
	if ((rc = ward_ref_parse(reference, &ref, err)) < 0)
		return rc;
	if ((rc = fetch_cosign(r, ref, d, l, err)) < 0)
		return ward_error_wrap(err, "cosign signatures");
	if ((rc = registries_d_load(cli, &rd, err)) < 0 ||
	    (rc = ward_registries_d_lookup(rd, reference, &ent, err)) < 0)
		return ward_error_wrap(err, "GPG signatures");
	/* Not needed by the policy: a local directory is still read (so push
	 * carries the signatures on), a web server is not asked. */
	if (ent.lookaside && (lookaside || ward_str_has_prefix(ent.lookaside, "file://"))) {
		ward_log_write(&cli->log, WARD_LOG_INFO, "signatures: lookaside %s", ent.lookaside);
		rc = ward_lookaside_read(ent.lookaside, reference, d, &lo, l, err);
		if (rc < 0)
			rc = ward_error_wrap(err, "GPG signatures");
	}
	ward_registries_d_entry_clear(&ent);
	return rc;
}

/* ---- publishing ------------------------------------------------------------------ */

static int
publish_cosign(struct ward_registry *r, const struct ward_ref *ref, const struct ward_digest *d,
	       const struct ward_sign_list *l, unsigned *ret_n, struct ward_error **err)
{
	_cleanup_(ward_sign_artifact_freep) struct ward_sign_artifact *a = NULL;
	_cleanup_free_ char *m = NULL, *c = NULL;
	struct ward_manifest_blob mb = {0};
	char tag[WARD_SIGN_ARTIFACT_TAG_MAX];
	struct ward_error *e = NULL;
	size_t ml = 0, cl = 0;
	unsigned added = 0;
	int rc;

	ward_sign_artifact_tag(d, tag);
	rc = ward_registry_get_manifest(r, ref->repository, tag, &mb, &e);
	if (rc == -ENOENT) {
		ward_error_free(e);
		rc = ward_sign_artifact_new(&a, err);
	} else if (rc < 0) {
		if (err)
			*err = e;
		else
			ward_error_free(e);
	} else {
		/* Append to what is there: other signers' layers are kept. */
		rc = ward_sign_artifact_parse(mb.body, mb.len, &a, err);
		ward_manifest_blob_clear(&mb);
	}
	if (rc < 0)
		return ward_error_wrap(err, "%s", tag);
	for (size_t i = 0; i < l->n; i++) {
		bool fresh = false;

		if (l->v[i].kind != WARD_SIGN_KIND_COSIGN)
			continue;
		rc = ward_sign_artifact_add(a, l->v[i].data, l->v[i].len, l->v[i].sig_b64, &fresh,
					    err);
		if (rc == 0 && fresh)
			rc = ward_registry_push_blob(r, ref->repository, l->v[i].data, l->v[i].len,
						     NULL, NULL, err);
		if (rc < 0)
			return ward_error_wrap(err, "%s", tag);
		added += fresh;
	}
	if (added) {
		if ((rc = ward_sign_artifact_serialize(a, &m, &ml, &c, &cl, err)) < 0 ||
		    (rc = ward_registry_push_blob(r, ref->repository, c, cl, NULL, NULL, err)) <
			    0 ||
		    (rc = ward_registry_put_manifest(r, ref->repository, tag, WARD_MT_OCI_MANIFEST,
						     m, ml, NULL, err)) < 0)
			return ward_error_wrap(err, "%s", tag);
	}
	*ret_n = added;
	return 0;
}

static int
publish_gpg(struct ward_cli *cli, const char *reference, const struct ward_digest *d,
	    const struct ward_sign_list *l, unsigned *ret_n, struct ward_error **err)
{
	_cleanup_(ward_registries_d_freep) struct ward_registries_d *rd = NULL;
	struct ward_registries_d_entry ent = {0};
	unsigned n = 0, idx = 0;
	size_t have = 0;
	int rc;

	for (size_t i = 0; i < l->n; i++)
		have += l->v[i].kind == WARD_SIGN_KIND_GPG;
	*ret_n = 0;
	if (!have)
		return 0;
	if ((rc = registries_d_load(cli, &rd, err)) < 0 ||
	    (rc = ward_registries_d_lookup(rd, reference, &ent, err)) < 0)
		return ward_error_wrap(err, "GPG signatures");
	if (!ent.lookaside_staging) {
		/* Not an error: the registry got the image; say where the
		 * signatures would need to go. */
		fprintf(stderr,
			"Warning: %zu GPG signature(s) of %s not published: no lookaside or "
			"lookaside-staging for it in registries.d (%s)\n",
			have, reference,
			ward_registries_d_dir(rd) ? ward_registries_d_dir(rd) : "no directory");
		return 0;
	}
	for (size_t i = 0; i < l->n && rc == 0; i++) {
		if (l->v[i].kind != WARD_SIGN_KIND_GPG)
			continue;
		rc = ward_lookaside_write(ent.lookaside_staging, reference, d, l->v[i].data,
					  l->v[i].len, &idx, err);
		n += rc == 0;
	}
	ward_registries_d_entry_clear(&ent);
	if (rc < 0)
		return ward_error_wrap(err, "GPG signatures");
	*ret_n = n;
	return 0;
}

int
ward_cli_publish_signatures(struct ward_cli *cli, const struct ward_registry_opts *ro,
			    const char *reference, const struct ward_digest *d,
			    struct ward_error **err)
{
	_cleanup_(ward_registry_freep) struct ward_registry *r = NULL;
	_cleanup_(ward_ref_freep) struct ward_ref *ref = NULL;
	struct ward_sign_list l = {0};
	unsigned nc = 0, ng = 0;
	bool any_cosign = false;
	int rc;

	if ((rc = ward_sigstore_list(cli->root, d, &l, err)) < 0)
		return rc;
	for (size_t i = 0; i < l.n; i++)
		any_cosign = any_cosign || l.v[i].kind == WARD_SIGN_KIND_COSIGN;
	rc = ward_ref_parse(reference, &ref, err);
	if (rc == 0 && any_cosign) {
		rc = ward_registry_init(err);
		if (rc == 0)
			rc = ward_registry_new(ref->registry, ro, &r, err);
		if (rc == 0)
			rc = publish_cosign(r, ref, d, &l, &nc, err);
	}
	if (rc == 0)
		rc = publish_gpg(cli, reference, d, &l, &ng, err);
	ward_sign_list_clear(&l);
	if (rc < 0)
		return ward_error_wrap(err, "signatures of %s", reference);
	if (nc || ng)
		fprintf(stderr, "Signatures: %u cosign pushed, %u GPG written to the lookaside\n",
			nc, ng);
	return 0;
}

/* ---- checking against the policy --------------------------------------------------- */

int
ward_cli_policy_check(const struct ward_policy *p, const char *reference,
		      const struct ward_digest *d, const struct ward_sign_list *l,
		      ward_policy_scan_fn scan, void *scan_opaque, struct ward_policy_decision *ret,
		      struct ward_error **err)
{
	_cleanup_free_ struct ward_policy_signature *sigs = NULL;
	struct ward_policy_image img = {.transport = "docker",
					.docker_reference = reference,
					.manifest_digest = d,
					.scan = scan,
					.scan_opaque = scan_opaque};
	int rc;

	if (l->n && !(sigs = calloc(l->n, sizeof(*sigs))))
		return ward_error_set(err, ENOMEM, "policy");
	for (size_t i = 0; i < l->n; i++)
		sigs[i] = (struct ward_policy_signature){.kind = l->v[i].kind == WARD_SIGN_KIND_GPG
									 ? WARD_POLICY_SIG_GPG
									 : WARD_POLICY_SIG_COSIGN,
							 .data = l->v[i].data,
							 .len = l->v[i].len,
							 .cosign_sig_b64 = l->v[i].sig_b64};
	img.sigs = sigs;
	img.n_sigs = l->n;
	rc = ward_policy_evaluate(p, &img, ret, err);
	if (rc < 0 && err && *err && (*err)->kind != WARD_E_DENIED)
		(*err)->kind = WARD_E_DENIED; /* every refusal is "do not run" */
	return rc;
}

struct scan_gate {
	struct ward_cli *cli;
	const char *name;
};

static int
scan_gate_cb(void *opaque, const struct ward_policy_scan_rule *rule, struct ward_error **err)
{
	const struct scan_gate *g = opaque;
	return ward_cli_scan_gate(g->cli, g->name, rule, err);
}

int
ward_cli_check_local(struct ward_cli *cli, const char *name, const struct ward_digest *d,
		     const struct ward_policy_scan_rule *extra, struct ward_error **err)
{
	struct scan_gate gate = {.cli = cli, .name = name};
	_cleanup_(ward_policy_freep) struct ward_policy *p = NULL;
	_cleanup_free_ char *reference = ward_cli_docker_reference(name);
	struct ward_policy_decision dec = {0};
	struct ward_sign_list l = {0};
	struct ward_digest index;
	struct timespec t0, t1;
	int rc;

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!reference)
		return ward_error_set(err, ENOMEM, "policy");
	if ((rc = ward_cli_policy_load(cli, &p, err)) < 0)
		return ward_error_wrap(err, "trust policy");
	rc = ward_sigstore_list(cli->root, d, &l, err);
	if (rc == 0)
		rc = ward_cli_policy_check(p, reference, d, &l, scan_gate_cb, &gate, &dec, err);
	ward_sign_list_clear(&l);
	if (rc < 0 && ward_sigstore_get_index(cli->root, d, &index, NULL) == 0) {
		/* Pulled through an index: the signatures name the index, which
		 * the pull verified and fetched this manifest from by digest. */
		struct ward_error *e2 = NULL;
		int r2 = ward_sigstore_list(cli->root, &index, &l, &e2);
		if (r2 == 0)
			r2 = ward_cli_policy_check(p, reference, &index, &l, scan_gate_cb, &gate,
						   &dec, &e2);
		ward_sign_list_clear(&l);
		if (r2 == 0) {
			ward_error_freep(err);
			rc = 0;
		} else {
			ward_error_free(e2);
		}
	}
	/* `ward run --max-severity`: the same rule as the policy's, for this run. */
	if (rc == 0 && extra && (rc = ward_cli_scan_gate(cli, name, extra, err)) < 0)
		ward_error_wrap(err, "--max-severity %s", ward_severity_name(extra->max_severity));
	if (rc < 0) {
		ward_policy_decision_clear(&dec);
		return ward_error_wrap(err, "image %s (%s) refused", reference, d->s);
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	/* bench/verify.sh reads this figure: the whole check (policy file, key
	 * files, signatures from the store, evaluation). */
	ward_log_write(
		&cli->log, WARD_LOG_INFO, "%s: %s accepted (policy check %ld us)", dec.message,
		reference,
		(long)((t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000));
	ward_policy_decision_clear(&dec);
	return 0;
}

/* ---- pulling under the policy --------------------------------------------------------- */

/* Pull reference as the policy allows: the manifest's digest first (the
 * body hashed by the client), signatures for exactly that digest, the
 * decision, and only then the pull by that digest, which the client
 * verifies again byte for byte. A tag moved in between cannot swap the
 * image: what is fetched and unpacked is the digest that was checked. */
int
ward_cli_pull_trusted(struct ward_cli *cli, const char *reference,
		      const struct ward_registry_opts *ro, const struct ward_platform *platform,
		      struct ward_store *s, struct ward_digest *ret, char **ret_name,
		      struct ward_error **err)
{
	_cleanup_(ward_policy_freep) struct ward_policy *p = NULL;
	_cleanup_(ward_registry_freep) struct ward_registry *r = NULL;
	_cleanup_(ward_ref_freep) struct ward_ref *ref = NULL;
	_cleanup_free_ char *name = NULL, *by_digest = NULL, *pulled = NULL;
	struct ward_policy_image probe = {.transport = "docker"};
	struct ward_policy_decision dec = {0};
	struct ward_manifest_blob mb = {0};
	struct ward_sign_list l = {0};
	struct ward_descriptor desc;
	struct ward_digest d, got;
	struct ward_error *e = NULL;
	bool need = false, had_by_digest;
	int rc;

	if ((rc = ward_cli_policy_load(cli, &p, err)) < 0)
		return ward_error_wrap(err, "trust policy");
	if ((rc = ward_ref_parse(reference, &ref, err)) < 0)
		return ward_error_wrap(err, "pull");
	if (!(name = ward_ref_format(ref)))
		return ward_error_set(err, ENOMEM, "pull");
	if ((rc = ward_registry_init(err)) < 0 ||
	    (rc = ward_registry_new(ref->registry, ro, &r, err)) < 0 ||
	    (rc = ward_registry_get_manifest(r, ref->repository, ward_ref_reference(ref), &mb,
					     err)) < 0)
		return ward_error_wrap(err, "pull %s", name);
	rc = ward_digest_parse(mb.digest, &d, err);
	ward_manifest_blob_clear(&mb);
	if (rc < 0)
		return ward_error_wrap(err, "pull %s", name);
	probe.docker_reference = name;
	probe.manifest_digest = &d;
	if ((rc = ward_policy_needs_signatures(p, &probe, &need, err)) < 0)
		return ward_error_wrap(err, "pull %s", name);
	/* Signatures are fetched when the policy needs them; otherwise only
	 * the registry's .sig tag (so push carries them on), and a failure
	 * only warns: a slow lookaside never delays an accepted pull. */
	rc = ward_cli_fetch_signatures(cli, r, name, &d, need, &l, &e);
	if (rc < 0 && need) {
		ward_sign_list_clear(&l);
		if (err)
			*err = e;
		else
			ward_error_free(e);
		if (err && *err)
			(*err)->kind = WARD_E_DENIED;
		return ward_error_wrap(err, "pull %s: image refused", name);
	}
	if (rc < 0) {
		ward_log_write(&cli->log, WARD_LOG_WARNING, "pull %s: signatures not fetched: %s",
			       name, e && e->msg ? e->msg : "");
		ward_error_free(e);
	}
	rc = ward_cli_policy_check(p, name, &d, &l, NULL, NULL, &dec, err);
	if (rc < 0) {
		ward_sign_list_clear(&l);
		return ward_error_wrap(err, "pull %s (%s): image refused", name, d.s);
	}
	ward_log_write(&cli->log, WARD_LOG_INFO, "pull %s: %s: accepted", name, dec.message);
	/* Nothing is unpacked yet, so the scan the policy asks for waits for
	 * `ward run`, which refuses the image if it fails. */
	if (dec.scan_deferred)
		ward_log_write(&cli->log, WARD_LOG_WARNING,
			       "pull %s: the policy's vulnerabilityScan rule is checked when the "
			       "image runs",
			       name);
	ward_policy_decision_clear(&dec);
	by_digest = ward_strdup_printf("%s/%s@%s", ref->registry, ref->repository, d.s);
	if (!by_digest) {
		ward_sign_list_clear(&l);
		return ward_error_set(err, ENOMEM, "pull");
	}
	had_by_digest = ward_store_resolve(s, by_digest, &desc, NULL) == 0;
	rc = ward_image_pull(by_digest, ro, platform, s, &got, &pulled, err);
	/* Tagged as the user asked: "repo:tag", with the by-digest name the
	 * pull made removed again, unless the user pulled by digest or the
	 * store had that name before. */
	if (rc == 0 && strcmp(pulled, name) != 0) {
		rc = ward_store_resolve(s, pulled, &desc, err);
		if (rc == 0)
			rc = ward_store_tag(s, name, desc.media_type, &got, err);
		if (rc == 0 && !had_by_digest)
			(void)ward_store_untag(s, pulled, NULL);
	}
	for (size_t i = 0; rc == 0 && i < l.n; i++)
		rc = ward_sigstore_add(cli->root, &d, &l.v[i], NULL, err);
	/* Through an index: run checks the platform manifest, whose trust
	 * comes from the index signatures verified here. */
	if (rc == 0 && strcmp(got.s, d.s) != 0)
		rc = ward_sigstore_set_index(cli->root, &got, &d, err);
	ward_sign_list_clear(&l);
	if (rc < 0)
		return ward_error_wrap(err, "pull %s", name);
	*ret = got;
	if (ret_name)
		*ret_name = TAKE_PTR(name);
	return 0;
}

/* ---- ward sign ------------------------------------------------------------------------- */

static void
sign_usage(FILE *f)
{
	fprintf(f, "usage: ward sign --key KEY [-a KEY=VALUE]... [--push] IMAGE\n"
		   "       ward sign --sign-by FINGERPRINT [--gnupg-home DIR] [--push] IMAGE\n\n"
		   "Signs the manifest digest IMAGE's name points to and keeps the signature with\n"
		   "the image in the store (`ward push` carries it to the registry).\n\n"
		   "  --key KEY            cosign key (encrypted cosign PEM, password from\n"
		   "                       WARD_PASSWORD, COSIGN_PASSWORD or a prompt; or a plain\n"
		   "                       PEM EC P-256, Ed25519 or RSA private key)\n"
		   "  -a, --annotation K=V add K=V to the payload's optional section (cosign)\n"
		   "  --sign-by FPR        GPG simple signing with this secret key\n"
		   "  --gnupg-home DIR     GnuPG home holding it (default $GNUPGHOME or ~/.gnupg)\n"
		   "  --push               also publish now: cosign to the registry's\n"
		   "                       sha256-<hex>.sig tag, GPG to registries.d "
		   "lookaside-staging\n"
		   "  --tls-verify=false, --cert-dir DIR, --authfile FILE   as for ward push\n");
}

static int
sign_cosign(const char *key_path, const char *payload, size_t len, char **ret_b64,
	    struct ward_error **err)
{
	_cleanup_(ward_sign_key_freep) struct ward_sign_key *k = NULL;
	_cleanup_free_ char *pem = NULL;
	char *pw = NULL;
	size_t pem_len = 0, pw_len = 0;
	int rc;

	if ((rc = ward_fs_read_all(AT_FDCWD, key_path, WARD_SIGN_PEM_MAX, &pem, &pem_len, err)) < 0)
		return ward_error_wrap(err, "--key");
	if (ward_sign_key_is_encrypted(pem, pem_len) &&
	    (rc = ward_cli_read_password(key_path, false, &pw, &pw_len, err)) < 0)
		goto out;
	rc = ward_sign_key_read_private(pem, pem_len, key_path, pw, pw_len, &k, err);
	if (rc == 0)
		rc = ward_sign_data_base64(k, payload, len, ret_b64, err);
out:
	explicit_bzero(pem, pem_len);
	wipe_free(pw, pw_len);
	return rc;
}

int
ward_cmd_sign(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},
		{"annotation", required_argument, NULL, 'a'},
		{"sign-by", required_argument, NULL, 'g'},
		{"gnupg-home", required_argument, NULL, 'G'},
		{"push", no_argument, NULL, 'p'},
		{"tls-verify", required_argument, NULL, 't'},
		{"cert-dir", required_argument, NULL, 'c'},
		{"authfile", required_argument, NULL, 'A'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct ward_registry_opts ro = {.log = &cli->log};
	_cleanup_(ward_store_freep) struct ward_store *s = NULL;
	_cleanup_free_ char *name = NULL, *reference = NULL, *payload = NULL, *b64 = NULL,
			    *authfile = NULL;
	_cleanup_free_ unsigned char *gsig = NULL;
	_cleanup_strv_ char **ann = NULL;
	const char *key = NULL, *sign_by = NULL, *gnupg_home = NULL, *auth_flag = NULL;
	struct ward_sign_payload_spec spec = {.timestamp = -1};
	struct ward_sign_stored st = {0};
	struct ward_error *err = NULL;
	struct ward_descriptor desc;
	size_t n_ann = 0, plen = 0, glen = 0;
	bool push = false, added = false;
	int c;

	while ((c = getopt_long(argc, argv, "+a:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key = optarg;
			break;
		case 'a': {
			char **v = reallocarray(ann, n_ann + 2, sizeof(*v));
			if (!v || !(v[n_ann] = strdup(optarg)))
				return ward_cli_usage("sign", "out of memory");
			v[++n_ann] = NULL;
			ann = v;
			break;
		}
		case 'g':
			sign_by = optarg;
			break;
		case 'G':
			gnupg_home = optarg;
			break;
		case 'p':
			push = true;
			break;
		case 't':
			if (ward_cli_tls_verify(cli, "sign", optarg, &ro) != 0)
				return WARD_EXIT_ENGINE;
			break;
		case 'c':
			ro.cert_dir = optarg;
			break;
		case 'A':
			auth_flag = optarg;
			break;
		case 'h':
			sign_usage(stdout);
			return 0;
		default:
			return ward_cli_usage("sign", "invalid option");
		}
	}
	if (argc - optind != 1)
		return ward_cli_usage("sign", "expected one IMAGE");
	if (!key == !sign_by)
		return ward_cli_usage("sign", "give exactly one of --key and --sign-by");
	if (sign_by && ann)
		return ward_cli_usage("sign", "--annotation is for cosign signatures (--key)");
	if (ward_store_open(cli->root, true, &s, &err) < 0 ||
	    ward_cli_image_lookup(s, argv[optind], &name, &desc, &err) < 0)
		return ward_cli_fail(cli, err);
	if (!(reference = ward_cli_docker_reference(name))) {
		ward_error_set(&err, ENOMEM, "sign");
		return ward_cli_fail(cli, err);
	}
	spec.type = key ? WARD_SIGN_PAYLOAD_COSIGN : WARD_SIGN_PAYLOAD_ATOMIC;
	spec.docker_reference = reference;
	spec.manifest_digest = &desc.digest;
	spec.annotations = ann;
	if (sign_by) {
		spec.creator = "ward 0.1.0";
		spec.timestamp = (int64_t)time(NULL);
	}
	if (ward_sign_payload_make(&spec, &payload, &plen, &err) < 0)
		return ward_cli_fail(cli, err);
	if (key) {
		if (sign_cosign(key, payload, plen, &b64, &err) < 0)
			return ward_cli_fail(cli, err);
		st = (struct ward_sign_stored){.kind = WARD_SIGN_KIND_COSIGN,
					       .data = (unsigned char *)payload,
					       .len = plen,
					       .sig_b64 = b64};
	} else {
		if (ward_gpg_sign(gnupg_home, sign_by, payload, plen, &gsig, &glen, &err) < 0)
			return ward_cli_fail(cli, err);
		st = (struct ward_sign_stored){
			.kind = WARD_SIGN_KIND_GPG, .data = gsig, .len = glen};
	}
	if (ward_sigstore_add(cli->root, &desc.digest, &st, &added, &err) < 0)
		return ward_cli_fail(cli, err);
	printf("%s %s %s signature%s\n", reference, desc.digest.s, key ? "cosign" : "GPG",
	       added ? "" : " (already kept)");
	if (!push)
		return 0;
	if (!(authfile = ward_cli_authfile(auth_flag))) {
		ward_error_set(&err, ENOMEM, "sign");
		return ward_cli_fail(cli, err);
	}
	ro.auth_file = authfile;
	if (ward_cli_publish_signatures(cli, &ro, reference, &desc.digest, &err) < 0)
		return ward_cli_fail(cli, err);
	return 0;
}
