/* SPDX-License-Identifier: Apache-2.0 */
/* Private to the report writers (src/scan/report*.c). */
#ifndef WARD_SCAN_REPORT_INTERNAL_H
#define WARD_SCAN_REPORT_INTERNAL_H

#include <jansson.h>

/*
 * A JSON string of s; NULL s is JSON null. Strings come from package
 * databases, feeds and ignore files and need not be UTF-8, which jansson
 * refuses: such a string is written with every byte >= 0x80 as '?', so one
 * stray Latin-1 byte cannot fail a whole report. NULL only on ENOMEM.
 */
json_t *scan_json_str(const char *s);

#endif
