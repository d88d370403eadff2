/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libcurl, loaded on first use (see dl.c for why). Each function ward calls
 * is defined here with libcurl's prototype and forwards to the library.
 * ward_registry_init() calls ward_dl_curl() first, so a host without
 * libcurl gets an error naming the package instead of a crash; the
 * forwarders after that point cannot see an unloaded table.
 */
#include <curl/curl.h>
#include <stdarg.h>

#include <ward/util.h>

#include "dl.h"

#define CURL_FUNCS(X)          \
	X(curl_global_init)    \
	X(curl_easy_init)      \
	X(curl_easy_cleanup)   \
	X(curl_easy_reset)     \
	X(curl_easy_perform)   \
	X(curl_easy_setopt)    \
	X(curl_easy_getinfo)   \
	X(curl_easy_strerror)  \
	X(curl_easy_escape)    \
	X(curl_free)           \
	X(curl_slist_append)   \
	X(curl_slist_free_all) \
	X(curl_url)            \
	X(curl_url_cleanup)    \
	X(curl_url_get)        \
	X(curl_url_set)

#define AS_ENUM(n) SYM_##n,
#define AS_NAME(n) #n,
enum { CURL_FUNCS(AS_ENUM) N_SYMS };
static const char *const names[N_SYMS] = {CURL_FUNCS(AS_NAME)};

static void load_curl(void);
/* Filled once by load_curl under lib.once, then only read (dl.c). */
static void *syms[N_SYMS];
static struct ward_dl_lib lib = {
	.soname = "libcurl.so.4",
	.package = "Debian package libcurl4",
	.names = names,
	.n_names = N_SYMS,
	.syms = syms,
	.once = PTHREAD_ONCE_INIT,
	.init = load_curl,
};

static void
load_curl(void)
{
	ward_dl_load_once(&lib);
}

int
ward_dl_curl(struct ward_error **err)
{
	return ward_dl_load(&lib, err);
}

#define FN(n) ((__typeof__(&n))ward_dl_sym(&lib, SYM_##n))

/* The parentheses keep curl's type-checking macros (typecheck-gcc.h) from
 * expanding the names being defined. */
CURLcode(curl_global_init)(long flags)
{
	return FN(curl_global_init) ? FN(curl_global_init)(flags) : CURLE_FAILED_INIT;
}

CURL *(curl_easy_init)(void)
{
	return FN(curl_easy_init) ? FN(curl_easy_init)() : NULL;
}

void(curl_easy_cleanup)(CURL *curl)
{
	if (curl)
		FN(curl_easy_cleanup)(curl);
}

void(curl_easy_reset)(CURL *curl)
{
	FN(curl_easy_reset)(curl);
}

CURLcode(curl_easy_perform)(CURL *curl)
{
	return FN(curl_easy_perform)(curl);
}

/*
 * curl_easy_setopt takes one argument after the option, whose type the
 * option's number range defines (curl.h CURLOPTTYPE_*): long, an object
 * pointer, a function pointer, a curl_off_t or a blob pointer. Forward it
 * with that type so the variadic call is the one libcurl expects.
 */
CURLcode(curl_easy_setopt)(CURL *curl, CURLoption option, ...)
{
	CURLcode (*f)(CURL *, CURLoption, ...) = FN(curl_easy_setopt);
	CURLcode rc;
	va_list ap;

	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		rc = f(curl, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_FUNCTIONPOINT)
		rc = f(curl, option, va_arg(ap, void *));
	else if (option < CURLOPTTYPE_OFF_T)
		rc = f(curl, option, va_arg(ap, void (*)(void)));
	else if (option < CURLOPTTYPE_BLOB)
		rc = f(curl, option, va_arg(ap, curl_off_t));
	else
		rc = f(curl, option, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

/* Every CURLINFO takes a pointer to where the value goes. */
CURLcode(curl_easy_getinfo)(CURL *curl, CURLINFO info, ...)
{
	CURLcode rc;
	va_list ap;

	va_start(ap, info);
	rc = FN(curl_easy_getinfo)(curl, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

const char *(curl_easy_strerror)(CURLcode code)
{
	return FN(curl_easy_strerror) ? FN(curl_easy_strerror)(code) : "libcurl is not loaded";
}

char *(curl_easy_escape)(CURL *curl, const char *s, int len)
{
	return FN(curl_easy_escape)(curl, s, len);
}

void(curl_free)(void *p)
{
	if (p)
		FN(curl_free)(p);
}

struct curl_slist *(curl_slist_append)(struct curl_slist *l, const char *s)
{
	return FN(curl_slist_append) ? FN(curl_slist_append)(l, s) : NULL;
}

void(curl_slist_free_all)(struct curl_slist *l)
{
	if (l)
		FN(curl_slist_free_all)(l);
}

CURLU *(curl_url)(void)
{
	return FN(curl_url) ? FN(curl_url)() : NULL;
}

void(curl_url_cleanup)(CURLU *u)
{
	if (u)
		FN(curl_url_cleanup)(u);
}

CURLUcode(curl_url_get)(CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
	return FN(curl_url_get)(u, what, part, flags);
}

CURLUcode(curl_url_set)(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
	return FN(curl_url_set)(u, what, part, flags);
}
