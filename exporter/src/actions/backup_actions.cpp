#include "actions/backup_actions.h"

#include <sys/stat.h>

#include <filesystem>
#include <random>

#include "backup/copy_set.h"
#include "backup/manifest.h"
#include "backup/set_files.h"
#include "backup/verify.h"
#include "common/fd.h"
#include "common/sha256.h"
#include "common/units.h"

namespace usdcop {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json VerificationJson(const SetVerification& v) {
  json failures = json::object();
  for (IntegrityReason r : kAllIntegrityReasons)
    failures[std::string(IntegrityReasonName(r))] = v.failed(r);
  json details = json::array();
  for (const IntegrityFailure& f : v.details)
    details.push_back(
        {{"reason", IntegrityReasonName(f.reason)}, {"path", f.path}, {"detail", f.detail}});
  json out = {{"intact", v.intact()},
              {"complete", v.complete},
              {"files_listed", v.files_listed},
              {"files_hashed", v.files_hashed},
              {"bytes_hashed", v.bytes_hashed},
              {"failures", failures},
              {"details", details}};
  if (!v.status.ok()) out["error"] = v.status.message();
  return out;
}

// Verifies the newest set below `root` with no cache; null json when the layer has no set.
json VerifyNewest(const std::string& root, const Deadline& deadline, ByteRateLimiter* limiter,
                  const Clock& clock, bool* intact) {
  auto set = SetToCheck(root);
  if (!set) {
    *intact = false;
    return {{"error", "no backup set in " + root}};
  }
  SetVerifier verifier(nullptr, clock, nullptr);
  const auto start = std::chrono::steady_clock::now();
  SetVerification v =
      verifier.Verify(root, set->string(), VerifyOptions{deadline, Duration(0), limiter, 20});
  *intact = v.intact();
  json out = VerificationJson(v);
  out["set"] = set->filename().string();
  out["duration_seconds"] = SecondsSince(start);
  return out;
}

// Copies the set `source` to `scratch`/`set_name`, `scratch` a new directory in `scratch_dir`;
// *made says whether `scratch` was made (and is to be removed).
SetCopy CopyToScratch(const fs::path& source, const std::string& scratch_dir,
                      const fs::path& scratch, const fs::path& set_name, const Deadline& deadline,
                      bool* made) {
  SetCopy copy;
  std::error_code ec;
  fs::create_directories(scratch_dir, ec);
  *made = false;
  if (!LexicallyInside(scratch_dir, scratch)) {
    copy.status =
        Status(Reason::kIo, scratch.string() + ": not inside the scratch directory " + scratch_dir);
  } else if (::mkdir(scratch.c_str(), 0700) != 0) {  // a new directory of ours, or nothing
    copy.status =
        Status(Reason::kIo, "cannot create " + scratch.string() + ": " + ErrnoText(errno));
  } else {
    *made = true;
    copy = CopySet(source, scratch / set_name, deadline);
  }
  return copy;
}

// Adds what the copy found (symlinks it did not copy) to the verification of the copy, first
// among its details, so that the answer says it as the verification says its own findings.
void AddCopyFindings(const SetCopy& copy, SetVerification& v, std::size_t max_details) {
  v.failures[static_cast<std::size_t>(IntegrityReason::kBadManifest)] += copy.symlinks;
  std::vector<IntegrityFailure> details = copy.findings;
  for (IntegrityFailure& f : v.details)
    if (details.size() < max_details) details.push_back(std::move(f));
  v.details = std::move(details);
}

}  // namespace

ActionResult VerifyIntegrityNow(const ActionCall& call,
                                const std::vector<BackupLayerConfig>& layers,
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
          {{"action", "verify-integrity"},
           {"all_intact", intact_count == checked},
           {"layers", results}},
          std::to_string(intact_count) + " of " + std::to_string(checked) + " layer(s) intact"};
}

ActionResult TestRecovery(const ActionCall& call, const BackupLayerConfig& layer,
                          const std::string& scratch_dir, const Clock& clock) {
  auto set = SetToCheck(layer.path);
  if (!set) {
    std::string error = "no backup set of " + layer.layer + " in " + layer.path;
    return {409, {{"error", error}, {"field", "layer"}}, error};
  }
  std::error_code ec;
  // The layer's own directory may be a symlink in the config; a set below it may not.
  fs::path source = *set;
  if (source == fs::path(layer.path)) {
    fs::path resolved = fs::canonical(source, ec);
    if (!ec) source = std::move(resolved);
  }
  const fs::path set_name =
      source.filename().empty() ? source.parent_path().filename() : source.filename();
  std::mt19937_64 rng(std::random_device{}());
  const fs::path scratch =
      fs::path(scratch_dir) / (layer.layer + "-" + std::to_string(rng() % 1000000000));
  const auto start = std::chrono::steady_clock::now();
  bool made = false;
  SetCopy copy = CopyToScratch(source, scratch_dir, scratch, set_name, call.deadline, &made);
  const double copy_seconds = SecondsSince(start);
  json body = {{"action", "test-recovery"},         {"layer", layer.layer},
               {"set", set_name.string()},          {"files_copied", copy.files_copied},
               {"bytes_copied", copy.bytes_copied}, {"copy_seconds", copy_seconds}};
  constexpr std::size_t kMaxDetails = 20;
  SetVerification v;
  if (copy.status.ok()) {
    SetVerifier verifier(nullptr, clock, nullptr);
    const auto verify_start = std::chrono::steady_clock::now();
    v = verifier.Verify(scratch.string(), (scratch / set_name).string(),
                        VerifyOptions{call.deadline, Duration(0), nullptr, kMaxDetails});
    body["verify_seconds"] = SecondsSince(verify_start);
  } else {
    v.complete = false;
    v.status = copy.status;
    body["error"] = copy.status.message();
  }
  AddCopyFindings(copy, v, kMaxDetails);
  body["verification"] = VerificationJson(v);
  const bool intact = v.intact();
  if (made) fs::remove_all(scratch, ec);  // removes symlinks, never follows them
  body["duration_seconds"] = SecondsSince(start);
  body["recovered"] = intact;
  char took[32];
  std::snprintf(took, sizeof took, "%.3f", SecondsSince(start));
  return {200, body,
          std::string(intact ? "recovered " : "recovery FAILED for ") + layer.layer + " set " +
              set_name.string() + " in " + took + " s"};
}

}  // namespace usdcop
