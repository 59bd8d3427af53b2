# scripts/deps.sh - the Debian 12 packages tether needs; sourced by
# quickstart.sh and test.sh so the list lives in one place.
#
# Run on its own, `sh scripts/deps.sh --bench` installs BENCH_DEPS (what
# bench/run.sh compares tether with); sourced, it only defines the lists
# and apt_install.

# To build tether.
BUILD_DEPS="build-essential autoconf automake libtool pkg-config binutils
  libjemalloc-dev libunwind-dev libdw-dev libelf-dev zlib1g-dev
  libcmocka-dev libprotobuf-c-dev protobuf-c-compiler"

# To run the whole test suite: pprof reader, man page lint, the real
# programs run under tether, sanitizers and libFuzzer (clang's runtime
# is only a recommended package of clang), static libc for the static
# test, and the build systems of the README's test-suite recipes
# (tests/recipes/, tests/cli/recipes.sh), a browser that renders the
# flame graph page headless (tests/cli/flamegraph.sh), and the real
# suite's programs (make check-real: curl, node, redis with its benchmark,
# nginx and ab from apache2-utils).
TEST_DEPS="golang-go mandoc python3 perl git sqlite3 gcc g++ clang
  libclang-rt-14-dev libc6-dev valgrind autoconf automake make cmake meson
  ninja-build chromium curl nodejs redis-server redis-tools nginx-light
  apache2-utils"

# To run the benchmarks (make bench, bench/README.md), not the tests: the
# peers tether is measured against (heaptrack, gperftools' heap profiler,
# jemalloc and its profiler, Valgrind memcheck, LeakSanitizer) and the real
# programs of its rows.  Not installed by test.sh: CI stays lean.  Install
# them with `sh scripts/deps.sh --bench`.
BENCH_DEPS="heaptrack libgoogle-perftools4 libjemalloc2 valgrind clang
  libclang-rt-14-dev python3 sqlite3 git gcc g++"

# apt_install PACKAGES...: install what is missing, as root or with sudo.
apt_install() {
	missing=
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi
	echo "installing:$missing"
	$sudo apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
}

# Run directly (not sourced by another script): the --bench flag.
case $0 in
*deps.sh)
	case ${1:-} in
	--bench) apt_install $BENCH_DEPS ;;
	*)
		echo "usage: sh scripts/deps.sh --bench   (install what make bench uses)" >&2
		exit 2
		;;
	esac
	;;
esac
