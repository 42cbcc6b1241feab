// The regular files of a backup set directory, found recursively without following symlinks
// (so that a file found here is reached through no symlink), each with the stat the
// verification cache keys on. Stateless; thread-safe.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/deadline.h"
#include "common/status.h"

namespace usdcop {

struct FileStat {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t inode = 0;
};

FileStat StatOf(const struct stat& st);

// The UTC time a backup set's directory name gives ("20261124_060000"), in Unix seconds;
// nullopt for a name that is not a set's.
std::optional<double> BackupSetTime(const std::string& dir_name);

// Adds the regular files below the directory `dir_fd` (taken over and closed) to `out`, by their
// paths relative to it ("sub/a.csv"), at most 32 directories deep. Reason::kIo names what could
// not be listed (the rest is listed); kTimeout or kCancelled when the deadline stopped it.
Status ListSetFiles(int dir_fd, const Deadline& deadline, std::unordered_map<std::string, FileStat>& out);

// The set to check for `path`: PATH itself when it holds a manifest, else the newest set
// directory (YYYYMMDD_HHMMSS) in it; nullopt when it has neither.
std::optional<std::filesystem::path> SetToCheck(const std::filesystem::path& path);

}  // namespace usdcop
