# medkeep build. `make` builds build/medkeep (hardened); `make test` bootstraps, builds under
# AddressSanitizer + UBSan and runs every test; `make run` serves a demo on 127.0.0.1:8080.

CC      ?= cc
PKGS    := libmicrohttpd libsodium sqlite3 jansson libseccomp libcrypto libqrencode libcurl libcbor gnutls libpq
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

WARN    := -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith -Wstrict-prototypes \
           -Wmissing-prototypes -Wsign-compare -Wvla -Wcast-qual -Wmissing-declarations -Werror
# Every compile reads src/util/banned.h first: the banned functions are compile errors.
# -MMD -MP write build/<variant>/<path>.d, so an object depends on exactly the headers it reads.
BASE    := -std=c17 -D_GNU_SOURCE -Isrc -Ibuild/gen $(WARN) -include src/util/banned.h \
           -MMD -MP $(PKG_CFLAGS)
HARDEN  := -O2 -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fstack-clash-protection -fPIE
HARDEN_LD := -pie -Wl,-z,relro,-z,now,-z,noexecstack
SAN     := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

SRCS    := $(shell find src -name '*.c' | sort)
LIB_SRCS := $(filter-out src/main/%,$(SRCS))
GEN     := build/gen/style_css.c build/gen/common_passwords.c build/gen/passkey_js.c \
           build/gen/session_js.c
GEN_OBJS = $(addprefix $(1)/,$(GEN:.c=.o))
# Common and breached passwords (src/auth/pwrules.c): Debian's john-data, read at build time.
WORDLIST ?= /usr/share/john/password.lst

DATA    ?= ./demo-data
PATIENTS ?= 10
PASSWORD ?= demo-password-2026

.PHONY: all test run fuzz bootstrap clean asan bench chaos check scan

all: build/medkeep

build/tools/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) -O2 -o $@ $<

build/gen/style_css.c: static/style.css build/tools/embed
	@mkdir -p $(@D)
	build/tools/embed $< web_style_css > $@

build/tools/wordlist: tools/wordlist.c
	@mkdir -p $(@D)
	$(CC) -O2 -o $@ $<

build/gen/common_passwords.c: $(WORDLIST) build/tools/wordlist
	@mkdir -p $(@D)
	build/tools/wordlist $(WORDLIST) > $@.tmp && mv $@.tmp $@

build/gen/passkey_js.c: static/passkey.js build/tools/embed
	@mkdir -p $(@D)
	build/tools/embed $< web_passkey_js > $@

build/gen/session_js.c: static/session.js build/tools/embed
	@mkdir -p $(@D)
	build/tools/embed $< web_session_js > $@

build/rel/%.o: %.c build/rel/%.d | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(BASE) $(HARDEN) -c -o $@ $<

build/asan/%.o: %.c build/asan/%.d | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(BASE) $(SAN) -c -o $@ $<

build/medkeep: $(SRCS:%.c=build/rel/%.o) $(call GEN_OBJS,build/rel)
	$(CC) $(HARDEN) $(HARDEN_LD) -o $@ $^ $(PKG_LIBS)

build/rel/build/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE) $(HARDEN) -c -o $@ $<

build/asan/build/gen/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(BASE) $(SAN) -c -o $@ $<

build/asan/medkeep: $(SRCS:%.c=build/asan/%.o) $(call GEN_OBJS,build/asan)
	$(CC) $(SAN) -o $@ $^ $(PKG_LIBS)

# The fault-injection variant, for tests only (MEDKEEP_FAULT=...); never installed or shipped.
build/chaos/%.o: %.c build/chaos/%.d | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(BASE) $(HARDEN) -DMEDKEEP_CHAOS -c -o $@ $<

build/medkeep-chaos: $(SRCS:%.c=build/chaos/%.o) $(call GEN_OBJS,build/rel)
	$(CC) $(HARDEN) $(HARDEN_LD) -o $@ $^ $(PKG_LIBS)

chaos: build/medkeep-chaos

UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
build/asan/unit-tests: $(LIB_SRCS:%.c=build/asan/%.o) $(call GEN_OBJS,build/asan) $(UNIT_SRCS:%.c=build/asan/%.o)
	$(CC) $(SAN) -o $@ $^ $(PKG_LIBS)

build/asan/tests/unit/%.o: tests/unit/%.c build/asan/tests/unit/%.d | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(BASE) -Itests/unit $(SAN) -c -o $@ $<

asan: build/asan/medkeep build/asan/unit-tests build/medkeep-chaos

bootstrap:
	@scripts/bootstrap.sh

# The conventions a machine can keep (scripts/check.sh); seconds, no build needed.
check:
	@scripts/check.sh

# check runs first and never stops the run: scripts/test.sh counts it as one passed or failed
# check in its final "N passed, N failed" line.
test:
	@scripts/bootstrap.sh --test
	@scripts/check.sh --tally
	@$(MAKE) --no-print-directory asan all
	@scripts/test.sh

run: bootstrap
	@$(MAKE) --no-print-directory all
	@test -f $(DATA)/master.key || build/medkeep demo --data $(DATA) --patients $(PATIENTS) --password $(PASSWORD)
	@echo; echo "medkeep on http://localhost:8080 (localhost, not 127.0.0.1: passkeys need a host name) — log in as patient1@demo.test or clinician1@demo.test"
	@echo "password: $(PASSWORD)   (every demo login: $(DATA)/demo-logins.txt)"
	@echo "clinician1's second step: build/medkeep totp $$(awk -F'\t' '$$1 == "clinician1@demo.test" {print $$4}' $(DATA)/demo-logins.txt)"; echo
	build/medkeep serve --data $(DATA) --listen 127.0.0.1:8080

fuzz: bootstrap
	@scripts/fuzz.sh

bench: bootstrap
	@$(MAKE) --no-print-directory all
	@bench/run.sh

# The attackers' own tools against the real server (bench/scanners.test.js): about six minutes,
# so kept out of make test's forty.
scan:
	@scripts/bootstrap.sh --test
	@$(MAKE) --no-print-directory asan all
	@node --test --test-reporter=spec bench/scanners.test.js

clean:
	rm -rf build

# Header dependencies written by -MMD -MP (none before the first build). Every object also
# depends on its .d: when that is missing (an object built before -MMD, or a deleted .d), the
# empty rule below "remakes" it, so the object is rebuilt instead of trusted without its headers.
DEPFILES := $(foreach v,rel asan chaos,$(SRCS:%.c=build/$(v)/%.d)) $(UNIT_SRCS:%.c=build/asan/%.d)
$(DEPFILES):
-include $(wildcard $(DEPFILES))
