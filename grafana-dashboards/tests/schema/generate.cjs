// Generates JSON Schemas (draft-07) from the TypeScript types of the pinned @grafana/schema:
// the Dashboard type, the common DataQuery (a panel's target), the v2 DataLink (a panel's link) and, for every panel plugin the
// package describes, its Options and FieldConfig (fieldConfig.defaults.custom). One TypeScript
// program serves them all, so the run takes a few seconds.
//   node generate.cjs NODE_MODULES_DIR OUT_DIR
// Writes OUT_DIR/dashboard.json, OUT_DIR/dataquery.json, OUT_DIR/datalink.json and OUT_DIR/panels/<plugin id>.json
// ({pluginVersion, options, fieldConfig}). The output is a build artefact, never committed.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const [modules, out] = process.argv.slice(2);
if (!modules || !out) {
  console.error("usage: node generate.cjs NODE_MODULES_DIR OUT_DIR");
  process.exit(2);
}
const tsj = require(path.join(modules, "ts-json-schema-generator"));
const ts = require(path.join(modules, "typescript"));
const types = path.join(modules, "@grafana/schema/dist/types");
const composable = path.join(types, "raw/composable");

// Folder of raw/composable/<folder>/panelcfg -> the panel plugin id a dashboard's `type` names.
// Folders not listed (pre-release variants: newgauge, logsnew, logstable, xychart2) are skipped.
const kPluginIds = {
  annotationslist: "annolist", barchart: "barchart", bargauge: "bargauge",
  candlestick: "candlestick", canvas: "canvas", dashboardlist: "dashlist", debug: "debug",
  gauge: "gauge", geomap: "geomap", heatmap: "heatmap", histogram: "histogram", logs: "logs",
  news: "news", nodegraph: "nodeGraph", piechart: "piechart", stat: "stat",
  statetimeline: "state-timeline", statushistory: "status-history", table: "table",
  text: "text", timeseries: "timeseries", trend: "trend", xychart: "xychart",
};

const dashboardFile = path.join(types, "raw/dashboard/x/types.gen.d.ts");
const commonFile = path.join(types, "common/common.gen.d.ts");
// The v2 dashboard schema types a panel's links as DataLink ({title, url, targetBlank}), the shape
// Grafana writes for panel links; the v1 `Dashboard` type above says DashboardLink for them.
const v2File = path.join(types, "schema/dashboard/v2/types.spec.gen.d.ts");
const panelFiles = {};
for (const [folder, id] of Object.entries(kPluginIds)) {
  const file = path.join(composable, folder, "panelcfg/x/types.gen.d.ts");
  if (!fs.existsSync(file)) throw new Error(`@grafana/schema has no ${file}`);
  panelFiles[id] = file;
}

const config = { ...tsj.DEFAULT_CONFIG, path: dashboardFile, skipTypeCheck: true, additionalProperties: false };
const program = ts.createProgram([dashboardFile, commonFile, v2File, ...Object.values(panelFiles)], {
  noEmit: true, target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10, strictNullChecks: false,
});
const generator = new tsj.SchemaGenerator(program, tsj.createParser(program, config),
  tsj.createFormatter(config), config);

// The declaration named `name` in `file`, or null.
function declaration(file, name) {
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`TypeScript did not load ${file}`);
  for (const statement of source.statements) {
    if ((ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) &&
        statement.name.text === name) return statement;
  }
  return null;
}
function schemaOf(file, name) {
  const node = declaration(file, name);
  return node ? generator.createSchemaFromNodes([node]) : null;
}
function pluginVersion(file) {
  const m = fs.readFileSync(file, "utf8").match(/pluginVersion = "([^"]+)"/);
  return m ? m[1] : null;
}

fs.mkdirSync(path.join(out, "panels"), { recursive: true });
const write = (name, value) => fs.writeFileSync(path.join(out, name), JSON.stringify(value, null, 1) + "\n");
write("dashboard.json", schemaOf(dashboardFile, "Dashboard"));
write("dataquery.json", schemaOf(commonFile, "DataQuery"));
write("datalink.json", schemaOf(v2File, "DataLink"));
// A plugin whose types the generator cannot turn into one schema (geomap declares its own
// MapLayerOptions beside the common one) is listed in source.json with the reason, unchecked.
const generated = [], failed = {};
for (const [id, file] of Object.entries(panelFiles)) {
  try {
    const options = schemaOf(file, "Options");
    if (!options) throw new Error(`${file} declares no Options`);
    write(`panels/${id}.json`, { pluginVersion: pluginVersion(file), options, fieldConfig: schemaOf(file, "FieldConfig") });
    generated.push(id);
  } catch (error) {
    failed[id] = String(error.message || error).split("\n")[0];
  }
}
const version = JSON.parse(fs.readFileSync(path.join(modules, "@grafana/schema/package.json"), "utf8")).version;
write("source.json", { package: "@grafana/schema", version, panels: generated, not_generated: failed });
console.log(`generated schemas from @grafana/schema ${version}: Dashboard, DataQuery, ` +
  `${generated.length} panel plugins (not generated: ${Object.keys(failed).join(", ") || "none"})`);
