// The control API's callers: bearer tokens, configured by their SHA-256 with a role. A presented
// token is hashed and compared with every configured hash in constant time, so neither the
// answer's timing nor an early exit tells how much of a token was right. Immutable; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "control/control_config.h"

namespace usdcop {

struct Caller {
  std::string name;
  ControlRole role = ControlRole::kViewer;
};

std::string_view RoleName(ControlRole role);

class TokenTable {
 public:
  explicit TokenTable(std::vector<ControlTokenConfig> tokens) : tokens_(std::move(tokens)) {}
  // The caller an `Authorization: Bearer <token>` header names; nullopt when the header is
  // absent, not a bearer token, or no configured token matches.
  std::optional<Caller> Authenticate(std::string_view authorization) const;
  // A token given as itself (the status page's login): its caller and its SHA-256 (32 bytes).
  struct Match {
    Caller caller;
    std::string sha256;
  };
  std::optional<Match> AuthenticateToken(std::string_view token) const;

 private:
  std::vector<ControlTokenConfig> tokens_;
};

}  // namespace usdcop
