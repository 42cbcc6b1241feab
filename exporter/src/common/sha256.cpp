#include "common/sha256.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace usdcop {
namespace {

constexpr auto kMaxSleep = std::chrono::milliseconds(50);

std::string Errno(std::string_view name, int err) {
  return std::string(name) + ": " + std::generic_category().message(err);
}

// The Status of a deadline that stopped hashing `name`, or OK.
Status Interrupted(const Deadline& deadline, std::string_view name, std::uint64_t bytes) {
  if (deadline.Cancelled())
    return Status(Reason::kCancelled, std::string(name) + ": hashing cancelled at shutdown");
  if (deadline.Expired())
    return Status(Reason::kTimeout, std::string(name) + ": deadline passed after hashing " +
                                        std::to_string(bytes) + " bytes");
  return Status::Ok();
}

}  // namespace

std::string HexLower(const unsigned char* bytes, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &md_len, EVP_sha256(), nullptr) != 1) return "";
  return HexLower(md, md_len);
}

ByteRateLimiter::ByteRateLimiter(std::uint64_t bytes_per_second)
    : rate_(std::max<std::uint64_t>(bytes_per_second, 1)), tokens_(static_cast<double>(rate_)) {}

Status ByteRateLimiter::Acquire(std::uint64_t bytes, const Deadline& deadline) {
  const double capacity = static_cast<double>(rate_);
  for (;;) {
    std::chrono::duration<double> wait{};
    {
      MutexLock lock(mu_);
      const SteadyTime now = deadline.clock->SteadyNow();
      // A full bucket stays full whatever the time since construction: the first call starts it.
      if (last_)
        tokens_ = std::min(
            capacity, tokens_ + std::chrono::duration<double>(now - *last_).count() * capacity);
      last_ = now;
      if (tokens_ >= 0) {
        tokens_ -= static_cast<double>(bytes);
        return Status::Ok();
      }
      wait = std::chrono::duration<double>(-tokens_ / capacity);
    }
    if (deadline.Cancelled())
      return Status(Reason::kCancelled, "byte budget: cancelled at shutdown");
    if (wait > deadline.Remaining())
      return Status(Reason::kTimeout, "byte budget of " + std::to_string(rate_) +
                                          " bytes/s: the deadline passes before the next read");
    deadline.clock->SleepFor(std::chrono::ceil<std::chrono::steady_clock::duration>(
        std::min<std::chrono::duration<double>>(wait, kMaxSleep)));
  }
}

struct Sha256Hasher::Impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::unique_ptr<unsigned char[]> buffer;
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256Hasher::Sha256Hasher() : impl_(std::make_unique<Impl>()) {}
Sha256Hasher::~Sha256Hasher() = default;

Result<FileDigest> Sha256Hasher::HashFd(int fd, std::string_view name, const Deadline& deadline,
                                        ByteRateLimiter* limiter) {
  if (impl_->ctx == nullptr || EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) != 1)
    return Status(Reason::kInternal, std::string(name) + ": cannot initialise SHA-256 (OpenSSL)");
  if (!impl_->buffer) impl_->buffer = std::make_unique<unsigned char[]>(kChunkBytes);
  (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);  // advice only: failure changes nothing
  FileDigest out;
  for (;;) {
    if (Status s = Interrupted(deadline, name, out.bytes); !s.ok()) return s;
    ssize_t n = ::read(fd, impl_->buffer.get(), kChunkBytes);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status(Reason::kIo, Errno(name, errno));
    if (n == 0) break;
    if (EVP_DigestUpdate(impl_->ctx, impl_->buffer.get(), static_cast<std::size_t>(n)) != 1)
      return Status(Reason::kInternal, std::string(name) + ": SHA-256 update failed (OpenSSL)");
    out.bytes += static_cast<std::uint64_t>(n);
    if (limiter != nullptr) {
      Status s = limiter->Acquire(static_cast<std::uint64_t>(n), deadline);
      if (!s.ok()) return Status(s.reason(), std::string(name) + ": " + s.message());
    }
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx, md, &md_len) != 1)
    return Status(Reason::kInternal, std::string(name) + ": SHA-256 final failed (OpenSSL)");
  out.sha256 = HexLower(md, md_len);
  return out;
}

Result<FileDigest> Sha256Hasher::HashFile(const std::string& path, const Deadline& deadline,
                                          ByteRateLimiter* limiter) {
  // O_NONBLOCK: a FIFO put in place of the file must not block the open.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return Status(Reason::kIo, Errno(path, errno));
  Result<FileDigest> digest = HashFd(fd, path, deadline, limiter);
  ::close(fd);
  return digest;
}

}  // namespace usdcop
