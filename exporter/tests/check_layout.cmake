# ctest TestLayout: every exporter/src/<folder>/<file>.cpp has its unit tests in
# exporter/tests/<folder>/<file>_test.cpp, but for the files listed below, each with the reason it
# has none. The files are found when the test runs, so a new source file without its test file
# fails here; so does an exemption whose file has gone, or that now has a test file.
#
#   cmake -DSRC_DIR=exporter/src -DTEST_DIR=exporter/tests -P exporter/tests/check_layout.cmake

# <path under src/>|<why it has no unit-test file>
set(EXEMPT
  "main.cpp|the flags and startup: tests/integration/cli_test.cpp runs the binary"
  "app/daemon.cpp|the wiring of every part: the whole integration suite runs it"
  "app/probe_table.cpp|builds the probes a config enables: every integration test that scrapes one"
  "app/verify_backup.cpp|the verify-backup command: tests/integration/verify_backup_test.cpp (its checks: backup/verify_test)"
  "control/control_server.cpp|the control port on HttpServer: tests/integration/control_api_test.cpp, control_abuse_test.cpp"
  "http/metrics_server.cpp|the metrics port on HttpServer: every integration test scrapes it"
  "sources/postgres_bar_source.cpp|needs a PostgreSQL server: tests/integration/market_data_postgres_test.cpp"
  "sources/sqlite_bar_source.cpp|probes/market_data and probes/ready_signal probe tests read their bars through it"
  "sources/websocket_client.cpp|needs a WebSocket server: tests/integration/websocket_probe_test.cpp, websocket_hung_peer_test.cpp"
  "sources/alertmanager_client.cpp|probes/alertmanager/alertmanager_probe_test drives it over FakeHttp"
)

if(NOT SRC_DIR OR NOT TEST_DIR)
  message(FATAL_ERROR "give -DSRC_DIR=<exporter/src> -DTEST_DIR=<exporter/tests>")
endif()
# Relative paths from the working directory (file(GLOB RELATIVE) and EXISTS want full paths).
get_filename_component(SRC_DIR "${SRC_DIR}" ABSOLUTE)
get_filename_component(TEST_DIR "${TEST_DIR}" ABSOLUTE)

set(exempt_files "")
foreach(entry IN LISTS EXEMPT)
  string(FIND "${entry}" "|" bar)
  string(SUBSTRING "${entry}" 0 ${bar} file)
  list(APPEND exempt_files "${file}")
endforeach()

file(GLOB_RECURSE sources RELATIVE "${SRC_DIR}" "${SRC_DIR}/*.cpp")
list(SORT sources)
set(problems "")
set(checked 0)
foreach(source IN LISTS sources)
  string(REGEX REPLACE "\\.cpp$" "_test.cpp" test "${source}")
  list(FIND exempt_files "${source}" exempt)
  if(exempt GREATER -1)
    if(EXISTS "${TEST_DIR}/${test}")
      string(APPEND problems "  ${source}: has tests/${test} now: take it off the exemption list\n")
    endif()
  elseif(NOT EXISTS "${TEST_DIR}/${test}")
    string(APPEND problems "  ${source}: no tests/${test} (write it, or exempt the file with a reason)\n")
  endif()
  math(EXPR checked "${checked} + 1")
endforeach()
foreach(file IN LISTS exempt_files)
  if(NOT EXISTS "${SRC_DIR}/${file}")
    string(APPEND problems "  ${file}: exempted but no longer in src/: take it off the list\n")
  endif()
endforeach()

# A test file for no source file (a renamed or deleted source left its tests behind).
file(GLOB_RECURSE tests RELATIVE "${TEST_DIR}" "${TEST_DIR}/*_test.cpp")
foreach(test IN LISTS tests)
  string(REGEX REPLACE "_test\\.cpp$" ".cpp" source "${test}")
  if(NOT EXISTS "${SRC_DIR}/${source}")
    string(APPEND problems "  tests/${test}: tests no src/${source}\n")
  endif()
endforeach()

if(problems)
  message(FATAL_ERROR "The unit tests do not mirror src/:\n${problems}")
endif()
message(STATUS "TestLayout: ${checked} source files, each with its test file or a listed reason")
