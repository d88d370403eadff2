/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward audit: CIS Docker Benchmark checks of images, containers, OCI
 * bundles, root filesystems and the host (src/audit). Exit 0 when nothing
 * at or above --fail-on remains, 1 when something does, 2 when the audit
 * itself failed (ward scan's convention, so CI tells the two apart).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <ward/audit.h>
#include <ward/containers.h>
#include <ward/image.h>
#include <ward/registry.h>
#include <ward/sign.h>

#include "cli.h"

#define AUDIT_EXIT_FOUND 1
#define AUDIT_EXIT_ERROR 2
#define AUDIT_TARGETS_MAX 256

enum audit_format { FMT_TABLE, FMT_JSON, FMT_SARIF };

struct audit_flags {
	enum audit_format format;
	bool all, host, no_secrets, has_fail_on;
	enum ward_audit_severity fail_on;
	const char *etc_dir, *authfile, *registries_conf;
	const char *bundles[AUDIT_TARGETS_MAX], *rootfs[AUDIT_TARGETS_MAX];
	size_t n_bundles, n_rootfs;
	const char *images[AUDIT_TARGETS_MAX], *containers[AUDIT_TARGETS_MAX];
	size_t n_images, n_containers;
};

static int
audit_container(struct ward_cli *cli, struct ward_audit_report *r, const char *name,
		const struct ward_audit_opts *o, struct ward_error **err)
{
	struct ward_ctr_record *rec = NULL;
	_cleanup_free_ char *target = NULL;
	int rc;

	if ((rc = ward_cli_container(cli, name, false, &rec, NULL, err)) < 0)
		return rc;
	target = ward_strdup_printf("container %s (%.12s)", rec->name, rec->id);
	rc = target ? ward_audit_bundle(r, target, rec->bundle, o, err)
		    : ward_error_set(err, ENOMEM, "audit");
	ward_ctr_record_free(rec);
	return rc;
}

/* The trust policy's verdict on the store image `name` at digest d, as
 * `ward run` would reach it (the policy in force, the signatures kept in the
 * store, those of the index it was pulled through), for 4.2. *ret_detail is
 * the decision's message or the refusal. */
static enum ward_audit_trust
trust_of(struct ward_cli *cli, const char *name, const struct ward_digest *d, char **ret_detail)
{
	_cleanup_(ward_policy_freep) struct ward_policy *p = NULL;
	_cleanup_free_ char *reference = ward_cli_docker_reference(name);
	struct ward_policy_decision dec = {0};
	struct ward_sign_list l = {0};
	struct ward_error *e = NULL;
	enum ward_audit_trust t = WARD_AUDIT_TRUST_REFUSED;
	struct ward_digest index;
	int rc;

	if (!reference)
		return WARD_AUDIT_TRUST_UNKNOWN;
	rc = ward_cli_policy_load(cli, &p, &e);
	if (rc == 0)
		rc = ward_sigstore_list(cli->root, d, &l, &e);
	if (rc == 0)
		rc = ward_cli_policy_check(p, reference, d, &l, NULL, NULL, &dec, &e);
	ward_sign_list_clear(&l);
	if (rc < 0 && p && ward_sigstore_get_index(cli->root, d, &index, NULL) == 0 &&
	    ward_sigstore_list(cli->root, &index, &l, NULL) == 0) {
		struct ward_error *e2 = NULL;
		if (ward_cli_policy_check(p, reference, &index, &l, NULL, NULL, &dec, &e2) == 0) {
			ward_error_freep(&e);
			rc = 0;
		}
		ward_error_free(e2);
		ward_sign_list_clear(&l);
	}
	if (rc == 0) {
		t = dec.n_verified ? WARD_AUDIT_TRUST_SIGNED : WARD_AUDIT_TRUST_UNSIGNED;
		*ret_detail = strdup(dec.message ? dec.message : "");
	} else {
		*ret_detail = strdup(e && e->msg ? e->msg : "refused");
	}
	ward_policy_decision_clear(&dec);
	ward_error_free(e);
	return *ret_detail ? t : WARD_AUDIT_TRUST_UNKNOWN;
}

static int
audit_image(struct ward_cli *cli, struct ward_audit_report *r, const char *name,
	    const struct ward_audit_opts *opts, struct ward_error **err)
{
	struct ward_audit_opts own = *opts, *o = &own;
	_cleanup_free_ char *trust_detail = NULL;
	_cleanup_(ward_store_freep) struct ward_store *s = NULL;
	_cleanup_(ward_image_freep) struct ward_image *img = NULL;
	_cleanup_free_ char *store_name = NULL, *cfg = NULL, *target = NULL;
	_cleanup_strv_ char **dirs = NULL;
	_cleanup_close_ int layers_fd = -1;
	struct ward_descriptor desc;
	size_t cfg_len = 0;
	int n, rc;

	if ((rc = ward_store_open(cli->root, false, &s, err)) < 0 ||
	    (rc = ward_cli_image_lookup(s, name, &store_name, &desc, err)) < 0 ||
	    (rc = ward_image_open(s, store_name, NULL, &img, err)) < 0 ||
	    (rc = ward_store_read_blob(s, &img->manifest->config.digest, WARD_MANIFEST_MAX, &cfg,
				       &cfg_len, err)) < 0)
		return ward_error_wrap(err, "audit image %s", name);
	target = ward_strdup_printf("image %s (%.19s)", store_name, img->manifest_digest.s);
	if (!target)
		return ward_error_set(err, ENOMEM, "audit");
	own.trust = trust_of(cli, store_name, &img->manifest_digest, &trust_detail);
	own.trust_detail = trust_detail;
	if ((rc = ward_audit_image_config(r, target, store_name, cfg, cfg_len, o, err)) < 0)
		return rc;
	/* The layers as `ward run` would use them: unpacked (and diff-id
	 * verified) into the layer cache when they are not there yet. */
	if ((layers_fd = ward_layers_open(cli->root, err)) < 0 ||
	    (n = ward_image_prepare_layers(s, layers_fd, cli->root, img, &dirs, err)) < 0)
		return ward_error_wrap(err, "audit image %s: layers", name);
	for (int i = n - 1; i >= 0; i--) {
		/* dirs are top first; report bottom (base) first, as built. */
		_cleanup_close_ int dfd =
			open(dirs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		const char *hex = strrchr(dirs[i], '/');
		_cleanup_free_ char *label = NULL;
		if (dfd < 0)
			return ward_error_set(err, errno, "audit image %s: layer '%s'", name,
					      dirs[i]);
		label = ward_strdup_printf("layer %d sha256:%.12s", n - i, hex ? hex + 1 : dirs[i]);
		if (!label)
			return ward_error_set(err, ENOMEM, "audit");
		if ((rc = ward_audit_tree(r, target, label, dfd, o, err)) < 0)
			return rc;
	}
	return 0;
}

static int
audit_rootfs(struct ward_audit_report *r, const char *dir, const struct ward_audit_opts *o,
	     struct ward_error **err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *target = ward_strdup_printf("rootfs %s", dir);
	int rc;

	if (!target)
		return ward_error_set(err, ENOMEM, "audit");
	if (dfd < 0)
		return ward_error_set(err, errno, "audit --rootfs '%s'", dir);
	if ((rc = ward_audit_add_target(r, target)) < 0)
		return ward_error_set(err, -rc, "audit");
	return ward_audit_tree(r, target, "the root filesystem", dfd, o, err);
}

static int
audit_host(struct ward_cli *cli, struct ward_audit_report *r, const struct audit_flags *f,
	   struct ward_error **err)
{
	char self[4096], oci[4200], init[4200];
	char *bins[4] = {NULL};
	_cleanup_free_ char *authfile = ward_cli_authfile(f->authfile);
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	size_t k = 0;
	struct ward_audit_host_paths p = {
		.root = cli->root,
		.run_root = cli->run_root,
		.etc_dir = f->etc_dir ? f->etc_dir : "/etc/ward",
		.authfile = authfile,
		.binaries = bins,
	};

	if (n > 0) {
		char *slash;
		self[n] = '\0';
		bins[k++] = self;
		/* ward-oci and ward-init live beside ward (or one up, for build/test/ward). */
		if ((slash = strrchr(self, '/'))) {
			int len = (int)(slash - self);
			(void)snprintf(oci, sizeof(oci), "%.*s/ward-oci", len, self);
			(void)snprintf(init, sizeof(init), "%.*s/ward-init", len, self);
			if (access(oci, F_OK) == 0)
				bins[k++] = oci;
			if (access(init, F_OK) == 0)
				bins[k++] = init;
		}
	}
	return ward_audit_host(r, &p, err);
}

/* ---- output ------------------------------------------------------------ */

static void
put_clean(FILE *out, const char *s)
{
	/* Evidence quotes hostile configs: never let it drive the terminal. */
	for (; s && *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

static const char *
sev_colour(enum ward_audit_severity s)
{
	switch (s) {
	case WARD_AUDIT_CRITICAL:
		return "\033[1;31m";
	case WARD_AUDIT_HIGH:
		return "\033[31m";
	case WARD_AUDIT_MEDIUM:
		return "\033[33m";
	case WARD_AUDIT_LOW:
		return "\033[36m";
	default:
		return "\033[2m";
	}
}

static void
print_table(const struct ward_audit_report *r, bool all)
{
	bool colour = isatty(STDOUT_FILENO) && !secure_getenv("NO_COLOR");
	size_t failed = ward_audit_count_failed(r, WARD_AUDIT_INFO);

	for (size_t t = 0; t < r->n_targets; t++) {
		bool header = false;
		/* Worst first within a target, then in check order. */
		for (int sev = WARD_AUDIT_CRITICAL; sev >= -1; sev--) {
			for (size_t i = 0; i < r->n; i++) {
				const struct ward_audit_finding *f = &r->v[i];
				char label[16];
				if (strcmp(f->target, r->targets[t]) != 0)
					continue;
				if (sev >= 0 ? f->passed || (int)f->severity != sev
					     : !f->passed || !all)
					continue;
				if (!header) {
					putchar('\n');
					put_clean(stdout, r->targets[t]);
					putchar('\n');
					header = true;
				}
				(void)snprintf(label, sizeof(label), "%s",
					       f->passed		    ? "PASS"
					       : sev == WARD_AUDIT_CRITICAL ? "CRITICAL"
					       : sev == WARD_AUDIT_HIGH	    ? "HIGH"
					       : sev == WARD_AUDIT_MEDIUM   ? "MEDIUM"
					       : sev == WARD_AUDIT_LOW	    ? "LOW"
									    : "INFO");
				printf("  %s%-8s%s %-5s %s\n",
				       colour ? sev_colour(f->severity) : "", label,
				       colour ? "\033[0m" : "", f->check->id, f->check->title);
				printf("      evidence:    ");
				put_clean(stdout, f->evidence);
				putchar('\n');
				if (!f->passed) {
					printf("      remediation: ");
					put_clean(stdout, f->remediation);
					putchar('\n');
				}
			}
		}
		if (!header)
			printf("\n%s\n  no findings\n", r->targets[t]);
	}
	printf("\n%zu failed (%zu critical, %zu high, %zu medium, %zu low, %zu info), %zu passed",
	       failed, ward_audit_count_failed(r, WARD_AUDIT_CRITICAL),
	       ward_audit_count_failed(r, WARD_AUDIT_HIGH) -
		       ward_audit_count_failed(r, WARD_AUDIT_CRITICAL),
	       ward_audit_count_failed(r, WARD_AUDIT_MEDIUM) -
		       ward_audit_count_failed(r, WARD_AUDIT_HIGH),
	       ward_audit_count_failed(r, WARD_AUDIT_LOW) -
		       ward_audit_count_failed(r, WARD_AUDIT_MEDIUM),
	       failed - ward_audit_count_failed(r, WARD_AUDIT_LOW), ward_audit_count_passed(r));
	if (r->files_scanned || r->files_skipped)
		printf("; %llu files scanned for secrets, %llu skipped",
		       (unsigned long long)r->files_scanned, (unsigned long long)r->files_skipped);
	printf("%s\n", all ? "" : " (--all lists passed checks)");
	for (size_t i = 0; i < r->n_warnings; i++) {
		printf("warning: ");
		put_clean(stdout, r->warnings[i]);
		putchar('\n');
	}
	if (r->dropped)
		printf("warning: %zu findings past the limit of %u were not kept\n", r->dropped,
		       WARD_AUDIT_MAX_FINDINGS);
}

static int
print_json(json_t *doc)
{
	char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

	json_decref(doc);
	if (!text)
		return -ENOMEM;
	puts(text);
	free(text);
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: ward audit [OPTIONS] [CONTAINER|IMAGE...]\n"
		"  CIS Docker Benchmark v1.6.0 checks (docs/audit.md). A name is looked up as a\n"
		"  container first, then as an image.\n"
		"  --image NAME          audit an image: its config and every layer's files\n"
		"  --container NAME      audit a container's config.json\n"
		"  --bundle DIR          audit an OCI bundle (DIR/config.json)\n"
		"  --rootfs DIR          setuid files and secrets in a root filesystem\n"
		"  --host                ward's own files and keys (--root, --runroot, --etc-dir)\n"
		"  --etc-dir DIR         ward's configuration directory (default /etc/ward)\n"
		"  --authfile PATH       registry credentials to check (default as ward login)\n"
		"  --registries-conf F   registries.conf for 4.2 (blocked/insecure registries)\n"
		"  --format FMT          table (default), json or sarif\n"
		"  --all                 list passed checks too\n"
		"  --no-secrets          do not read file contents for secrets\n"
		"  --fail-on SEVERITY    exit 1 when a finding at or above SEVERITY remains\n"
		"                        (info, low, medium, high, critical); 2 means the audit "
		"failed\n");
}

enum {
	OPT_IMAGE = 256,
	OPT_CONTAINER,
	OPT_BUNDLE,
	OPT_ROOTFS,
	OPT_HOST,
	OPT_ETC,
	OPT_AUTHFILE,
	OPT_REGCONF,
	OPT_FORMAT,
	OPT_ALL,
	OPT_NO_SECRETS,
	OPT_FAIL_ON,
};

static int
push(const char **v, size_t *n, const char *s, const char *what)
{
	if (*n >= AUDIT_TARGETS_MAX) {
		fprintf(stderr, "Error: ward audit: more than %d %s\n", AUDIT_TARGETS_MAX, what);
		return -1;
	}
	v[(*n)++] = s;
	return 0;
}

static int
parse_flags(int argc, char **argv, struct audit_flags *f)
{
	static const struct option opts[] = {
		{"image", required_argument, NULL, OPT_IMAGE},
		{"container", required_argument, NULL, OPT_CONTAINER},
		{"bundle", required_argument, NULL, OPT_BUNDLE},
		{"rootfs", required_argument, NULL, OPT_ROOTFS},
		{"host", no_argument, NULL, OPT_HOST},
		{"etc-dir", required_argument, NULL, OPT_ETC},
		{"authfile", required_argument, NULL, OPT_AUTHFILE},
		{"registries-conf", required_argument, NULL, OPT_REGCONF},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"all", no_argument, NULL, OPT_ALL},
		{"no-secrets", no_argument, NULL, OPT_NO_SECRETS},
		{"fail-on", required_argument, NULL, OPT_FAIL_ON},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct ward_error *err = NULL;
	int c;

	/* Options may follow the targets: `ward audit web --format json`.
	 * optind 0 makes glibc start over, dropping main's "+" (stop at the
	 * first non-option) ordering. */
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_IMAGE:
			if (push(f->images, &f->n_images, optarg, "images") < 0)
				return AUDIT_EXIT_ERROR;
			break;
		case OPT_CONTAINER:
			if (push(f->containers, &f->n_containers, optarg, "containers") < 0)
				return AUDIT_EXIT_ERROR;
			break;
		case OPT_BUNDLE:
			if (push(f->bundles, &f->n_bundles, optarg, "bundles") < 0)
				return AUDIT_EXIT_ERROR;
			break;
		case OPT_ROOTFS:
			if (push(f->rootfs, &f->n_rootfs, optarg, "root filesystems") < 0)
				return AUDIT_EXIT_ERROR;
			break;
		case OPT_HOST:
			f->host = true;
			break;
		case OPT_ETC:
			f->etc_dir = optarg;
			break;
		case OPT_AUTHFILE:
			f->authfile = optarg;
			break;
		case OPT_REGCONF:
			f->registries_conf = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "table") == 0)
				f->format = FMT_TABLE;
			else if (strcmp(optarg, "json") == 0)
				f->format = FMT_JSON;
			else if (strcmp(optarg, "sarif") == 0)
				f->format = FMT_SARIF;
			else {
				ward_cli_usage("audit", "--format '%s': table, json or sarif",
					       optarg);
				return AUDIT_EXIT_ERROR;
			}
			break;
		case OPT_ALL:
			f->all = true;
			break;
		case OPT_NO_SECRETS:
			f->no_secrets = true;
			break;
		case OPT_FAIL_ON:
			if (ward_audit_severity_parse(optarg, &f->fail_on, &err) < 0) {
				ward_cli_usage("audit", "--fail-on: %s", err->msg);
				ward_error_free(err);
				return AUDIT_EXIT_ERROR;
			}
			f->has_fail_on = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			ward_cli_usage("audit", "invalid option");
			return AUDIT_EXIT_ERROR;
		}
	}
	return 0;
}

static int
run_audit(struct ward_cli *cli, const struct audit_flags *f, char **names, size_t n_names,
	  struct ward_audit_report *r, struct ward_error **err)
{
	_cleanup_(ward_registries_conf_freep) struct ward_registries_conf *rc = NULL;
	struct ward_audit_opts o = {
		.engine_root = cli->root, .run_root = cli->run_root, .no_secrets = f->no_secrets};
	int x;

	/* registries.conf only sharpens 4.2; an unreadable one is a warning, not fatal. */
	if (f->n_images || n_names) {
		struct ward_error *e = NULL;
		if (ward_registries_conf_load(f->registries_conf, &rc, &e) == 0)
			o.registries_conf = rc;
		else if (ward_audit_warn(r,
					 "%s; 4.2 did not consider blocked or insecure "
					 "registries",
					 e && e->msg ? e->msg : "registries.conf unreadable") < 0) {
			ward_error_free(e);
			return ward_error_set(err, ENOMEM, "audit");
		}
		ward_error_free(e);
	}
	for (size_t i = 0; i < n_names; i++) {
		struct ward_error *e = NULL;
		x = audit_container(cli, r, names[i], &o, &e);
		if (x < 0 && e && e->kind == WARD_E_NOTFOUND) {
			ward_error_free(e);
			e = NULL;
			x = audit_image(cli, r, names[i], &o, &e);
			if (x < 0 && e && e->kind == WARD_E_NOTFOUND)
				ward_error_wrap(&e, "no container or image \"%s\"", names[i]);
		}
		if (x < 0) {
			*err = e;
			return x;
		}
	}
	for (size_t i = 0; i < f->n_containers; i++)
		if ((x = audit_container(cli, r, f->containers[i], &o, err)) < 0)
			return x;
	for (size_t i = 0; i < f->n_images; i++)
		if ((x = audit_image(cli, r, f->images[i], &o, err)) < 0)
			return x;
	for (size_t i = 0; i < f->n_bundles; i++) {
		_cleanup_free_ char *t = ward_strdup_printf("bundle %s", f->bundles[i]);
		if (!t)
			return ward_error_set(err, ENOMEM, "audit");
		if ((x = ward_audit_bundle(r, t, f->bundles[i], &o, err)) < 0)
			return x;
	}
	for (size_t i = 0; i < f->n_rootfs; i++)
		if ((x = audit_rootfs(r, f->rootfs[i], &o, err)) < 0)
			return x;
	if (f->host && (x = audit_host(cli, r, f, err)) < 0)
		return x;
	return 0;
}

int
ward_cmd_audit(struct ward_cli *cli, int argc, char **argv)
{
	_cleanup_(ward_audit_report_freep) struct ward_audit_report *r = NULL;
	struct audit_flags *f = calloc(1, sizeof(*f));
	struct ward_error *err = NULL;
	int x;

	if (!f) {
		fprintf(stderr, "Error: out of memory\n");
		return AUDIT_EXIT_ERROR;
	}
	if ((x = parse_flags(argc, argv, f)) != 0) {
		free(f);
		return x < 0 ? 0 : x;
	}
	if (optind == argc && !f->n_images && !f->n_containers && !f->n_bundles && !f->n_rootfs &&
	    !f->host) {
		free(f);
		ward_cli_usage("audit", "give a CONTAINER or IMAGE, --bundle, --rootfs or --host");
		return AUDIT_EXIT_ERROR;
	}
	if (ward_audit_report_new(&r, &err) < 0 ||
	    run_audit(cli, f, argv + optind, (size_t)(argc - optind), r, &err) < 0) {
		fprintf(stderr, "Error: %s\n", err && err->msg ? err->msg : "audit failed");
		ward_error_free(err);
		free(f);
		return AUDIT_EXIT_ERROR;
	}
	switch (f->format) {
	case FMT_TABLE:
		print_table(r, f->all);
		x = 0;
		break;
	case FMT_JSON:
		x = print_json(ward_audit_report_json(r, f->all));
		break;
	case FMT_SARIF:
		x = print_json(ward_audit_report_sarif(r));
		break;
	}
	if (x < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "Error: writing the report: %s\n", strerror(x < 0 ? -x : errno));
		free(f);
		return AUDIT_EXIT_ERROR;
	}
	x = f->has_fail_on && ward_audit_count_failed(r, f->fail_on) ? AUDIT_EXIT_FOUND : 0;
	free(f);
	return x;
}
