# Entry points. `make run` and `make test` are all a newcomer needs.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
CTEST_ARGS ?=
# ccache keys on paths relative to the checkout, so fresh clones reuse the cache.
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

SOURCES = $(shell git ls-files '*.cc' '*.h' 2>/dev/null)

.PHONY: all deps configure build test run bench fmt fmt-check lint clean

all: build

deps:
	@tools/dev/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: deps
	@$(MAKE) --no-print-directory build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) $(CTEST_ARGS)

run: deps
	@$(MAKE) --no-print-directory build
	tools/run.sh $(ARGS)

bench: deps
	@$(MAKE) --no-print-directory build
	tools/bench.sh $(ARGS)

fmt:
	clang-format -i $(SOURCES)

fmt-check:
	clang-format --dry-run --Werror $(SOURCES)

lint: configure fmt-check
	clang-tidy -p $(BUILD_DIR) --quiet $(filter %.cc,$(SOURCES))

clean:
	rm -rf $(BUILD_DIR)
