# The compose stack's offline checks (deploy/tests/compose_check.py; deploy/README.md, "Checks"):
# compose_<check> checks the repository's docker-compose.yml and the files it mounts;
# compose_selftest_<check> proves that <check> fails on mutated copies (and passes unmutated).
# Included by tests/CMakeLists.txt. A missing tool skips (exit 77) with the reason.
set(USDCOP_COMPOSE_CHECK ${CMAKE_SOURCE_DIR}/deploy/tests/compose_check.py)
set(USDCOP_COMPOSE_TESTS)
foreach(check compose-config mounts promtool amtool prom-pair am-cluster health-restart exporter-config)
  string(REPLACE "-" "_" name ${check})
  add_test(NAME compose_${name} COMMAND python3 ${USDCOP_COMPOSE_CHECK} ${check})
  add_test(NAME compose_selftest_${name} COMMAND python3 ${USDCOP_COMPOSE_CHECK} self-test ${check})
  list(APPEND USDCOP_COMPOSE_TESTS compose_${name} compose_selftest_${name})
endforeach()
set_tests_properties(${USDCOP_COMPOSE_TESTS} PROPERTIES
  LABELS "deploy;compose" SKIP_RETURN_CODE 77 TIMEOUT 300
  ENVIRONMENT "USDCOP_EXPORTER_BIN=$<TARGET_FILE:usdcop_exporter>;${USDCOP_ALERTING_ENV}")
