#include "airflow/requests.h"

#include <cctype>

namespace usdcop::sim {
namespace {

constexpr size_t kMaxRunIdLength = 250;
constexpr size_t kMaxNoteLength = 1000;

// Airflow's default allowed_run_id_pattern, ^[A-Za-z0-9_.~:+-]+$, within its column's length.
bool IsValidRunId(const std::string& id) {
  if (id.empty() || id.size() > kMaxRunIdLength) return false;
  for (char c : id) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) ||
              std::string_view("_.~:+-").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// An ISO 8601 date-time with a zone (Airflow refuses naive ones).
std::optional<Time> TimeField(FieldReader& body, const char* key) {
  auto text = body.String(key, false);
  if (!text) return std::nullopt;
  auto t = ParseIsoTime(*text);
  if (!t) body.Fail(key, std::string("\"") + key + "\" must be an ISO 8601 date-time with a zone");
  return t;
}

// dag_run_id, conf and note, the fields both versions of a trigger share.
void ReadRunFields(FieldReader& body, TriggerSpec& spec) {
  spec.run_id = body.String("dag_run_id", false);
  if (spec.run_id && !IsValidRunId(*spec.run_id)) {
    body.Fail("dag_run_id", "dag_run_id must be 1 to 250 of letters, digits and _.~:+-");
  }
  if (auto conf = body.Object("conf", false)) spec.conf = conf->dump();
  spec.note = body.String("note", false);
  if (spec.note && spec.note->size() > kMaxNoteLength) {
    body.Fail("note", "note must be at most 1000 characters");
  }
}

void ReadTriggerV1(FieldReader& body, TriggerSpec& spec, Time now) {
  body.RejectUnknown({"dag_run_id", "logical_date", "execution_date", "conf", "note"});
  auto logical = TimeField(body, "logical_date");
  auto execution = TimeField(body, "execution_date");
  if (logical && execution && *logical != *execution) {
    body.Fail("logical_date", "logical_date conflicts with execution_date");
  }
  spec.logical_date = logical ? logical : execution ? execution : now;
  spec.run_after = *spec.logical_date;
}

void ReadTriggerV2(FieldReader& body, TriggerSpec& spec, Time now) {
  body.RejectUnknown({"dag_run_id", "data_interval_start", "data_interval_end", "logical_date",
                      "run_after", "conf", "note"});
  if (!body.Has("logical_date")) body.Fail("logical_date", "Field required");
  spec.logical_date = TimeField(body, "logical_date");
  auto start = TimeField(body, "data_interval_start");
  auto end = TimeField(body, "data_interval_end");
  if (start.has_value() != end.has_value()) {
    body.Fail("body",
              "Either both data_interval_start and data_interval_end must be provided "
              "or both must be None");
  }
  spec.run_after = TimeField(body, "run_after").value_or(now);
  if (!spec.logical_date) return;  // no logical date: no data interval either
  if (start && end) {
    spec.data_interval = std::pair(*start, *end);
  } else {
    spec.run_after = *spec.logical_date;  // the inferred interval ends at the logical date
  }
}

}  // namespace

FieldReader ReadApiBody(const std::string& body) {
  FieldReader reader(body);
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    reader.Fail("body", "a JSON object body is required");
  }
  return reader;
}

Result<TriggerSpec> ParseTriggerBody(FieldReader& body, ApiVersion version, Time now) {
  TriggerSpec spec;
  if (version == ApiVersion::kV1) {
    ReadTriggerV1(body, spec, now);
  } else {
    ReadTriggerV2(body, spec, now);
  }
  ReadRunFields(body, spec);
  if (!body.ok()) return body.error();
  return spec;
}

Result<ClearSpec> ParseClearRunBody(FieldReader& body, ApiVersion version) {
  ClearSpec spec;
  if (version == ApiVersion::kV1) {
    body.RejectUnknown({"dry_run"});
  } else {
    body.RejectUnknown({"dry_run", "only_failed"});
    if (body.Bool("only_failed", false).value_or(false)) spec.tasks = TaskFilter::kFailed;
  }
  spec.dry_run = body.Bool("dry_run", false).value_or(true);
  if (!body.ok()) return body.error();
  return spec;
}

Result<ClearSpec> ParseClearTasksBody(FieldReader& body, ApiVersion version) {
  body.RejectUnknown({"dry_run", "only_failed", "only_running", "reset_dag_runs", "dag_run_id",
                      "start_date", "end_date"});
  ClearSpec spec;
  spec.dry_run = body.Bool("dry_run", false).value_or(true);
  bool only_failed = body.Bool("only_failed", false).value_or(true);
  bool only_running = body.Bool("only_running", false).value_or(false);
  spec.requeue = body.Bool("reset_dag_runs", false).value_or(version == ApiVersion::kV2);
  spec.run_id = body.String("dag_run_id", false);
  spec.from = TimeField(body, "start_date");
  spec.to = TimeField(body, "end_date");
  if (only_failed && only_running) {
    body.Fail("body", "only_failed and only_running both are set to True");
  }
  spec.tasks = only_failed    ? TaskFilter::kFailed
               : only_running ? TaskFilter::kRunning
                              : TaskFilter::kAny;
  if (spec.from && spec.to && *spec.from > *spec.to) {
    body.Fail("body", "end_date is sooner than start_date");
  }
  if (spec.run_id && (spec.from || spec.to)) {
    body.Fail("body", "Exactly one of dag_run_id or (start_date and end_date) must be provided");
  }
  if (!body.ok()) return body.error();
  return spec;
}

}  // namespace usdcop::sim
