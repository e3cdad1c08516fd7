#!/bin/sh
# exosim's one entry point on a fresh Debian 12 machine:
#   ./build.sh demo    install what is missing, build, boot hello in a VM
#   ./build.sh test [CTEST ARGS]   install what is missing, build with ASan/UBSan, run every
#                      test (extra arguments go to ctest: -R REGEX, -L LABEL, -j N, ...)
#   ./build.sh bench [--quick]   install, build, run bench/suite.sh (exosim vs native)
#   ./build.sh setup   only install the Debian packages
# Plain sh: a fresh machine may have neither bash's extras nor make nor cmake yet.
set -eu
cd "$(dirname "$0")"

PACKAGES="gcc make cmake pkg-config libelf-dev liburing-dev check qemu-system-x86 musl-tools
cpio busybox-static bash-static libc6-dev gnuplot-nox golang-go libslirp-dev
libglib2.0-dev clang fio gdb"
BUILD=${BUILD:-build}
TEST_BUILD=${TEST_BUILD:-build-test}
JOBS=$(nproc 2>/dev/null || echo 2)

missing_packages() {
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
			printf '%s ' "$p"
	done
}

setup() {
	if ! command -v dpkg-query >/dev/null 2>&1; then
		echo "build.sh: not a Debian system; install the equivalents of: $PACKAGES" >&2
		return 0
	fi
	missing=$(missing_packages)
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -eq 0 ]; then
		SUDO=
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO=sudo
	else
		echo "build.sh: missing Debian packages; install them with:" >&2
		echo "  sudo apt-get install -y $missing" >&2
		exit 1
	fi
	echo "build.sh: installing $missing" >&2
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
}

configure_and_build() { # dir, extra cmake args...
	dir=$1
	shift
	cmake -S . -B "$dir" "$@" >/dev/null
	cmake --build "$dir" -j "$JOBS"
}

case "${1:-}" in
setup)
	setup
	;;
demo)
	setup
	configure_and_build "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo
	echo "== ./$BUILD/exosim $BUILD/apps/hello.elf exokernel demo"
	"./$BUILD/exosim" "$BUILD/apps/hello.elf" exokernel demo
	;;
test)
	shift
	setup
	configure_and_build "$TEST_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXOSIM_SANITIZE=ON
	ctest --test-dir "$TEST_BUILD" --output-on-failure -j "$JOBS" "$@"
	;;
bench)
	shift
	setup >&2
	configure_and_build "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2 # stdout: the table
	exec bench/suite.sh --build "$BUILD" "$@"
	;;
*)
	echo "usage: ./build.sh demo | test [CTEST ARGS] | bench [--quick] | setup" >&2
	exit 2
	;;
esac
