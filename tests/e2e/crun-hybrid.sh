#!/bin/sh
# crun as an OCI_RUNTIME for validating the e2e suite on a hybrid cgroup host.
# crun 1.8 refuses a cgroup2 mount at /sys/fs/cgroup/unified next to v1
# controllers; each call runs it in a private mount namespace without that mount.
#   OCI_RUNTIME=tests/e2e/crun-hybrid.sh OCI_RUNTIME_BINARY=/usr/bin/crun bats tests/e2e
exec unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "${CRUN:-/usr/bin/crun}" "$@"' crun "$@"
