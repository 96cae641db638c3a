# nanoacme: an ACME client for constrained devices.
#
#   make            library (build/native/libnanoacme.a), nanoacme.pc
#   make deps       install the Debian 12 packages the project needs (idempotent)
#   make test       every test suite; the last line counts test cases
#   make test-unit  unit tests natively under ASan + UBSan
#   make test-qemu  unit tests cross-built for armhf and big-endian MIPS under qemu-user
#   make size       Cortex-M3 flash/RAM of core/ per file, the context size, and
#                   the firmware's flash/RAM per component
#   make firmware   the Cortex-M3 firmware for QEMU mps2-an385 (build/fw/firmware.elf)
#   make test-firmware  it obtains and renews a certificate from a local Pebble under qemu-system-arm
#   make fw-cost    the emulated CPU cost of one issuance (-icount)
#   make install PREFIX=/usr/local
#
# Build flavors live side by side under build/: native (library), asan (unit
# tests), asanfw (unit tests of the firmware configuration), armhf and mips
# (cross tests), m3 (Cortex-M3 core objects for size and the design guards).

VERSION := 0.1.0
PREFIX ?= /usr/local
BUILD ?= build
RESULTS := $(BUILD)/results
# make test fails when fewer test cases than this ran (a suite that silently
# stopped running would otherwise go unnoticed).
TEST_MIN_CASES := 1399

# Quiet build lines ("CC asan core/json.c"); make V=1 shows whole commands.
ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @echo "  $(1)"
endif

CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif
AR ?= ar
CLANG ?= clang
empty :=
space := $(empty) $(empty)

# ---- sources -----------------------------------------------------------------
CORE_SRC := $(sort $(wildcard core/*.c))
CRYPTO_SRC := $(sort $(wildcard crypto/wolfcrypt/*.c))
LINUX_SRC := $(sort $(wildcard platforms/linux/*.c))
# The parts of the lwIP platform that need no lwIP (storage, request parser):
# also built natively and cross for their unit tests (tests/lwip/).
LWIP_HOST_SRC := platforms/lwip/flash_storage.c platforms/lwip/flash_ram.c platforms/lwip/http01_parse.c
APP_SRC := $(sort $(wildcard apps/nanoacme/*.c))
# tests/profile holds tests of other configurations, built by their own rules.
TEST_SRC := $(filter-out tests/profile/%,$(sort $(wildcard tests/*/test_*.c)))
TEST_SUPPORT_SRC := $(sort $(wildcard tests/support/*.c tests/fakes/*.c))
PUBLIC_HEADERS := $(sort $(wildcard include/*.h port/*.h))
TEST_NAMES := $(basename $(notdir $(TEST_SRC)))

INCLUDES := -Iinclude -Iport
# Warnings for everything; core/ adds conversion checks (it runs on 32-bit and
# 8/16-bit-index targets where silent narrowing bites).
WARN := -std=c11 -Wall -Wextra -Wpedantic -Werror -Werror=vla -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wformat=2 -Wundef
CORE_WARN := $(WARN) -Wconversion -Wcast-qual -Wcast-align -Wpointer-arith

# ---- flavors -------------------------------------------------------------------
# native: the library and command
native_CC := $(CC)
native_CFLAGS := -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong
native_LIBS := -lwolfssl -lm
native_INC :=
native_AR := $(AR)

# asan: unit tests with AddressSanitizer and UndefinedBehaviorSanitizer
asan_CC := $(CC)
asan_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
               -fno-sanitize-recover=all -DNACME_TEST_EXPECT_BIG_ENDIAN=0 \
               -DNACME_TEST_EXPECT_PTR_BITS=64
asan_LIBS := -lcmocka -lwolfssl -lm
asan_INC :=
asan_AR := $(AR)

# asanfw: the same, with the firmware's configuration (features switched off,
# smaller limits), so a device build's behaviour is unit-tested too.
asanfw_CC := $(CC)
asanfw_CFLAGS := $(asan_CFLAGS) -DNACME_CONFIG_FILE=\"$(abspath qemu/mps2-an385/nacme_config.h)\"
asanfw_LIBS := $(asan_LIBS)
asanfw_INC :=
asanfw_AR := $(AR)

# Cross flavors: CROSS_PREFIX (from scripts/cross-libs.sh) holds wolfSSL,
# cmocka and the user_settings.h they were built with. UBSan in trap mode:
# there are no sanitizer runtimes for these targets. 64-bit time and offsets
# on 32-bit Linux.
CROSS_CFLAGS := -O1 -g -fsanitize=undefined -fsanitize-undefined-trap-on-error \
                -D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64 -DWOLFSSL_USER_SETTINGS
armhf_CC := arm-linux-gnueabihf-gcc
armhf_CFLAGS := $(CROSS_CFLAGS) -DNACME_TEST_EXPECT_BIG_ENDIAN=0 -DNACME_TEST_EXPECT_PTR_BITS=32
armhf_LIBS := -L$(CROSS_PREFIX)/lib -lcmocka -lwolfssl -lm
armhf_INC := -I$(BUILD)/armhf/include -I$(CROSS_PREFIX)/include
armhf_QEMU := qemu-arm -L /usr/arm-linux-gnueabihf
armhf_AR := arm-linux-gnueabihf-ar
mips_CC := mips-linux-gnu-gcc
mips_CFLAGS := $(CROSS_CFLAGS) -DNACME_TEST_EXPECT_BIG_ENDIAN=1 -DNACME_TEST_EXPECT_PTR_BITS=32
mips_LIBS := -L$(CROSS_PREFIX)/lib -lcmocka -lwolfssl -lm
mips_INC := -I$(BUILD)/mips/include -I$(CROSS_PREFIX)/include
mips_QEMU := qemu-mips -L /usr/mips-linux-gnu
mips_AR := mips-linux-gnu-ar

# cmd: the nanoacme command, linked statically with a wolfSSL built from
# Debian's source package with only what nanoacme uses (CMD_PREFIX from
# scripts/cross-libs.sh native): Debian's libwolfssl has every feature on,
# and its fixed-point ECC cache alone takes 3 MB of heap per handshake.
# The command links glibc statically too (static-pie, so it keeps ASLR): a
# dynamic libc maps about 1 MB more (peak RSS of one issuance 1.8 MB
# static, 2.7-2.8 MB dynamic, `make bench`).
# glibc's link warns that getaddrinfo() then loads the NSS modules of the
# glibc it was built with at run time: fine for the Debian build, and CA
# addresses given as IP literals need no NSS at all.
cmd_CC := $(CC)
cmd_CFLAGS := -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong -DWOLFSSL_USER_SETTINGS
cmd_LIBS := -static-pie -L$(CMD_PREFIX)/lib -lwolfssl -lm
cmd_INC := -I$(BUILD)/cmd/include -I$(CMD_PREFIX)/include
cmd_AR := $(AR)

# m3: core/ for Cortex-M3, as firmware builds it (size report, design guards)
m3_CC := arm-none-eabi-gcc
m3_CFLAGS := -mcpu=cortex-m3 -mthumb -Os -ffunction-sections -fdata-sections \
             -fstack-usage -fcallgraph-info=su
m3_INC := -I$(BUILD)/m3/include
m3_AR := arm-none-eabi-ar

.DEFAULT_GOAL := all
.SECONDARY:
.PHONY: all deps test test-suites test-unit test-guards test-install test-qemu test-qemu-armhf \
        test-qemu-mips cross-tests size install uninstall clean lib

all: lib command $(BUILD)/nanoacme.pc

# The command (build/cmd/nanoacme) with its own wolfSSL (see the cmd flavor).
.PHONY: command
command: deps
	@prefix=$$(scripts/cross-libs.sh native) && \
	    if [ "$$(cat $(BUILD)/cmd/.prefix 2>/dev/null)" != "$$prefix" ]; then \
	        rm -rf $(BUILD)/cmd && mkdir -p $(BUILD)/cmd && echo "$$prefix" > $(BUILD)/cmd/.prefix; fi && \
	    $(MAKE) --no-print-directory $(BUILD)/cmd/nanoacme CMD_PREFIX=$$prefix

lib: $(BUILD)/native/libnanoacme.a

deps:
	@scripts/deps.sh

# make demo: a certificate from a local Pebble with the built-in http-01
# server, shown and served once over TLS (scripts/demo.sh);
# make demo SERVER=URL NAME=host runs against another ACME server.
.PHONY: demo bench
demo: command
	@SERVER="$(SERVER)" NAME="$(NAME)" DEMO_ARGS="$(DEMO_ARGS)" scripts/demo.sh

# make bench: medians over BENCH_N issuances against a local Pebble (scripts/bench.sh).
BENCH_N ?= 10
bench: command
	@scripts/bench.sh $(BENCH_N) $(BENCH_N)

# ---- per-flavor rules ------------------------------------------------------------
# $(1) = flavor. Objects mirror the source tree under build/<flavor>/.
define flavor_rules
$(BUILD)/$(1)/core/%.o: core/%.c | $(BUILD)/$(1)/include/jsmn.h
	@mkdir -p $$(@D)
	$$(call msg,CC $(1) $$<)
	$(Q)$$($(1)_CC) $$($(1)_CFLAGS) $(CORE_WARN) $(INCLUDES) $$($(1)_INC) -Icore -MMD -MP -c $$< -o $$@

$(BUILD)/$(1)/crypto/%.o: crypto/%.c | $(BUILD)/$(1)/include/jsmn.h
	@mkdir -p $$(@D)
	$$(call msg,CC $(1) $$<)
	$(Q)$$($(1)_CC) $$($(1)_CFLAGS) $(WARN) $(INCLUDES) $$($(1)_INC) -Icrypto/wolfcrypt -MMD -MP -c $$< -o $$@

$(BUILD)/$(1)/platforms/%.o: platforms/%.c | $(BUILD)/$(1)/include/jsmn.h
	@mkdir -p $$(@D)
	$$(call msg,CC $(1) $$<)
	$(Q)$$($(1)_CC) $$($(1)_CFLAGS) $(WARN) -D_GNU_SOURCE $(INCLUDES) $$($(1)_INC) -Icrypto/wolfcrypt -MMD -MP -c $$< -o $$@

$(BUILD)/$(1)/tests/%.o: tests/%.c | $(BUILD)/$(1)/include/jsmn.h
	@mkdir -p $$(@D)
	$$(call msg,CC $(1) $$<)
	$(Q)$$($(1)_CC) $$($(1)_CFLAGS) $(WARN) -Wno-missing-prototypes -D_GNU_SOURCE $(INCLUDES) $$($(1)_INC) \
	    -Icore -Icrypto/wolfcrypt -Iplatforms/linux -Itests/support -Itests/fakes $$(if $$(findstring /tests/lwip/,$$@),-Iplatforms/lwip) \
	    -MMD -MP -c $$< -o $$@

# jsmn.h is copied, so cross builds never need -I/usr/include.
$(BUILD)/$(1)/include/jsmn.h: /usr/include/jsmn.h
	@mkdir -p $$(@D)
	$(Q)cp $$< $$@

$(1)_CORE_OBJS := $$(patsubst %.c,$(BUILD)/$(1)/%.o,$(CORE_SRC))
$(1)_CRYPTO_OBJS := $$(patsubst %.c,$(BUILD)/$(1)/%.o,$(CRYPTO_SRC))
$(1)_LINUX_OBJS := $$(patsubst %.c,$(BUILD)/$(1)/%.o,$(LINUX_SRC))
$(1)_SUPPORT_OBJS := $$(patsubst %.c,$(BUILD)/$(1)/%.o,$(TEST_SUPPORT_SRC))
$(1)_APP_OBJS := $$(patsubst %.c,$(BUILD)/$(1)/%.o,$(APP_SRC))
$(1)_LWIP_HOST_OBJS := $$(patsubst %.c,$(BUILD)/$(1)/%.o,$(LWIP_HOST_SRC))

# the nanoacme command
$(BUILD)/$(1)/apps/%.o: apps/%.c | $(BUILD)/$(1)/include/jsmn.h
	@mkdir -p $$(@D)
	$$(call msg,CC $(1) $$<)
	$(Q)$$($(1)_CC) $$($(1)_CFLAGS) $(WARN) -D_GNU_SOURCE $(INCLUDES) $$($(1)_INC) -Icrypto/wolfcrypt -Iplatforms/linux \
	    -MMD -MP -c $$< -o $$@

$(BUILD)/$(1)/nanoacme: $$($(1)_APP_OBJS) $(BUILD)/$(1)/libnanoacme.a
	$$(call msg,LD $$@)
	$(Q)$$($(1)_CC) $$($(1)_CFLAGS) -o $$@ $$($(1)_APP_OBJS) $(BUILD)/$(1)/libnanoacme.a $$(filter-out -lcmocka,$$($(1)_LIBS))

$(BUILD)/$(1)/libnanoacme.a: $$($(1)_CORE_OBJS) $$($(1)_CRYPTO_OBJS) $$($(1)_LINUX_OBJS)
	@rm -f $$@
	$$(call msg,AR $$@)
	$(Q)$$($(1)_AR) rcs $$@ $$^

$(BUILD)/$(1)/tests/bin/%: $(BUILD)/$(1)/tests/core/%.o $(BUILD)/$(1)/libnanoacme.a $$($(1)_SUPPORT_OBJS)
	@mkdir -p $$(@D)
	$$(call msg,LD $$@)
	$(Q)$$($(1)_CC) $$($(1)_CFLAGS) -o $$@ $$< $$($(1)_SUPPORT_OBJS) $(BUILD)/$(1)/libnanoacme.a $$($(1)_LIBS)

$(1)_TEST_BINS := $$(addprefix $(BUILD)/$(1)/tests/bin/,$(TEST_NAMES))
endef

$(foreach f,native asan asanfw armhf mips m3 cmd,$(eval $(call flavor_rules,$(f))))

# Tests of the firmware configuration: core, crypto backend and fakes only.
PROFILE_TEST_BINS := $(patsubst tests/profile/%.c,$(BUILD)/asanfw/tests/bin/%,$(sort $(wildcard tests/profile/test_*.c)))
$(BUILD)/asanfw/tests/bin/%: $(BUILD)/asanfw/tests/profile/%.o $(asanfw_CORE_OBJS) $(asanfw_CRYPTO_OBJS) \
        $(asanfw_SUPPORT_OBJS)
	@mkdir -p $(@D)
	$(call msg,LD $@)
	$(Q)$(asanfw_CC) $(asanfw_CFLAGS) -o $@ $^ $(asanfw_LIBS)

# Tests live in tests/<area>/test_*.c; one binary per file. The pattern rule
# above names tests/core; other areas get the same rule here.
# tests/lwip also links the lwIP platform's host-buildable parts.
define test_area_rule
$(BUILD)/$(1)/tests/bin/%: $(BUILD)/$(1)/tests/$(2)/%.o $(BUILD)/$(1)/libnanoacme.a $$($(1)_SUPPORT_OBJS) \
        $(if $(filter lwip,$(2)),$$($(1)_LWIP_HOST_OBJS))
	@mkdir -p $$(@D)
	$$(call msg,LD $$@)
	$(Q)$$($(1)_CC) $$($(1)_CFLAGS) -o $$@ $$< $$($(1)_SUPPORT_OBJS) $(if $(filter lwip,$(2)),$$($(1)_LWIP_HOST_OBJS)) \
	    $(BUILD)/$(1)/libnanoacme.a $$($(1)_LIBS)
endef
TEST_AREAS := $(filter-out core,$(sort $(notdir $(patsubst %/,%,$(dir $(TEST_SRC))))))
$(foreach f,asan armhf mips,$(foreach a,$(TEST_AREAS),$(eval $(call test_area_rule,$(f),$(a)))))

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- library, pkg-config, install -------------------------------------------------
# Regenerated every time: PREFIX may differ between `make` and `make install`.
.PHONY: $(BUILD)/nanoacme.pc
$(BUILD)/nanoacme.pc: nanoacme.pc.in
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

install: all
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/nanoacme
	install -m 644 $(BUILD)/native/libnanoacme.a $(DESTDIR)$(PREFIX)/lib/
	install -m 644 $(PUBLIC_HEADERS) $(DESTDIR)$(PREFIX)/include/nanoacme/
	install -m 644 $(BUILD)/nanoacme.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 644 crypto/wolfcrypt/nacme_wolfcrypt.h platforms/linux/nacme_linux.h \
	    platforms/linux/nacme_linux_loop.h $(wildcard platforms/linux/nacme_linux_challenge.h) \
	    $(DESTDIR)$(PREFIX)/include/nanoacme/
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/cmd/nanoacme $(DESTDIR)$(PREFIX)/bin/
	install -m 644 apps/nanoacme/nanoacme.1 $(DESTDIR)$(PREFIX)/share/man/man1/

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/include/nanoacme $(DESTDIR)$(PREFIX)/lib/libnanoacme.a \
	       $(DESTDIR)$(PREFIX)/lib/pkgconfig/nanoacme.pc $(DESTDIR)$(PREFIX)/bin/nanoacme \
	       $(DESTDIR)$(PREFIX)/share/man/man1/nanoacme.1

# ---- tests -----------------------------------------------------------------------
# make test: install dependencies, run every suite (continuing past failures),
# then print the count of test cases; fails on any failure or too few cases.
test: deps
	@rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	@rc=0; $(MAKE) --no-print-directory -k test-suites || rc=$$?; \
	    scripts/test-summary.sh $(RESULTS) $(TEST_MIN_CASES) $$rc

test-suites: test-unit test-guards test-config test-install test-fuzz-replay test-integration test-qemu test-firmware

# The command against a real Pebble on loopback (tests/integration/run.sh).
.PHONY: test-integration
test-integration: command
	@mkdir -p $(RESULTS)
	@$(RUN_SUITE) integration tests/integration/run.sh $(BUILD)/cmd/nanoacme

RUN_SUITE := scripts/run-suite.sh $(RESULTS)

# Test data generated at test time (certificates made by openssl, ...): every
# tests/data/gen-*.sh script is run with the output folder; tests find it in
# $$NACME_TEST_DATA (the same folder serves native and qemu-user runs);
# tests/data/ca-lib.sh is a helper some of them source.
TESTDATA := $(abspath $(BUILD)/testdata)
TESTDATA_GEN := $(sort $(wildcard tests/data/gen-*.sh))
export NACME_TEST_DATA := $(TESTDATA)
$(TESTDATA)/.stamp: $(TESTDATA_GEN) tests/data/ca-lib.sh
	@rm -rf $(TESTDATA) && mkdir -p $(TESTDATA)
	@for g in $(TESTDATA_GEN); do $$g $(TESTDATA) || exit 1; done
	@touch $@
.PHONY: testdata
testdata: $(TESTDATA)/.stamp

test-unit: $(asan_TEST_BINS) $(PROFILE_TEST_BINS) testdata
	@mkdir -p $(RESULTS)
	@rc=0; for t in $(asan_TEST_BINS) $(PROFILE_TEST_BINS); do \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 $(RUN_SUITE) unit-$$(basename $$t) $$t || rc=1; \
	done; exit $$rc

# Design guards: no heap and no crypto library in core/ (checked on the
# objects for Cortex-M3 and for the native library), and the guard itself
# shown to reject every forbidden call. The context-size probe does not build
# when the Cortex-M3 context outgrows its 8 KiB budget.
test-guards: $(m3_CORE_OBJS) $(native_CORE_OBJS) $(BUILD)/m3/tests/tools/context_size.o
	@mkdir -p $(RESULTS)
	@$(RUN_SUITE) guards tests/guards/run.sh $(BUILD)

# Feature switches: core/ builds warning-free for Cortex-M3 with each one off,
# and each removes code (tests/config/run.sh).
.PHONY: test-config
test-config: deps
	@mkdir -p $(RESULTS)
	@$(RUN_SUITE) config tests/config/run.sh $(BUILD)/config $(CORE_WARN)

# Install into a scratch prefix and build a program against it with pkg-config.
test-install: all
	@$(RUN_SUITE) install tests/install/run.sh

test-qemu: test-qemu-armhf test-qemu-mips

# Objects do not record which cross libraries they were built against: when
# the prefix changes (new settings or sources), the flavor is rebuilt whole.
test-qemu-armhf test-qemu-mips: test-qemu-%: deps
	@mkdir -p $(RESULTS)
	@prefix=$$(scripts/cross-libs.sh $*) && \
	    if [ "$$(cat $(BUILD)/$*/.prefix 2>/dev/null)" != "$$prefix" ]; then \
	        rm -rf $(BUILD)/$* && mkdir -p $(BUILD)/$* && echo "$$prefix" > $(BUILD)/$*/.prefix; fi && \
	    $(MAKE) --no-print-directory cross-tests ARCH=$* CROSS_PREFIX=$$prefix

# Inner target of test-qemu-*: build and run one architecture's tests.
cross-tests: $($(ARCH)_TEST_BINS) testdata $(if $(filter armhf,$(ARCH)),$(BUILD)/armhf/nanoacme)
	@rc=0; for t in $($(ARCH)_TEST_BINS); do \
	    $(RUN_SUITE) $(ARCH)-$$(basename $$t) $($(ARCH)_QEMU) $$t || rc=1; \
	done; \
	if [ "$(ARCH)" = armhf ]; then \
	    $(RUN_SUITE) armhf-integration tests/integration/run.sh $(BUILD)/armhf/nanoacme $(armhf_QEMU) || rc=1; \
	fi; exit $$rc

# ---- fuzzing ---------------------------------------------------------------------
# tests/fuzz/fuzz_NAME.c is a libFuzzer harness over core/; its corpus is
# tests/fuzz/corpus/NAME/ (seeds and saved findings). `make fuzz` runs each
# harness for FUZZ_SECONDS; `make test` replays every corpus once (-runs=0).
FUZZ_SECONDS ?= 60
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(patsubst fuzz_%,%,$(basename $(notdir $(FUZZ_SRC))))
FUZZ_BINS := $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_NAMES))
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
               -std=c11 -Wall -Wextra -Werror $(INCLUDES) -Icore

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(CORE_SRC) $(PUBLIC_HEADERS) $(wildcard core/*.h) $(LWIP_HOST_SRC) \
        platforms/linux/challenge_parse.c
	@mkdir -p $(@D)
	$(call msg,FUZZ $@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(CORE_SRC)

.PHONY: fuzz test-fuzz-replay
fuzz: deps $(FUZZ_BINS)
	@for n in $(FUZZ_NAMES); do \
	    mkdir -p $(BUILD)/fuzz/work/$$n; \
	    echo "fuzz $$n for $(FUZZ_SECONDS) s"; \
	    $(BUILD)/fuzz/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -artifact_prefix=tests/fuzz/corpus/$$n/ $(BUILD)/fuzz/work/$$n tests/fuzz/corpus/$$n \
	        2>&1 | grep -E '^(stat::number_of_executed_units|==|SUMMARY|artifact)' ; \
	done

# Plants known out-of-bounds reads in a scratch worktree and shows the
# harnesses find them (time to each finding); never touches the checkout.
.PHONY: fuzz-plant
fuzz-plant: deps
	@scripts/fuzz-plant.sh $(FUZZ_SECONDS)

test-fuzz-replay: $(FUZZ_BINS)
	@$(RUN_SUITE) fuzz-replay scripts/fuzz-replay.sh $(BUILD)/fuzz $(FUZZ_NAMES)

# ---- firmware (Cortex-M3, QEMU mps2-an385) ------------------------------------------
# lwIP and wolfSSL come from Debian's source packages, built once per
# configuration by scripts/fw-libs.sh into the cache (FW_PREFIX). Everything
# else (core/, crypto/wolfcrypt, platforms/lwip, the board) is built with the
# firmware's engine configuration (FW_CONFIG: the structs the core and the
# port share depend on it); core/ with the m3 flavor's code generation and
# core's warnings. The trust anchor is FW_CA_DER (the test CA), turned into
# a C array in the build folder.
FW_BOARD := qemu/mps2-an385
FW_DIR := $(BUILD)/fw
FW_ARCH := -mcpu=cortex-m3 -mthumb
FW_CONFIG := -DNACME_CONFIG_FILE='"nacme_config.h"'
FW_LIB_CFLAGS := $(FW_ARCH) -Os -g -ffunction-sections -fdata-sections -fno-common
FW_CFLAGS := $(FW_LIB_CFLAGS) -fstack-usage -DWOLFSSL_USER_SETTINGS $(FW_CONFIG) $(WARN)
FW_SRC := $(sort $(wildcard $(FW_BOARD)/*.c)) $(sort $(wildcard platforms/lwip/*.c)) $(CRYPTO_SRC)
FW_OBJS := $(patsubst %.c,$(FW_DIR)/%.o,$(FW_SRC)) $(FW_DIR)/gen/trust_anchor.o
FW_CORE_OBJS := $(patsubst %.c,$(FW_DIR)/%.o,$(CORE_SRC))
# The trust anchor: the last firmware test's CA when there is one (so make size
# measures the image that was tested), else a test CA made here.
FW_CA_DER ?= $(if $(wildcard $(BUILD)/fw-test/pki/ca.der),$(BUILD)/fw-test/pki/ca.der,$(FW_DIR)/pki/ca.der)
FW_INC = -I$(FW_BOARD) -Iplatforms/lwip -Icrypto/wolfcrypt $(INCLUDES) $(m3_INC) -I$(FW_PREFIX)/include
FW_LDFLAGS := $(FW_ARCH) -nostartfiles --specs=nano.specs -Wl,--gc-sections -T $(FW_BOARD)/mps2.ld \
              -Wl,-Map,$(FW_DIR)/firmware.map -Wl,--wrap=wolfSSL_Malloc -Wl,--no-warn-rwx-segments
# Must never be linked: the firmware has no heap.
FW_FORBIDDEN := malloc _malloc_r calloc _calloc_r realloc _realloc_r free _free_r strdup _strdup_r _sbrk sbrk
# The UART log of the last firmware test run: make size reads the measured peaks from it.
FW_RUN_LOG := $(BUILD)/fw-test/acme.log

.PHONY: firmware fw-image test-firmware
firmware: deps
	@prefix=$$(FW_CFLAGS="$(FW_LIB_CFLAGS)" scripts/fw-libs.sh $(FW_BOARD)) && \
	    if [ "$$(cat $(FW_DIR)/.prefix 2>/dev/null)" != "$$prefix" ]; then \
	        rm -rf $(FW_DIR)/$(FW_BOARD) $(FW_DIR)/platforms $(FW_DIR)/crypto $(FW_DIR)/core \
	            $(FW_DIR)/libnacme_core.a $(FW_DIR)/firmware.elf && \
	        mkdir -p $(FW_DIR) && echo "$$prefix" > $(FW_DIR)/.prefix; fi && \
	    $(MAKE) --no-print-directory fw-image FW_PREFIX=$$prefix

# Inner target of firmware (needs FW_PREFIX).
fw-image: $(FW_DIR)/firmware.elf $(FW_DIR)/tests/tools/context_size.o

$(FW_DIR)/%.o: %.c | $(BUILD)/m3/include/jsmn.h
	@mkdir -p $(@D)
	$(call msg,CC fw $<)
	$(Q)$(m3_CC) $(FW_CFLAGS) $(FW_INC) -MMD -MP -c $< -o $@

# core/ for the firmware: the m3 flavor's flags with the firmware's configuration.
$(FW_DIR)/core/%.o: core/%.c | $(BUILD)/m3/include/jsmn.h
	@mkdir -p $(@D)
	$(call msg,CC fw $<)
	$(Q)$(m3_CC) $(m3_CFLAGS) $(CORE_WARN) $(FW_CONFIG) -I$(FW_BOARD) $(INCLUDES) $(m3_INC) -Icore \
	    -MMD -MP -c $< -o $@

# The engine context's size in the firmware's configuration (make size).
$(FW_DIR)/tests/tools/context_size.o: tests/tools/context_size.c $(PUBLIC_HEADERS) $(FW_BOARD)/nacme_config.h \
        | $(BUILD)/m3/include/jsmn.h
	@mkdir -p $(@D)
	$(Q)$(m3_CC) $(m3_CFLAGS) $(CORE_WARN) $(FW_CONFIG) -I$(FW_BOARD) $(INCLUDES) $(m3_INC) -c $< -o $@

$(FW_DIR)/gen/trust_anchor.o: $(FW_DIR)/gen/trust_anchor.c
	@mkdir -p $(@D)
	$(call msg,CC fw $<)
	$(Q)$(m3_CC) $(FW_LIB_CFLAGS) -c $< -o $@

# Regenerated from FW_CA_DER on every build, replaced only when it changed
# (so the image is relinked exactly when the trust anchor changes).
.PHONY: fw-trust-anchor
$(FW_DIR)/gen/trust_anchor.c: fw-trust-anchor
	@mkdir -p $(@D)
	@if [ "$(FW_CA_DER)" = "$(FW_DIR)/pki/ca.der" ] && [ ! -s "$(FW_CA_DER)" ]; then \
	    tests/firmware/gen-pki.sh $(FW_DIR)/pki; fi
	@scripts/bin-to-c.sh fw_trust_anchor $(FW_CA_DER) > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(FW_DIR)/libnacme_core.a: $(FW_CORE_OBJS)
	@rm -f $@
	$(Q)$(m3_AR) rcs $@ $^

$(FW_DIR)/firmware.elf: $(FW_OBJS) $(FW_DIR)/libnacme_core.a $(FW_BOARD)/mps2.ld
	$(call msg,LD $@)
	$(Q)$(m3_CC) $(FW_LDFLAGS) -o $@ $(FW_OBJS) $(FW_DIR)/libnacme_core.a \
	    -L$(FW_PREFIX)/lib -lwolfssl -llwip
	@bad=$$(arm-none-eabi-nm $@ | awk '{ print $$NF }' | grep -x -E '$(subst $(space),|,$(FW_FORBIDDEN))'); \
	    if [ -n "$$bad" ]; then echo "firmware: heap functions linked:" $$bad >&2; rm -f $@; exit 1; fi

# The firmware obtains and renews a certificate from a local Pebble under
# qemu-system-arm (tests/firmware/run.sh builds the image with its own test
# CA through a recursive make; jsmn.h is copied here first so a parallel
# make test does not copy it twice at once).
test-firmware: deps $(BUILD)/m3/include/jsmn.h
	@mkdir -p $(RESULTS)
	@$(RUN_SUITE) firmware tests/firmware/run.sh

# The cost of one issuance under -icount (emulated CPU time; see tests/firmware/run.sh).
.PHONY: fw-cost
fw-cost: deps $(BUILD)/m3/include/jsmn.h
	@FW_ICOUNT=5 FW_RENEWALS=0 FW_ONLY_MAIN=1 FW_WORK=$(abspath $(BUILD)/fw-cost) tests/firmware/run.sh

# ---- size report ---------------------------------------------------------------------
# The whole report is printed; budgets that are exceeded are named in its
# text ("exceeds the budget", "OVER BUDGET") and make size then fails. Its
# output ends with the line "firmware: flash N bytes, ram N bytes" (RAM
# measured from the last make test-firmware run). The image budgets (160 KiB
# flash, 64 KiB RAM) are also enforced by the link itself.
size: deps $(m3_CORE_OBJS) $(BUILD)/m3/tests/tools/context_size.o firmware
	@rc=0; scripts/size-report.sh $(BUILD)/m3 "default configuration" || rc=1; \
	    scripts/size-report.sh $(FW_DIR) "firmware configuration ($(FW_BOARD)/nacme_config.h)" || rc=1; \
	    scripts/sign-stack.sh $(FW_BOARD) || rc=1; \
	    scripts/fw-size.sh $(FW_DIR)/firmware.elf $(FW_DIR)/firmware.map $(FW_RUN_LOG) || rc=1; \
	    exit $$rc

$(BUILD)/m3/tests/tools/context_size.o: tests/tools/context_size.c $(PUBLIC_HEADERS) | $(BUILD)/m3/include/jsmn.h
	@mkdir -p $(@D)
	$(m3_CC) $(m3_CFLAGS) $(CORE_WARN) $(INCLUDES) $(m3_INC) -c $< -o $@

clean:
	rm -rf $(BUILD)
