#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Installs the Debian (bookworm) packages the build and the tests need,
# only those missing: one "apt-get update", then one install.  Needs root
# when something is missing.
set -euo pipefail
PKGS="qemu-system-x86 xen-hypervisor-4.17-amd64 xen-utils-4.17 xenstore-utils
      busybox-static linux-image-amd64 linux-headers-amd64 linux-source-6.1
      sparse dkms cpio kmod gcc make libc6-dev perl xz-utils gzip
      coreutils grep sed openssl
      spin curl socat iperf3 golang-go clang libclang-rt-14-dev"

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$' || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all packages present" >&2
	exit 0
fi
echo "deps: installing:$missing" >&2
if [ "$(id -u)" != 0 ]; then
	echo "deps: need root to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
timeout 900 apt-get update -q >&2
# shellcheck disable=SC2086
timeout 2400 apt-get install -y -q --no-install-recommends $missing >&2
