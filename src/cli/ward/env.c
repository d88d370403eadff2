/* SPDX-License-Identifier: Apache-2.0 */
/* --env-file, shared by ward run and ward exec. Depends on libward only, so
 * the fuzzers that include a command's source can link it. */
#include <fcntl.h>
#include <string.h>

#include "cli.h"

#define ENV_FILE_MAX (1u << 20)

int
ward_cli_read_env_file(const char *path, ward_cli_env_add_fn add, void *ctx,
		       struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	char *line, *save = NULL;
	int r = ward_fs_read_all(AT_FDCWD, path, ENV_FILE_MAX, &buf, NULL, err);

	if (r < 0)
		return ward_error_wrap(err, "--env-file");
	/* KEY=VALUE lines; blank lines and "#" comments are skipped (docker's rule). */
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#')
			continue;
		if ((r = add(ctx, line, err)) < 0)
			return ward_error_wrap(err, "--env-file '%s'", path);
	}
	return 0;
}
