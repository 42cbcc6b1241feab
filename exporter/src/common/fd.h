// A file descriptor owned by one object and closed with it, and errno as text. Fd is movable,
// not copyable, and not thread-safe.
#pragma once

#include <unistd.h>

#include <string>
#include <system_error>
#include <utility>

namespace usdcop {

// strerror's text of an errno value, thread-safe.
inline std::string ErrnoText(int err) { return std::generic_category().message(err); }

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    Reset(std::exchange(o.fd_, -1));
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  // Closes the descriptor held (if any) and holds `fd`.
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

}  // namespace usdcop
