#include "actions/backup_actions.h"

#include <filesystem>
#include <random>

#include "backup/manifest.h"
#include "backup/set_files.h"
#include "backup/sha256.h"
#include "backup/verify.h"

namespace usdcop {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

json VerificationJson(const SetVerification& v) {
  json failures = json::object();
  for (IntegrityReason r : kAllIntegrityReasons) failures[std::string(IntegrityReasonName(r))] = v.failed(r);
  json details = json::array();
  for (const IntegrityFailure& f : v.details)
    details.push_back({{"reason", IntegrityReasonName(f.reason)}, {"path", f.path}, {"detail", f.detail}});
  json out = {{"intact", v.intact()}, {"complete", v.complete}, {"files_listed", v.files_listed},
              {"files_hashed", v.files_hashed}, {"bytes_hashed", v.bytes_hashed}, {"failures", failures},
              {"details", details}};
  if (!v.status.ok()) out["error"] = v.status.message();
  return out;
}

// Verifies the newest set below `root` with no cache; null json when the layer has no set.
json VerifyNewest(const std::string& root, const Deadline& deadline, ByteRateLimiter* limiter, const Clock& clock,
                  bool* intact) {
  auto set = SetToCheck(root);
  if (!set) {
    *intact = false;
    return {{"error", "no backup set in " + root}};
  }
  SetVerifier verifier(nullptr, clock, nullptr);
  const auto start = std::chrono::steady_clock::now();
  SetVerification v = verifier.Verify(root, set->string(), VerifyOptions{deadline, Duration(0), limiter, 20});
  *intact = v.intact();
  json out = VerificationJson(v);
  out["set"] = set->filename().string();
  out["duration_seconds"] = Seconds(start);
  return out;
}

// Copies the directory tree `from` into `to`, file by file, checking the deadline between files.
Status CopyTree(const fs::path& from, const fs::path& to, const Deadline& deadline, std::uint64_t* bytes) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return Status(Reason::kIo, "cannot create " + to.string() + ": " + ec.message());
  for (fs::recursive_directory_iterator it(from, ec), end; !ec && it != end; it.increment(ec)) {
    if (deadline.Cancelled()) return Status(Reason::kCancelled, "the exporter is stopping");
    if (deadline.Expired()) return Status(Reason::kTimeout, "the copy did not finish within the action's timeout");
    const fs::path target = to / fs::relative(it->path(), from, ec);
    if (it->is_directory(ec)) {
      fs::create_directories(target, ec);
    } else if (it->is_regular_file(ec)) {
      fs::copy_file(it->path(), target, fs::copy_options::overwrite_existing, ec);
      if (!ec) *bytes += fs::file_size(target, ec);
    }
    if (ec) return Status(Reason::kIo, "cannot copy " + it->path().string() + ": " + ec.message());
  }
  if (ec) return Status(Reason::kIo, "cannot read " + from.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

ActionResult VerifyIntegrityNow(const ActionCall& call, const std::vector<BackupLayerConfig>& layers,
                                std::uint64_t max_bytes_per_second, const Clock& clock) {
  const std::string only = call.params.value("layer", "");
  std::unique_ptr<ByteRateLimiter> limiter;
  if (max_bytes_per_second > 0) limiter = std::make_unique<ByteRateLimiter>(max_bytes_per_second);
  json results = json::object();
  int intact_count = 0, checked = 0;
  for (const BackupLayerConfig& l : layers) {
    if (!only.empty() && l.layer != only) continue;
    bool intact = false;
    results[l.layer] = VerifyNewest(l.path, call.deadline, limiter.get(), clock, &intact);
    intact_count += intact;
    checked++;
  }
  return {200,
          {{"action", "verify-integrity"}, {"all_intact", intact_count == checked}, {"layers", results}},
          std::to_string(intact_count) + " of " + std::to_string(checked) + " layer(s) intact"};
}

ActionResult TestRecovery(const ActionCall& call, const BackupLayerConfig& layer, const std::string& scratch_dir,
                          const Clock& clock) {
  auto set = SetToCheck(layer.path);
  if (!set) {
    std::string error = "no backup set of " + layer.layer + " in " + layer.path;
    return {409, {{"error", error}, {"field", "layer"}}, error};
  }
  std::mt19937_64 rng(std::random_device{}());
  const fs::path scratch = fs::path(scratch_dir) / (layer.layer + "-" + std::to_string(rng() % 1000000000));
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t bytes = 0;
  Status copied = CopyTree(*set, scratch / set->filename(), call.deadline, &bytes);
  const double copy_seconds = Seconds(start);
  json body = {{"action", "test-recovery"}, {"layer", layer.layer}, {"set", set->filename().string()},
               {"bytes_copied", bytes}, {"copy_seconds", copy_seconds}};
  bool intact = false;
  if (copied.ok()) {
    SetVerifier verifier(nullptr, clock, nullptr);
    const auto verify_start = std::chrono::steady_clock::now();
    SetVerification v = verifier.Verify(scratch.string(), (scratch / set->filename()).string(),
                                        VerifyOptions{call.deadline, Duration(0), nullptr, 20});
    body["verification"] = VerificationJson(v);
    body["verify_seconds"] = Seconds(verify_start);
    intact = v.intact();
  } else {
    body["error"] = copied.message();
  }
  std::error_code ec;
  fs::remove_all(scratch, ec);
  body["duration_seconds"] = Seconds(start);
  body["recovered"] = intact;
  char took[32];
  std::snprintf(took, sizeof took, "%.3f", Seconds(start));
  return {200, body,
          std::string(intact ? "recovered " : "recovery FAILED for ") + layer.layer + " set " +
              set->filename().string() + " in " + took + " s"};
}

}  // namespace usdcop
