/* SPDX-License-Identifier: Apache-2.0 */
/* ward tag, ward rmi, ward image inspect, `ward image SUBCOMMAND`, and the
 * name lookup, auth-file default and short-name resolution pull, push and
 * login share. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include <ward/containers.h>
#include <ward/image.h>
#include <ward/registry.h>

#include "cli.h"

/* ---- shared helpers ------------------------------------------------------- */

char *
ward_cli_authfile(const char *flag)
{
	const char *env = secure_getenv("REGISTRY_AUTH_FILE");
	const char *xdg = secure_getenv("XDG_RUNTIME_DIR");

	if (flag)
		return strdup(flag);
	if (env && *env)
		return strdup(env);
	/* podman's default: per-login-session, gone at reboot. */
	if (xdg && *xdg)
		return ward_strdup_printf("%s/containers/auth.json", xdg);
	return ward_strdup_printf("/run/containers/%u/auth.json", (unsigned)getuid());
}

int
ward_cli_tls_verify(struct ward_cli *cli, const char *cmd, const char *arg,
		    struct ward_registry_opts *ro)
{
	if (strcmp(arg, "false") == 0) {
		ro->plain_http = true;
		ward_log_write(
			&cli->log, WARD_LOG_WARNING,
			"--tls-verify=false: plain HTTP, nothing authenticates the registry");
		return 0;
	}
	if (strcmp(arg, "true") == 0) {
		ro->plain_http = false;
		return 0;
	}
	return ward_cli_usage(cmd, "--tls-verify: true or false");
}

/* Every name in the store pointing at digest d, NULL-terminated. */
static int
names_of(struct ward_store *s, const struct ward_digest *d, char ***ret, struct ward_error **err)
{
	_cleanup_strv_ char **names = NULL;
	char **out;
	size_t n = 0;
	int r;

	if ((r = ward_store_list(s, &names, err)) < 0)
		return r;
	out = calloc((size_t)r + 1, sizeof(char *));
	if (!out)
		return ward_error_set(err, ENOMEM, "list images");
	for (char **p = names; p && *p; p++) {
		struct ward_descriptor x;
		/* A copy, not TAKE_PTR: a hole in `names` would end the strv
		 * before the names after it are freed. */
		if (ward_store_resolve(s, *p, &x, NULL) == 0 && !strcmp(x.digest.s, d->s) &&
		    !(out[n++] = strdup(*p))) {
			ward_strv_free(out);
			return ward_error_set(err, ENOMEM, "list images");
		}
	}
	*ret = out;
	return (int)n;
}

/* An image ID: the manifest digest, with or without "sha256:", or a unique
 * prefix of at least 4 hex digits of it. */
static int
lookup_id(struct ward_store *s, const char *id, char **ret_name, struct ward_descriptor *ret,
	  struct ward_error **err)
{
	_cleanup_strv_ char **names = NULL;
	const char *hex = ward_str_has_prefix(id, "sha256:") ? id + 7 : id;
	size_t len = strlen(hex);
	struct ward_descriptor found = {0};
	const char *found_name = NULL;
	int r;

	if (len < 4 || len > 64 || strspn(hex, "0123456789abcdef") != len)
		return -ENOENT;
	if ((r = ward_store_list(s, &names, err)) < 0)
		return r;
	for (char **p = names; p && *p; p++) {
		struct ward_descriptor x;
		if (ward_store_resolve(s, *p, &x, NULL) < 0 ||
		    strncmp(ward_digest_hex(&x.digest), hex, len))
			continue;
		if (found_name && strcmp(found.digest.s, x.digest.s))
			return ward_error_setk(err, WARD_E_INVALID, 0,
					       "image ID '%s' is ambiguous (%s and %s); give more "
					       "digits",
					       id, found.digest.s, x.digest.s);
		found = x;
		found_name = *p;
	}
	if (!found_name)
		return -ENOENT;
	*ret_name = strdup(found_name);
	*ret = found;
	return *ret_name ? 0 : ward_error_set(err, ENOMEM, "image '%s'", id);
}

static int
lookup(struct ward_store *s, const char *name, char **ret_name, struct ward_descriptor *ret,
       bool *ret_by_id, struct ward_error **err)
{
	_cleanup_(ward_ref_freep) struct ward_ref *ref = NULL;
	_cleanup_free_ char *latest = NULL, *full = NULL;
	const char *try[3];
	size_t n = 0;
	int r;

	try[n++] = name;
	/* "host/repo" names what pull tagged "host/repo:latest". */
	if (ward_ref_parse(name, &ref, NULL) == 0 && (full = ward_ref_format(ref)))
		try[n++] = full;
	else if (!strchr(name + (strrchr(name, '/') ? strrchr(name, '/') - name : 0), ':') &&
		 !strchr(name, '@') && (latest = ward_strdup_printf("%s:latest", name)))
		try[n++] = latest;
	for (size_t i = 0; i < n; i++) {
		if (ward_store_resolve(s, try[i], ret, NULL) == 0) {
			*ret_name = strdup(try[i]);
			return *ret_name ? 0 : ward_error_set(err, ENOMEM, "image '%s'", name);
		}
	}
	r = lookup_id(s, name, ret_name, ret, err);
	if (r == 0)
		*ret_by_id = true;
	if (r != -ENOENT)
		return r;
	return ward_error_setk(err, WARD_E_NOTFOUND, 0,
			       "image '%s' is not in the store (see 'ward images')", name);
}

int
ward_cli_image_lookup(struct ward_store *s, const char *name, char **ret_name,
		      struct ward_descriptor *ret, struct ward_error **err)
{
	bool by_id = false;

	return lookup(s, name, ret_name, ret, &by_id, err);
}

/* Log how a short name was resolved: ward never guesses silently. */
static void
report_resolution(struct ward_cli *cli, const struct ward_registries_conf *c, const char *name,
		  char **cands, int n)
{
	ward_log_write(&cli->log, WARD_LOG_WARNING, "short name '%s' resolved through %s to %s%s",
		       name, c->path, cands[0],
		       n > 1 ? " (and further search registries in order)" : "");
}

int
ward_cli_pull(struct ward_cli *cli, const char *registries_conf, const char *name,
	      const struct ward_registry_opts *ro, const struct ward_platform *platform,
	      struct ward_store *s, struct ward_digest *ret, char **ret_name,
	      struct ward_error **err)
{
	_cleanup_(ward_registries_conf_freep) struct ward_registries_conf *c = NULL;
	_cleanup_strv_ char **cands = NULL;
	_cleanup_free_ char *tried = NULL;
	bool is_short = false;
	int n, r = 0;

	if ((r = ward_registries_conf_load(registries_conf, &c, err)) < 0)
		return r;
	if ((n = ward_registries_resolve(c, name, &cands, &is_short, err)) < 0)
		return n;
	if (is_short)
		report_resolution(cli, c, name, cands, n);
	for (int i = 0; i < n; i++) {
		struct ward_error *e = NULL;
		char *t;
		if (n > 1)
			fprintf(stderr, "Trying to pull %s...\n", cands[i]);
		/* Under the trust policy: verify by digest, then fetch that digest. */
		r = ward_cli_pull_trusted(cli, cands[i], ro, platform, s, ret, ret_name, &e);
		if (r == 0) {
			ward_error_free(e);
			return 0;
		}
		if (n == 1) {
			if (err)
				*err = e;
			else
				ward_error_free(e);
			return r;
		}
		t = ward_strdup_printf("%s%s%s", tried ? tried : "", tried ? "; " : "",
				       e && e->msg ? e->msg : cands[i]);
		ward_error_free(e);
		free(tried);
		tried = t;
	}
	return ward_error_setk(err, WARD_E_NOTFOUND, ENOENT,
			       "short name '%s': no search registry in %s has it: %s", name,
			       c->path, tried ? tried : "");
}

/* ---- ward tag --------------------------------------------------------------- */

/* A qualified target is stored in the form pull uses ("host/repo:tag"). */
static char *
normalize_target(const char *t)
{
	_cleanup_(ward_ref_freep) struct ward_ref *ref = NULL;

	if (ward_str_has_prefix(t, "docker://"))
		t += 9;
	if (ward_ref_parse(t, &ref, NULL) == 0)
		return ward_ref_format(ref);
	return strdup(t);
}

int
ward_cmd_tag(struct ward_cli *cli, int argc, char **argv)
{
	_cleanup_(ward_store_freep) struct ward_store *s = NULL;
	_cleanup_free_ char *src = NULL;
	struct ward_error *err = NULL;
	struct ward_descriptor d;

	if (getopt_long(argc, argv, "+", (const struct option[]){{0}}, NULL) != -1 ||
	    argc - optind < 2)
		return ward_cli_usage("tag", "usage: ward tag SOURCE TARGET...");
	if (ward_store_open(cli->root, true, &s, &err) < 0 ||
	    ward_cli_image_lookup(s, argv[optind], &src, &d, &err) < 0)
		return ward_cli_fail(cli, err);
	for (int i = optind + 1; i < argc; i++) {
		_cleanup_free_ char *t = normalize_target(argv[i]);
		if (!t) {
			ward_error_set(&err, ENOMEM, "tag");
			return ward_cli_fail(cli, err);
		}
		if (ward_store_tag(s, t, d.media_type, &d.digest, &err) < 0) {
			ward_error_wrap(&err, "tag %s as '%s'", src, argv[i]);
			return ward_cli_fail(cli, err);
		}
	}
	return 0;
}

/* ---- ward rmi ---------------------------------------------------------------- */

struct in_use {
	struct ward_ctr_record **ctrs; /* NULL when there is no container database */
	struct ward_digest *keep;
	size_t n_keep;
};

static void
in_use_clear(struct in_use *u)
{
	ward_ctr_record_list_free(u->ctrs);
	free(u->keep);
}

/* What containers use: kept by gc, and refused to rmi without -f. */
static int
load_in_use(struct ward_cli *cli, struct in_use *u, struct ward_error **err)
{
	struct ward_ctr_db *db = NULL;
	_cleanup_strv_ char **digests = NULL;
	_cleanup_free_ char *dbpath = ward_strdup_printf("%s/ward.db", cli->root);
	size_t n;
	int r;

	if (!dbpath)
		return ward_error_set(err, ENOMEM, "rmi");
	if (access(dbpath, F_OK) < 0)
		return 0; /* no container was ever made under this root */
	if ((r = ward_ctr_db_open(cli->root, false, &db, err)) < 0)
		return ward_error_wrap(err, "rmi: container records");
	r = ward_ctr_db_images_in_use(db, &digests, err);
	if (r >= 0)
		r = ward_ctr_db_list(db, &u->ctrs, err);
	ward_ctr_db_close(db);
	if (r < 0)
		return ward_error_wrap(err, "rmi: container records");
	n = ward_strv_length(digests);
	u->keep = calloc(n + 1, sizeof(*u->keep));
	if (!u->keep)
		return ward_error_set(err, ENOMEM, "rmi");
	for (size_t i = 0; i < n; i++)
		if (ward_digest_parse(digests[i], &u->keep[u->n_keep], NULL) == 0)
			u->n_keep++;
	return 0;
}

/* The containers made from digest, "name (id12), ..."; NULL when none. */
static char *
users_of(const struct in_use *u, const struct ward_digest *d)
{
	char *list = NULL;

	for (struct ward_ctr_record **c = u->ctrs; c && *c; c++) {
		char *t;
		if (!(*c)->image_digest || strcmp((*c)->image_digest, d->s))
			continue;
		t = ward_strdup_printf("%s%s%s (%.12s)", list ? list : "", list ? ", " : "",
				       (*c)->name ? (*c)->name : "?", (*c)->id ? (*c)->id : "");
		free(list);
		list = t;
		if (!list)
			break;
	}
	return list;
}

static int
rmi_one(struct ward_store *s, const struct in_use *u, const char *arg, bool force,
	bool *ret_deleted, struct ward_digest *ret_digest, struct ward_error **err)
{
	_cleanup_free_ char *name = NULL, *users = NULL;
	_cleanup_strv_ char **names = NULL;
	struct ward_descriptor d;
	bool by_id = false;
	int n, r;

	if ((r = lookup(s, arg, &name, &d, &by_id, err)) < 0)
		return r;
	if ((n = names_of(s, &d.digest, &names, err)) < 0)
		return n;
	/* The last name of an image a container runs from: removing it would
	 * let gc take layers the container's overlay still reads from. */
	if ((n == 1 || by_id) && (users = users_of(u, &d.digest)) && !force)
		return ward_error_setk(err, WARD_E_STATE, EBUSY,
				       "image '%s' is in use by container %s; remove the "
				       "container first or use -f (the blobs stay while it "
				       "exists)",
				       arg, users);
	if (by_id && n > 1 && !force)
		return ward_error_setk(err, WARD_E_STATE, 0,
				       "image ID '%s' has %d names; remove them by name or use -f",
				       arg, n);
	for (int i = 0; i < n; i++) {
		if (!by_id && strcmp(names[i], name))
			continue;
		if ((r = ward_store_untag(s, names[i], err)) < 0)
			return ward_error_wrap(err, "rmi %s", arg);
		printf("Untagged: %s\n", names[i]);
	}
	*ret_deleted = by_id || n == 1;
	*ret_digest = d.digest;
	return 0;
}

int
ward_cmd_rmi(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0}};
	_cleanup_(ward_store_freep) struct ward_store *s = NULL;
	struct ward_error *err = NULL;
	struct in_use u = {0};
	bool force = false, failed = false;
	size_t removed = 0;
	int c;

	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			return ward_cli_usage("rmi", "invalid option");
		force = true;
	}
	if (argc - optind < 1)
		return ward_cli_usage("rmi", "usage: ward rmi [-f] IMAGE...");
	if (ward_store_open(cli->root, true, &s, &err) < 0 || load_in_use(cli, &u, &err) < 0) {
		in_use_clear(&u);
		return ward_cli_fail(cli, err);
	}
	for (int i = optind; i < argc; i++) {
		struct ward_digest d;
		bool deleted = false;
		if (rmi_one(s, &u, argv[i], force, &deleted, &d, &err) < 0) {
			fprintf(stderr, "Error: %s\n", err->msg);
			ward_error_freep(&err);
			failed = true;
			continue;
		}
		if (deleted)
			printf("Deleted: %s\n", d.s);
	}
	/* Blobs no name and no container reaches go now. */
	if (ward_store_gc(s, u.keep, u.n_keep, &removed, &err) < 0) {
		in_use_clear(&u);
		ward_error_wrap(&err, "rmi: collect unused blobs");
		return ward_cli_fail(cli, err);
	}
	in_use_clear(&u);
	ward_log_write(&cli->log, WARD_LOG_INFO, "rmi: %zu unused blobs removed", removed);
	/* The signatures of manifests that went with them. */
	if (ward_sigstore_prune(cli->root, s, &removed, &err) < 0) {
		ward_error_wrap(&err, "rmi: remove unused signatures");
		return ward_cli_fail(cli, err);
	}
	ward_log_write(&cli->log, WARD_LOG_INFO, "rmi: signatures of %zu images removed", removed);
	return failed ? WARD_EXIT_ENGINE : 0;
}

/* ---- ward image inspect --------------------------------------------------------- */

static json_t *
read_json(struct ward_store *s, const struct ward_digest *d, struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	json_t *j = NULL;

	if (ward_store_read_blob(s, d, WARD_MANIFEST_MAX, &buf, &len, err) < 0 ||
	    ward_json_parse(buf, len, d->s, &j, err) < 0)
		return NULL;
	return j;
}

static json_t *
repo_lists(char **names, const struct ward_digest *d, json_t **ret_digests)
{
	json_t *tags = json_array(), *digests = json_array();

	for (char **p = names; p && *p; p++) {
		_cleanup_(ward_ref_freep) struct ward_ref *ref = NULL;
		json_array_append_new(tags, json_string(*p));
		if (ward_ref_parse(*p, &ref, NULL) == 0)
			json_array_append_new(digests, json_sprintf("%s/%s@%s", ref->registry,
								    ref->repository, d->s));
	}
	*ret_digests = digests;
	return tags;
}

int
ward_cli_image_inspect(struct ward_cli *cli, const char *name, json_t **ret,
		       struct ward_error **err)
{
	_cleanup_(ward_store_freep) struct ward_store *s = NULL;
	_cleanup_(ward_image_freep) struct ward_image *img = NULL;
	_cleanup_free_ char *found = NULL;
	_cleanup_strv_ char **names = NULL;
	struct ward_descriptor d;
	json_t *cfg, *o, *layers, *repo_digests;
	int64_t size;
	int r;

	if ((r = ward_store_open(cli->root, true, &s, err)) < 0 ||
	    (r = ward_cli_image_lookup(s, name, &found, &d, err)) < 0 ||
	    (r = ward_image_open(s, found, NULL, &img, err)) < 0 ||
	    (r = names_of(s, &d.digest, &names, err)) < 0)
		return r;
	cfg = read_json(s, &img->manifest->config.digest, err);
	if (!cfg)
		return ward_error_wrap(err, "inspect %s: config", name);
	size = img->manifest->config.size;
	layers = json_array();
	for (size_t i = 0; i < img->config->n_diff_ids; i++)
		json_array_append_new(layers, json_string(img->config->diff_ids[i].s));
	for (size_t i = 0; i < img->manifest->n_layers; i++)
		size += img->manifest->layers[i].size;
	o = json_object();
	json_object_set_new(o, "Id", json_string(ward_digest_hex(&img->manifest->config.digest)));
	json_object_set_new(o, "Digest", json_string(d.digest.s));
	json_object_set_new(o, "RepoTags", repo_lists(names, &d.digest, &repo_digests));
	json_object_set_new(o, "RepoDigests", repo_digests);
	json_object_set(o, "Created", json_object_get(cfg, "created") ?: json_null());
	json_object_set_new(o, "Architecture", json_string(img->config->architecture ?: ""));
	json_object_set_new(o, "Os", json_string(img->config->os ?: ""));
	if (img->config->variant)
		json_object_set_new(o, "Variant", json_string(img->config->variant));
	json_object_set(o, "Config", json_object_get(cfg, "config") ?: json_object());
	json_object_set(o, "Labels",
			json_object_get(json_object_get(cfg, "config"), "Labels") ?: json_null());
	json_object_set_new(o, "RootFS",
			    json_pack("{s:s, s:o}", "Type", "layers", "Layers", layers));
	json_object_set_new(o, "Size", json_integer(size));
	json_object_set(o, "History", json_object_get(cfg, "history") ?: json_array());
	json_object_set_new(o, "ManifestType", json_string(img->manifest->media_type));
	json_decref(cfg);
	*ret = o;
	return 0;
}

int
ward_cmd_image_inspect(struct ward_cli *cli, int argc, char **argv)
{
	struct ward_error *err = NULL;
	json_t *arr;
	char *t;

	if (getopt_long(argc, argv, "+", (const struct option[]){{0}}, NULL) != -1 ||
	    argc - optind < 1)
		return ward_cli_usage("image inspect", "usage: ward image inspect IMAGE...");
	arr = json_array();
	for (int i = optind; i < argc; i++) {
		json_t *o = NULL;
		if (ward_cli_image_inspect(cli, argv[i], &o, &err) < 0) {
			json_decref(arr);
			return ward_cli_fail(cli, err);
		}
		json_array_append_new(arr, o);
	}
	t = json_dumps(arr, JSON_INDENT(4));
	json_decref(arr);
	if (!t) {
		ward_error_set(&err, ENOMEM, "inspect");
		return ward_cli_fail(cli, err);
	}
	puts(t);
	free(t);
	return 0;
}

/* ---- ward image SUBCOMMAND ---------------------------------------------------------- */

int
ward_cmd_image(struct ward_cli *cli, int argc, char **argv)
{
	static const struct ward_cmd subs[] = {
		{"ls", "list images", ward_cmd_images},
		{"list", "list images", ward_cmd_images},
		{"pull", "pull an image from a registry", ward_cmd_pull},
		{"push", "push an image to a registry", ward_cmd_push},
		{"tag", "add names to an image", ward_cmd_tag},
		{"rm", "remove images", ward_cmd_rmi},
		{"inspect", "show an image's configuration as JSON", ward_cmd_image_inspect},
		{"import", "make an image from a root filesystem tarball", ward_cmd_import},
	};

	if (argc >= 2)
		for (size_t i = 0; i < WARD_ARRAY_SIZE(subs); i++)
			if (!strcmp(argv[1], subs[i].name)) {
				optind = 1;
				return subs[i].run(cli, argc - 1, argv + 1);
			}
	fprintf(stderr, "%s: ward image SUBCOMMAND\n\nsubcommands:\n",
		argc >= 2 ? "Error: unknown subcommand" : "usage");
	for (size_t i = 0; i < WARD_ARRAY_SIZE(subs); i++)
		fprintf(stderr, "  %-8s %s\n", subs[i].name, subs[i].summary);
	return WARD_EXIT_ENGINE;
}
