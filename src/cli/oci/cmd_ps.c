/* SPDX-License-Identifier: Apache-2.0 */
/* ps: the container's processes, as `ps` shows them (runc's behaviour). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>

#include "cli.h"

#define PS_OUTPUT_MAX (16u << 20)

static bool
has_pid(const pid_t *pids, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Run `ps ARGS` and keep the header plus the rows whose PID column is ours. */
static int
filter_ps(char **ps_args, int nargs, const pid_t *pids, size_t n)
{
	char **argv = calloc((size_t)nargs + 2, sizeof(char *));
	int pipefd[2], pid_col = -1, status;
	_cleanup_free_ char *out = NULL;
	char *line, *save = NULL;
	pid_t child;

	if (!argv || pipe2(pipefd, O_CLOEXEC) < 0) {
		free(argv);
		return -errno;
	}
	argv[0] = "ps";
	for (int i = 0; i < nargs; i++)
		argv[i + 1] = ps_args[i];
	if (nargs == 0)
		argv[1] = "-ef";
	child = fork();
	if (child == 0) {
		dup2(pipefd[1], 1);
		execvp("ps", argv);
		_exit(127);
	}
	free(argv);
	(void)close(pipefd[1]);
	if (child < 0 || ward_fs_read_fd(pipefd[0], PS_OUTPUT_MAX, "ps", &out, NULL, NULL) < 0) {
		(void)close(pipefd[0]);
		return -EIO;
	}
	(void)close(pipefd[0]);
	(void)waitpid(child, &status, 0);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (pid_col < 0) {
			/* Find the PID column in the header. */
			char *copy = strdup(line), *tok, *s2 = NULL;
			int col = 0;
			for (tok = strtok_r(copy, " \t", &s2); tok; tok = strtok_r(NULL, " \t", &s2), col++)
				if (strcmp(tok, "PID") == 0)
					pid_col = col;
			free(copy);
			puts(line);
			if (pid_col < 0)
				return -EINVAL;
			continue;
		}
		{
			char *copy = strdup(line), *tok, *s2 = NULL;
			int col = 0;
			long pid = -1;
			for (tok = strtok_r(copy, " \t", &s2); tok; tok = strtok_r(NULL, " \t", &s2), col++)
				if (col == pid_col) {
					pid = strtol(tok, NULL, 10);
					break;
				}
			free(copy);
			if (has_pid(pids, n, pid))
				puts(line);
		}
	}
	return 0;
}

int
oci_cmd_ps(const struct ward_runtime *rt, int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {0}};
	struct ward_error *err = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	bool json = false;
	size_t n = 0;
	int c;

	while ((c = getopt_long_only(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c != 'f')
			return oci_usage_error("ps", "invalid option");
		if (strcmp(optarg, "json") == 0)
			json = true;
		else if (strcmp(optarg, "table") != 0)
			return oci_usage_error("ps", "--format: '%s' is not table or json", optarg);
	}
	if (argc - optind < 1)
		return oci_usage_error("ps", "requires a container id");
	if (ward_container_pids(rt, argv[optind], &pids, &n, &err) < 0)
		return oci_fail(rt, err);
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, json_integer(pids[i]));
		oci_print_json(arr);
		json_decref(arr);
		return 0;
	}
	if (filter_ps(argv + optind + 1, argc - optind - 1, pids, n) < 0) {
		ward_error_set(&err, EIO, "ps: running ps failed");
		return oci_fail(rt, err);
	}
	return 0;
}
