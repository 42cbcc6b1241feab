# The dashboards' JSON Schema check: schemas generated at test time from the pinned npm package
# @grafana/schema (grafana-dashboards/tests/schema/: package.json, package-lock.json), installed
# with `npm ci` into the build tree and reused until the lock file changes. Skips (77) with a
# message when node, npm or python3-jsonschema is missing; fails when npm ci fails.
add_test(NAME dashboards_schema
  COMMAND bash ${CMAKE_SOURCE_DIR}/grafana-dashboards/tests/schema/run.sh)
set_tests_properties(dashboards_schema PROPERTIES
  LABELS dashboards SKIP_RETURN_CODE 77 TIMEOUT 900
  ENVIRONMENT "USDCOP_SCHEMA_CACHE=${CMAKE_BINARY_DIR}/grafana-schema")
