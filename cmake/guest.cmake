# Flags for code that runs inside the VM: the kernel (ring 0) and programs (ring 3).
# Freestanding: only gcc's own headers (stdint.h, stddef.h, stdarg.h, stdbool.h) and ours.
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
                OUTPUT_VARIABLE EXO_GCC_INCLUDE OUTPUT_STRIP_TRAILING_WHITESPACE)

set(EXO_GUEST_COMMON
    -ffreestanding -nostdinc -isystem ${EXO_GCC_INCLUDE}
    -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables
    -fno-strict-aliasing -Wall -Wextra -Werror -O2 -g)

# Ring 0: no red zone (interrupts push onto the current stack), no SSE state to save,
# RIP-relative code so the kernel can live at EXO_KERNBASE (above the +-2 GiB models).
# Every kernel path runs on one 16 KiB stack with a guard page below it (boot.S): a
# frame over 1 KiB is an error, so a deep path cannot skip the guard page either.
set(EXO_KERNEL_CFLAGS ${EXO_GUEST_COMMON}
    -mno-red-zone -mgeneral-regs-only -mpreferred-stack-boundary=3 -fpie -fvisibility=hidden
    -mcmodel=small -Wframe-larger-than=1024)

# Ring 3: an ordinary static non-PIE program.
set(EXO_USER_CFLAGS ${EXO_GUEST_COMMON} -fno-pie -mno-red-zone)
set(EXO_USER_LDFLAGS -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack
    -Wl,-z,max-page-size=4096)

# exo_guest_program(<name> <sources...>): a ring-3 program linked with the libOS runtime,
# written to <current binary dir>/<name>.elf.
function(exo_guest_program name)
  add_executable(${name} ${ARGN})
  target_compile_options(${name} PRIVATE ${EXO_USER_CFLAGS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/include
                             ${PROJECT_SOURCE_DIR}/libos/include)
  target_link_options(${name} PRIVATE ${EXO_USER_LDFLAGS})
  target_link_libraries(${name} PRIVATE exo_crt0 exo_runtime gcc)
  set_target_properties(${name} PROPERTIES SUFFIX ".elf" POSITION_INDEPENDENT_CODE OFF)
endfunction()
