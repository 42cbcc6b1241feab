// A secret (password, token, API key). Printing or logging it shows "<redacted>"; the value
// is reached only through reveal(), which makes every use greppable. Immutable; thread-safe.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace usdcop {

// A file holding a secret (a `*_file` of the config, the TLS key) is a regular file of at most
// this.
inline constexpr std::size_t kMaxSecretFileBytes = 64 << 10;

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  bool empty() const { return value_.empty(); }
  const std::string& reveal() const { return value_; }

  friend std::ostream& operator<<(std::ostream& out, const Secret&) { return out << "<redacted>"; }
  // Constant-time comparison (length is not hidden).
  friend bool operator==(const Secret& a, const Secret& b);

 private:
  std::string value_;
};

// Constant-time equality of two byte strings of equal length; false when lengths differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace usdcop
