#!/bin/sh
# musl-static-pie.sh MUSL_GCC OUT SOURCES... [FLAGS...]: link a static PIE with musl.
# `musl-gcc -static-pie` alone is not enough: Debian's musl-gcc.specs replaces gcc's
# link spec, so it links Scrt1.o (no self-relocation) and keeps an interpreter; the
# result crashes.  This spells the link out: rcrt1.o relocates the program itself.
set -eu
cc=${1:?usage: musl-static-pie.sh MUSL_GCC OUT SOURCES...}
out=${2:?usage: musl-static-pie.sh MUSL_GCC OUT SOURCES...}
shift 2
# musl-gcc is a wrapper script: gcc -specs FILE; FILE names musl's crt directory.
specs=$(sed -n 's/.*-specs "*\([^" ]*\)"*.*/\1/p' "$(command -v "$cc")" | head -n 1)
libdir=$(dirname "$(grep -o '[^ ]*/Scrt1\.o' "$specs" 2>/dev/null | head -n 1)")
[ -e "$libdir/rcrt1.o" ] || { echo "musl-static-pie.sh: no rcrt1.o in $libdir" >&2; exit 1; }
exec "$cc" -fPIE -nostdlib -nostartfiles -o "$out" \
	"$libdir/rcrt1.o" "$libdir/crti.o" "$("$cc" -print-file-name=crtbeginS.o)" \
	"$@" -Wl,-static -Wl,-pie -Wl,--no-dynamic-linker -Wl,-z,text \
	-L"$libdir" -lc "$("$cc" -print-libgcc-file-name)" \
	"$("$cc" -print-file-name=crtendS.o)" "$libdir/crtn.o"
