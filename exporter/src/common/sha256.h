// Streamed SHA-256 of files through OpenSSL's EVP interface, for checking backups against their
// manifests. A file is read in 64 KiB chunks (posix_fadvise SEQUENTIAL) and never held whole in
// memory: a buffer that stays in the CPU's L2 cache hashes ~45% faster than a 1 MiB one, whose
// bytes the hash has to fetch again from L3 after read() copied them. Every chunk checks the
// Deadline (expired: Reason::kTimeout, cancelled: Reason::kCancelled) and, when given one, pays a
// ByteRateLimiter, so that hashing a 100 GB set keeps to a bytes-per-second budget and still stops
// promptly at shutdown.
//
// Thread-safety: a Sha256Hasher is not thread-safe (it owns one digest context and one buffer;
// use one per thread). A ByteRateLimiter is thread-safe and may be shared by several hashers.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/deadline.h"
#include "common/mutex.h"
#include "common/status.h"

namespace usdcop {

// A token bucket of bytes: `bytes_per_second` on average, bursts up to one second's worth. Its
// time is the monotonic time of the Deadline it is paid under (Deadline::clock), and so are its
// waits: the deadline it is checked against and the budget run on the same clock, and a test with
// a fake clock moves both. The bucket starts full at the first Acquire.
class ByteRateLimiter {
 public:
  explicit ByteRateLimiter(std::uint64_t bytes_per_second);
  ByteRateLimiter(const ByteRateLimiter&) = delete;
  ByteRateLimiter& operator=(const ByteRateLimiter&) = delete;

  // Pays for `bytes` just read: waits (in steps of at most 50 ms) until the bucket is out of debt,
  // then takes them, possibly into debt. Fails without waiting when the wait would outlast the
  // deadline (kTimeout), or as soon as the deadline is cancelled (kCancelled).
  Status Acquire(std::uint64_t bytes, const Deadline& deadline);

  std::uint64_t bytes_per_second() const { return rate_; }

 private:
  const std::uint64_t rate_;
  Mutex mu_;
  double tokens_ GUARDED_BY(mu_);                   // negative: in debt
  std::optional<SteadyTime> last_ GUARDED_BY(mu_);  // when tokens_ was last refilled
};

struct FileDigest {
  std::string sha256;       // 64 lowercase hex digits
  std::uint64_t bytes = 0;  // bytes read and hashed: fewer than the file's size if it shrank
};

class Sha256Hasher {
 public:
  static constexpr std::size_t kChunkBytes = 64 << 10;

  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  // Hashes the open file `fd` from its current offset to its end. `name` names the file in
  // error messages ("NAME: <strerror>", Reason::kIo). `limiter` may be null (no budget).
  Result<FileDigest> HashFd(int fd, std::string_view name, const Deadline& deadline,
                            ByteRateLimiter* limiter = nullptr);
  // Opens `path` (read-only, without following a final symlink) and hashes it.
  Result<FileDigest> HashFile(const std::string& path, const Deadline& deadline,
                              ByteRateLimiter* limiter = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The SHA-256 of bytes in memory, as 64 lowercase hex digits ("" if OpenSSL fails).
std::string Sha256Hex(std::string_view bytes);

// "6162ff" for the bytes {0x61, 0x62, 0xff}.
std::string HexLower(const unsigned char* bytes, std::size_t n);

}  // namespace usdcop
