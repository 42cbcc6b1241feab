#include "app/verify_backup.h"

#include <algorithm>
#include <filesystem>

#include "backup/set_files.h"
#include "backup/verify.h"
#include "common/clock.h"

namespace usdcop {
namespace {

namespace fs = std::filesystem;

}  // namespace

int VerifyBackupCommand(const std::string& path, std::ostream& out) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    out << "verify-backup: " << path
        << ": not a directory (give a backup set or a layer's directory of sets)\n";
    return 1;
  }
  const fs::path set = fs::absolute(
      SetToCheck(fs::path(path).lexically_normal()).value_or(fs::path(path).lexically_normal()),
      ec);
  const fs::path root = set.parent_path();
  SystemClock clock;
  SetVerifier verifier(nullptr, clock, nullptr);
  VerifyOptions options{Deadline::After(std::chrono::hours(24 * 365)), Duration(0), nullptr, 1000};
  SetVerification v = verifier.Verify(root.string(), set.string(), options);

  out << "backup set  " << set.string() << "\n";
  if (v.format)
    out << "manifest    "
        << (*v.format == ManifestFormat::kJson ? kJsonManifestName : kSha256SumsName) << ", "
        << v.files_listed << " files listed\n";
  out << "checked     " << v.total_bytes << " bytes present, " << v.bytes_hashed << " hashed\n";
  for (const IntegrityFailure& f : v.details)
    out << "FAIL        " << IntegrityReasonName(f.reason) << "  " << f.path << ": " << f.detail
        << "\n";
  if (v.total_failures() > v.details.size())
    out << "            ... and " << (v.total_failures() - v.details.size()) << " more\n";
  if (!v.status.ok()) out << "error       " << v.status.message() << "\n";
  if (v.intact()) {
    out << "result      INTACT: every listed file matches its size and SHA-256, nothing unlisted\n";
    return 0;
  }
  out << "result      NOT INTACT:";
  for (IntegrityReason r : kAllIntegrityReasons)
    if (v.failed(r) > 0) out << " " << IntegrityReasonName(r) << "=" << v.failed(r);
  if (!v.complete && v.total_failures() == 0) out << " the check could not finish";
  out << "\n";
  return 1;
}

}  // namespace usdcop
