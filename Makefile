# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of the PV Calls modules (frontend/ and backend/, see
# Kbuild) plus the project's test entry points.  Everything heavy lives in
# testbed/; this file only picks the kernel tree and dispatches.
#
#   make                 build the modules (W=1, C=2 ... pass through):
#                        xen-pvcalls-front, xen-pvcalls-back, pvcalls-loopback
#                        (the family over this machine's TCP, no Xen), and
#                        the test-only tests/hostile modules (never installed)
#   make install         the modules into /lib/modules/$KVER/updates (+ depmod),
#                        pvcalls-run, its man page and <pvcalls.h> under PREFIX
#                        (/usr/local); make uninstall removes them
#   make check           the whole test suite (what .ci/run runs), the
#                        loopback VM (pvcalls-loopback in a plain VM) included
#   make check-fresh     make demo, make install and make check in fresh
#                        Debian roots with only gcc, make and git
#   make check-debug     the test bed's suite on a debug kernel (lockdep, kmemleak,
#                        DEBUG_OBJECTS...) and the loopback VM on one with KASAN too,
#                        both built from linux-source, cached outside
#   make demo            boot the test bed and show PV Calls at work
#   make bench           boot the test bed once and measure PV Calls, netfront and
#                        dom0 loopback side by side (bench/results.{json,md})
#   make lint            checkpatch.pl --strict + sparse over all module sources
#   make fuzz            libFuzzer over the request validation and the ring
#                        arithmetic, FUZZ_TIME s each (default 600; tests/fuzz)
#   make deps            only install the Debian packages make check needs

# Kernel tree: KDIR= wins; else the running kernel's headers; else the
# newest installed /lib/modules/*/build (version sort).  Both are worked
# out where a recipe uses them, never when make starts, and are not
# exported: make check and make demo install the headers first, and the
# make they run afterwards detects the tree anew.  (A KDIR= or KVER= given
# on the command line or in the environment reaches every script as it is.)
ifeq ($(strip $(KDIR)),)
KDIR = $(shell d=/lib/modules/$$(uname -r)/build; \
	  if [ -e "$$d/Makefile" ]; then echo "$$d"; else \
	  ls -d /lib/modules/*/build 2>/dev/null | sort -V | \
	  while read -r b; do [ -e "$$b/Makefile" ] && echo "$$b"; done | tail -n 1; fi)
endif

# The release the tree was built for (the /lib/modules directory name).
ifeq ($(strip $(KVER)),)
KVER = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	  $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
endif

INSTALL_MOD_DIR ?= updates
# Where make install puts the user programs, the man page and the header.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
INCLUDEDIR ?= $(PREFIX)/include

.PHONY: all modules test-modules install uninstall clean check check-fresh \
	check-debug demo bench lint fuzz dkms-test deps help need-kdir

all: modules test-modules

need-kdir:
	@if [ -z "$(KDIR)" ]; then \
	  echo "error: no kernel headers found under /lib/modules/*/build." >&2; \
	  echo "       Install them:  apt-get install linux-headers-amd64 (or: make deps)" >&2; \
	  echo "       (or point KDIR= at a configured kernel tree)" >&2; \
	  exit 1; \
	elif [ ! -e "$(KDIR)/Makefile" ]; then \
	  echo "error: KDIR=$(KDIR) is not a kernel build tree." >&2; \
	  echo "       Install the headers: apt-get install linux-headers-amd64" >&2; \
	  exit 1; \
	fi

modules: need-kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# Test-only modules (tests/hostile: a hostile PV Calls frontend for the bed's
# guest image): their own Kbuild, so make install never installs them.
test-modules: need-kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/hostile modules

tools/pvcalls-run/pvcalls-run: FORCE
	$(MAKE) -C tools/pvcalls-run pvcalls-run

# The modules into /lib/modules/$KVER/$INSTALL_MOD_DIR (then depmod), and
# what a user runs or compiles against: pvcalls-run, its man page, the
# program header <pvcalls.h>.  DESTDIR= stages it all elsewhere.
# Debian's headers ask for every module to be signed but ship no key: sign
# only where the tree has one.
install: modules tools/pvcalls-run/pvcalls-run
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) \
		$(if $(wildcard $(KDIR)/certs/signing_key.pem),,CONFIG_MODULE_SIG_ALL=) \
		modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))
	install -D -m 0755 tools/pvcalls-run/pvcalls-run $(DESTDIR)$(BINDIR)/pvcalls-run
	install -D -m 0644 tools/pvcalls-run/pvcalls-run.1 \
		$(DESTDIR)$(MANDIR)/man1/pvcalls-run.1
	install -D -m 0644 include/uapi/pvcalls.h $(DESTDIR)$(INCLUDEDIR)/pvcalls.h

# Removes what make install put there (for the same KVER, PREFIX, DESTDIR).
uninstall:
	@test -n "$(KVER)" || { echo "error: no kernel release (KVER=)" >&2; exit 1; }
	rm -f $(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)/frontend/xen-pvcalls-front.ko* \
	      $(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)/frontend/pvcalls-loopback.ko* \
	      $(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)/backend/xen-pvcalls-back.ko*
	-rmdir $(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)/frontend \
	       $(DESTDIR)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)/backend 2>/dev/null
	$(if $(DESTDIR),,depmod -a $(KVER))
	rm -f $(DESTDIR)$(BINDIR)/pvcalls-run $(DESTDIR)$(MANDIR)/man1/pvcalls-run.1 \
	      $(DESTDIR)$(INCLUDEDIR)/pvcalls.h

clean:
	@if [ -n "$(KDIR)" ] && [ -e "$(KDIR)/Makefile" ]; then \
	  $(MAKE) -C $(KDIR) M=$(CURDIR) clean; \
	  $(MAKE) -C $(KDIR) M=$(CURDIR)/tests/hostile clean; fi
	rm -rf build
	@if [ -f selftests/Makefile ]; then $(MAKE) -C selftests clean; fi
	@if [ -f tests/host/Makefile ]; then $(MAKE) -C tests/host clean; fi
	@if [ -f tests/fuzz/Makefile ]; then $(MAKE) -C tests/fuzz clean; fi
	@if [ -f tools/pvcalls-run/Makefile ]; then $(MAKE) -C tools/pvcalls-run clean; fi

# The Debian packages a target needs (root; only the missing ones).  Every
# target below that needs packages installs them itself first, then
# detects the kernel tree and the Xen version.
deps:
	testbed/deps.sh check

dkms-test:
	testbed/deps.sh check
	testbed/dkms-test.sh

check:
	testbed/check.sh

# The README's two commands in fresh Debian roots that have only gcc, make
# and git (testbed/check-fresh.sh).
check-fresh:
	testbed/check-fresh.sh

check-debug:
	testbed/check-debug.sh

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
	testbed/deps.sh fuzz
	$(MAKE) -C tests/fuzz fuzz FUZZ_TIME=$(FUZZ_TIME)

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

FORCE:
