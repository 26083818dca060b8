# blst v0.3.10 as a static library, compiled from the sources scripts/setup.sh unpacked into .deps/blst
# (verified against the pinned hash there). Flags follow blst's own build.sh: -fno-builtin, -mno-avx to avoid
# costly AVX transitions, and -D__ADX__ (the mulx/adcx/adox code paths) when this CPU has ADX.
set(ZKLORA_BLST_DIR "${CMAKE_SOURCE_DIR}/.deps/blst" CACHE PATH "blst sources unpacked by scripts/setup.sh")
if(NOT EXISTS "${ZKLORA_BLST_DIR}/build/assembly.S" OR NOT EXISTS "${ZKLORA_BLST_DIR}/src/server.c")
  message(FATAL_ERROR "blst sources not found in ${ZKLORA_BLST_DIR}: run scripts/setup.sh (make does it)")
endif()

add_library(blst STATIC "${ZKLORA_BLST_DIR}/src/server.c" "${ZKLORA_BLST_DIR}/build/assembly.S")
set_target_properties(blst PROPERTIES POSITION_INDEPENDENT_CODE ON C_STANDARD 99)
target_compile_options(blst PRIVATE -O2 -fno-builtin -Wall -Wextra $<$<COMPILE_LANGUAGE:C>:-mno-avx>)
target_include_directories(blst SYSTEM PUBLIC "${ZKLORA_BLST_DIR}/bindings")

set(ZKLORA_BLST_ADX OFF)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64" AND EXISTS /proc/cpuinfo)
  file(STRINGS /proc/cpuinfo cpu_flags REGEX "^flags" LIMIT_COUNT 1)
  if(cpu_flags MATCHES " adx( |$)")
    set(ZKLORA_BLST_ADX ON)
  endif()
endif()
if(ZKLORA_BLST_ADX)
  target_compile_definitions(blst PRIVATE __ADX__)
endif()
message(STATUS "blst: ${ZKLORA_BLST_DIR} (ADX code paths: ${ZKLORA_BLST_ADX})")
