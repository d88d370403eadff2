/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/util: the on-demand library loader behind dl_curl.c and
 * dl_archive.c (see dl.c). */
#ifndef WARD_UTIL_DL_H
#define WARD_UTIL_DL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <ward/util.h>

struct ward_dl_lib {
	const char *soname;  /* "libcurl.so.4" */
	const char *package; /* the Debian package that ships it, for the error */
	const char *const *names;
	size_t n_names;
	void **syms;
	pthread_once_t once;
	void (*init)(void); /* calls ward_dl_load_once on this lib */
	bool loaded;
	char error[256];
};

void ward_dl_load_once(struct ward_dl_lib *lib);
int ward_dl_load(struct ward_dl_lib *lib, struct ward_error **err);
/* The i-th symbol, loading the library first; NULL when it failed. */
void *ward_dl_sym(struct ward_dl_lib *lib, size_t i);

#endif
