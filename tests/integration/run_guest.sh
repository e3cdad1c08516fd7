#!/usr/bin/env bash
# run_guest.sh: run one guest program under exosim or QEMU and check the result.
#
# usage: run_guest.sh --vm exosim|qemu --exosim PATH --kernel PATH [options] -- PROGRAM [ARGS...]
#   --status N          expected status (default 0): exosim's exit status.
#   --guest-status V    what the kernel gives the exit device, if it is not N: for an
#                       environment the kernel ended, its exit record (include/exo/
#                       status.h, e.g. 0x10e for a page fault), which exosim maps to N
#                       (139).  QEMU exits with (V<<1)|1, so there the check is
#                       against ((V<<1)|1) & 0xff.
#   --stdout STR        expected stdout, exactly; backslash escapes (\n) as printf %b
#   --stdout-file FILE  expected stdout, exactly, from FILE
#   --any-stdout        do not check stdout (default: it must be empty)
#   --stderr-has STR    stderr must contain STR (repeatable).  Under QEMU, "stderr"
#                       is what the guest wrote to the debug console (port 0xe9).
#   --stderr-lines N    stderr must have exactly N lines
#   --exosim-arg ARG    pass ARG to exosim before PROGRAM (repeatable; exosim only)
#   --append STR        add STR to the kernel command line (exosim --append, or
#                       qemu-boot.sh's APPEND)
#   --no-kernel         do not pass --kernel to exosim
#   --mem SIZE          guest RAM for either VM (exosim --mem, QEMU -m)
#   --timeout SEC       kill the VM after SEC seconds and fail (default 30)
#   --stdin-cmd CMD     stdin is a pipe from `sh -c CMD` (default: /dev/null)
# PROGRAM may be @text (a text file) or @elf32 (a 32-bit ELF header), created here.
#
# Exit status: 0 pass, 1 fail, 77 skip (no /dev/kvm for exosim, no QEMU for qemu).
set -u

vm="" exosim="" kernel="" status=0 guest_status="" stdout_mode=empty stdout_str="" stdout_file=""
stderr_lines="" timeout=30 use_kernel=1 append="" mem="" stdin_cmd=""
stderr_has=() exosim_args=()

die() {
	echo "run_guest.sh: $*" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--vm) vm=$2; shift 2 ;;
	--exosim) exosim=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--status) status=$2; shift 2 ;;
	--guest-status) guest_status=$2; shift 2 ;;
	--stdout) stdout_mode=str; stdout_str=$2; shift 2 ;;
	--stdout-file) stdout_mode=file; stdout_file=$2; shift 2 ;;
	--any-stdout) stdout_mode=any; shift ;;
	--stderr-has) stderr_has+=("$2"); shift 2 ;;
	--stderr-lines) stderr_lines=$2; shift 2 ;;
	--exosim-arg) exosim_args+=("$2"); shift 2 ;;
	--append) append=$2; shift 2 ;;
	--no-kernel) use_kernel=0; shift ;;
	--mem) mem=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--stdin-cmd) stdin_cmd=$2; shift 2 ;;
	--) shift; break ;;
	*) die "unknown option: $1" ;;
	esac
done
[ $# -ge 1 ] || die "no PROGRAM"
[ -n "$exosim" ] || die "--exosim is required"
case "$vm" in exosim | qemu) ;; *) die "--vm must be exosim or qemu" ;; esac

# Scratch files go under $RUN_GUEST_TMP (ctest sets it inside the build tree).
tmpbase=${RUN_GUEST_TMP:-${TMPDIR:-/tmp}}
mkdir -p "$tmpbase" || die "cannot create $tmpbase"
tmp=$(mktemp -d "$tmpbase/run_guest.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT

program=$1
shift
case "$program" in
@text)
	program=$tmp/text.elf
	printf 'this is a text file, not an ELF program\n' >"$program"
	;;
@elf32)
	# A well-formed 52-byte ELF32 header (i386, ET_EXEC), no program headers.
	program=$tmp/elf32.elf
	printf '\177ELF\001\001\001\000\000\000\000\000\000\000\000\000' >"$program"
	printf '\002\000\003\000\001\000\000\000\000\200\004\010\064\000\000\000' >>"$program"
	printf '\000\000\000\000\000\000\000\000\064\000\040\000\000\000\050\000' >>"$program"
	printf '\000\000\000\000' >>"$program"
	;;
esac

# Runs "$@" with stdin from /dev/null (or --stdin-cmd's pipe), stdout to $tmp/out and stderr to $tmp/err,
# killing it after $timeout seconds.  Sets $st and $timed_out.  coreutils' timeout,
# not a watchdog subshell: a subshell killed early could run the EXIT trap and
# delete $tmp under a running test.  SIGKILL (status 137) after the full time is a
# timeout; exosim's own 124 stays distinguishable.
run_limited() {
	local t0 t1
	t0=$(date +%s%N)
	if [ -n "$stdin_cmd" ]; then
		sh -c "$stdin_cmd" | timeout -s KILL "$timeout" "$@" >"$tmp/out" 2>"$tmp/err"
		st=${PIPESTATUS[1]}
	else
		timeout -s KILL "$timeout" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
		st=$?
	fi
	t1=$(date +%s%N)
	timed_out=0
	if [ "$st" = 137 ] && [ $(((t1 - t0) / 1000000)) -ge $((${timeout%.*} * 1000)) ]; then
		timed_out=1
	fi
}

kargs=()
[ "$use_kernel" = 1 ] && [ -n "$kernel" ] && kargs=(--kernel "$kernel")

if [ "$vm" = exosim ]; then
	if [ ! -e /dev/kvm ]; then
		echo "SKIP: /dev/kvm is not present; exosim needs KVM"
		exit 77
	fi
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "SKIP: /dev/kvm is not accessible (read/write) to this user"
		exit 77
	fi
	[ -x "$exosim" ] || die "exosim not found at $exosim (build it first)"
	[ -n "$append" ] && exosim_args+=(--append "$append")
	[ -n "$mem" ] && exosim_args+=(--mem "$mem")
	cmd=("$exosim" ${kargs[@]+"${kargs[@]}"} ${exosim_args[@]+"${exosim_args[@]}"} "$program" "$@")
	errfile=$tmp/err
	want=$status
else
	command -v qemu-system-x86_64 >/dev/null || {
		echo "SKIP: qemu-system-x86_64 is not installed"
		exit 77
	}
	[ -x "$exosim" ] || die "exosim not found at $exosim (needed for --pack)"
	[ -n "$kernel" ] || die "--kernel is required with --vm qemu"
	if ! "$exosim" ${kargs[@]+"${kargs[@]}"} ${exosim_args[@]+"${exosim_args[@]}"} --pack "$tmp/boot.cpio" "$program" "$@" \
		>"$tmp/pack.out" 2>&1; then
		echo "FAIL: exosim --pack failed:"
		cat "$tmp/pack.out"
		exit 1
	fi
	: >"$tmp/dbg"
	# DESIGN.md §2's command line, plus the debug console on its own file so
	# the guest's stderr and kernel diagnostics stay out of stdout (serial).
	cmd=("$(dirname "$0")/../../scripts/qemu-boot.sh" "$kernel" "$tmp/boot.cpio" "$tmp/dbg" "$append")
	errfile=$tmp/dbg
	[ -n "$mem" ] && export EXO_QEMU_MEM=$mem
	want=$(((${guest_status:-$status} << 1 | 1) & 0xff))
fi

run_limited "${cmd[@]}"
fail=0
# clip: at most 40 lines of at most 300 characters, for the failure report.
clip() {
	cut -c1-300 | sed '40q'
}
report() {
	echo "FAIL: $*"
	fail=1
}

if [ "$timed_out" = 1 ]; then
	report "killed after ${timeout}s (test timeout)"
elif [ "$st" != "$want" ]; then
	if [ "$vm" = qemu ]; then
		if [ $((st & 1)) = 1 ]; then
			detail="guest status $((st >> 1)) or $((st >> 1 | 128))"
		else
			detail="not an isa-debug-exit status: QEMU itself failed or the guest did not exit"
		fi
		report "QEMU exited $st ($detail); expected $want (guest status ${guest_status:-$status})"
	else
		report "exit status $st, expected $status"
	fi
fi

case "$stdout_mode" in
empty) : >"$tmp/want" ;;
str) printf '%b' "$stdout_str" >"$tmp/want" ;;
file) cp "$stdout_file" "$tmp/want" || die "cannot read $stdout_file" ;;
esac
if [ "$stdout_mode" != any ] && ! cmp -s "$tmp/want" "$tmp/out"; then
	report "stdout differs (--- expected, +++ actual):"
	diff -u "$tmp/want" "$tmp/out" | sed '1,2d' | clip
fi

for s in "${stderr_has[@]+"${stderr_has[@]}"}"; do
	grep -qF -- "$s" "$errfile" || report "stderr does not contain: $s"
done
if [ -n "$stderr_lines" ]; then
	n=$(awk 'END { print NR }' "$errfile")
	[ "$n" = "$stderr_lines" ] || report "stderr has $n lines, expected $stderr_lines"
fi

if [ "$fail" = 1 ]; then
	echo "command: $(printf "%q " "${cmd[@]}")"
	echo "--- stdout:"
	clip <"$tmp/out"
	echo "--- stderr${vm:+ ($vm)}:"
	clip <"$errfile"
	if [ "$vm" = qemu ] && [ -s "$tmp/err" ]; then
		echo "--- QEMU's own stderr:"
		clip <"$tmp/err"
	fi
	exit 1
fi
echo "PASS: $vm ${program##*/} $* -> status $status"
exit 0
