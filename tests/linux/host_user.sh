#!/usr/bin/env bash
# host_user.sh COMPARE EXOSIM KERNEL: `id` and friends under another group and other
# supplementary groups than the test runner's, natively and under exosim, must agree:
# exosim passes its gid and groups to ExOS and names them in the guest's /etc/group.
# Changing them needs root (setpriv); the uid stays, since /dev/kvm is root's.
set -u
compare=$1 exosim=$2 kernel=$3
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	echo "SKIP: needs root and setpriv to run as another group"
	exit 77
fi
gid=$(getent group nogroup | cut -d: -f3)
[ -n "$gid" ] || { echo "SKIP: the host has no group nogroup"; exit 77; }
rc=0
for args in "id" "id -G" "id -Gn" "id -gn" "id -un" "whoami" "stat -c %U:%G data/hello.txt"; do
	# shellcheck disable=SC2086 # args is a word list on purpose
	setpriv --regid="$gid" --groups="100,$gid" \
		bash "$compare" --vm exosim --exosim "$exosim" --kernel "$kernel" --add data \
		-- /bin/busybox $args || { echo "FAIL: busybox $args"; rc=1; }
done
exit $rc
