# kgen_add_library(<name> <sources>... [DEPENDS <targets>...] [LINK_LIBS <libs>...])
#
# A static, position-independent kgen library that links the shared MLIR/LLVM
# libraries, installs its archive and joins the KGenTargets export set so that
# `find_package(KGen)` users get it as KGen::<name>.
function(kgen_add_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LINK_LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_UNPARSED_ARGUMENTS})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  target_link_libraries(${name} PUBLIC ${ARG_LINK_LIBS} ${KGEN_MLIR_LIBS})
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:include>)
  add_library(KGen::${name} ALIAS ${name})
  install(TARGETS ${name} EXPORT KGenTargets
    ARCHIVE DESTINATION lib
    LIBRARY DESTINATION lib)
endfunction()
