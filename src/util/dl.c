/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared libraries loaded on first use: libcurl (registries) and libarchive
 * (layers and image archives). Linking them would make every `ward`
 * process, `ward run` and `ward ps` included, map and relocate about forty
 * libraries (libcurl alone brings gnutls, krb5, ldap, ssh2 ...): a third of
 * the time `ward run --rm IMAGE true` took. Only the commands that talk to a
 * registry or read a tar stream pay for them now.
 *
 * src/util/dl_curl.c and dl_archive.c define the libraries' functions that
 * ward calls, with the libraries' own prototypes, so callers include
 * <curl/curl.h> and <archive.h> as usual; each definition forwards through
 * a table filled by dlsym.
 */
#include "dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <ward/util.h>

/*
 * Load `lib->soname` and resolve every name in lib->names into lib->syms.
 * Runs once per library and process under lib->once; afterwards the table
 * is only read, which makes it safe shared state (STYLE.md: a cache says
 * why it is safe). RTLD_LOCAL keeps the library's symbols out of the global
 * scope: nothing else can bind to them by accident.
 */
static void
load(struct ward_dl_lib *lib)
{
	void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	if (!h) {
		const char *e = dlerror();
		(void)snprintf(lib->error, sizeof(lib->error), "%s", e ? e : "unknown error");
		return;
	}
	for (i = 0; i < lib->n_names; i++) {
		void *p = dlsym(h, lib->names[i]);
		if (!p) {
			(void)snprintf(lib->error, sizeof(lib->error), "%s: no symbol %s",
				       lib->soname, lib->names[i]);
			/* Keep the handle: a half-filled table is never used
			 * because `loaded` stays false. */
			return;
		}
		lib->syms[i] = p;
	}
	lib->loaded = true;
}

int
ward_dl_load(struct ward_dl_lib *lib, struct ward_error **err)
{
	(void)pthread_once(&lib->once, lib->init);
	if (!lib->loaded)
		return ward_error_setk(err, WARD_E_UNSUPPORTED, ENOENT, "load %s (%s): %s",
				       lib->soname, lib->package, lib->error);
	return 0;
}

void
ward_dl_load_once(struct ward_dl_lib *lib)
{
	load(lib);
}

void *
ward_dl_sym(struct ward_dl_lib *lib, size_t i)
{
	(void)pthread_once(&lib->once, lib->init);
	return lib->loaded ? lib->syms[i] : NULL;
}
