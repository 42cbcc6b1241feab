#include "backup/copy_set.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "backup/manifest.h"
#include "backup/set_files.h"
#include "common/fd.h"

namespace usdcop {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kCopyChunkBytes = 256 << 10;

Status CopyIoError(const std::string& what, int err) {
  return Status(Reason::kIo, what + ": " + ErrnoText(err));
}

// Copies what WalkSet meets into the destination, one directory descriptor per level.
class SetCopier : public SetVisitor {
 public:
  SetCopier(fs::path dest, Fd dest_fd, const Deadline& deadline, SetCopy& out)
      : dest_(std::move(dest)), deadline_(deadline), out_(out) {
    dirs_.push_back(std::move(dest_fd));
  }

  Status File(const SetEntry& e) override {
    Fd from(::openat(e.dir_fd, e.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    struct stat st {};
    // Deleted or made a symlink since the walk saw it: left out (the copy's check says so).
    if (from.get() < 0 && (errno == ENOENT || errno == ELOOP)) return Status::Ok();
    if (from.get() < 0 || ::fstat(from.get(), &st) != 0)
      return CopyIoError("cannot read " + e.rel, errno);
    if (!S_ISREG(st.st_mode))
      return Status::Ok();  // swapped for a FIFO or a device: left out as they are
    auto to = Destination(e);
    if (!to.ok()) return to.status();
    Fd into(::openat(dirs_.back().get(), e.name,
                     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (into.get() < 0) return CopyIoError("cannot create " + to->string(), errno);
    if (Status s = CopyBytes(from.get(), into.get(), e.rel, *to); !s.ok()) return s;
    ++out_.files_copied;
    return Status::Ok();
  }

  Status Enter(const SetEntry& e) override {
    auto to = Destination(e);
    if (!to.ok()) return to.status();
    if (::mkdirat(dirs_.back().get(), e.name, 0700) != 0)
      return CopyIoError("cannot create " + to->string(), errno);
    Fd dir(::openat(dirs_.back().get(), e.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (dir.get() < 0) return CopyIoError("cannot open " + to->string(), errno);
    dirs_.push_back(std::move(dir));
    return Status::Ok();
  }

  void Leave(const SetEntry&) override { dirs_.pop_back(); }

  Status Other(const SetEntry& e) override {
    if (!S_ISLNK(e.st.st_mode)) return Status::Ok();
    std::string target(4096, '\0');
    const ssize_t n = ::readlinkat(e.dir_fd, e.name, target.data(), target.size());
    target = n > 0 ? target.substr(0, static_cast<std::size_t>(n)) : "an unreadable target";
    ++out_.symlinks;
    if (out_.findings.size() < kMaxCopyFindings)
      out_.findings.push_back({IntegrityReason::kBadManifest, e.rel,
                               "a symlink to " + target +
                                   ": not copied (test-recovery follows no symlink; its "
                                   "target is not part of the set)"});
    return Status::Ok();
  }

 private:
  // Where the entry goes, refused unless lexically inside the destination.
  Result<fs::path> Destination(const SetEntry& e) const {
    fs::path to = dest_ / e.rel;
    if (!LexicallyInside(dest_, to))
      return Status(Reason::kIo, to.string() + ": not inside " + dest_.string());
    return to;
  }

  Status CopyBytes(int from, int into, const std::string& rel, const fs::path& to) {
    buffer_.resize(kCopyChunkBytes);
    for (;;) {
      if (deadline_.Cancelled())
        return Status(Reason::kCancelled, "copying " + rel + ": cancelled at shutdown");
      if (deadline_.Expired())
        return Status(Reason::kTimeout, "copying " + rel + ": the action's timeout passed");
      const ssize_t n = ::read(from, buffer_.data(), buffer_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return CopyIoError("cannot read " + rel, errno);
      if (n == 0) return Status::Ok();
      for (ssize_t done = 0; done < n;) {
        const ssize_t w = ::write(into, buffer_.data() + done, static_cast<std::size_t>(n - done));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return CopyIoError("cannot write " + to.string(), errno);
        done += w;
      }
      out_.bytes_copied += static_cast<std::uint64_t>(n);
    }
  }

  const fs::path dest_;
  std::vector<Fd> dirs_;  // the destination's directories down to the one being filled
  const Deadline& deadline_;
  SetCopy& out_;
  std::vector<char> buffer_;
};

}  // namespace

bool LexicallyInside(const fs::path& dir, const fs::path& path) {
  const fs::path d = dir.lexically_normal(), p = path.lexically_normal();
  return IsWithin(d, p) && p.lexically_relative(d) != ".";
}

SetCopy CopySet(const fs::path& set_dir, const fs::path& dest, const Deadline& deadline) {
  SetCopy out;
  if (::mkdir(dest.c_str(), 0700) != 0) {
    out.status = CopyIoError("cannot create " + dest.string(), errno);
    return out;
  }
  Fd dest_fd(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (dest_fd.get() < 0) {
    out.status = CopyIoError("cannot open " + dest.string(), errno);
    return out;
  }
  const int set_fd = ::open(set_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (set_fd < 0) {
    const int err = errno;  // ELOOP or ENOTDIR for a symlink, by kernel
    struct stat st {};
    if (::lstat(set_dir.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      ++out.symlinks;
      out.findings.push_back(
          {IntegrityReason::kBadManifest, set_dir.string(),
           "the set directory is a symlink: not copied (test-recovery follows no symlink)"});
    } else {
      out.status = CopyIoError("cannot read " + set_dir.string(), err);
    }
    return out;
  }
  SetCopier copier(dest, std::move(dest_fd), deadline, out);
  out.status = WalkSet(set_fd, deadline, copier);
  return out;
}

}  // namespace usdcop
