#!/bin/sh
# Install the Debian 12 packages ward builds and tests with, only when missing.
set -eu
PKGS="build-essential pkg-config clang libclang-rt-14-dev libjansson-dev libseccomp-dev
libcmocka-dev bats busybox-static rpm crun runc containerd iproute2 jq procps
libarchive-dev libssl-dev libcurl4-openssl-dev skopeo umoci docker-registry apache2-utils openssl
libsqlite3-dev sqlite3 libsodium-dev
libisal-dev
libgpgme-dev gnupg libyaml-dev python3-jsonschema debootstrap podman"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "ward: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "ward: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends $missing >/dev/null
