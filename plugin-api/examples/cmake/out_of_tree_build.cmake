# Builds the example as a vendor would: a fresh build directory, an SDK that is only a copy of
# plugin-api/include, then checks that the plugin exports the entry symbol and no other symbol of
# its own or of the SDK (libstdc++ template instances may stay visible: its headers force it).
file(REMOVE_RECURSE ${WORK_DIR})
file(COPY ${SDK_INCLUDE_DIR}/ DESTINATION ${WORK_DIR}/sdk/include)

execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${EXAMPLE_SOURCE_DIR} -B ${WORK_DIR}/build -G ${GENERATOR}
          -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
          -DCMAKE_C_COMPILER=${C_COMPILER} -DHEARTH_PLUGIN_API_DIR=${WORK_DIR}/sdk/include
  RESULT_VARIABLE configure_result)
if(NOT configure_result EQUAL 0)
  message(FATAL_ERROR "out-of-tree configure failed (${configure_result})")
endif()

execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE build_result)
if(NOT build_result EQUAL 0)
  message(FATAL_ERROR "out-of-tree build failed (${build_result})")
endif()

set(plugin ${WORK_DIR}/build/example-modbus-meter.so)
if(NOT EXISTS ${plugin})
  message(FATAL_ERROR "the build produced no ${plugin}")
endif()
execute_process(COMMAND nm -D --defined-only ${plugin} OUTPUT_VARIABLE symbols RESULT_VARIABLE nm_result)
string(REGEX MATCHALL "[^\n]* [TDBRVuiW] [^\n]*" exported "${symbols}")
string(REGEX MATCHALL " T hearth_plugin_entry" entry "${symbols}")
if(NOT entry)
  message(FATAL_ERROR "${plugin} does not export hearth_plugin_entry:\n${symbols}")
endif()
foreach(line ${exported})
  if(NOT line MATCHES "hearth_plugin_entry$" AND (line MATCHES "hearth" OR line MATCHES "example"))
    message(FATAL_ERROR "${plugin} exports more than the entry symbol: ${line}")
  endif()
endforeach()
message(STATUS "out-of-tree build OK: ${plugin}")
