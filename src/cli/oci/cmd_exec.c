/* SPDX-License-Identifier: Apache-2.0 */
/* exec: a new process in a running container, from --process FILE or args
 * on top of the container's own process settings (as runc does). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include "cli.h"

#define PROCESS_FILE_MAX (1u << 20)

enum { OPT_CONSOLE = 256, OPT_PID_FILE, OPT_CWD, OPT_NNP, OPT_PRESERVE, OPT_APPARMOR, OPT_LABEL,
       OPT_HELP };

struct exec_flags {
	const char *process_file;
	const char *cwd;
	const char *user;
	json_t *env;       /* array of KEY=VALUE added or replaced */
	json_t *gids;      /* additional gids */
	char **caps;
	size_t n_caps;
	bool tty, nnp, set_nnp;
	struct ward_exec_opts o;
};

static int
env_set(json_t *env, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	size_t i;
	json_t *v;

	json_array_foreach(env, i, v)
	{
		const char *cur = json_string_value(v);
		if (cur && strncmp(cur, kv, klen) == 0 && cur[klen] == '=')
			return json_array_set_new(env, i, json_string(kv));
	}
	return json_array_append_new(env, json_string(kv));
}

static int
parse_flags(int argc, char **argv, struct exec_flags *f)
{
	static const struct option opts[] = {
		{"process", required_argument, NULL, 'p'},
		{"console-socket", required_argument, NULL, OPT_CONSOLE},
		{"tty", no_argument, NULL, 't'},
		{"detach", no_argument, NULL, 'd'},
		{"pid-file", required_argument, NULL, OPT_PID_FILE},
		{"cwd", required_argument, NULL, OPT_CWD},
		{"env", required_argument, NULL, 'e'},
		{"user", required_argument, NULL, 'u'},
		{"additional-gids", required_argument, NULL, 'g'},
		{"cap", required_argument, NULL, 'c'},
		{"no-new-privs", no_argument, NULL, OPT_NNP},
		{"preserve-fds", required_argument, NULL, OPT_PRESERVE},
		{"apparmor", required_argument, NULL, OPT_APPARMOR},
		{"process-label", required_argument, NULL, OPT_LABEL},
		{"help", no_argument, NULL, OPT_HELP},
		{0},
	};
	int c;

	while ((c = getopt_long_only(argc, argv, "+p:tde:u:g:c:", opts, NULL)) != -1) {
		uint64_t n;
		switch (c) {
		case 'p':
			f->process_file = optarg;
			break;
		case OPT_CONSOLE:
			f->o.console_socket = optarg;
			break;
		case 't':
			f->tty = true;
			break;
		case 'd':
			f->o.detach = true;
			break;
		case OPT_PID_FILE:
			f->o.pid_file = optarg;
			break;
		case OPT_CWD:
			f->cwd = optarg;
			break;
		case 'e':
			if (!strchr(optarg, '='))
				return oci_usage_error("exec", "--env '%s': expected KEY=VALUE", optarg);
			env_set(f->env, optarg);
			break;
		case 'u':
			f->user = optarg;
			break;
		case 'g':
			if (ward_parse_u64(optarg, &n) < 0 || n > UINT32_MAX)
				return oci_usage_error("exec", "--additional-gids: '%s' is not a gid",
						       optarg);
			json_array_append_new(f->gids, json_integer((json_int_t)n));
			break;
		case 'c': {
			char **nc = realloc(f->caps, (f->n_caps + 1) * sizeof(char *));
			if (!nc)
				return 1;
			f->caps = nc;
			f->caps[f->n_caps++] = optarg;
			break;
		}
		case OPT_NNP:
			f->nnp = f->set_nnp = true;
			break;
		case OPT_PRESERVE:
			if (ward_parse_u64(optarg, &n) < 0 || n > 65536)
				return oci_usage_error("exec", "--preserve-fds: '%s' is not a count",
						       optarg);
			f->o.preserve_fds = (unsigned)n;
			break;
		case OPT_APPARMOR:
		case OPT_LABEL:
			/* Parsed through process JSON below so the LSM checks apply. */
			break;
		case OPT_HELP:
			printf("usage: ward-oci exec [options] ID [COMMAND [ARG...]]\n"
			       "  -p, --process FILE      process.json to run (instead of COMMAND)\n"
			       "  -t, --tty               allocate a pty (needs --console-socket)\n"
			       "  -d, --detach            do not wait for the process\n"
			       "      --pid-file FILE     write the process pid to FILE\n"
			       "      --cwd DIR           working directory\n"
			       "  -e, --env KEY=VALUE     set an environment variable\n"
			       "  -u, --user UID[:GID]    run as this user\n"
			       "  -g, --additional-gids G add a supplementary group\n"
			       "  -c, --cap CAP           add a capability\n"
			       "      --no-new-privs      set no_new_privs\n"
			       "      --preserve-fds N    pass fds 3..3+N-1\n");
			exit(0);
		default:
			return oci_usage_error("exec", "invalid option");
		}
	}
	if (argc - optind < 1)
		return oci_usage_error("exec", "requires a container id");
	f->o.id = argv[optind];
	return 0;
}

/* The container's process object with the command line's changes. */
static int
process_from_args(const struct ward_runtime *rt, struct exec_flags *f, int argc, char **argv,
		  json_t **ret, struct ward_error **err)
{
	json_t *config = NULL, *proc, *args, *env, *user;
	int r;

	if (argc - optind < 2)
		return ward_error_set(err, EINVAL, "exec: give a command or --process FILE");
	r = ward_container_config_json(rt, f->o.id, &config, err);
	if (r < 0)
		return r;
	proc = json_object_get(config, "process");
	proc = json_is_object(proc) ? json_deep_copy(proc) : json_object();
	json_decref(config);
	args = json_array();
	for (int i = optind + 1; i < argc; i++)
		json_array_append_new(args, json_string(argv[i]));
	json_object_set_new(proc, "args", args);
	json_object_set_new(proc, "terminal", json_boolean(f->tty));
	json_object_del(proc, "consoleSize");
	if (f->cwd)
		json_object_set_new(proc, "cwd", json_string(f->cwd));
	env = json_object_get(proc, "env");
	if (!json_is_array(env)) {
		env = json_array();
		json_object_set_new(proc, "env", env);
	}
	for (size_t i = 0; i < json_array_size(f->env); i++)
		env_set(env, json_string_value(json_array_get(f->env, i)));
	if (json_array_size(f->gids)) {
		user = json_object_get(proc, "user");
		if (!json_is_object(user)) {
			user = json_pack("{s:i, s:i}", "uid", 0, "gid", 0);
			json_object_set_new(proc, "user", user);
		}
		json_object_set(user, "additionalGids", f->gids);
	}
	*ret = proc;
	return 0;
}

static int
load_process(const struct ward_runtime *rt, struct exec_flags *f, int argc, char **argv,
	     struct ward_process **ret, struct ward_error **err)
{
	json_t *proc = NULL;
	int r;

	if (f->process_file) {
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;
		r = ward_fs_read_all(AT_FDCWD, f->process_file, PROCESS_FILE_MAX, &buf, &len, err);
		if (r < 0 || (r = ward_json_parse(buf, len, f->process_file, &proc, err)) < 0)
			return r;
	} else if ((r = process_from_args(rt, f, argc, argv, &proc, err)) < 0) {
		return r;
	}
	r = ward_process_parse(proc, "process", ret, err);
	json_decref(proc);
	if (r < 0)
		return r;
	if (f->user && (r = ward_procattr_set_user((*ret)->attr, f->user, err)) < 0)
		return r;
	for (size_t i = 0; i < f->n_caps; i++)
		if ((r = ward_procattr_add_cap((*ret)->attr, f->caps[i], err)) < 0)
			return r;
	if (f->set_nnp)
		ward_procattr_set_no_new_privs((*ret)->attr, f->nnp);
	if (f->process_file && f->tty)
		(*ret)->terminal = true;
	return 0;
}

int
oci_cmd_exec(const struct ward_runtime *rt, int argc, char **argv)
{
	struct exec_flags f = {.env = json_array(), .gids = json_array()};
	struct ward_error *err = NULL;
	struct ward_process *p = NULL;
	int status = 0, r;

	r = parse_flags(argc, argv, &f);
	if (r == 0) {
		r = load_process(rt, &f, argc, argv, &p, &err);
		if (r == 0) {
			f.o.process = p;
			r = ward_container_exec(rt, &f.o, &status, &err);
		}
		r = r < 0 ? oci_fail(rt, err) : status;
	}
	ward_process_free(p);
	json_decref(f.env);
	json_decref(f.gids);
	free(f.caps);
	return r;
}
