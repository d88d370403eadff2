/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the runtime: limits on linux.seccomp and what the container
 * setup code needs beyond include/ward/runtime.h.
 */
#ifndef WARD_RUNTIME_SECCOMP_INTERNAL_H
#define WARD_RUNTIME_SECCOMP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <ward/runtime.h>

/* Bounds on an untrusted linux.seccomp object. */
#define WARD_SECCOMP_MAX_SYSCALLS WARD_SPEC_MAX_LIST /* syscalls[] entries */
#define WARD_SECCOMP_MAX_NAMES WARD_SPEC_MAX_LIST    /* syscalls[].names[] per entry */
#define WARD_SECCOMP_MAX_ARGS 64		     /* syscalls[].args[] per entry */
#define WARD_SECCOMP_MAX_ARCHES 64		     /* architectures[] */
#define WARD_SECCOMP_MAX_FLAGS 16		     /* flags[] */
/*
 * libseccomp rules built from the whole profile (one per resolved name, or
 * one per condition when an argument index repeats). libseccomp 2.5 copies
 * its whole rule database on every rule it adds, so building is quadratic in
 * the rules with argument conditions: ~0.01 s for every x86_64 syscall
 * without conditions, ~4 s at this bound with conditions on all of them and
 * three architectures, minutes at 10000. The bound stops a config.json from
 * stalling the runtime; real profiles (Docker's: ~400) stay well below it.
 */
#define WARD_SECCOMP_MAX_RULES 1024
/* Unknown syscall names remembered for a warning (all are counted). */
#define WARD_SECCOMP_MAX_UNKNOWN_KEPT 32

/*
 * Syscall names the profile lists that libseccomp does not know on this
 * architecture. They are skipped, as runc and crun do, so one profile serves
 * several kernels and architectures; the caller may warn about them.
 * _count is the number of such names; _names the first
 * WARD_SECCOMP_MAX_UNKNOWN_KEPT of them (NULL-terminated, owned by s).
 */
size_t ward_seccomp_unknown_count(const struct ward_seccomp *s);
char *const *ward_seccomp_unknown_names(const struct ward_seccomp *s);

/*
 * True when some rule of the profile answers `syscall_name` with
 * SCMP_ACT_NOTIFY. Between ward_seccomp_load() and the moment the listener
 * fd has left the process, such a syscall blocks until an agent answers it,
 * and no agent holds the fd yet. ward_seccomp_parse() already refuses
 * NOTIFY on sendmsg (init passes the fd to the runtime with it); code that
 * hands the fd out another way must refuse a profile that notifies a
 * syscall it needs (runc refuses NOTIFY on write).
 */
bool ward_seccomp_notifies(const struct ward_seccomp *s, const char *syscall_name);

#endif
