# The dashboards' lint (grafana-dashboards/tests/lint.py): grafana/dashboard-linter's rules and the
# project's own, and its self-test (each rule fires on a mutated copy). Included by
# tests/CMakeLists.txt; needs python3 with PyYAML, else skipped (77).
find_program(USDCOP_PYTHON3 python3)
set(USDCOP_DASHBOARDS_LINT ${CMAKE_SOURCE_DIR}/grafana-dashboards/tests/lint.py)
if(USDCOP_PYTHON3)
  set(USDCOP_DASHBOARDS_PY ${USDCOP_PYTHON3})
else()
  # No python3 at configure time: the test reports the skip when it runs.
  set(USDCOP_DASHBOARDS_PY sh -c "echo 'SKIP: python3 not found (bash scripts/install-deps)' >&2; exit 77" --)
endif()
add_test(NAME dashboards_lint
  COMMAND ${USDCOP_DASHBOARDS_PY} ${USDCOP_DASHBOARDS_LINT} --repo ${CMAKE_SOURCE_DIR} --shared ${USDCOP_SHARED_DIR})
add_test(NAME dashboards_lint_self_test
  COMMAND ${USDCOP_DASHBOARDS_PY} ${USDCOP_DASHBOARDS_LINT} --self-test --repo ${CMAKE_SOURCE_DIR}
          --shared ${USDCOP_SHARED_DIR})
set_tests_properties(dashboards_lint dashboards_lint_self_test PROPERTIES
  LABELS dashboards SKIP_RETURN_CODE 77 TIMEOUT 120)
