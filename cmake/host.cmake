# Flags for programs that run on the Linux host.
set(EXO_HOST_WARNINGS -Wall -Wextra -Werror)
set(EXO_SANITIZERS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)

# exo_host_target(<target>): warnings as errors, sanitizers in the test build.
function(exo_host_target target)
  target_compile_options(${target} PRIVATE ${EXO_HOST_WARNINGS})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/include)
  if(EXOSIM_SANITIZE)
    target_compile_options(${target} PRIVATE ${EXO_SANITIZERS})
    target_link_options(${target} PRIVATE ${EXO_SANITIZERS})
  endif()
endfunction()
