# The layers of DESIGN.md section 7, lowest first. Each layer is one static library zklora_<layer> built from
# src/<layer>/*.cpp, linked to the layer below it.
#
# A lower layer cannot include a higher one: each library compiles against an include directory of its own,
# build/layers/<layer>/zklora/, that holds symbolic links to include/zklora/<l> for its layer and the layers
# below only, so `#include "zklora/<higher>/..."` fails to compile. Tests and benchmarks of a layer use the
# same directory (zklora_use_layer).
set(ZKLORA_LAYERS base field curve transcript poly pcs piop fixed ops model step io cli)

function(zklora_layer_include_dir layer out)
  set(${out} "${CMAKE_BINARY_DIR}/layers/${layer}" PARENT_SCOPE)
endfunction()

function(zklora_make_layer_include_dirs)
  set(below "")
  foreach(layer IN LISTS ZKLORA_LAYERS)
    list(APPEND below ${layer})
    zklora_layer_include_dir(${layer} dir)
    file(MAKE_DIRECTORY "${dir}/zklora")
    foreach(visible IN LISTS below)
      if(EXISTS "${CMAKE_SOURCE_DIR}/include/zklora/${visible}")
        file(CREATE_LINK "${CMAKE_SOURCE_DIR}/include/zklora/${visible}" "${dir}/zklora/${visible}" SYMBOLIC)
      endif()
    endforeach()
  endforeach()
endfunction()

# Compiles `target` against the headers of `layer` and below (PRIVATE: not propagated to dependents).
function(zklora_use_layer target layer)
  zklora_layer_include_dir(${layer} dir)
  target_include_directories(${target} PRIVATE "${dir}")
endfunction()

# zklora_add_layer(<layer> [DEPS <libraries>...]): the library of one layer (src/<layer>/**/*.cpp, so an
# operation may live in a folder of its own), linked to the lower layers it uses.
function(zklora_add_layer layer)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/src/${layer}/*.cpp")
  if(NOT sources)
    # A layer without code yet: an interface library, so the layers above can already name it.
    add_library(zklora_${layer} INTERFACE)
    target_link_libraries(zklora_${layer} INTERFACE ${ARG_DEPS})
    return()
  endif()
  add_library(zklora_${layer} STATIC ${sources})
  zklora_use_layer(zklora_${layer} ${layer})
  target_compile_options(zklora_${layer} PRIVATE ${ZKLORA_WARNINGS})
  target_link_libraries(zklora_${layer} PUBLIC ${ARG_DEPS})
endfunction()
