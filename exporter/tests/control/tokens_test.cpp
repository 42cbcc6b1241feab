// control/tokens.cpp: the bearer tokens, matched by their SHA-256.
#include "control/tokens.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <string>

namespace usdcop {
namespace {

std::string RawSha256(const std::string& text) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), d);
  return std::string(reinterpret_cast<const char*>(d), sizeof d);
}

TEST(TokenTableTest, MatchesTheHashOfABearerTokenOnly) {
  TokenTable t({{"ops", RawSha256("s3cret"), ControlRole::kOperator},
                {"ro", RawSha256("other"), ControlRole::kViewer}});
  auto c = t.Authenticate("Bearer s3cret");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "ops");
  EXPECT_EQ(c->role, ControlRole::kOperator);
  EXPECT_EQ(t.Authenticate("bearer other")->name, "ro");
  EXPECT_FALSE(t.Authenticate("Bearer s3cre"));
  EXPECT_FALSE(t.Authenticate("Bearer s3cret2"));
  EXPECT_FALSE(t.Authenticate("Basic s3cret"));
  EXPECT_FALSE(t.Authenticate("s3cret"));
  EXPECT_FALSE(t.Authenticate("Bearer "));
  EXPECT_FALSE(t.Authenticate(""));
}

}  // namespace
}  // namespace usdcop
