// The entries of a backup set directory, walked recursively without following symlinks (so that
// an entry met here is reached through no symlink), and its regular files, each with the stat the
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
  std::int64_t ctime_ns = 0;
};

FileStat StatOf(const struct stat& st);

// The UTC time a backup set's directory name gives ("20261124_060000"), in Unix seconds;
// nullopt for a name that is not a set's.
std::optional<double> BackupSetTime(const std::string& dir_name);

// One entry met by WalkSet, reached through no symlink: `name` in the open directory `dir_fd`,
// `rel` its path relative to the walk's top ("sub/a.csv"), `st` its lstat.
struct SetEntry {
  int dir_fd;
  const char* name;
  const std::string& rel;
  const struct stat& st;
};

// What a walk does with what it meets. An error a call returns ends the walk with it.
class SetVisitor {
 public:
  virtual ~SetVisitor() = default;
  // A regular file.
  virtual Status File(const SetEntry& e) = 0;
  // A directory, before and after the walk below it (Leave only when Enter succeeded).
  virtual Status Enter(const SetEntry&) { return Status::Ok(); }
  virtual void Leave(const SetEntry&) {}
  // Anything else, never followed or opened: a symlink, a FIFO, a device, a socket.
  virtual Status Other(const SetEntry&) { return Status::Ok(); }
};

// Walks the directory `dir_fd` (taken over and closed) recursively, at most 32 directories deep,
// without following a symlink. Reason::kIo names what could not be listed (the rest is walked);
// kTimeout or kCancelled when the deadline stopped it; or the first error of the visitor.
Status WalkSet(int dir_fd, const Deadline& deadline, SetVisitor& visitor);

// Adds the regular files below the directory `dir_fd` (taken over and closed) to `out`, by their
// paths relative to it ("sub/a.csv"): WalkSet's files.
Status ListSetFiles(int dir_fd, const Deadline& deadline,
                    std::unordered_map<std::string, FileStat>& out);

// The set to check for `path`: PATH itself when it holds a manifest, else the newest set
// directory (YYYYMMDD_HHMMSS) in it; nullopt when it has neither.
std::optional<std::filesystem::path> SetToCheck(const std::filesystem::path& path);

}  // namespace usdcop
