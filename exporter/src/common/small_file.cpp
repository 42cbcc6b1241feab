#include "common/small_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "common/fd.h"

namespace usdcop {
namespace {

const char* FileKind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a file";
}

}  // namespace

std::string ByteCountText(std::size_t bytes) {
  if (bytes != 0 && bytes % (1 << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes != 0 && bytes % (1 << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

Result<std::string> ReadSmallFile(const std::string& path, std::size_t max_bytes,
                                  FinalSymlink symlink) {
  const int flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY |
                    (symlink == FinalSymlink::kRefuse ? O_NOFOLLOW : 0);
  Fd fd(::open(path.c_str(), flags));
  if (fd.get() < 0) {
    if (errno == ELOOP && symlink == FinalSymlink::kRefuse)
      return Status(Reason::kParse, path + ": a symlink");
    return Status(Reason::kIo, path + ": " + ErrnoText(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status(Reason::kIo, path + ": " + ErrnoText(errno));
  if (!S_ISREG(st.st_mode))
    return Status(Reason::kParse, path + ": not a regular file (" + FileKind(st.st_mode) + ")");
  const auto too_large = [&] {
    return Status(Reason::kParse, path + ": larger than " + ByteCountText(max_bytes));
  };
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) return too_large();
  // Read to the end, not to st_size: /proc files say 0, and a file may grow meanwhile. The
  // buffer holds one byte more than the cap, so that a larger file shows without reading on.
  const std::size_t limit = max_bytes + 1;
  std::string text(std::min<std::size_t>(
                       limit, st.st_size > 0 ? static_cast<std::size_t>(st.st_size) + 1 : 4096),
                   '\0');
  std::size_t got = 0;
  for (;;) {
    if (got == text.size()) {
      if (text.size() >= limit) break;
      text.resize(std::min(limit, text.size() * 2));
    }
    const ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status(Reason::kIo, path + ": " + ErrnoText(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > max_bytes) return too_large();
  text.resize(got);
  return text;
}

}  // namespace usdcop
