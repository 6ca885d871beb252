# MIT licence: see LICENSE.
#
# make            ./mta, static against musl, BearSSL, tinycdb and TRE
# make check      install what the tests need (as root), then run them all
# make SANITIZE=1 check   the same tests on a dynamic glibc ASan+UBSan build
# make install DESTDIR=... PREFIX=...
# make size       the stripped size of ./mta and of each cross-built mta
# make CROSS=aarch64-linux-gnu-   build/aarch64/mta, static, for another CPU
# make check-cross ARCH=aarch64   its tests under qemu-user (see README)
# make bench      side-by-side figures against Postfix
# make profile    callgrind: instructions per relayed message, per applet
#
# The three libraries come from Debian's source packages, fetched with
# apt-get source through a private apt state under build/apt (the system's
# apt configuration is read, never changed).  To use libraries that are
# already installed (Alpine: bearssl-dev tre-dev tinycdb), say
#   make LIBS_FROM=system [DEP_CFLAGS=-I...] [DEP_LIBS='-lbearssl -ltre -lcdb']

PREFIX	= /usr/local
DESTDIR	=
MANDIR	= $(PREFIX)/share/man
SANITIZE =
LIBS_FROM = debian
V	=
CROSS	=

ifeq ($(V),)
Q	= @
else
Q	=
endif

ifeq ($(SANITIZE),1)
TC	= glibc-san
CC	= gcc
XCFLAGS	= -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	  -fno-sanitize-recover=undefined
XLDFLAGS = -fsanitize=address,undefined
XFASTFLAGS = $(XCFLAGS)
# BearSSL reads and writes unaligned words on x86 on purpose; UBSan would
# stop at each
BR_CFLAGS = -DBR_LE_UNALIGNED=0 -DBR_BE_UNALIGNED=0
else ifneq ($(CROSS),)
# A cross build: musl built for the target from Debian's source package,
# then the three libraries and mta with Debian's cross compiler through
# musl's gcc wrapper.  XARCH names build/XARCH and qemu-XARCH.
TRIPLET	= $(patsubst %-,%,$(CROSS))
XARCH	= $(firstword $(subst -, ,$(TRIPLET)))
TC	= $(XARCH)
MUSLDIR	= $(CURDIR)/build/$(XARCH)/musl
CC	= $(MUSLDIR)/bin/musl-gcc
CROSS_STAMP = $(MUSLDIR)/stamp
# TRE's config.sub (2009) knows no aarch64: the build says it cross-compiles
# instead of naming the host
TRE_HOST = cross_compiling=yes AR=$(CROSS)ar RANLIB=$(CROSS)ranlib
XAR	= $(CROSS)ar
XCFLAGS	= -Os -ffunction-sections -fdata-sections
XLDFLAGS = -static -Wl,--gc-sections
XFASTFLAGS = -O2 -ffunction-sections -fdata-sections
else
TC	= musl
CC	= musl-gcc
XCFLAGS	= -Os -ffunction-sections -fdata-sections
XLDFLAGS = -static -Wl,--gc-sections
# BearSSL's big-number code (RSA, ECDSA) is built -O2, the rest -Os:
# an RSA-2048 signature, the cost of each TLS session, takes 2 ms instead
# of 3.4 for a few KB
XFASTFLAGS = -O2 -ffunction-sections -fdata-sections
endif

XAR	?= ar
B	= build/$(TC)
DEPDIR	= $(B)/deps
WARN	= -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS	= -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(XCFLAGS)

ifeq ($(LIBS_FROM),system)
DEP_CFLAGS =
DEP_LIBS = -lbearssl -ltre -lcdb
DEP_STAMP =
else
DEP_CFLAGS = -I$(DEPDIR)/include
DEP_LIBS = $(DEPDIR)/lib/libbearssl.a $(DEPDIR)/lib/libtre.a \
	   $(DEPDIR)/lib/libcdb.a
DEP_STAMP = $(DEPDIR)/stamp
endif

ALL_CFLAGS = $(CFLAGS) $(DEP_CFLAGS) $(CPPFLAGS)

# Sources are found by folder: a program is applets/NAME.c or, with parts
# of its own, applets/NAME/ (NAME.c beside NAME_*.c); lib/ is the base at
# its top and a folder per subsystem (table/, queue/, smtp/, ...).
APPLET_SRC = $(wildcard applets/*.c applets/*/*.c)
LIB_SRC	= $(wildcard lib/*.c lib/*/*.c)
APPLET_OBJ = $(APPLET_SRC:%.c=$(B)/%.o)
LIB_OBJ	= $(LIB_SRC:%.c=$(B)/%.o)
HDRS	= config.h applets.h $(wildcard lib/*.h lib/*/*.h applets/*/*.h)
APPLETS	= $(shell sed -nE 's/^APPLET.([a-z0-9]+),.*/\1/p' applets.h)
UNIT_SRC = $(wildcard tests/unit/*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)

ifeq ($(SANITIZE),1)
MTA_BIN	= $(B)/mta
else ifneq ($(CROSS),)
MTA_BIN	= $(B)/mta
else
MTA_BIN	= mta
endif

all: $(MTA_BIN) man/mta.conf.5
	@:

config.h: config.def.h
	$(Q)if [ -f $@ ]; then \
		echo "note: config.def.h is newer than config.h; merge your changes" >&2; \
		touch $@; \
	else cp config.def.h $@; fi

$(MTA_BIN): $(B)/mta.o $(APPLET_OBJ) $(LIB_OBJ) $(DEP_STAMP)
	@echo "  LD      $@"
	$(Q)$(CC) $(XLDFLAGS) $(LDFLAGS) -o $@ $(B)/mta.o $(APPLET_OBJ) \
		$(LIB_OBJ) $(DEP_LIBS)

$(B)/%.o: %.c $(HDRS) $(DEP_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The unit tests link lib/ and the parts of the programs in folders (qmgr's
# bounce.c, smtpd's sasl_*.c, ...), without each program's NAME.c (its
# NAME_main) and without smtpd_*.c, which call back into smtpd.c;
# smtpd_parse.c calls nothing.
PART_OBJ = $(patsubst %.c,$(B)/%.o,$(wildcard applets/*/*.c))
MAIN_OBJ = $(foreach d,$(patsubst applets/%/,%,$(sort $(dir \
	   $(wildcard applets/*/*.c)))),$(B)/applets/$(d)/$(d).o)
UNIT_OBJ = $(LIB_OBJ) $(filter-out $(MAIN_OBJ) $(B)/applets/smtpd/smtpd_%.o,\
	   $(PART_OBJ)) $(B)/applets/smtpd/smtpd_parse.o

$(B)/unit/%: tests/unit/%.c tests/unit/t.h $(UNIT_OBJ) $(HDRS)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(XLDFLAGS) -o $@ $< $(UNIT_OBJ) $(DEP_LIBS)

units: $(UNIT_BIN)

# mta.conf(5): its parameter table is generated from config.h's rows.
$(B)/gendoc: man/gendoc.c config.h
	@mkdir -p $(@D)
	$(Q)cc -std=c99 -Wall -Wextra -Werror -o $@ man/gendoc.c

man/mta.conf.5: man/mta.conf.5.in $(B)/gendoc
	$(Q)$(B)/gendoc < man/mta.conf.5.in > $@.tmp && mv $@.tmp $@

# --- the three libraries, from Debian's source packages --------------------

SRCDIR	= build/src
APTDIR	= $(CURDIR)/build/apt
APT_OPTS = -o Dir::State::Lists=$(APTDIR)/lists \
	   -o Dir::Cache=$(APTDIR)/cache \
	   -o Dir::Etc::SourceList=$(APTDIR)/sources.list \
	   -o Dir::Etc::SourceParts=$(APTDIR)/sources.list.d \
	   -o APT::Sandbox::User=root

# deb-src entries made from the system's own deb entries (same mirrors).
$(SRCDIR)/stamp:
	$(Q)command -v apt-get >/dev/null && command -v dpkg-source >/dev/null || { \
		echo "error: building the libraries needs apt-get and dpkg-source" \
		     "(package dpkg-dev), or use make LIBS_FROM=system" >&2; exit 1; }
	$(Q)rm -rf $(APTDIR) $(SRCDIR) && \
	mkdir -p $(APTDIR)/lists/partial $(APTDIR)/cache/archives/partial \
		 $(APTDIR)/sources.list.d $(SRCDIR)
	$(Q)if [ -f /etc/apt/sources.list ]; then \
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list; \
	fi > $(APTDIR)/sources.list
	$(Q)for f in /etc/apt/sources.list.d/*.list; do [ -f "$$f" ] && \
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$$f"; done \
		>> $(APTDIR)/sources.list; \
	for f in /etc/apt/sources.list.d/*.sources; do [ -f "$$f" ] && \
		sed 's/^Types:.*/Types: deb-src/' "$$f" \
		> $(APTDIR)/sources.list.d/$$(basename "$$f"); done; true
	@echo "  APT     update (private state in build/apt)"
	$(Q)apt-get $(APT_OPTS) -qq update
	@echo "  APT     source bearssl tinycdb tre"
	$(Q)cd $(SRCDIR) && apt-get $(APT_OPTS) -qq source bearssl tinycdb tre \
		>/dev/null
	$(Q)cd $(SRCDIR) && for p in bearssl tinycdb tre; do \
		d=$$(ls -d $$p-*/ | head -n 1) && ln -sfn "$${d%/}" $$p; done
	$(Q)touch $@

BR_FAST	= src/int/i31_*.c src/int/i62_*.c src/rsa/rsa_i31_*.c \
	  src/rsa/rsa_i62_*.c src/ec/ec_p256_m31.c src/ec/ec_c25519_m31.c \
	  src/ec/ec_prime_i31.c src/ec/ecdsa_i31_*.c

# musl for a cross target: only its source is fetched for a native build
$(SRCDIR)/musl.stamp: $(SRCDIR)/stamp
	@echo "  APT     source musl"
	$(Q)cd $(SRCDIR) && rm -rf musl musl-* musl_* && \
		apt-get $(APT_OPTS) -qq source musl >/dev/null && \
		d=$$(ls -d musl-*/ | head -n 1) && ln -sfn "$${d%/}" musl
	$(Q)touch $@

# The wrapper musl installs runs WRAPCC_GCC with musl's specs file: the
# cross compiler, so that no header or library of the host's C library
# (nor the cross glibc's) is used.
$(CROSS_STAMP): $(SRCDIR)/musl.stamp
	$(Q)sh tests/install-deps.sh cross $(TRIPLET)
	@echo "  DEP     musl ($(TRIPLET))"
	$(Q)rm -rf $(MUSLDIR) $(B)/musl-obj && mkdir -p $(B)/musl-obj && \
		cd $(B)/musl-obj && $(CURDIR)/$(SRCDIR)/musl/configure \
		--prefix=$(MUSLDIR) --target=$(TRIPLET) --disable-shared \
		--enable-wrapper=gcc CC=$(CROSS)gcc CROSS_COMPILE=$(CROSS) \
		>/dev/null
	$(Q)$(MAKE) -s -C $(B)/musl-obj WRAPCC_GCC=$(CROSS)gcc install \
		>/dev/null
	$(Q)touch $@

$(DEPDIR)/stamp: $(SRCDIR)/stamp $(CROSS_STAMP)
	$(Q)command -v $(CC) >/dev/null || { echo "error: $(CC) not found;" \
		"install musl-tools (Debian) or musl-dev (Alpine)" >&2; exit 1; }
	$(Q)rm -rf $(DEPDIR) && mkdir -p $(DEPDIR)/include $(DEPDIR)/lib \
		$(DEPDIR)/cdb $(DEPDIR)/tre
	@echo "  DEP     bearssl ($(TC))"
	$(Q)$(MAKE) -s -C $(SRCDIR)/bearssl BUILD=$(CURDIR)/$(DEPDIR)/bearssl \
		CC="$(CC)" LD="$(CC)" AR="$(XAR)" CFLAGS="$(XCFLAGS) $(BR_CFLAGS) -W -Wall" \
		lib >/dev/null
	$(Q)mkdir -p $(DEPDIR)/bearssl/fast && cd $(SRCDIR)/bearssl && \
		for f in $(BR_FAST); do $(CC) $(XFASTFLAGS) $(BR_CFLAGS) \
		-W -Wall -Isrc -Iinc -c -o $(CURDIR)/$(DEPDIR)/bearssl/fast/$$(basename $$f \
		.c).o $$f || exit 1; done && $(XAR) r \
		$(CURDIR)/$(DEPDIR)/bearssl/libbearssl.a \
		$(CURDIR)/$(DEPDIR)/bearssl/fast/*.o
	$(Q)cp $(DEPDIR)/bearssl/libbearssl.a $(DEPDIR)/lib/ && \
		cp $(SRCDIR)/bearssl/inc/*.h $(DEPDIR)/include/
	@echo "  DEP     tinycdb ($(TC))"
	$(Q)for f in cdb_init cdb_find cdb_findnext cdb_seq cdb_seek \
		cdb_unpack cdb_make cdb_make_add cdb_make_put cdb_hash; do \
		$(CC) $(XCFLAGS) -c -o $(DEPDIR)/cdb/$$f.o \
			$(SRCDIR)/tinycdb/$$f.c || exit 1; done
	$(Q)$(XAR) rcs $(DEPDIR)/lib/libcdb.a $(DEPDIR)/cdb/*.o && \
		cp $(SRCDIR)/tinycdb/cdb.h $(DEPDIR)/include/
	@echo "  DEP     tre ($(TC))"
	$(Q)cd $(DEPDIR)/tre && CC="$(CC)" CFLAGS="$(XCFLAGS)" \
		$(CURDIR)/$(SRCDIR)/tre/configure --disable-shared \
		--enable-static --disable-nls --disable-agrep \
		--disable-approx $(TRE_HOST) >/dev/null
	$(Q)$(MAKE) -s -C $(DEPDIR)/tre/lib DEPDIR=.deps >/dev/null 2>&1 || \
		$(MAKE) -C $(DEPDIR)/tre/lib DEPDIR=.deps
	$(Q)cp $(DEPDIR)/tre/lib/.libs/libtre.a $(DEPDIR)/lib/ && \
		cp $(SRCDIR)/tre/lib/tre.h $(DEPDIR)/tre/lib/tre-config.h \
		$(DEPDIR)/include/
	$(Q)touch $@

deps: $(DEP_STAMP)

# --- tests, install, size, bench ------------------------------------------

# make check also builds mta for arm64 and for big-endian 32-bit MIPS and
# runs their end-to-end test under qemu-user (tests/t-cross.sh)
CHECK_CROSS = aarch64 mips
check:
	$(Q)SANITIZE=$(SANITIZE) sh tests/install-deps.sh check
	$(Q)$(MAKE) -s all units
	$(Q)for a in $(CHECK_CROSS); do rm -f build/$$a.failed; \
		$(MAKE) -s SANITIZE= CROSS=$$(eval echo \$$CROSS_$$a) all || \
		touch build/$$a.failed; done
	$(Q)MTA=$(CURDIR)/$(MTA_BIN) UNITDIR=$(CURDIR)/$(B)/unit sh tests/run.sh

# make install: Postfix's places.  The commands (the applets with a page in
# section 1) are links to sbin/mta, mailq and newaliases also in bin, and
# lib/sendmail (the traditional path); the daemons (section 8) are links in
# libexec/mta, beside an mta link there that master falls back to when
# /proc/self/exe cannot be run (daemon_directory: set it to that folder).
CMD_APPLETS = $(filter $(APPLETS),$(patsubst man/%.1,%,$(wildcard man/*.1)))
DAEMON_APPLETS = $(filter-out $(CMD_APPLETS),$(APPLETS))
install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/libexec/mta \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8
	install -m 755 $(MTA_BIN) $(DESTDIR)$(PREFIX)/sbin/mta
	for a in $(filter-out mailq newaliases,$(CMD_APPLETS)); do \
		ln -sf mta $(DESTDIR)$(PREFIX)/sbin/$$a; done
	for a in mailq newaliases; do \
		ln -sf ../sbin/mta $(DESTDIR)$(PREFIX)/bin/$$a; done
	ln -sf ../sbin/mta $(DESTDIR)$(PREFIX)/lib/sendmail
	for a in mta $(DAEMON_APPLETS); do \
		ln -sf ../../sbin/mta $(DESTDIR)$(PREFIX)/libexec/mta/$$a; done
	for m in man/*.[158]; do \
		s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done

size: $(MTA_BIN)
	$(Q)$(CROSS)strip -o $(B)/mta.stripped $(MTA_BIN) && \
		echo "$$(stat -c %s $(B)/mta.stripped) bytes stripped ($(MTA_BIN))"
	$(Q)for a in $(CROSS_ARCHS); do \
		f=build/$$a/mta; [ -f $$f ] && [ $$f != $(MTA_BIN) ] || continue; \
		s=$$(eval echo \$$CROSS_$$a); \
		$${s}strip -o $$f.stripped $$f && \
		echo "$$(stat -c %s $$f.stripped) bytes stripped ($$f)"; done

# the cross targets Debian has compilers for, by the name of build/ARCH
CROSS_ARCHS = aarch64 arm mipsel mips
export CROSS_aarch64 = aarch64-linux-gnu-
export CROSS_arm = arm-linux-gnueabihf-
export CROSS_mipsel = mipsel-linux-gnu-
export CROSS_mips = mips-linux-gnu-

# make ipk ARCH=mipsel [OPENWRT_ARCH=mipsel_24kc]: an OpenWrt package of
# build/ARCH/mta (packaging/openwrt/ipk.sh)
ipk:
	$(Q)[ -n "$(CROSS_$(ARCH))" ] || { echo "usage: make ipk" \
		"ARCH=aarch64|arm|mipsel|mips [OPENWRT_ARCH=...]" >&2; exit 2; }
	$(Q)sh packaging/openwrt/ipk.sh $(ARCH) $(OPENWRT_ARCH)

# make check-cross ARCH=aarch64: the native ./mta (to compare .cdb files
# with), build/ARCH/mta and its unit tests, then tests/cross.sh under qemu
check-cross:
	$(Q)[ -n "$(CROSS_$(ARCH))" ] || { echo "usage: make check-cross" \
		"ARCH=aarch64|arm|mipsel|mips" >&2; exit 2; }
	$(Q)sh tests/install-deps.sh check
	$(Q)$(MAKE) -s CROSS= all
	$(Q)$(MAKE) -s CROSS=$(CROSS_$(ARCH)) all units
	$(Q)sh tests/cross.sh $(ARCH)

# a working MTA in a throwaway directory on 127.0.0.1:2525 (foreground)
demo:
	$(Q)SANITIZE=$(SANITIZE) sh tests/install-deps.sh build
	$(Q)$(MAKE) -s all
	$(Q)MTA=$(CURDIR)/$(MTA_BIN) sh tests/demo.sh

# profile: callgrind's instructions per relayed message, applet by applet
# (bench/profile.sh); N=200 messages
profile: all
	$(Q)MTA=$(CURDIR)/$(MTA_BIN) sh bench/profile.sh

# bench: mta beside Debian's Postfix (bench/run.sh); QUICK=1 for a short
# run; results in bench/results/
bench: all
	$(Q)sh tests/install-deps.sh bench
	$(Q)MTA=$(CURDIR)/$(MTA_BIN) QUICK=$(QUICK) sh bench/run.sh

# clean keeps the three libraries (build/*/deps): they take a minute to
# rebuild and do not change with this tree; distclean removes them too.
clean:
	rm -rf build/musl/lib build/musl/applets build/musl/unit \
		build/musl/*.o build/musl/gendoc build/glibc-san/lib \
		build/glibc-san/applets build/glibc-san/unit build/glibc-san/*.o \
		build/glibc-san/mta build/glibc-san/gendoc mta man/*.tmp

distclean:
	rm -rf build mta config.h man/*.tmp

.PHONY: all check check-cross install ipk size bench profile demo clean \
	distclean deps \
	units
