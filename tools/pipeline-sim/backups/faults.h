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
// Stateless; callers serialise changes to one layer directory.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shared/enum_names.h"
#include "shared/status.h"

namespace usdcop::sim {

enum class BackupFault {
  kNone,
  kFlipByte,
  kTruncate,
  kDeleteFile,
  kUnlistedFile,
  kBreakManifest,
  kSkipPeriod
};
inline constexpr EnumNames<BackupFault, 7> kBackupFaultNames({"none", "flip_byte", "truncate",
                                                              "delete_file", "unlisted_file",
                                                              "break_manifest", "skip_period"});
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
Result<SetFaultDone> ApplySetFault(const std::filesystem::path& set_dir, BackupFault fault,
                                   const std::string& file,
                                   const std::vector<std::string>& preferred);

}  // namespace usdcop::sim
