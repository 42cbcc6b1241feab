#include "airflow/auth.h"

#include <array>
#include <random>

namespace usdcop::sim {
namespace {

// Decodes standard base64; nullopt on a character outside the alphabet.
std::optional<std::string> DecodeBase64(std::string_view in) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

std::string RandomHex(size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    unsigned v = rd() & 0xFF;
    out.push_back(kHex[v >> 4]);
    out.push_back(kHex[v & 0xF]);
  }
  return out;
}

// The Authorization header's value after "<scheme> ", if it has that scheme.
std::optional<std::string> AuthorizationValue(const httplib::Request& req,
                                              std::string_view scheme) {
  std::string header = req.get_header_value("Authorization");
  if (header.size() <= scheme.size() || header.compare(0, scheme.size(), scheme) != 0) {
    return std::nullopt;
  }
  return header.substr(scheme.size());
}

}  // namespace

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

bool CredentialsMatch(const Credentials& expected, std::string_view username,
                      std::string_view password) {
  bool user_ok = ConstantTimeEquals(expected.username, username);
  bool password_ok = ConstantTimeEquals(expected.password, password);
  return user_ok && password_ok;
}

std::optional<Credentials> BasicAuthCredentials(const httplib::Request& req) {
  auto encoded = AuthorizationValue(req, "Basic ");
  if (!encoded) return std::nullopt;
  auto decoded = DecodeBase64(*encoded);
  if (!decoded) return std::nullopt;
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

bool BasicAuthMatches(const httplib::Request& req, const Credentials& expected) {
  auto given = BasicAuthCredentials(req);
  return given && CredentialsMatch(expected, given->username, given->password);
}

std::optional<std::string> BearerToken(const httplib::Request& req) {
  return AuthorizationValue(req, "Bearer ");
}

std::string TokenStore::Issue() {
  std::string token = RandomHex(32);
  auto now = Clock::now();
  MutexLock lock(mu_);
  DropExpired(now);
  expiry_[token] = now + ttl_;
  return token;
}

bool TokenStore::Valid(const std::string& token) const {
  MutexLock lock(mu_);
  auto it = expiry_.find(token);
  return it != expiry_.end() && Clock::now() < it->second;
}

size_t TokenStore::size() const {
  MutexLock lock(mu_);
  return expiry_.size();
}

void TokenStore::DropExpired(Clock::time_point now) {
  std::erase_if(expiry_, [now](const auto& entry) { return entry.second <= now; });
}

}  // namespace usdcop::sim
