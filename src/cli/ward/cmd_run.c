/* SPDX-License-Identifier: Apache-2.0 */
/* ward run: podman's flags, ward's hardened defaults, the ward-oci runtime. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include <ward/image.h>
#include <ward/registry.h>

#include "cli.h"
#include "ctr_cli.h"

#define SECCOMP_FILE_MAX (1u << 20)
#define MAX_LIST 4096

enum {
	OPT_RM = 256, OPT_NAME, OPT_ENV_FILE, OPT_ENTRYPOINT, OPT_TMPFS, OPT_READ_ONLY,
	OPT_CAP_ADD, OPT_CAP_DROP, OPT_PRIVILEGED, OPT_SECURITY_OPT, OPT_MEMORY, OPT_CPUS,
	OPT_PIDS, OPT_HOSTNAME, OPT_NETWORK, OPT_INIT, OPT_ROOTFS, OPT_HELP, OPT_PULL,
	OPT_TLS_VERIFY, OPT_CERT_DIR, OPT_AUTHFILE, OPT_PLATFORM, OPT_MAX_SEVERITY,
};

/* --pull: podman's policies for an image that is (not) in the store. */
enum pull_policy { PULL_MISSING, PULL_ALWAYS, PULL_NEVER };

struct run_flags {
	struct ward_run_opts o;
	bool rm, detach, interactive;
	const char *name, *rootfs;
	char *seccomp_text;
	/* growable lists handed to o */
	char **env, **cap_add, **cap_drop, **tmpfs;
	struct ward_volume *volumes;
	size_t n_env, n_cap_add, n_cap_drop, n_tmpfs;
	char short_id[13]; /* the default hostname, as podman's */
	enum pull_policy pull;
	struct ward_registry_opts ro; /* --tls-verify, --cert-dir, --authfile */
	char *authfile;
	struct ward_platform platform;
	bool has_platform;
	/* --max-severity: the policy's vulnerabilityScan rule for this run */
	struct ward_policy_scan_rule scan_rule;
	bool has_scan_rule;
};

static int
push(char ***v, size_t *n, const char *s)
{
	char **nv;

	if (*n >= MAX_LIST)
		return -E2BIG;
	nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	nv[*n] = strdup(s);
	nv[*n + 1] = NULL;
	*v = nv;
	if (!nv[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

static void
flags_free(struct run_flags *f)
{
	ward_strv_free(f->env);
	ward_strv_free(f->cap_add);
	ward_strv_free(f->cap_drop);
	ward_strv_free(f->tmpfs);
	for (size_t i = 0; i < f->o.n_volumes; i++) {
		free((char *)f->volumes[i].source);
		free((char *)f->volumes[i].destination);
	}
	free(f->volumes);
	free(f->seccomp_text);
	free(f->authfile);
}

/* -e KEY=VALUE, or -e KEY to pass ours through (docker's rule). */
static int
add_env(struct run_flags *f, const char *kv)
{
	if (!strchr(kv, '=')) {
		const char *v = getenv(kv);
		_cleanup_free_ char *full = NULL;
		if (!v)
			return 0;
		full = ward_strdup_printf("%s=%s", kv, v);
		return full ? push(&f->env, &f->n_env, full) : -ENOMEM;
	}
	return push(&f->env, &f->n_env, kv);
}

static int
add_env_line(void *ctx, const char *kv, struct ward_error **err)
{
	int r = add_env(ctx, kv);

	return r < 0 ? ward_error_set(err, -r, "--env") : 0;
}

/* -v SRC:DST[:ro|rw] */
static int
add_volume(struct run_flags *f, const char *spec, struct ward_error **err)
{
	_cleanup_free_ char *copy = strdup(spec);
	char *dst, *mode;
	struct ward_volume *nv;

	if (!copy)
		return ward_error_set(err, ENOMEM, "--volume");
	dst = strchr(copy, ':');
	if (!dst)
		return ward_error_set(err, EINVAL, "--volume '%s': expected SRC:DST[:ro]", spec);
	*dst++ = '\0';
	mode = strchr(dst, ':');
	if (mode)
		*mode++ = '\0';
	if (mode && strcmp(mode, "ro") != 0 && strcmp(mode, "rw") != 0)
		return ward_error_set(err, EINVAL, "--volume '%s': option '%s' is not ro or rw", spec,
				      mode);
	nv = realloc(f->volumes, (f->o.n_volumes + 1) * sizeof(*nv));
	if (!nv)
		return ward_error_set(err, ENOMEM, "--volume");
	f->volumes = nv;
	nv[f->o.n_volumes] = (struct ward_volume){
		.source = realpath(copy, NULL), .destination = strdup(dst),
		.readonly = mode && strcmp(mode, "ro") == 0};
	if (!nv[f->o.n_volumes].source) {
		free((char *)nv[f->o.n_volumes].destination);
		return ward_error_set(err, errno, "--volume '%s': source '%s'", spec, copy);
	}
	f->o.n_volumes++;
	return 0;
}

static int
security_opt(struct run_flags *f, const char *opt, const struct ward_log *log,
	     struct ward_error **err)
{
	if (strcmp(opt, "no-new-privileges") == 0 || strcmp(opt, "no-new-privileges=true") == 0) {
		f->o.allow_new_privileges = false;
		return 0;
	}
	if (strcmp(opt, "no-new-privileges=false") == 0) {
		ward_log_write(log, WARD_LOG_WARNING,
			       "--security-opt no-new-privileges=false: setuid programs may gain "
			       "privileges in the container");
		f->o.allow_new_privileges = true;
		return 0;
	}
	if (strcmp(opt, "seccomp=unconfined") == 0) {
		ward_log_write(log, WARD_LOG_WARNING,
			       "--security-opt seccomp=unconfined: no syscall filter");
		f->o.seccomp_unconfined = true;
		return 0;
	}
	if (ward_str_has_prefix(opt, "seccomp=")) {
		free(f->seccomp_text);
		f->seccomp_text = NULL;
		if (ward_fs_read_all(AT_FDCWD, opt + 8, SECCOMP_FILE_MAX, &f->seccomp_text, NULL,
				     err) < 0)
			return ward_error_wrap(err, "--security-opt seccomp");
		f->o.seccomp_json = f->seccomp_text;
		return 0;
	}
	return ward_error_set(err, EINVAL,
			      "--security-opt '%s': expected no-new-privileges[=true|false] or "
			      "seccomp=unconfined|PROFILE.json",
			      opt);
}

static int
parse_cpus(const char *s, int64_t *ret)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v <= 0 || v > 1e6)
		return -EINVAL;
	*ret = (int64_t)(v * 1000 + 0.5);
	return 0;
}

static int
parse_pull_policy(const char *s, enum pull_policy *ret, struct ward_error **err)
{
	if (strcmp(s, "missing") == 0)
		*ret = PULL_MISSING;
	else if (strcmp(s, "always") == 0)
		*ret = PULL_ALWAYS;
	else if (strcmp(s, "never") == 0)
		*ret = PULL_NEVER;
	else
		return ward_error_set(err, EINVAL, "--pull '%s': expected missing, always or never", s);
	return 0;
}

static void
run_usage(void)
{
	printf("usage: ward run [options] IMAGE|--rootfs DIR [COMMAND [ARG...]]\n"
	       "  -d, --detach           run in the background and print the container id\n"
	       "  --rm                   remove the container when it exits\n"
	       "  -i, --interactive      keep stdin open\n"
	       "  -t, --tty              allocate a pseudo-terminal\n"
	       "  --name NAME            container name\n"
	       "  -e, --env K=V          set an environment variable (-e K passes ours)\n"
	       "  --env-file FILE        read KEY=VALUE lines\n"
	       "  -u, --user U[:G]       user (name or id) inside the container\n"
	       "  -w, --workdir DIR      working directory\n"
	       "  --entrypoint CMD       override the image's entrypoint\n"
	       "  -v, --volume S:D[:ro]  bind mount a host path\n"
	       "  --tmpfs DIR            mount a tmpfs\n"
	       "  --read-only            read-only root filesystem\n"
	       "  --cap-add/--cap-drop C add or drop a capability (ALL)\n"
	       "  --privileged           all capabilities, no seccomp, no masking (logged)\n"
	       "  --security-opt OPT     no-new-privileges[=false], seccomp=unconfined|FILE\n"
	       "  --memory SIZE          memory limit (512m, 1g)\n"
	       "  --cpus N               CPU quota (1.5)\n"
	       "  --pids-limit N         process limit (default 2048, -1 unlimited)\n"
	       "  --hostname NAME        hostname\n"
	       "  --network none|host    network (default: none, a private namespace)\n"
	       "  --rootfs DIR           run DIR as the root filesystem (podman's --rootfs)\n"
	       "  --pull POLICY          missing (default: pull when not in the store), always, never\n"
	       "  --max-severity SEV     refuse an image whose scan finds anything above SEV\n"
	       "  --tls-verify=false, --cert-dir DIR, --authfile FILE, --platform OS/ARCH\n"
	       "                         as for ward pull, when the image is pulled\n");
}

static int
parse_flags(struct ward_cli *cli, int argc, char **argv, struct run_flags *f,
	    struct ward_error **err)
{
	static const struct option opts[] = {
		{"rm", no_argument, NULL, OPT_RM},
		{"detach", no_argument, NULL, 'd'},
		{"interactive", no_argument, NULL, 'i'},
		{"tty", no_argument, NULL, 't'},
		{"name", required_argument, NULL, OPT_NAME},
		{"env", required_argument, NULL, 'e'},
		{"env-file", required_argument, NULL, OPT_ENV_FILE},
		{"user", required_argument, NULL, 'u'},
		{"workdir", required_argument, NULL, 'w'},
		{"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
		{"volume", required_argument, NULL, 'v'},
		{"tmpfs", required_argument, NULL, OPT_TMPFS},
		{"read-only", no_argument, NULL, OPT_READ_ONLY},
		{"cap-add", required_argument, NULL, OPT_CAP_ADD},
		{"cap-drop", required_argument, NULL, OPT_CAP_DROP},
		{"privileged", no_argument, NULL, OPT_PRIVILEGED},
		{"security-opt", required_argument, NULL, OPT_SECURITY_OPT},
		{"memory", required_argument, NULL, OPT_MEMORY},
		{"cpus", required_argument, NULL, OPT_CPUS},
		{"pids-limit", required_argument, NULL, OPT_PIDS},
		{"hostname", required_argument, NULL, OPT_HOSTNAME},
		{"network", required_argument, NULL, OPT_NETWORK},
		{"init", no_argument, NULL, OPT_INIT},
		{"rootfs", required_argument, NULL, OPT_ROOTFS},
		{"pull", required_argument, NULL, OPT_PULL},
		{"max-severity", required_argument, NULL, OPT_MAX_SEVERITY},
		{"tls-verify", required_argument, NULL, OPT_TLS_VERIFY},
		{"cert-dir", required_argument, NULL, OPT_CERT_DIR},
		{"authfile", required_argument, NULL, OPT_AUTHFILE},
		{"platform", required_argument, NULL, OPT_PLATFORM},
		{"help", no_argument, NULL, OPT_HELP},
		{0},
	};
	int c, r = 0;

	while ((c = getopt_long(argc, argv, "+dite:u:w:v:m:", opts, NULL)) != -1 && r >= 0) {
		switch (c) {
		case OPT_RM:
			f->rm = true;
			break;
		case 'd':
			f->detach = true;
			break;
		case 'i':
			f->interactive = true;
			break;
		case 't':
			f->o.tty = true;
			break;
		case OPT_NAME:
			f->name = optarg;
			break;
		case 'e':
			r = add_env(f, optarg);
			if (r < 0)
				r = ward_error_set(err, -r, "--env");
			break;
		case OPT_ENV_FILE:
			r = ward_cli_read_env_file(optarg, add_env_line, f, err);
			break;
		case 'u':
			f->o.user = optarg;
			break;
		case 'w':
			f->o.workdir = optarg;
			break;
		case OPT_ENTRYPOINT:
			f->o.entrypoint = optarg;
			f->o.has_entrypoint = true;
			break;
		case 'v':
			r = add_volume(f, optarg, err);
			break;
		case OPT_TMPFS:
			r = push(&f->tmpfs, &f->n_tmpfs, optarg);
			if (r < 0)
				r = ward_error_set(err, -r, "--tmpfs");
			break;
		case OPT_READ_ONLY:
			f->o.read_only = true;
			break;
		case OPT_CAP_ADD:
			r = push(&f->cap_add, &f->n_cap_add, optarg);
			if (r < 0)
				r = ward_error_set(err, -r, "--cap-add");
			break;
		case OPT_CAP_DROP:
			r = push(&f->cap_drop, &f->n_cap_drop, optarg);
			if (r < 0)
				r = ward_error_set(err, -r, "--cap-drop");
			break;
		case OPT_PRIVILEGED:
			f->o.privileged = true;
			break;
		case OPT_SECURITY_OPT:
			r = security_opt(f, optarg, &cli->log, err);
			break;
		case 'm':
		case OPT_MEMORY:
			if (ward_parse_size(optarg, &f->o.memory) < 0 || f->o.memory < (6 << 20))
				r = ward_error_set(err, EINVAL,
						   "--memory '%s': a size of at least 6m (512m, 1g)",
						   optarg);
			break;
		case OPT_CPUS:
			if (parse_cpus(optarg, &f->o.cpus_milli) < 0)
				r = ward_error_set(err, EINVAL, "--cpus '%s': a positive number",
						   optarg);
			break;
		case OPT_PIDS: {
			char *end;
			long long v = strtoll(optarg, &end, 10);
			if (*end || end == optarg || v < -1 || v == 0)
				r = ward_error_set(err, EINVAL,
						   "--pids-limit '%s': a positive count or -1", optarg);
			f->o.pids_limit = v;
			break;
		}
		case OPT_HOSTNAME:
			f->o.hostname = optarg;
			break;
		case OPT_NETWORK:
			if (strcmp(optarg, "host") == 0)
				f->o.network_host = true;
			else if (strcmp(optarg, "none") != 0)
				r = ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
						    "--network '%s': only none and host are "
						    "supported (bridge networking comes later)",
						    optarg);
			break;
		case OPT_INIT:
			r = ward_cli_find_init(cli, &f->o.init_path, err);
			break;
		case OPT_ROOTFS:
			f->rootfs = optarg;
			break;
		case OPT_PULL:
			r = parse_pull_policy(optarg, &f->pull, err);
			break;
		case OPT_MAX_SEVERITY:
			r = ward_severity_from_name(optarg, &f->scan_rule.max_severity, err);
			if (r == 0 && f->scan_rule.max_severity == WARD_SEV_UNKNOWN)
				r = ward_error_set(err, EINVAL, "UNKNOWN");
			if (r < 0)
				ward_error_wrap(err, "--max-severity: LOW, MEDIUM, HIGH or CRITICAL");
			f->scan_rule.max_db_age = 7 * 86400; /* as the policy rule's default */
			f->has_scan_rule = true;
			break;
		case OPT_TLS_VERIFY:
			if (ward_cli_tls_verify(cli, "run", optarg, &f->ro) != 0)
				r = ward_error_set(err, EINVAL, "--tls-verify: true or false");
			break;
		case OPT_CERT_DIR:
			f->ro.cert_dir = optarg;
			break;
		case OPT_AUTHFILE:
			free(f->authfile);
			f->authfile = strdup(optarg);
			if (!f->authfile)
				r = ward_error_set(err, ENOMEM, "--authfile");
			break;
		case OPT_PLATFORM:
			r = ward_platform_parse(optarg, &f->platform, err);
			f->has_platform = r == 0;
			break;
		case OPT_HELP:
			run_usage();
			exit(0);
		default:
			r = ward_error_set(err, EINVAL, "run: invalid option (see ward run --help)");
		}
	}
	return r < 0 ? r : 0;
}

/* <root>/containers/<id>/config.json, the bundle ward-oci's code runs. */
static int
write_bundle(struct ward_cli *cli, const char *id, json_t *spec, bool durable, char *bundle,
	     size_t size, struct ward_error **err)
{
	_cleanup_free_ char *text = json_dumps(spec, JSON_INDENT(2));
	_cleanup_close_ int dfd = -1;
	int r;

	if (!text)
		return ward_error_set(err, ENOMEM, "config.json");
	if ((size_t)snprintf(bundle, size, "%s/containers/%s", cli->root, id) >= size)
		return ward_error_set(err, ENAMETOOLONG, "--root '%s'", cli->root);
	if ((r = ward_fs_mkdir_p(bundle, 0700, err)) < 0)
		return r;
	dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return ward_error_set(err, errno, "open '%s'", bundle);
	/* A kept container's config must survive a crash (start/restart read
	 * it again); an --rm one dies with this boot, so it skips the two
	 * fsyncs, which cost more than the whole container start on a slow disk. */
	if (!durable)
		return ward_fs_write_replace(dfd, "config.json", text, strlen(text), 0600, err);
	return ward_fs_write_atomic(dfd, "config.json", text, strlen(text), 0600, err);
}

/* The container's root: an overlay of the image's layers with its own
 * upper dir, under <root>/containers/<id>/. */
struct image_rootfs {
	struct ward_image *img;
	char **lowers;     /* top first, kept in spec_opts for `start` */
	char dir[4096];    /* <root>/containers/<id> */
	char rootfs[4200]; /* dir/rootfs, the overlay */
	bool mounted;
};

/* The store name of the image to run: found in the store (a name, its
 * ":latest", an image ID), else pulled as --pull allows (podman's default
 * "missing"), a short name only through registries.conf. */
static int
resolve_or_pull(struct ward_cli *cli, const struct run_flags *f, struct ward_store *s,
		const char *name, char **ret, struct ward_error **err)
{
	struct ward_registry_opts ro = f->ro;
	struct ward_descriptor d;
	struct ward_digest got;
	_cleanup_free_ char *authfile = NULL;
	struct ward_error *lookup_err = NULL;
	int r;

	if (f->pull != PULL_ALWAYS &&
	    ward_cli_image_lookup(s, name, ret, &d, f->pull == PULL_NEVER ? err : &lookup_err) == 0)
		return 0;
	if (f->pull == PULL_NEVER)
		return ward_error_wrap(err, "--pull=never");
	ward_error_free(lookup_err);
	authfile = f->authfile ? strdup(f->authfile) : ward_cli_authfile(NULL);
	if (!authfile)
		return ward_error_set(err, ENOMEM, "auth file");
	ro.auth_file = authfile;
	ro.log = &cli->log;
	r = ward_cli_pull(cli, NULL, name, &ro, f->has_platform ? &f->platform : NULL, s, &got,
			  ret, err);
	if (r < 0)
		return ward_error_wrap(err, "image '%s' is not in the store and pulling it failed",
				       name);
	return 0;
}

static int
prepare_image(struct ward_cli *cli, const struct run_flags *f, const char *name, const char *id,
	      struct image_rootfs *ir, struct ward_error **err)
{
	struct ward_store *s = NULL;
	_cleanup_close_ int layers = -1;
	char upper[4200], work[4200];
	_cleanup_free_ char *full = NULL;
	int n, r;

	if ((r = ward_store_open(cli->root, true, &s, err)) < 0)
		return r;
	if ((r = resolve_or_pull(cli, f, s, name, &full, err)) < 0) {
		ward_store_free(s);
		return r;
	}
	if ((layers = ward_layers_open(cli->root, err)) < 0 ||
	    (r = ward_image_open(s, full, f->has_platform ? &f->platform : NULL, &ir->img, err)) <
		    0 ||
	    /* The trust policy on the manifest just opened (digest verified):
	     * the layers prepared next are the ones it names, no other. */
	    (r = ward_cli_check_local(cli, full, &ir->img->manifest_digest,
				      f->has_scan_rule ? &f->scan_rule : NULL, err)) < 0 ||
	    (n = ward_image_prepare_layers(s, layers, cli->root, ir->img, &ir->lowers, err)) < 0) {
		ward_store_free(s);
		return layers < 0 ? layers : -EIO;
	}
	ward_store_free(s);
	snprintf(ir->dir, sizeof(ir->dir), "%s/containers/%s", cli->root, id);
	snprintf(ir->rootfs, sizeof(ir->rootfs), "%s/rootfs", ir->dir);
	snprintf(upper, sizeof(upper), "%s/upper", ir->dir);
	snprintf(work, sizeof(work), "%s/work", ir->dir);
	if ((r = ward_fs_mkdir_p(ir->rootfs, 0700, err)) < 0 ||
	    (r = ward_fs_mkdir_p(upper, 0755, err)) < 0 || (r = ward_fs_mkdir_p(work, 0700, err)) < 0 ||
	    (r = ward_snapshot_mount((const char *const *)ir->lowers, (size_t)n, upper, work,
				     ir->rootfs, err)) < 0)
		return r;
	ir->mounted = true;
	return 0;
}

/* Undo a run that failed before its monitor took over. */
static void
discard(struct ward_cli *cli, const char *id, struct image_rootfs *ir)
{
	char parent[4096];
	int pfd;

	if (ir->mounted)
		(void)ward_snapshot_unmount(ir->rootfs, NULL);
	ir->mounted = false;
	snprintf(parent, sizeof(parent), "%s/containers", cli->root);
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd >= 0) {
		(void)ward_fs_remove_tree(pfd, id, NULL);
		(void)close(pfd);
	}
}

static int
exit_code_for(const struct ward_error *e)
{
	if (e && e->kind == WARD_E_NOTFOUND && e->msg && strstr(e->msg, "exec '"))
		return WARD_EXIT_NOT_FOUND;
	if (e && e->msg && strstr(e->msg, "exec '") && e->errnum == EACCES)
		return WARD_EXIT_CANNOT_INVOKE;
	return WARD_EXIT_ENGINE;
}

/* The name: --name (checked, and refused early when taken) or generated. */
static int
pick_name(struct ward_ctr_db *db, const char *want, char **ret, struct ward_error **err)
{
	struct ward_ctr_record *r = NULL;
	int ret_code;

	if (!want)
		return ward_ctr_new_name(db, ret, err);
	if ((ret_code = ward_ctr_check_name(want, err)) < 0)
		return ward_error_wrap(err, "--name");
	if (ward_ctr_db_get(db, want, &r, NULL) == 0) {
		int e = ward_error_setk(err, WARD_E_EXISTS, 0,
					"the container name \"%s\" is already in use by %.12s; "
					"remove that container (ward rm %s) or choose another "
					"--name",
					want, r->id, want);
		ward_ctr_record_free(r);
		return e;
	}
	*ret = strdup(want);
	return *ret ? 0 : ward_error_set(err, ENOMEM, "--name");
}

/* The record inserted before the container starts. */
static int
insert_record(struct ward_ctr_db *db, const char *id, const char *name, const char *image,
	      const struct image_rootfs *ir, json_t *spec, const char *bundle,
	      const struct run_flags *f, struct ward_error **err)
{
	struct ward_ctr_opts so = {.tty = f->o.tty, .interactive = f->interactive,
				   .lowers = ir->lowers};
	_cleanup_free_ char *cmd = NULL, *opts = ward_ctr_opts_format(&so), *log = NULL;
	json_t *args = json_object_get(json_object_get(spec, "process"), "args");
	struct timespec ts;

	cmd = json_dumps(args ? args : json_array(), JSON_COMPACT);
	log = ward_strdup_printf("%s/ctr.log", bundle);
	if (!cmd || !opts || !log)
		return ward_error_set(err, ENOMEM, "container record");
	clock_gettime(CLOCK_REALTIME, &ts);
	return ward_ctr_db_insert(
		db,
		&(struct ward_ctr_record){
			.id = (char *)id, .name = (char *)name, .image = (char *)image,
			.image_digest = ir->img ? ir->img->manifest_digest.s : NULL,
			.command = cmd, .bundle = (char *)bundle, .log_path = log,
			.status = WARD_CTR_CREATED,
			.created_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
			.auto_remove = f->rm, .spec_opts = opts},
		err);
}

/* Build rootfs, config and record; on success the container exists
 * (status created) under id. */
static int
create_container(struct ward_cli *cli, struct run_flags *f, char **argv, char *id,
		 struct image_rootfs *ir, struct ward_error **err)
{
	struct ward_image_run_config img = {0};
	struct ward_ctr_db *db = NULL;
	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int rootfs_fd = -1;
	char bundle[4096], rootfs[4300];
	json_t *spec = NULL;
	int r;

	if ((r = ward_cli_ctr_db(cli, true, &db, err)) < 0)
		return r;
	if ((r = pick_name(db, f->name, &name, err)) < 0 ||
	    (r = ward_ctr_new_id(id, WARD_CTR_ID_LEN + 1, err)) < 0)
		goto out;
	if (!f->o.hostname) {
		snprintf(f->short_id, sizeof(f->short_id), "%.12s", id);
		f->o.hostname = f->short_id;
	}
	if (f->rootfs) {
		if (!realpath(f->rootfs, rootfs)) {
			r = ward_error_set(err, errno, "--rootfs '%s'", f->rootfs);
			goto out;
		}
	} else {
		const struct ward_image_config *c;
		if ((r = prepare_image(cli, f, argv[optind], id, ir, err)) < 0)
			goto out;
		c = ir->img->config;
		img = (struct ward_image_run_config){.env = c->env, .entrypoint = c->entrypoint,
						     .cmd = c->cmd, .workdir = c->working_dir,
						     .user = c->user};
		snprintf(rootfs, sizeof(rootfs), "%s", ir->rootfs);
	}
	rootfs_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfs_fd < 0) {
		r = ward_error_set(err, errno, "rootfs '%s'", rootfs);
		goto out;
	}
	if ((r = ward_spec_generate(&img, &f->o, rootfs, rootfs_fd, &spec, err)) < 0 ||
	    (r = write_bundle(cli, id, spec, !f->rm, bundle, sizeof(bundle), err)) < 0)
		goto out;
	r = insert_record(db, id, name, f->rootfs ? NULL : argv[optind], ir, spec, bundle, f, err);
out:
	json_decref(spec);
	/* The monitor opens its own handle: none crosses the fork. */
	ward_ctr_db_close(db);
	return r;
}

/* The monitor failed before it could record anything: the record must not
 * claim a container that never ran, and --rm leaves nothing. */
static void
after_failed_start(struct ward_cli *cli, const char *id, bool rm, struct image_rootfs *ir)
{
	struct ward_ctr_db *db = NULL;
	struct ward_ctr_record *r = NULL;

	if (ward_cli_ctr_db(cli, false, &db, NULL) < 0)
		return;
	if (ward_ctr_db_get(db, id, &r, NULL) == 0 && r->status == WARD_CTR_CREATED) {
		if (rm) {
			discard(cli, id, ir);
			(void)ward_ctr_db_delete(db, id, NULL);
		} else if (ir->mounted) {
			(void)ward_snapshot_unmount(ir->rootfs, NULL);
		}
	}
	ward_ctr_record_free(r);
	ward_ctr_db_close(db);
}

/* The monitor creates and starts the container and owns it from then on. */
static int
spawn_monitor(struct ward_cli *cli, const char *id, const struct run_flags *f,
	      const struct image_rootfs *ir, struct ward_monitor *ret, struct ward_error **err)
{
	char bundle[4096], log[4200];
	struct ward_monitor_opts mo = {
		.root = cli->root, .run_root = cli->run_root, .id = id, .bundle = bundle,
		.log_path = log, .rootfs_mount = ir->mounted ? ir->rootfs : NULL,
		.tty = f->o.tty, .attach = !f->detach, .interactive = f->interactive,
		.auto_remove = f->rm};

	snprintf(bundle, sizeof(bundle), "%s/containers/%s", cli->root, id);
	snprintf(log, sizeof(log), "%s/ctr.log", bundle);
	return ward_monitor_spawn(&mo, ret, err);
}

int
ward_cmd_run(struct ward_cli *cli, int argc, char **argv)
{
	struct run_flags f = {0};
	struct ward_error *err = NULL;
	char id[WARD_CTR_ID_LEN + 1] = "", root_buf[4096], run_buf[4096];
	struct image_rootfs ir = {0};
	struct ward_monitor mon = {.report_fd = -1};
	struct ward_cli abs;
	int status = 0, r;

	r = parse_flags(cli, argc, argv, &f, &err);
	if (r == 0)
		r = ward_cli_ctr_abs(cli, &abs, root_buf, run_buf, sizeof(root_buf), &err);
	if (r == 0)
		cli = &abs;
	if (r == 0 && !f.rootfs && optind >= argc)
		r = ward_error_set(&err, EINVAL, "run: give an IMAGE (or --rootfs DIR)");
	if (r < 0)
		goto out;
	f.o.command = argv + optind + (f.rootfs ? 0 : 1);
	f.o.env = f.env;
	f.o.cap_add = f.cap_add;
	f.o.cap_drop = f.cap_drop;
	f.o.tmpfs = f.tmpfs;
	f.o.volumes = f.volumes;
	if (f.o.privileged)
		ward_log_write(&cli->log, WARD_LOG_WARNING,
			       "--privileged: all capabilities, no seccomp filter, no masked paths, "
			       "all devices");
	if ((r = create_container(cli, &f, argv, id, &ir, &err)) < 0) {
		if (id[0])
			discard(cli, id, &ir);
		goto out;
	}
	if ((r = spawn_monitor(cli, id, &f, &ir, &mon, &err)) < 0) {
		after_failed_start(cli, id, f.rm, &ir);
		goto out;
	}
	if (f.detach) {
		printf("%s\n", id);
		goto out;
	}
	r = ward_monitor_wait(&mon, &status, &err);
	if (r < 0) {
		/* The monitor died: the record (reconciled) has the truth. */
		struct ward_ctr_db *db = NULL;
		int code;
		if (ward_cli_ctr_db(cli, false, &db, NULL) == 0 &&
		    ward_ctr_wait_exited(db, id, 0, &code, NULL) == 1 && code >= 0) {
			ward_error_freep(&err);
			status = code;
			r = 0;
		}
		ward_ctr_db_close(db);
	}
out:
	ward_monitor_release(&mon);
	ward_image_free(ir.img);
	ward_strv_free(ir.lowers);
	flags_free(&f);
	if (r < 0) {
		int code = exit_code_for(err);
		fprintf(stderr, "Error: %s\n", err && err->msg ? err->msg : "run failed");
		ward_error_free(err);
		return code;
	}
	return status;
}
