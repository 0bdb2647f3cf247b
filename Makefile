# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of the PV Calls modules (frontend/ and backend/, see
# Kbuild) plus the project's test entry points.  Everything heavy lives in
# testbed/; this file only picks the kernel tree and dispatches.
#
#   make                 build both modules (W=1, C=2 ... pass through) and the
#                        test-only tests/hostile module (never installed)
#   make install         modules_install into /lib/modules/$KVER/updates + depmod
#   make check           the whole test suite (what .ci/run runs)
#   make demo            boot the test bed and show PV Calls at work
#   make bench           boot the test bed once and measure PV Calls, netfront and
#                        dom0 loopback side by side (bench/results.{json,md})
#   make lint            checkpatch.pl --strict + sparse over all module sources
#   make fuzz            libFuzzer over the request validation and the ring
#                        arithmetic, FUZZ_TIME s each (default 600; tests/fuzz)

# Kernel tree: KDIR= wins; else the running kernel's headers; else the
# newest installed /lib/modules/*/build (version sort).
ifeq ($(origin KDIR),undefined)
  KDIR := $(shell d=/lib/modules/$$(uname -r)/build; \
	  if [ -e "$$d/Makefile" ]; then echo "$$d"; else \
	  ls -d /lib/modules/*/build 2>/dev/null | sort -V | \
	  while read -r b; do [ -e "$$b/Makefile" ] && echo "$$b"; done | tail -n 1; fi)
endif
export KDIR

# The release the tree was built for (the /lib/modules directory name).
KVER ?= $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	  $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
export KVER

INSTALL_MOD_DIR ?= updates

# Targets that need no kernel tree.
NOKDIR_GOALS := clean help deps fuzz

.PHONY: all modules test-modules install clean check demo bench lint fuzz dkms-test deps help need-kdir

all: modules test-modules

need-kdir:
ifeq ($(KDIR),)
	@echo "error: no kernel headers found under /lib/modules/*/build." >&2
	@echo "       Install them:  apt-get install linux-headers-amd64" >&2
	@echo "       (or point KDIR= at a configured kernel tree)" >&2
	@exit 1
else
	@test -e "$(KDIR)/Makefile" || { \
	  echo "error: KDIR=$(KDIR) is not a kernel build tree." >&2; \
	  echo "       Install the headers: apt-get install linux-headers-amd64" >&2; \
	  exit 1; }
endif

modules: need-kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# Test-only modules (tests/hostile: a hostile PV Calls frontend for the bed's
# guest image): their own Kbuild, so make install never installs them.
test-modules: need-kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/hostile modules

# Debian's headers ask for every module to be signed but ship no key: sign
# only where the tree has one.
install: modules test-modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		$(if $(wildcard $(KDIR)/certs/signing_key.pem),,CONFIG_MODULE_SIG_ALL=) \
		modules_install
	depmod -a $(KVER)

clean:
	@if [ -n "$(KDIR)" ] && [ -e "$(KDIR)/Makefile" ]; then \
	  $(MAKE) -C $(KDIR) M=$(CURDIR) clean; \
	  $(MAKE) -C $(KDIR) M=$(CURDIR)/tests/hostile clean; fi
	rm -rf build
	@if [ -f selftests/Makefile ]; then $(MAKE) -C selftests clean; fi
	@if [ -f tests/host/Makefile ]; then $(MAKE) -C tests/host clean; fi
	@if [ -f tests/fuzz/Makefile ]; then $(MAKE) -C tests/fuzz clean; fi

# Installs the Debian packages the tests need (root; only the missing ones).
deps:
	testbed/deps.sh

dkms-test: need-kdir
	testbed/dkms-test.sh

check:
	testbed/check.sh

demo:
	testbed/demo.sh

# Not part of check: figures under emulation, never a pass/fail.
bench:
	bench/run.sh

lint:
	testbed/lint.sh

# Not part of check (check runs it for 10 s per harness).
FUZZ_TIME ?= 600
fuzz:
	$(MAKE) -C tests/fuzz fuzz FUZZ_TIME=$(FUZZ_TIME)

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))
