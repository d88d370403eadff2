/* SPDX-License-Identifier: Apache-2.0 */
#ifndef WARD_IMAGE_SNAPSHOT_H
#define WARD_IMAGE_SNAPSHOT_H

#include <ward/util.h>

#define WARD_SNAPSHOT_MAX_LAYERS 500 /* overlayfs' own limit */

/*
 * Mount an overlayfs at target: lowers[0] is the TOP layer (as overlayfs
 * orders lowerdir), upper and work are the container's own directories (on
 * the same filesystem; upper NULL for a read-only view). Layers are added
 * one by one with fsconfig "lowerdir+" (no page-size limit on the option
 * string); kernels without it get a single lowerdir= option. Mounted
 * nosuid,nodev off? no: suid and devices from images are kept, as Docker
 * does; the runtime's mount namespace and capabilities confine them.
 */
WARD_PUBLIC int ward_snapshot_mount(const char *const *lowers, size_t n, const char *upper,
				    const char *work, const char *target, struct ward_error **err);
WARD_PUBLIC int ward_snapshot_unmount(const char *target, struct ward_error **err);

#endif
