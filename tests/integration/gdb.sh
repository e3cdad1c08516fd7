#!/usr/bin/env bash
# gdb.sh CASE VM EXOSIM KERNEL GUEST_DIR LINUX_BIN: exosim --gdb (docs/debugging.md),
# driven by gdb in batch mode; the same gdb commands against QEMU's stub
# (scripts/qemu-boot.sh with EXO_QEMU_GDB) must give the same stops and values.
#   VM: exosim or qemu.
#   CASE: native (break on main of an ExOS-native program, step, print a local, backtrace,
#   change the local, continue to the exit status it now gives), syscall (break in the kernel's console-write handler from
#   a running program, read its arguments and the user buffer they name), syscall_hw (the
#   same with a hardware breakpoint), linux (break on
#   main of a static musl program run by ExOS, a watchpoint on a global fires on the write),
#   shared (a breakpoint in code a forked parent and child share stops in each),
#   fault (a program that reads address 0 stops at the faulting instruction, cr2 = 0),
#   signal_segv and signal_abort (a static musl program ExOS ends for SIGSEGV, SIGABRT stops
#   where native gdb stops it, then dies with the native status), signal_exos (the same
#   for an ExOS-native program ExOS ends: a ud2 with no handler), threads (a forking program's
#   environments are gdb threads; the waiting child's saved registers and memory),
#   panic (a kernel panic stops with its backtrace, then the run ends with 125), and for
#   exosim only triple (a triple fault stops where it happened, then 125), bad_input (garbage, a bad checksum, an oversized packet and a client
#   leaving mid-packet: answered, one line, the guest runs on), interrupt (gdb's Ctrl-C
#   stops a spinning program, kill ends the run with 137), no_wait (--gdb-no-wait: the
#   guest runs, a gdb attaching later stops it) and port_in_use.
# Exit status: 0 pass, 1 fail, 77 skip.
set -u
case_=$1 vm=$2 exosim=$3 kernel=$4 guest=$5 linuxbin=$6

command -v gdb >/dev/null || {
	echo "SKIP: gdb is not installed (./build.sh setup installs it)"
	exit 77
}
. "$(dirname "$0")/vm_available.sh"
vm_available "$vm"
here=$(cd "$(dirname "$0")" && pwd)
host_type=$(bash "$here/../../scripts/host-type.sh" 2>/dev/null || echo unknown)
tmpbase=${RUN_GUEST_TMP:-${TMPDIR:-/tmp}}
mkdir -p "$tmpbase"
tmp=$(mktemp -d "$tmpbase/gdb.XXXXXX") || exit 2
vmpid=
trap '[ -n "$vmpid" ] && kill "$vmpid" 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
report() {
	echo "FAIL: $*"
	fail=1
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# listening PORT: something listens on 127.0.0.1:PORT (/proc/net/tcp: no ss needed).
listening() {
	grep -qi "^ *[0-9]*: 0100007F:$(printf %04X "$1") 00000000:0000 0A" /proc/net/tcp
}

# start PROGRAM ARGS...: boots the VM holding the guest for gdb; sets $port and $vmpid.
# EXTRA: more exosim options (--append ...).
start() {
	if [ "$vm" = exosim ]; then
		# shellcheck disable=SC2086 # EXTRA is a list of options
		"$exosim" --timeout 240 --gdb 127.0.0.1:0 ${EXTRA:-} "$@" >"$tmp/out" 2>"$tmp/err" &
		vmpid=$!
		for _ in $(seq 300); do
			port=$(sed -n 's/^exosim: gdb: listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/err")
			[ -n "$port" ] && return
			sleep 0.1
		done
		report "exosim said no port: $(cat "$tmp/err")"
		return
	fi
	"$exosim" --pack "$tmp/boot.cpio" "$@" || report "--pack failed"
	port=$(free_port)
	local append=
	[ -n "${EXTRA:-}" ] && append=${EXTRA#--append }
	EXO_QEMU_GDB=$port timeout -s KILL 240 "$here/../../scripts/qemu-boot.sh" "$kernel" \
		"$tmp/boot.cpio" "$tmp/err" "$append" >"$tmp/out" &
	vmpid=$!
	for _ in $(seq 300); do
		listening "$port" && return
		sleep 0.1
	done
	report "QEMU's stub did not listen on $port"
}

# gdbrun CMD...: one gdb batch session (each argument an -ex command) into $tmp/gdb.
gdbrun() {
	local args=(-nx -batch -ex "target remote 127.0.0.1:$port")
	for c in "$@"; do
		args+=(-ex "$c")
	done
	timeout -s KILL 240 gdb "${args[@]}" "$kernel" >"$tmp/gdb" 2>&1
}

# finish: waits for the VM; $st is the guest's status (QEMU's mapped back).
finish() {
	wait "$vmpid"
	st=$?
	vmpid=
	[ "$vm" = qemu ] && [ $((st % 2)) = 1 ] && st=$((st >> 1))
}

expect() {
	grep -qF -- "$1" "$tmp/gdb" || report "gdb did not say '$1'; it said:
$(cat "$tmp/gdb")
--- stderr:
$(cat "$tmp/err")"
}

status_is() {
	[ "$st" = "$1" ] || report "status $st, expected $1; stderr: $(cat "$tmp/err")"
}

case "$case_" in
native)
	start "$guest/exit_code.elf" 7
	# status lives in a register there: the write goes to the program's registers
	gdbrun "add-symbol-file $guest/exit_code.elf" "break exit_code.c:main" continue next \
		"print status" bt "set var status = 9" continue
	finish
	expect "Breakpoint 1, main (argc=2"
	expect "\$1 = 7"
	expect "#0  main ("
	status_is 9
	[ "$vm" = exosim ] && expect "exited with code 011"
	;;
syscall)
	start "$guest/../../apps/hello.elf"
	gdbrun "break sys_console_write" continue "print a3" "x/s a2" "bt 2" delete continue
	finish
	expect "Breakpoint 1, sys_console_write (a1=1"
	expect "\$1 = 18"
	expect '"hello from ring 3\n"'
	expect "#0  sys_console_write"
	status_is 0
	;;
syscall_hw)
	# the same with a hardware breakpoint (Z1): on KVM on PVM it is KVM's
	# debug registers, which fire for ring 0 only
	start "$guest/../../apps/hello.elf"
	gdbrun "hbreak sys_console_write" continue "print a3" "x/s a2" "bt 2" delete continue
	finish
	expect "Hardware assisted breakpoint 1 at"
	expect "Breakpoint 1, sys_console_write (a1=1"
	expect "\$1 = 18"
	expect '"hello from ring 3\n"'
	expect "#0  sys_console_write"
	status_is 0
	;;
linux)
	start "$linuxbin/watch"
	soft=
	[ "$vm" = exosim ] && [ "$host_type" = "KVM on PVM" ] && soft="set can-use-hw-watchpoints 0"
	gdbrun "add-symbol-file $linuxbin/watch" ${soft:+"$soft"} "break main" continue \
		"watch *(int *)&counter" continue continue delete continue
	finish
	expect "Breakpoint 1, main ("
	expect "Old value = 0"
	expect "New value = 1"
	expect "New value = 3"
	status_is 6
	[ -n "$soft" ] && echo "note: KVM on PVM has no ring-3 debug registers: gdb watched in software"
	;;
shared)
	start "$linuxbin/watch" fork
	touch=0x$(nm "$linuxbin/watch" | awk '$3 == "touch" { print $1 }')
	gdbrun "add-symbol-file $linuxbin/watch" "break *$touch" continue "p \$rdi" continue \
		"p \$rdi" continue
	finish
	# parent and child each stop once, in whichever order they ran
	[ "$(grep -cE "^(Thread [0-9]+ hit )?Breakpoint 1, " "$tmp/gdb")" = 2 ] ||
		report "not two stops: $(cat "$tmp/gdb")"
	if [ "$vm" = exosim ]; then # each in its own environment's thread
		expect "Thread 1 hit Breakpoint 1, "
		expect "Thread 2 hit Breakpoint 1, "
	fi
	expect " = 10"
	expect " = 20"
	status_is 0
	;;
fault)
	start "$guest/null_deref.elf"
	if [ "$vm" = exosim ]; then
		gdbrun continue "p/x \$pc" "p/x \$cr2" continue
		expect "Program received signal SIGSEGV"
	else # QEMU's stub does not stop on a guest exception: stop where the kernel takes it
		# at trap()'s first instruction tf is rdi: vector [15], rip [17], cs [18]
		gdbrun "break *trap if ((long *)\$rdi)[15] == 14 && (((long *)\$rdi)[18] & 3) == 3" \
			continue "p/x ((long *)\$rdi)[17]" "p/x \$cr2" continue
		expect "Breakpoint 1, "
	fi
	finish
	rip=$(sed -n 's/.*killed: page fault at rip \(0x[0-9a-f]*\).*/\1/p' "$tmp/err" | head -1)
	[ -n "$rip" ] || report "the kernel did not report the fault: $(cat "$tmp/err")"
	expect "\$1 = $rip"
	expect "\$2 = 0x0"
	if [ "$vm" = qemu ]; then # QEMU keeps the low 7 bits of the kernel's record 0x10e
		status_is 14
	else
		status_is 139
	fi
	;;
signal_segv | signal_abort)
	# A static musl program ExOS ends for a core-dumping signal: exosim stops
	# where the signal came from, as gdb stops a native run; continue lets it
	# die with the native status.  Linux (native gdb, where ptrace works) is the
	# reference for where that is.
	mode=${case_#signal_} sig=SIGSEGV want=139
	[ "$mode" = abort ] && sig=SIGABRT want=134
	# shellcheck disable=SC2016 # gdb's $pc and sed's $1, not the shell's
	native_pc=$(timeout -s KILL 60 gdb -nx -batch -ex run -ex 'p/x $pc' --args \
		"$linuxbin/watch" "$mode" 2>/dev/null | sed -n 's/^\$1 = \(0x[0-9a-f]*\)$/\1/p')
	start "$linuxbin/watch" "$mode"
	if [ "$vm" = exosim ]; then
		gdbrun "add-symbol-file $linuxbin/watch" continue "p/x \$pc" "bt 2" "info threads" continue
		expect "received signal $sig"
		if [ "$mode" = segv ]; then
			expect "*nowhere = 1; /* the faulting line */"
			expect "#0  0x"
			expect " in main ("
		else
			expect " in raise ()"
		fi
		expect "(env 0x1 running" # the thread is the environment
		if [ -n "$native_pc" ]; then
			expect "\$1 = $native_pc"
		else
			echo "note: native gdb could not run the program (ptrace?): pc not compared"
		fi
		expect "exited with code 0$(printf %o $want)"
	else
		# QEMU's stub hears of no signal: stop where ExOS ends the process
		gdbrun "add-symbol-file $guest/../../exos.elf" "add-symbol-file $linuxbin/watch" \
			"break linux_exit_signaled" continue "p sig" continue
		expect "Breakpoint 1, linux_exit_signaled"
		expect "\$1 = $([ "$mode" = abort ] && echo 6 || echo 11)"
		want=$((want & 127)) # QEMU's exit device keeps the low 7 bits (the fault case)
	fi
	finish
	status_is $want
	;;
signal_exos)
	# An ExOS-native program that ExOS itself ends (a ud2 no handler takes:
	# SIGILL): exosim stops at the ud2 with the registers of the fault, then
	# the program dies with 132, as signal_segv for a Linux program.
	start "$guest/upcall.elf" unhandled
	if [ "$vm" = exosim ]; then
		gdbrun "add-symbol-file $guest/upcall.elf" continue "x/i \$pc" "bt 1" continue
		expect "received signal SIGILL"
		expect ":	ud2"
		expect "#0  main ("
		expect "exited with code 0204"
	else # QEMU's stub hears of no signal: stop where ExOS ends the process
		gdbrun "add-symbol-file $guest/upcall.elf" "break report_to_debugger" continue \
			"p sig" continue
		expect "Breakpoint 1, report_to_debugger"
		expect "\$1 = 4"
	fi
	finish
	if [ "$vm" = qemu ]; then status_is 4; else status_is 132; fi
	;;
threads)
	# Environments are gdb's threads: the parent stops in touch() while its
	# forked child spins; the child's saved registers and memory are its own.
	start "$linuxbin/watch" spin
	# gdb numbers threads as it meets them: 1 the booting CPU, which becomes
	# environment 1 (the parent), 2 the child
	gdbrun "add-symbol-file $linuxbin/watch" "break touch" continue "info threads" \
		"thread apply all bt 1" "thread 2" "info registers rip" "x/i \$pc" "p counter > 0" \
		"set var \$rax = 1" delete continue
	finish
	expect "Breakpoint 1"
	if [ "$vm" = exosim ]; then
		expect "(env 0x1 running"
		expect "(env 0x2 runnable"
		expect "[Switching to thread 2 (Thread 2)]"
		grep -q "^rip .*<spin+" "$tmp/gdb" || report "the child's saved rip is not in spin():
$(cat "$tmp/gdb")"
		expect "\$1 = 1" # its memory: counter, which only the child increments
		expect "Could not write register \"rax\"" # a waiting thread's registers are refused
	else # QEMU's stub sees vCPUs, not environments: one thread
		[ "$(grep -c "^[ *] [0-9]  *Thread " "$tmp/gdb")" = 1 ] ||
			report "QEMU's stub: not one thread: $(cat "$tmp/gdb")"
	fi
	status_is 0
	grep -q "^spun" "$tmp/out" || report "the program did not finish: $(cat "$tmp/out")"
	;;
panic)
	EXTRA="--append exo.test_stack_overflow" start "$guest/exit_code.elf" 0
	if [ "$vm" = exosim ]; then
		gdbrun continue "bt 3" continue
		expect "Program received signal SIGABRT"
	else
		gdbrun "break panic" continue "bt 3" continue
		expect "Breakpoint 1, panic"
	fi
	finish
	expect "panic ("
	status_is 125
	;;
triple)
	EXTRA="--kernel $guest/../kernels/triple_fault.elf" start "$guest/../../apps/hello.elf"
	gdbrun continue "p/x \$pc" continue
	finish
	expect "Program received signal SIGSEGV"
	expect "\$1 = 0x200007" # where tests/kernels/triple_fault.S faults
	grep -q "guest triple-faulted" "$tmp/err" || report "no triple fault: $(cat "$tmp/err")"
	status_is 125
	;;
bad_input)
	start "$guest/../../apps/hello.elf"
	python3 - "$port" >"$tmp/gdb" 2>&1 <<'PY' || report "the stub's answers: $(cat "$tmp/gdb")"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(30)
def frame(p):
    return b"$" + p + b"#" + b"%02x" % (sum(p) & 255)
def get(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            break
        b += c
    return b
s.sendall(b"garbage\x00\xff")            # noise outside packets: ignored
s.sendall(b"$g#00")                      # bad checksum: NAK
assert get(1) == b"-", "no NAK"
s.sendall(frame(b"m" + b"1" * 20000))    # oversized: acked, refused
r = get(1 + 7)
assert r == b"+" + frame(b"E16"), r
s.sendall(frame(b"m0,8"))                # unmapped before boot: refused
r = get(1 + 7)
assert r == b"+" + frame(b"E0e"), r
s.sendall(b"$m7f800010")                 # then leave mid-packet
s.close()
print("answered")
PY
	finish
	grep -q "hello from ring 3" "$tmp/out" || report "the guest did not run on: $(cat "$tmp/out")"
	grep -q "refused a packet longer" "$tmp/err" || report "no line for the oversized packet"
	grep -q "the client closed the connection" "$tmp/err" || report "no line for the client leaving"
	status_is 0
	;;
interrupt)
	start "$guest/loop.elf"
	python3 - "$port" >"$tmp/gdb" 2>&1 <<'PY' || report "the stub's answers: $(cat "$tmp/gdb")"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(60)
def frame(p):
    return b"$" + p + b"#" + b"%02x" % (sum(p) & 255)
s.sendall(frame(b"c"))
assert s.recv(1) == b"+"
time.sleep(1)
s.sendall(b"\x03")                       # Ctrl-C while the program spins in ring 3
r = b""
while not r.endswith(b"#") and len(r) < 64:
    r += s.recv(1)
assert r.startswith(b"$T02thread:01;"), r
s.recv(2)
s.sendall(b"+" + frame(b"k"))
print("interrupted")
PY
	finish
	grep -q "loop: spinning" "$tmp/out" || report "the program did not run: $(cat "$tmp/out")"
	status_is 137
	;;
no_wait)
	EXTRA=--gdb-no-wait start "$guest/loop.elf"
	for _ in $(seq 300); do
		grep -q "loop: spinning" "$tmp/out" && break
		sleep 0.1
	done
	grep -q "loop: spinning" "$tmp/out" || report "the guest did not run before gdb came"
	gdbrun "p \$pc" kill
	finish
	expect "\$1 = (void (*)()) 0x" # stopped where it was: the loop, or the kernel's tick
	status_is 137
	;;
port_in_use)
	p=$(free_port)
	python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); time.sleep(20)' "$p" &
	holder=$!
	for _ in $(seq 100); do
		listening "$p" && break
		sleep 0.1
	done
	"$exosim" --gdb "$p" "$guest/../../apps/hello.elf" >"$tmp/out" 2>"$tmp/err"
	st=$?
	kill $holder
	status_is 122
	[ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "cannot listen on 127.0.0.1 port $p" "$tmp/err" ||
		report "not one clear line: $(cat "$tmp/err")"
	for bad in "--gdb 99999" "--gdb host:" "--gdb-no-wait"; do # bad command lines: 120
		# shellcheck disable=SC2086 # the options are a list
		"$exosim" $bad "$guest/../../apps/hello.elf" >/dev/null 2>"$tmp/err"
		st=$?
		status_is 120
		[ "$(wc -l <"$tmp/err")" = 1 ] || report "$bad: not one line: $(cat "$tmp/err")"
	done
	;;
*)
	echo "gdb.sh: unknown case $case_"
	exit 2
	;;
esac
[ $fail = 0 ] && echo "PASS: $vm gdb $case_"
exit $fail
