#include "control/tokens.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cctype>

namespace usdcop {

std::string_view RoleName(ControlRole role) {
  switch (role) {
    case ControlRole::kViewer:
      return "viewer";
    case ControlRole::kOperator:
      return "operator";
    case ControlRole::kWebhook:
      return "webhook";
  }
  return "viewer";
}

std::optional<Caller> TokenTable::Authenticate(std::string_view authorization) const {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i])
      return std::nullopt;
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  auto match = AuthenticateToken(token);
  if (!match) return std::nullopt;
  return match->caller;
}

std::optional<TokenTable::Match> TokenTable::AuthenticateToken(std::string_view token) const {
  if (token.empty()) return std::nullopt;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  const ControlTokenConfig* match = nullptr;
  for (const ControlTokenConfig& t : tokens_)  // every hash compared: no early exit
    if (CRYPTO_memcmp(digest, t.sha256.data(), SHA256_DIGEST_LENGTH) == 0 && !match) match = &t;
  if (!match) return std::nullopt;
  return Match{Caller{match->name, match->role}, match->sha256};
}

}  // namespace usdcop
