#include "backup/set_files.h"

#include "backup/manifest.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <regex>
#include <string_view>
#include <system_error>

#include "common/units.h"

namespace usdcop {
namespace {

constexpr int kMaxDepth = 32;

Status IoError(const std::string& what, int err) {
  return Status(Reason::kIo, what + ": " + std::generic_category().message(err));
}

// `stop` (why the walk ends), followed by the I/O errors met before.
Status Stopping(Status stop, const Status& before) {
  MergeInto(stop, before);
  return stop;
}

Status Walk(int dir_fd, const std::string& prefix, int depth, const Deadline& deadline,
            SetVisitor& visitor) {
  DIR* dir = ::fdopendir(dir_fd);
  if (dir == nullptr) {
    int err = errno;
    ::close(dir_fd);
    return IoError(prefix, err);
  }
  Status status;
  for (;;) {
    errno = 0;
    const dirent* d = ::readdir(dir);
    if (d == nullptr) {
      if (errno != 0) MergeInto(status, IoError(prefix, errno));
      break;
    }
    const std::string_view name = d->d_name;
    if (name == "." || name == "..") continue;
    if (deadline.Cancelled() || deadline.Expired()) {
      const std::string what = "listing " + (prefix.empty() ? std::string("the set") : prefix);
      status = Stopping(deadline.Cancelled()
                            ? Status(Reason::kCancelled, what + ": cancelled at shutdown")
                            : Status(Reason::kTimeout, what + ": deadline passed"),
                        status);
      break;
    }
    std::string rel;
    rel.reserve(prefix.size() + 1 + name.size());
    if (!prefix.empty()) rel.append(prefix).append(1, '/');
    rel.append(name);
    struct stat st {};
    if (::fstatat(::dirfd(dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT) MergeInto(status, IoError(rel, errno));  // ENOENT: deleted meanwhile
      continue;
    }
    const SetEntry entry{::dirfd(dir), d->d_name, rel, st};
    Status visited;
    if (S_ISREG(st.st_mode)) {
      visited = visitor.File(entry);
    } else if (!S_ISDIR(st.st_mode)) {
      visited = visitor.Other(entry);
    } else if (depth >= kMaxDepth) {
      MergeInto(status,
                Status(Reason::kIo, rel + ": nested deeper than " + std::to_string(kMaxDepth)));
    } else if (int sub = ::openat(::dirfd(dir), d->d_name,
                                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
               sub < 0) {
      MergeInto(status, IoError(rel, errno));
    } else if (visited = visitor.Enter(entry); !visited.ok()) {
      ::close(sub);
    } else {
      Status below = Walk(sub, rel, depth + 1, deadline, visitor);
      visitor.Leave(entry);
      if (below.ok() || below.reason() == Reason::kIo)
        MergeInto(status, below);
      else
        visited = below;  // the deadline or the visitor stopped the walk below
    }
    if (!visited.ok()) {
      status = Stopping(visited, status);
      break;
    }
  }
  ::closedir(dir);
  return status;
}

// ListSetFiles' visitor: each regular file's stat by its path.
class FileLister : public SetVisitor {
 public:
  explicit FileLister(std::unordered_map<std::string, FileStat>& out) : out_(out) {}
  Status File(const SetEntry& e) override {
    out_.emplace(e.rel, StatOf(e.st));
    return Status::Ok();
  }

 private:
  std::unordered_map<std::string, FileStat>& out_;
};

}  // namespace

std::optional<double> BackupSetTime(const std::string& dir_name) {
  static const std::regex kSetName("^(\\d{4})(\\d{2})(\\d{2})_(\\d{2})(\\d{2})(\\d{2})$");
  std::smatch m;
  if (!std::regex_match(dir_name, m, kSetName)) return std::nullopt;
  auto t = ParseTimestamp(m[1].str() + "-" + m[2].str() + "-" + m[3].str() + "T" + m[4].str() +
                          ":" + m[5].str() + ":" + m[6].str() + "Z");
  if (!t) return std::nullopt;
  return ToUnixSeconds(*t);
}

FileStat StatOf(const struct stat& st) {
  return FileStat{
      static_cast<std::uint64_t>(st.st_size),
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
      static_cast<std::uint64_t>(st.st_ino),
      static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec};
}

Status WalkSet(int dir_fd, const Deadline& deadline, SetVisitor& visitor) {
  return Walk(dir_fd, "", 0, deadline, visitor);
}

Status ListSetFiles(int dir_fd, const Deadline& deadline,
                    std::unordered_map<std::string, FileStat>& out) {
  FileLister lister(out);
  return WalkSet(dir_fd, deadline, lister);
}

std::optional<std::filesystem::path> SetToCheck(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  if (HasManifest(path)) return path;
  std::error_code ec;
  fs::path newest;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (BackupSetTime(name) && it->is_directory(ec) &&
        (newest.empty() || name > newest.filename().string()))
      newest = it->path();
  }
  if (newest.empty()) return std::nullopt;
  return newest;
}

}  // namespace usdcop
