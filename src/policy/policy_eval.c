/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policy evaluation, as containers/image's PolicyContext.IsRunningImageAllowed:
 * pick the most specific scope for the image, then every requirement of it
 * must pass. A signed requirement passes when at least one signature
 * passes every check, in this order: cryptography by one of the
 * requirement's keys (nothing in the payload is read before), the strict
 * payload parse, the payload digest equal to the manifest being run
 * (stops a valid signature of another image being attached to this one),
 * and signedIdentity (stops a signature made for another name being
 * reused). Every error is a refusal.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define REASONS_SHOWN 3 /* per-signature failure reasons kept in a message */
#define REASON_MAX 1536

int
policy_deny(struct ward_error **err, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ward_error_setk(err, WARD_E_DENIED, 0, "%s", msg);
	if (err && *err)
		(*err)->errnum = EACCES;
	return -EACCES;
}

void
ward_policy_decision_clear(struct ward_policy_decision *d)
{
	if (!d)
		return;
	free(d->origin);
	free(d->scope);
	free(d->rules);
	free(d->message);
	for (size_t i = 0; i < d->n_verified; i++) {
		ward_sign_payload_free(d->verified[i].payload);
		free(d->verified[i].signer);
	}
	free(d->verified);
	*d = (struct ward_policy_decision){0};
}

/* ---- scope selection ------------------------------------------------------ */

static int
strv_push(char ***v, size_t *n, char *s)
{
	char **nv;

	if (!s)
		return -ENOMEM;
	nv = realloc(*v, (*n + 2) * sizeof(*nv));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	*v = nv;
	nv[(*n)++] = s;
	nv[*n] = NULL;
	return 0;
}

/* The docker scopes to try, most specific first: the reference, the
 * repository, each parent namespace down to the host, then "*.domain" for
 * each parent domain of the host (policyConfigurationNamespaces). */
int
policy_docker_candidates(const char *s, char ***ret, struct ward_error **err)
{
	_cleanup_(ward_ref_freep) struct ward_ref *ref = NULL;
	_cleanup_strv_ char **v = NULL;
	_cleanup_free_ char *name = NULL;
	size_t n = 0;
	int r;

	if (!s)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "transport docker: the image has no docker reference");
	r = ward_ref_parse(s, &ref, err);
	if (r < 0)
		return r;
	/* Which scope would apply, the tag's or the digest's? containers/
	 * image refuses to choose; so does ward. */
	if (ref->tag && ref->digest)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "reference '%s' has both a tag and a digest; use one", s);
	name = ward_strdup_printf("%s/%s", ref->registry, ref->repository);
	if (!name || strv_push(&v, &n, ward_ref_format(ref)) < 0)
		return ward_error_set(err, ENOMEM, "policy scopes");
	for (char *slash;;) {
		if (strv_push(&v, &n, strdup(name)) < 0)
			return ward_error_set(err, ENOMEM, "policy scopes");
		slash = strrchr(name, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	/* name is now the host. */
	for (const char *h = name, *dot; (dot = strchr(h, '.'));) {
		h = dot + 1;
		if (strv_push(&v, &n, ward_strdup_printf("*.%s", h)) < 0)
			return ward_error_set(err, ENOMEM, "policy scopes");
	}
	*ret = TAKE_PTR(v);
	return 0;
}

/* Path transports: the path, then each parent directory but "/". */
static int
path_candidates(const char *transport, const char *path, char ***ret, struct ward_error **err)
{
	_cleanup_strv_ char **v = NULL;
	_cleanup_free_ char *p = NULL;
	size_t n = 0;

	/* The caller resolves the path (realpath): a ".." or a doubled '/'
	 * here would pick a scope other than the directory's own. */
	if (!path || !policy_clean_abs_path(path))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "transport %s: the image path '%s' is not a clean absolute "
				       "path",
				       transport, path ? path : "(none)");
	p = strdup(path);
	if (!p)
		return ward_error_set(err, ENOMEM, "policy scopes");
	for (char *slash;;) {
		if (strv_push(&v, &n, strdup(p)) < 0)
			return ward_error_set(err, ENOMEM, "policy scopes");
		slash = strrchr(p, '/');
		if (!slash || slash == p)
			break;
		*slash = '\0';
	}
	*ret = TAKE_PTR(v);
	return 0;
}

static const struct policy_transport *
find_transport(const struct ward_policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_transports; i++)
		if (!strcmp(p->transports[i].name, name))
			return &p->transports[i];
	return NULL;
}

static int
scope_key_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct policy_scope *)elem)->name);
}

static const struct policy_scope *
find_scope(const struct policy_transport *t, const char *name)
{
	return bsearch(name, t->scopes, t->n_scopes, sizeof(*t->scopes), scope_key_cmp);
}

/* Select the requirement list for img; *ret_scope describes it. */
static int
select_scope(const struct ward_policy *p, const struct ward_policy_image *img,
	     const struct policy_reqs **ret, char **ret_scope, struct ward_error **err)
{
	_cleanup_strv_ char **cand = NULL;
	const struct policy_transport *t;
	const char *tr = img->transport;
	int r = 0;

	if (!tr)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "the image has no transport");
	if (!strcmp(tr, "docker"))
		r = policy_docker_candidates(img->docker_reference, &cand, err);
	else if (!strcmp(tr, "oci") || !strcmp(tr, "oci-archive") || !strcmp(tr, "dir"))
		r = path_candidates(tr, img->path, &cand, err);
	else if (strcmp(tr, "docker-archive") != 0) /* only its "" scope exists */
		return ward_error_setk(err, WARD_E_UNSUPPORTED, EINVAL,
				       "transport '%s': ward evaluates only docker, "
				       "docker-archive, oci-archive, oci and dir",
				       tr);
	if (r < 0)
		return r;
	t = find_transport(p, tr);
	if (t) {
		const struct policy_scope *s = NULL;

		for (size_t i = 0; cand && cand[i] && !s; i++)
			s = find_scope(t, cand[i]);
		if (s && s->name[0])
			*ret_scope = ward_strdup_printf("%s scope \"%s\"", tr, s->name);
		else if ((s = find_scope(t, "")))
			*ret_scope = ward_strdup_printf("%s default scope \"\"", tr);
		if (s) {
			*ret = &s->reqs;
			return *ret_scope ? 0 : ward_error_set(err, ENOMEM, "policy");
		}
	}
	*ret = &p->def;
	*ret_scope = strdup("default");
	return *ret_scope ? 0 : ward_error_set(err, ENOMEM, "policy");
}

int
ward_policy_needs_signatures(const struct ward_policy *p, const struct ward_policy_image *img,
			     bool *ret, struct ward_error **err)
{
	_cleanup_free_ char *scope = NULL;
	const struct policy_reqs *reqs;
	bool needs = false;
	int r;

	r = select_scope(p, img, &reqs, &scope, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < reqs->n; i++)
		if (reqs->v[i].type == REQ_SIGNED_BY || reqs->v[i].type == REQ_SIGSTORE)
			needs = true;
	*ret = needs;
	return 0;
}

/* ---- evaluation state ------------------------------------------------------- */

struct eval {
	const struct ward_policy_image *img;
	const struct ward_policy_signature *sigs;
	size_t n_sigs;
	bool loaded;
	struct ward_policy_verified *verified;
	size_t n_verified;
};

static int
load_sigs(struct eval *e, struct ward_error **err)
{
	int r;

	if (e->loaded)
		return 0;
	if (e->img->get_signatures) {
		r = e->img->get_signatures(e->img->opaque, &e->sigs, &e->n_sigs, err);
		if (r < 0)
			return ward_error_wrap(err, "read the image's signatures");
	} else {
		e->sigs = e->img->sigs;
		e->n_sigs = e->sigs ? e->img->n_sigs : 0;
	}
	/* 10,000 signatures on one image are a denial of service, not a trust
	 * decision: refuse before verifying any. */
	if (e->n_sigs > WARD_POLICY_SIGNATURES_MAX)
		return ward_error_setk(err, WARD_E_INVALID, E2BIG,
				       "the image has %zu signatures, more than %u", e->n_sigs,
				       WARD_POLICY_SIGNATURES_MAX);
	e->loaded = true;
	return 0;
}

static int
record(struct eval *e, enum ward_policy_sig_kind kind, size_t sig, size_t req,
       struct ward_sign_payload **payload, char **signer, struct ward_error **err)
{
	struct ward_policy_verified *v;

	v = realloc(e->verified, (e->n_verified + 1) * sizeof(*v));
	if (!v)
		return ward_error_set(err, ENOMEM, "policy");
	e->verified = v;
	v[e->n_verified++] = (struct ward_policy_verified){
		.kind = kind,
		.sig_index = sig,
		.requirement = req,
		.payload = TAKE_PTR(*payload),
		.signer = TAKE_PTR(*signer),
	};
	return 0;
}

struct reasons {
	char buf[REASON_MAX];
	size_t o, n;
};

static void
add_reason(struct reasons *rs, size_t sig, const char *why)
{
	if (rs->n++ >= REASONS_SHOWN || rs->o >= sizeof(rs->buf))
		return;
	int n = snprintf(rs->buf + rs->o, sizeof(rs->buf) - rs->o, "%s%zu: %.400s",
			 rs->o ? "; " : "", sig + 1, why);
	rs->o = n < 0 ? sizeof(rs->buf) : rs->o + (size_t)n;
}

static int
no_signature_verified(struct reasons *rs, size_t of_kind, size_t total, const char *kind,
		      struct ward_error **err)
{
	if (of_kind == 0)
		return policy_deny(err, "no %s signature (the image has %zu signature%s)", kind,
				   total, total == 1 ? "" : "s");
	return policy_deny(err, "no signature verified (%zu %s signature%s: %s%s)", of_kind, kind,
			   of_kind == 1 ? "" : "s", rs->buf, rs->n > REASONS_SHOWN ? "; ..." : "");
}

struct idctx {
	const struct policy_req *q;
	const char *image_reference;
};

static int
accept_identity(const char *docker_reference, void *userdata, struct ward_error **err)
{
	const struct idctx *c = userdata;
	struct ward_policy_identity id = {
		.type = c->q->id_type, .value = c->q->id_value, .value2 = c->q->id_value2};

	return ward_policy_identity_match(&id, c->image_reference, docker_reference, err);
}

/* ---- sigstoreSigned ----------------------------------------------------------- */

struct keys {
	struct ward_sign_key **v;
	size_t n;
};

static void
keys_clear(struct keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		ward_sign_key_free(k->v[i]);
	free(k->v);
}

static int
sigstore_keys(const struct policy_req *q, struct keys *k, struct ward_error **err)
{
	size_t n = ward_strv_length(q->key_paths) + q->n_key_data;
	int r;

	k->v = calloc(n ? n : 1, sizeof(*k->v));
	if (!k->v)
		return ward_error_set(err, ENOMEM, "policy keys");
	for (size_t i = 0; q->key_paths && q->key_paths[i]; i++) {
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;

		/* Read at each evaluation, as containers/image does: a key
		 * rotated on disk takes effect without reparsing the policy. */
		r = policy_read_file(q->key_paths[i], WARD_POLICY_KEYFILE_MAX, &buf, &len, err);
		if (r < 0)
			return ward_error_wrap(err, "keyPath");
		r = ward_sign_key_read_public(buf, len, q->key_paths[i], &k->v[k->n], err);
		if (r < 0)
			return r;
		k->n++;
	}
	for (size_t i = 0; i < q->n_key_data; i++) {
		r = ward_sign_key_read_public((const char *)q->key_data[i].p, q->key_data[i].len,
					      "keyData", &k->v[k->n], err);
		if (r < 0)
			return r;
		k->n++;
	}
	return 0;
}

static char *
key_signer(const struct ward_sign_key *k)
{
	struct ward_digest fp;

	if (ward_sign_key_fingerprint(k, &fp, NULL) < 0)
		return strdup(ward_sign_key_describe(k));
	return ward_strdup_printf("%s %s", ward_sign_key_describe(k), fp.s);
}

static int
eval_sigstore(struct eval *e, size_t qi, const struct policy_req *q, struct ward_error **err)
{
	_cleanup_(keys_clear) struct keys keys = {0};
	struct idctx idc = {.q = q, .image_reference = e->img->docker_reference};
	struct ward_sign_verify_opts opts = {
		.type = WARD_SIGN_PAYLOAD_COSIGN,
		.manifest_digest = e->img->manifest_digest,
		.accept_identity = accept_identity,
		.identity_userdata = &idc,
	};
	struct reasons rs = {0};
	size_t of_kind = 0, before = e->n_verified;
	int r;

	r = sigstore_keys(q, &keys, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < e->n_sigs; i++) {
		const struct ward_policy_signature *s = &e->sigs[i];
		_cleanup_free_ char *why = NULL;
		bool ok = false;

		if (s->kind != WARD_POLICY_SIG_COSIGN)
			continue;
		of_kind++;
		if (!s->cosign_sig_b64 || (!s->data && s->len)) {
			add_reason(&rs, i, "no signature annotation");
			continue;
		}
		for (size_t k = 0; k < keys.n && !ok; k++) {
			_cleanup_(ward_sign_payload_freep) struct ward_sign_payload *p = NULL;
			struct ward_error *ke = NULL;

			r = ward_sign_verify(keys.v[k], s->data ? s->data : "", s->len,
					     s->cosign_sig_b64, &opts, &p, &ke);
			if (r == 0) {
				_cleanup_free_ char *signer = key_signer(keys.v[k]);

				ok = true;
				if (!signer)
					return ward_error_set(err, ENOMEM, "policy");
				r = record(e, WARD_POLICY_SIG_COSIGN, i, qi, &p, &signer, err);
				if (r < 0)
					return r;
			} else if (!why || !strncmp(why, "signature does not verify", 25)) {
				/* With several keys, the interesting reason is the one
				 * from the key that got past the cryptography. */
				free(why);
				why = strdup(ke && ke->msg ? ke->msg : "refused");
			}
			ward_error_free(ke);
		}
		if (ok && !e->img->verify_all)
			return 0;
		if (!ok)
			add_reason(&rs, i, why ? why : "no key");
	}
	if (e->n_verified > before)
		return 0;
	return no_signature_verified(&rs, of_kind, e->n_sigs, "sigstore", err);
}

/* ---- signedBy (GPG) ---------------------------------------------------------- */

static int
gpg_keyring(const struct policy_req *q, struct ward_gpg_keyring **ret, struct ward_error **err)
{
	_cleanup_(ward_gpg_keyring_freep) struct ward_gpg_keyring *kr = NULL;
	int r;

	r = ward_gpg_keyring_new(&kr, err);
	if (r < 0)
		return r;
	for (size_t i = 0; q->key_paths && q->key_paths[i]; i++) {
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;

		r = policy_read_file(q->key_paths[i], WARD_SIGN_GPG_KEYS_MAX, &buf, &len, err);
		if (r < 0)
			return ward_error_wrap(err, "keyPath");
		r = ward_gpg_keyring_add(kr, buf, len, q->key_paths[i], err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < q->n_key_data; i++) {
		r = ward_gpg_keyring_add(kr, q->key_data[i].p, q->key_data[i].len, "keyData", err);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(kr);
	return 0;
}

/* One GPG signature through every check; *ret_why says why not. */
static int
gpg_check_one(struct ward_gpg_keyring *kr, const struct ward_policy_signature *s,
	      const struct idctx *idc, const struct ward_digest *digest,
	      struct ward_sign_payload **ret_payload, char **ret_signer, struct ward_error **err)
{
	_cleanup_(ward_sign_payload_freep) struct ward_sign_payload *p = NULL;
	_cleanup_free_ char *content = NULL, *fpr = NULL;
	size_t content_len = 0;
	int r;

	if (!s->data || s->len == 0)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "empty signature");
	r = ward_gpg_verify(kr, s->data, s->len, &content, &content_len, &fpr, err);
	if (r < 0)
		return r;
	r = ward_sign_payload_parse(content, content_len, WARD_SIGN_PAYLOAD_ATOMIC, &p, err);
	if (r < 0)
		return r;
	if (strcmp(p->manifest_digest.s, digest->s) != 0)
		return policy_deny(err,
				   "signature is for manifest %s, not %s: refusing a "
				   "signature of another image",
				   p->manifest_digest.s, digest->s);
	r = accept_identity(p->docker_reference, (void *)idc, err);
	if (r < 0)
		return r;
	*ret_payload = TAKE_PTR(p);
	*ret_signer = TAKE_PTR(fpr);
	return 0;
}

static int
eval_signed_by(struct eval *e, size_t qi, const struct policy_req *q, struct ward_error **err)
{
	_cleanup_(ward_gpg_keyring_freep) struct ward_gpg_keyring *kr = NULL;
	struct idctx idc = {.q = q, .image_reference = e->img->docker_reference};
	struct reasons rs = {0};
	size_t of_kind = 0, before = e->n_verified;
	int r;

	for (size_t i = 0; i < e->n_sigs; i++)
		of_kind += e->sigs[i].kind == WARD_POLICY_SIG_GPG;
	if (of_kind == 0)
		return no_signature_verified(&rs, 0, e->n_sigs, "GPG", err);
	/* Each check runs gpg: thousands of junk signatures would hold the
	 * pull or run for minutes. */
	if (of_kind > WARD_POLICY_GPG_SIGNATURES_MAX)
		return ward_error_setk(err, WARD_E_INVALID, E2BIG,
				       "the image has %zu GPG signatures, more than %u", of_kind,
				       WARD_POLICY_GPG_SIGNATURES_MAX);
	r = gpg_keyring(q, &kr, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < e->n_sigs; i++) {
		struct ward_sign_payload *p = NULL;
		struct ward_error *se = NULL;
		char *signer = NULL;

		if (e->sigs[i].kind != WARD_POLICY_SIG_GPG)
			continue;
		r = gpg_check_one(kr, &e->sigs[i], &idc, e->img->manifest_digest, &p, &signer, &se);
		if (r < 0) {
			add_reason(&rs, i, se && se->msg ? se->msg : "refused");
			ward_error_free(se);
			continue;
		}
		r = record(e, WARD_POLICY_SIG_GPG, i, qi, &p, &signer, err);
		ward_sign_payload_free(p);
		free(signer);
		if (r < 0)
			return r;
		if (!e->img->verify_all)
			return 0;
	}
	if (e->n_verified > before)
		return 0;
	return no_signature_verified(&rs, of_kind, e->n_sigs, "GPG", err);
}

/* ---- the decision --------------------------------------------------------------- */

static char *
rules_of(const struct policy_reqs *reqs)
{
	char buf[WARD_POLICY_REQUIREMENTS_MAX * 24] = "";
	size_t o = 0;

	for (size_t i = 0; i < reqs->n && o < sizeof(buf); i++) {
		int n = snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? ", " : "",
				 policy_req_type_name(reqs->v[i].type));
		o = n < 0 ? sizeof(buf) : o + (size_t)n;
	}
	return strdup(buf);
}

static void
verified_free(struct eval *e)
{
	for (size_t i = 0; i < e->n_verified; i++) {
		ward_sign_payload_free(e->verified[i].payload);
		free(e->verified[i].signer);
	}
	free(e->verified);
	e->verified = NULL;
	e->n_verified = 0;
}

int
ward_policy_evaluate(const struct ward_policy *p, const struct ward_policy_image *img,
		     struct ward_policy_decision *ret, struct ward_error **err)
{
	_cleanup_free_ char *scope = NULL, *rules = NULL, *message = NULL, *origin = NULL;
	const struct policy_reqs *reqs = NULL;
	struct eval e = {.img = img};
	bool scan_deferred = false;
	int r;

	if (!p || !img)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "policy: nothing to evaluate");
	r = select_scope(p, img, &reqs, &scope, err);
	if (r < 0)
		return ward_error_wrap(err, "policy %s", p->origin);
	for (size_t i = 0; i < reqs->n; i++) {
		const struct policy_req *q = &reqs->v[i];

		switch (q->type) {
		case REQ_ACCEPT:
		case REQ_SCAN: /* below, once everything else passed */
			r = 0;
			break;
		case REQ_REJECT:
			r = policy_deny(err, "the policy rejects this image");
			break;
		case REQ_SIGNED_BY:
		case REQ_SIGSTORE:
			if (!img->manifest_digest) {
				r = ward_error_setk(err, WARD_E_INVALID, EINVAL,
						    "no manifest digest to verify signatures "
						    "against");
				break;
			}
			r = load_sigs(&e, err);
			if (r >= 0)
				r = q->type == REQ_SIGNED_BY ? eval_signed_by(&e, i, q, err)
							     : eval_sigstore(&e, i, q, err);
			break;
		}
		if (r < 0) {
			/* All requirements must pass: the first that fails decides. */
			verified_free(&e);
			return ward_error_wrap(err, "policy %s: %s: %s", p->origin, scope,
					       policy_req_type_name(q->type));
		}
	}
	/* Scans last: they unpack and read the image, which only an image that
	 * passed its signature requirements may have done to it. */
	for (size_t i = 0; i < reqs->n; i++) {
		const struct policy_req *q = &reqs->v[i];

		if (q->type != REQ_SCAN)
			continue;
		if (!img->scan) {
			scan_deferred = true;
			continue;
		}
		r = img->scan(img->scan_opaque, &q->scan, err);
		if (r < 0) {
			verified_free(&e);
			if (err && *err && (*err)->kind != WARD_E_DENIED)
				(*err)->kind = WARD_E_DENIED; /* no scan, no run */
			return ward_error_wrap(err, "policy %s: %s: vulnerabilityScan", p->origin,
					       scope);
		}
	}
	rules = rules_of(reqs);
	origin = strdup(p->origin);
	message = rules ? ward_strdup_printf("policy %s: %s: %s", p->origin, scope, rules) : NULL;
	if (!rules || !origin || !message) {
		verified_free(&e);
		return ward_error_set(err, ENOMEM, "policy");
	}
	if (!ret) {
		verified_free(&e);
		return 0;
	}
	*ret = (struct ward_policy_decision){
		.origin = TAKE_PTR(origin),
		.scope = TAKE_PTR(scope),
		.rules = TAKE_PTR(rules),
		.message = TAKE_PTR(message),
		.verified = e.verified,
		.n_verified = e.n_verified,
		.scan_deferred = scan_deferred,
	};
	return 0;
}
