#include "status_files/status_files.h"

#include <unistd.h>

#include <fstream>
#include <system_error>

#include "shared/http_util.h"
#include "shared/log.h"
#include "shared/sim_time.h"

namespace usdcop::sim {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMaxRecords = 1'000'000'000'000;

bool IsValidLayer(const std::string& layer) { return IsValidId(layer) && layer.front() != '.'; }

bool IsValidStatus(const std::string& status) {
  return status == "running" || status == "completed" || status == "failed" || status == "idle";
}

// The file's content from a POST body, or the first problem with it.
Result<json> ContentFromBody(FieldReader& body) {
  body.RejectUnknown({"status", "records", "updated_at"});
  auto status = body.String("status", true);
  if (status && !IsValidStatus(*status)) {
    body.Fail("status", "status must be one of running, completed, failed, idle");
  }
  auto records = body.Int("records", 0, kMaxRecords, false);
  auto updated_at = body.String("updated_at", false);
  if (updated_at && !ParseIsoTime(*updated_at)) {
    body.Fail("updated_at", "updated_at must be an ISO 8601 time with a zone");
  }
  if (!body.ok()) return body.error();
  return json{{"status", *status},
              {"updated_at", updated_at.value_or(FormatAirflow2(Now()))},
              {"records", records.value_or(0)}};
}

json ReadJsonFile(const fs::path& path) {
  std::ifstream in(path);
  json content = json::parse(in, nullptr, /*allow_exceptions=*/false);
  return content.is_discarded() ? json(nullptr) : content;
}

}  // namespace

StatusFiles::StatusFiles(std::filesystem::path state_dir) : dir_(std::move(state_dir) / "status") {}

Status StatusFiles::Init() {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (!ec) return Status::Ok();
  return IoError("filesystem", "cannot create " + dir_.string() + ": " + ec.message());
}

fs::path StatusFiles::PathFor(const std::string& layer) const { return dir_ / (layer + ".json"); }

Status StatusFiles::Write(const std::string& layer, const json& content) {
  fs::path target = PathFor(layer);
  fs::path temp = dir_ / ("." + layer + ".json.tmp." + std::to_string(getpid()) + "." +
                          std::to_string(temp_counter_++));
  {
    std::ofstream out(temp, std::ios::trunc);
    out << content.dump(2) << '\n';
    out.close();
    if (!out) return IoError("filesystem", "cannot write " + temp.string());
  }
  std::error_code ec;
  fs::rename(temp, target, ec);
  if (!ec) return Status::Ok();
  fs::remove(temp, ec);
  return IoError("filesystem", "cannot rename to " + target.string());
}

bool StatusFiles::Remove(const std::string& layer) {
  std::error_code ec;
  return fs::remove(PathFor(layer), ec);
}

void StatusFiles::RemoveAll() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.path().extension() == ".json") fs::remove(entry.path(), ec);
  }
}

json StatusFiles::Describe() const {
  json files = json::object();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const fs::path& path = entry.path();
    if (path.extension() == ".json") files[path.stem().string()] = ReadJsonFile(path);
  }
  return {{"dir", dir_.string()}, {"files", files}};
}

void StatusFiles::Register(httplib::Server& server) {
  server.Post("/sim/status-files/([^/]+)",
              OptionalBody(
                  [this](const httplib::Request& req, httplib::Response& res) { Post(req, res); }));
  server.Delete("/sim/status-files/([^/]+)",
                [this](const httplib::Request& req, httplib::Response& res) { Delete(req, res); });
}

void StatusFiles::Post(const httplib::Request& req, httplib::Response& res) {
  std::string layer = PathParam(req, 1);
  if (!IsValidLayer(layer)) return ReplyError(res, BadInput("layer", "not a valid layer name"));
  FieldReader body(req.body);
  auto content = ContentFromBody(body);
  if (!content.ok()) return ReplyError(res, content.error());
  if (Status written = Write(layer, *content); !written.ok()) {
    Log("status file: " + written.message());
    return ReplyJson(res, 500, {{"error", written.message()}});  // this endpoint: 500, no field
  }
  ReplyJson(res, 200, {{"path", PathFor(layer).string()}, {"content", *content}});
}

void StatusFiles::Delete(const httplib::Request& req, httplib::Response& res) {
  std::string layer = PathParam(req, 1);
  if (!IsValidLayer(layer)) return ReplyError(res, BadInput("layer", "not a valid layer name"));
  bool deleted = Remove(layer);
  ReplyJson(res, 200, {{"path", PathFor(layer).string()}, {"deleted", deleted}});
}

}  // namespace usdcop::sim
