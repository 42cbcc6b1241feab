// The backup faults that POST /sim/backups/fault injects. All but skip_period change the newest
// set of a layer on disk at once:
//   flip_byte        one byte in the middle of a data file is inverted (the size stays)
//   truncate         a data file is cut to half its size
//   delete_file      a data file is removed
//   unlisted_file    a file the manifest does not list is added (stray.tmp by default)
//   break_manifest   manifest.json is cut in half (no longer JSON); in SHA256SUMS the first
//                    line's digest is cut to 32 hex digits (a malformed line)
//   skip_period      the layer's next scheduled set is not written (BackupWriter keeps that)
//   none             clears skip_period
// Also the error values of the backup control requests. Stateless; callers serialise changes
// to one layer directory.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace usdcop::sim {

// Why a backup control request could not be done; answered 400 (kBadInput), 409 (kConflict) or
// 503 (kIo) with {"error": message, "field": field}.
enum class BackupErrorKind { kBadInput, kConflict, kIo };
struct BackupError {
  BackupErrorKind kind;
  std::string field;
  std::string message;
};

// A value, or the BackupError that explains its absence.
template <typename T>
class [[nodiscard]] BackupResult {
 public:
  BackupResult(T value) : v_(std::move(value)) {}            // NOLINT: implicit by design
  BackupResult(BackupError error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  const T& value() const { return std::get<0>(v_); }
  const BackupError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, BackupError> v_;
};

enum class BackupFault {
  kNone,
  kFlipByte,
  kTruncate,
  kDeleteFile,
  kUnlistedFile,
  kBreakManifest,
  kSkipPeriod
};
std::string_view BackupFaultName(BackupFault fault);
std::optional<BackupFault> ParseBackupFault(std::string_view name);
// The faults that take a "file": flip_byte, truncate, delete_file, unlisted_file.
bool FaultTakesFile(BackupFault fault);
// The faults that change an existing set at once: all but none and skip_period.
bool FaultChangesSet(BackupFault fault);

struct SetFaultDone {
  std::string file;    // the file changed, removed or added (the manifest for break_manifest)
  std::string detail;  // for humans and the log: "byte 32768 of 65536 inverted", ...
};

// Applies a fault that changes a set (FaultChangesSet) to the set in `set_dir`. For flip_byte,
// truncate and delete_file, `file` names the data file (empty: the first of `preferred` the set
// holds, else its first data file by name); for unlisted_file, the file to add (empty:
// stray.tmp). kBadInput on a bad `file`, kConflict when the set has nothing to change, kIo when
// the change fails.
BackupResult<SetFaultDone> ApplySetFault(const std::filesystem::path& set_dir, BackupFault fault,
                                         const std::string& file,
                                         const std::vector<std::string>& preferred);

}  // namespace usdcop::sim
