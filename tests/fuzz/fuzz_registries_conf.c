/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz registries.conf (anyone who can set WARD_REGISTRIES_CONF or edit
 * /etc writes it): the TOML subset parser, then short-name resolution of a
 * few fixed names against what it parsed. A parsed config must hold only
 * valid search hosts, and every candidate must be a fully qualified
 * reference that parses again.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <ward/registry.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_candidates(const struct ward_registries_conf *c, const char *name)
{
	struct ward_error *err = NULL;
	char **v = NULL;
	int n = ward_registries_resolve(c, name, &v, NULL, &err);

	if (n < 0) {
		if (!err || !err->msg)
			__builtin_trap();
		ward_error_free(err);
		return;
	}
	for (int i = 0; i < n; i++) {
		struct ward_ref *r = NULL;
		if (!v[i] || ward_ref_parse(v[i], &r, NULL) < 0)
			__builtin_trap();
		ward_ref_free(r);
	}
	if (v[n])
		__builtin_trap();
	ward_strv_free(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ward_registries_conf *c = NULL;
	struct ward_error *err = NULL;

	if (ward_registries_conf_parse((const char *)data, size, "fuzz.conf", &c, &err) < 0) {
		if (!err || !err->msg || c)
			__builtin_trap();
		ward_error_free(err);
		return 0;
	}
	if (c->n_search > WARD_REGISTRIES_MAX || c->n_registries > WARD_REGISTRIES_MAX ||
	    c->n_aliases > WARD_REGISTRIES_ALIASES_MAX)
		__builtin_trap();
	for (size_t i = 0; i < c->n_search; i++)
		if (!c->search[i] || !*c->search[i] || strpbrk(c->search[i], "/@ \r\n"))
			__builtin_trap();
	check_candidates(c, "busybox");
	check_candidates(c, "ns/app:1");
	check_candidates(c, "quay.io/ns/app");
	ward_registries_conf_free(c);
	return 0;
}
