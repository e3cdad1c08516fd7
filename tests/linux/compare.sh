#!/usr/bin/env bash
# compare.sh: run one unmodified static Linux program natively and under exosim (or
# QEMU), and require the same stdout, stderr and exit status.  There are no expected-
# output files: the host's Linux is the reference.
#
# usage: compare.sh --vm exosim|qemu|native --exosim PATH --kernel PATH [options]
#                   -- PROGRAM [ARGS...]
#   --status N         the status the native run must end with (default 0): the test
#                      program's own checks passed.  Otherwise the test fails before
#                      the VM runs, since the program, not exosim, is wrong.
#   --add SPEC         pass --add SPEC to exosim (repeatable); run from the directory
#                      the relative paths are relative to (ctest's WORKING_DIRECTORY)
#   --env VAR=VALUE    the environment of both runs, which otherwise is empty
#                      (env -i); repeatable, kept in order
#   --env-now VAR      VAR=<the host's time in epoch seconds>, taken once for both runs
#   --stdin-str STR    feed STR (printf %b escapes) to both runs through a pipe
#   --stdin-file FILE  feed FILE to both runs through a pipe
#   --stdin-delay SEC  keep the pipe silent for SEC seconds before feeding it (a
#                      program whose reader waits meanwhile)
#   --stdin-after STR  then also until the run's stdout holds STR (at most 60 s more:
#                      a loaded host may take the delay to boot)
#   --exosim-arg ARG   pass ARG to exosim before PROGRAM (repeatable)
#   --stdout-to FILE   both runs write stdout to FILE (e.g. /dev/full), which is not
#                      compared; their status and stderr are
#   --pipe-to CMD      both runs write stdout into a pipe to `sh -c CMD` (e.g. head -1);
#                      CMD's output is compared, and the status is the program's
#   --sigpipe-ignored  both runs start with SIGPIPE ignored, as after `trap '' PIPE` in
#                      the shell that runs them
#   --timeout SEC      kill a run after SEC seconds and fail (default 30)
#   --kernel-kills     the program's children die of faults on purpose: the kernel's
#                      diagnostics ("... killed: ...") are removed from the VM's stderr
#                      whatever the program's own status
#   --sort-stdout      compare stdout as sorted lines, for output in directory order
#                      (find), which differs between file systems
# An argument @empty@ after PROGRAM stands for the empty string.
# $COMPARE_EXOSIM_ARGS (split on spaces) is added to exosim's options, e.g.
#   COMPARE_EXOSIM_ARGS=--no-rewrite ctest -R '^linux\.'    the suite with trapping only
# --vm native runs the program natively twice and compares the runs: a check that the
# program prints only deterministic output.  Under QEMU, stderr is what the guest wrote
# to the debug console, and tests that need stdin are skipped (QEMU does not forward it).
# When the program dies of a signal, the kernel's one-line diagnostic ("... killed: ...")
# is removed from exosim's stderr before the comparison (it is reported, not compared).
#
# Exit status: 0 pass, 1 fail, 2 usage, 77 skip (no /dev/kvm for exosim, no QEMU for qemu,
# stdin under QEMU).
set -u

vm="" exosim="" kernel="" status=0 timeout=30 stdin_mode=none stdin_data="" sort_stdout=0 kernel_kills=0
stdin_delay=0
stdin_after=
stdout_to="" pipe_to="" sigpipe_ignored=0
adds=() envs=() exosim_args=()

die() {
	echo "compare.sh: $*" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--vm) vm=$2; shift 2 ;;
	--exosim) exosim=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--status) status=$2; shift 2 ;;
	--add) adds+=(--add "$2"); shift 2 ;;
	--env) envs+=("$2"); shift 2 ;;
	--env-now) envs+=("$2=$(date +%s)"); shift 2 ;;
	--stdin-str) stdin_mode=str; stdin_data=$2; shift 2 ;;
	--stdin-file) stdin_mode="file"; stdin_data=$2; shift 2 ;;
	--stdin-delay) stdin_delay=$2; shift 2 ;;
	--stdin-after) stdin_after=$2; shift 2 ;;
	--exosim-arg) exosim_args+=("$2"); shift 2 ;;
	--stdout-to) stdout_to=$2; shift 2 ;;
	--pipe-to) pipe_to=$2; shift 2 ;;
	--sigpipe-ignored) sigpipe_ignored=1; shift ;;
	--timeout) timeout=$2; shift 2 ;;
	--sort-stdout) sort_stdout=1; shift ;;
	--kernel-kills) kernel_kills=1; shift ;;
	--) shift; break ;;
	*) die "unknown option: $1" ;;
	esac
done
[ $# -ge 1 ] || die "no PROGRAM"
# shellcheck disable=SC2206 # split on purpose
[ -n "${COMPARE_EXOSIM_ARGS:-}" ] && exosim_args+=(${COMPARE_EXOSIM_ARGS})
case "$vm" in exosim | qemu | native) ;; *) die "--vm must be exosim, qemu or native" ;; esac
# CMake cannot pass an empty argument through a list: @empty@ stands for one.
args=()
for a in "$@"; do
	[ "$a" = @empty@ ] && a=""
	args+=("$a")
done
set -- "${args[@]}"
program=$1
if [ ! -e "$program" ]; then
	echo "FAIL: the test program $program does not exist (was it built? tests/linux needs musl-gcc)"
	exit 1
fi

# The programs see only stdin, stdout and stderr: close whatever descriptors the caller
# (ctest, make) left open, or the native run's first free descriptor is not 3.
for fd in "/proc/$$/fd/"*; do
	fd=${fd##*/}
	case "$fd" in 0 | 1 | 2 | 255 | '*') ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
done

tmpbase=${COMPARE_TMP:-${TMPDIR:-/tmp}}
mkdir -p "$tmpbase" || die "cannot create $tmpbase"
tmp=$(mktemp -d "$tmpbase/compare.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT

case "$stdin_mode" in
none) : >"$tmp/stdin" ;;
str) printf '%b' "$stdin_data" >"$tmp/stdin" ;;
file) cp "$stdin_data" "$tmp/stdin" || die "cannot read $stdin_data" ;;
esac

# The stdin pipe's writer: silent for $stdin_delay seconds, then the input.
# With --stdin-after, also until the run's stdout ($1) shows that string.
feed() {
	[ "$stdin_delay" = 0 ] || sleep "$stdin_delay"
	local i=0
	while [ -n "$stdin_after" ] && [ $i -lt 600 ] && ! grep -qF -- "$stdin_after" "$1" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	cat "$tmp/stdin"
}

# run_limited TAG CMD...: runs CMD with the fixed environment, stdin through a pipe
# (or /dev/null), stdout to $tmp/TAG.out and stderr to $tmp/TAG.err, killed after
# $timeout seconds by timeout(1), which reports a death by signal as the shell does
# (128 + signal).  Sets $st and $timed_out.  (No watchdog subshell: one killed before
# it resets the EXIT trap runs it, and bash may then see a stale $BASHPID.)
run_limited() {
	local tag=$1
	shift
	local t0=$SECONDS
	local envcmd=(env -i ${envs[@]+"${envs[@]}"})
	# QEMU's guest got its environment at --pack time; qemu-boot.sh needs the host's PATH.
	[ "$tag" = vm ] && [ "$vm" = qemu ] && envcmd=()
	local wrap=()
	# shellcheck disable=SC2016 # expanded by the inner bash
	[ "$sigpipe_ignored" = 1 ] && wrap=(bash -c 'trap "" PIPE; exec "$@"' sigpipe-ignored)
	local run=(timeout -s KILL "$timeout" ${wrap[@]+"${wrap[@]}"} ${envcmd[@]+"${envcmd[@]}"} "$@")
	local out=$tmp/$tag.out err=$tmp/$tag.err
	: >"$out"
	[ -n "$stdout_to" ] && out=$stdout_to
	st=0
	if [ -n "$pipe_to" ]; then
		# The program's status, not the reader's.
		if [ "$stdin_mode" = none ]; then
			"${run[@]}" </dev/null 2>"$err" | sh -c "$pipe_to" >"$out"
			st=${PIPESTATUS[0]}
		else
			feed "$out" | "${run[@]}" 2>"$err" | sh -c "$pipe_to" >"$out"
			st=${PIPESTATUS[1]}
		fi
	elif [ "$stdin_mode" = none ]; then
		"${run[@]}" </dev/null >"$out" 2>"$err" || st=$?
	else
		# A pipe, as in `printf 'hi\n' | prog`, not a file: the cat is on purpose.
		feed "$out" | "${run[@]}" >"$out" 2>"$err" || st=$?
	fi
	timed_out=0
	if [ "$st" = 137 ] && [ $((SECONDS - t0)) -ge $((timeout - 1)) ]; then
		timed_out=1
	fi
}

clip() {
	cut -c1-300 | sed '60q'
}

# --- the native run: the reference, and it must pass the program's own checks
run_limited native "$@"
native_st=$st
if [ "$timed_out" = 1 ]; then
	echo "FAIL: the native run was killed after ${timeout}s"
	exit 1
fi
if [ "$native_st" != "$status" ]; then
	echo "FAIL: the native run exited $native_st, expected $status: the test program or"
	echo "      its arguments are wrong (or this host differs), not exosim"
	echo "command: $(printf '%q ' env -i ${envs[@]+"${envs[@]}"} "$@")"
	echo "--- native stdout:"
	clip <"$tmp/native.out"
	echo "--- native stderr:"
	clip <"$tmp/native.err"
	exit 1
fi

kargs=()
[ -n "$kernel" ] && kargs=(--kernel "$kernel")
errfile=err
note=""
case "$vm" in
native)
	cmd=("$@")
	want=$native_st
	;;
exosim)
	if [ ! -e /dev/kvm ]; then
		echo "SKIP: /dev/kvm is not present; exosim needs KVM (the native run passed)"
		exit 77
	fi
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "SKIP: /dev/kvm is not accessible (read/write) to this user (the native run passed)"
		exit 77
	fi
	[ -x "$exosim" ] || die "exosim not found at $exosim (build it first)"
	cmd=("$exosim" ${kargs[@]+"${kargs[@]}"} ${adds[@]+"${adds[@]}"}
		${exosim_args[@]+"${exosim_args[@]}"} "$@")
	want=$native_st
	;;
qemu)
	if ! command -v qemu-system-x86_64 >/dev/null; then
		echo "SKIP: qemu-system-x86_64 is not installed (the native run passed)"
		exit 77
	fi
	if [ "$stdin_mode" != none ]; then
		echo "SKIP: QEMU does not forward stdin to the guest; this test feeds stdin (the native run passed)"
		exit 77
	fi
	[ -x "$exosim" ] || die "exosim not found at $exosim (needed for --pack)"
	[ -n "$kernel" ] || die "--kernel is required with --vm qemu"
	pack=("$exosim" ${kargs[@]+"${kargs[@]}"} ${adds[@]+"${adds[@]}"} --pack "$tmp/boot.cpio" "$@")
	if ! env -i ${envs[@]+"${envs[@]}"} "${pack[@]}" >"$tmp/pack.out" 2>&1; then
		echo "FAIL: exosim --pack failed:"
		echo "command: $(printf '%q ' "${pack[@]}")"
		clip <"$tmp/pack.out"
		exit 1
	fi
	: >"$tmp/dbg"
	cmd=("$(dirname "$0")/../../scripts/qemu-boot.sh" "$kernel" "$tmp/boot.cpio" "$tmp/dbg")
	errfile=dbg
	want=$(((native_st << 1 | 1) & 0xff))
	;;
esac

if [ "$vm" = qemu ]; then
	run_limited vm "${cmd[@]}"
	cp "$tmp/dbg" "$tmp/vm.dbg"
else
	run_limited vm "${cmd[@]}"
fi
vm_err=$tmp/vm.$errfile

# The kernel's diagnostic for a program killed by a signal is not the program's output.
if { [ "$native_st" -gt 128 ] || [ "$kernel_kills" = 1 ]; } && [ "$vm" != native ]; then
	grep -E 'killed: ' "$vm_err" >"$tmp/killed" || true
	if [ -s "$tmp/killed" ]; then
		grep -vE 'killed: ' "$vm_err" >"$tmp/vm.filtered" || true
		vm_err=$tmp/vm.filtered
		note="(removed the kernel's diagnostic from $vm's stderr: $(head -1 "$tmp/killed" | cut -c1-200))"
	fi
fi

if [ "$sort_stdout" = 1 ]; then
	LC_ALL=C sort -o "$tmp/native.out" "$tmp/native.out"
	LC_ALL=C sort -o "$tmp/vm.out" "$tmp/vm.out"
fi

fail=0
report() {
	echo "FAIL: $*"
	fail=1
}
if [ "$timed_out" = 1 ]; then
	report "the $vm run was killed after ${timeout}s (test timeout)"
elif [ "$st" != "$want" ]; then
	if [ "$vm" = qemu ]; then
		if [ $((st & 1)) = 1 ]; then
			detail="guest status $((st >> 1)) or $((st >> 1 | 128))"
		else
			detail="not an isa-debug-exit status: QEMU failed or the guest did not exit"
		fi
		report "QEMU exited $st ($detail); native status $native_st, so expected $want"
	else
		report "exit status: native $native_st, $vm $st"
	fi
fi
if ! cmp -s "$tmp/native.out" "$tmp/vm.out"; then
	report "stdout differs (--- native, +++ $vm):"
	diff -u "$tmp/native.out" "$tmp/vm.out" | sed '1,2d' | clip
fi
if ! cmp -s "$tmp/native.err" "$vm_err"; then
	report "stderr differs (--- native, +++ $vm):"
	diff -u "$tmp/native.err" "$vm_err" | sed '1,2d' | clip
fi
[ -n "$note" ] && echo "note: $note"

if [ "$fail" = 1 ]; then
	if [ "$vm" = qemu ]; then
		echo "command: $(printf '%q ' env -i ${envs[@]+"${envs[@]}"} "${pack[@]}")"
		echo "         $(printf '%q ' "${cmd[@]}")"
	else
		echo "command: $(printf '%q ' env -i ${envs[@]+"${envs[@]}"} "${cmd[@]}")"
	fi
	[ "$stdin_mode" != none ] && echo "stdin (through a pipe): $(head -c 200 "$tmp/stdin" | od -c | head -3)"
	if [ "$vm" = qemu ] && [ -s "$tmp/vm.err" ]; then
		echo "--- QEMU's own stderr:"
		clip <"$tmp/vm.err"
	fi
	exit 1
fi
echo "PASS: $vm ${program##*/} ${*:2} -> status $native_st, $(wc -c <"$tmp/native.out") bytes of stdout, $(wc -c <"$tmp/native.err") of stderr, all identical to native"
exit 0
