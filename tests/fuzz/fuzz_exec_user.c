/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz `ward exec -u`'s reading of a container's /etc/passwd and
 * /etc/group (the container writes both): bytes up to the first NUL are
 * /etc/passwd, the rest /etc/group; users and groups are looked up by name
 * and by id, and a user's supplementary groups are collected, as exec does.
 * The static functions are reached by including the command's source.
 */
#include "cli/ward/cmd_exec.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
lookups(struct id_lookup *l)
{
	static const char *const keys[] = {"root", "ward", "0", "1000", "", "4294967295"};
	struct ward_error *err = NULL;

	for (size_t i = 0; i < WARD_ARRAY_SIZE(keys); i++) {
		for (int group = 0; group < 2; group++) {
			uint32_t id = 0, gid = 0;
			char *name = NULL;
			(void)find_id(l, group, keys[i], &id, group ? NULL : &gid, group ? NULL : &name,
				      &err);
			ward_error_freep(&err);
			if (name) {
				json_t *groups = json_array();
				(void)supplementary_groups(l, name, gid, groups, &err);
				ward_error_freep(&err);
				json_decref(groups);
				free(name);
			}
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t plen = nul ? (size_t)(nul - data) : size;
	struct id_lookup l = {.root_fd = -1};

	if (size > PASSWD_MAX)
		return 0;
	l.passwd = strndup((const char *)data, plen);
	l.group = nul ? strndup((const char *)nul + 1, size - plen - 1) : strdup("");
	if (l.passwd && l.group)
		lookups(&l);
	free(l.passwd);
	free(l.group);
	return 0;
}
