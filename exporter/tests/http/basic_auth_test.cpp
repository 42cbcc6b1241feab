#include "http/basic_auth.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <thread>
#include <vector>

#include "support/test_bcrypt.h"

namespace usdcop {
namespace {

using testing::MakeBcryptHash;

// The Authorization header's value for "user:password", by httplib's own encoder.
std::string Header(const std::string& user_colon_password) {
  size_t colon = user_colon_password.find(':');
  return httplib::make_basic_authentication_header(user_colon_password.substr(0, colon),
                                                   user_colon_password.substr(colon + 1))
      .second;
}

TEST(Bcrypt, AHashMadeWithCryptGensaltMatchesItsPasswordOnly) {
  std::string hash = MakeBcryptHash("s3cret pass:word", 4);
  EXPECT_TRUE(IsBcryptHash(hash)) << hash;
  EXPECT_EQ(BcryptCost(hash), 4);
  EXPECT_TRUE(BcryptMatches("s3cret pass:word", hash));
  EXPECT_FALSE(BcryptMatches("s3cret pass:wore", hash));
  EXPECT_FALSE(BcryptMatches("", hash));
}

TEST(Bcrypt, AGoHtpasswdStyle2yHashFromTheToolkitIsChecked) {
  // exporter-toolkit's own fixed hash: bcrypt of "fakepassword", $2y$ as htpasswd writes it.
  const std::string hash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";
  EXPECT_TRUE(IsBcryptHash(hash));
  EXPECT_TRUE(BcryptMatches("fakepassword", hash));
  EXPECT_FALSE(BcryptMatches("fakepassword2", hash));
}

TEST(Bcrypt, OnlyBcryptHashesAreAccepted) {
  EXPECT_TRUE(IsBcryptHash("$2a$04$" + std::string(53, 'a')));
  EXPECT_FALSE(IsBcryptHash("$2x$10$" + std::string(53, 'a')));   // a variant for a 2011 bug
  EXPECT_FALSE(IsBcryptHash("$2b$03$" + std::string(53, 'a')));   // cost below 4
  EXPECT_FALSE(IsBcryptHash("$2b$32$" + std::string(53, 'a')));   // cost above 31
  EXPECT_FALSE(IsBcryptHash("$2b$10$" + std::string(52, 'a')));   // short
  EXPECT_FALSE(IsBcryptHash("$6$salt$" + std::string(86, 'a')));  // sha512crypt
  EXPECT_FALSE(IsBcryptHash("hunter2"));
}

TEST(Bcrypt, APasswordWithANulByteNeverMatches) {
  std::string hash = MakeBcryptHash("abc", 4);
  EXPECT_FALSE(BcryptHash(std::string("abc\0def", 7), hash).has_value());
  EXPECT_FALSE(BcryptMatches(std::string("abc\0def", 7), hash));
}

TEST(Bcrypt, TheDummyHashMakesBcryptWorkAtItsCost) {
  std::string dummy = DummyBcryptHash(7);
  EXPECT_TRUE(IsBcryptHash(dummy)) << dummy;
  EXPECT_EQ(BcryptCost(dummy), 7);
  EXPECT_TRUE(BcryptHash("anything", dummy).has_value());  // libxcrypt accepts it: real work
  EXPECT_FALSE(BcryptMatches("anything", dummy));
  BasicAuthUsers users =
      MakeBasicAuthUsers({{"a", MakeBcryptHash("x", 5)}, {"b", MakeBcryptHash("y", 6)}});
  EXPECT_EQ(BcryptCost(users.dummy_hash), 6);  // the highest configured cost
}

TEST(ParseBasicAuthorization, DecodesUserAndPassword) {
  auto c = ParseBasicAuthorization(Header("alice:pa:ss word"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "alice");
  EXPECT_EQ(c->password, "pa:ss word");  // only the first colon separates
  auto lower = ParseBasicAuthorization("basic " + Header("bob:x").substr(6));
  ASSERT_TRUE(lower);
  EXPECT_EQ(lower->user, "bob");
  auto empty_password = ParseBasicAuthorization(Header("carol:"));
  ASSERT_TRUE(empty_password);
  EXPECT_EQ(empty_password->password, "");
}

TEST(ParseBasicAuthorization, RefusesOtherSchemesAndMalformedValues) {
  EXPECT_FALSE(ParseBasicAuthorization(""));
  EXPECT_FALSE(ParseBasicAuthorization("Basic "));
  EXPECT_FALSE(ParseBasicAuthorization("Bearer " + Header("a:b").substr(6)));
  EXPECT_FALSE(ParseBasicAuthorization("Basic bm8tY29sb24taGVyZQ=="));  // "no-colon-here"
  EXPECT_FALSE(ParseBasicAuthorization("Basic YWxp*2U6eA=="));          // not base64
  EXPECT_FALSE(ParseBasicAuthorization("Basic YWxpY2U6eA="));           // not a multiple of 4
}

class BasicAuthenticatorTest : public ::testing::Test {
 protected:
  BasicAuthenticator auth_;
};

TEST_F(BasicAuthenticatorTest, GoodPasswordPassesBadPasswordUnknownUserAndNoHeaderFail) {
  BasicAuthUsers users = MakeBasicAuthUsers({{"alice", MakeBcryptHash("right", 4)}});
  EXPECT_TRUE(auth_.Allows(users, Header("alice:right")));
  EXPECT_FALSE(auth_.Allows(users, Header("alice:wrong")));
  EXPECT_FALSE(auth_.Allows(users, Header("mallory:right")));
  EXPECT_FALSE(auth_.Allows(users, ""));
}

TEST_F(BasicAuthenticatorTest, ASuccessIsCachedSoTheNextCheckSkipsBcrypt) {
  BasicAuthUsers users = MakeBasicAuthUsers({{"alice", MakeBcryptHash("right", 4)}});
  ASSERT_TRUE(auth_.Allows(users, Header("alice:right")));
  EXPECT_EQ(auth_.BcryptWork().checks, 1u);
  ASSERT_TRUE(auth_.Allows(users, Header("alice:right")));
  EXPECT_EQ(auth_.BcryptWork().checks, 1u) << "the second check is a cache hit";
  EXPECT_FALSE(auth_.Allows(users, Header("alice:right2")));  // the cache holds that password only
  EXPECT_EQ(auth_.BcryptWork().checks, 2u);
  EXPECT_FALSE(auth_.Allows(users, Header("alice:right2")));  // a failure is never cached
  EXPECT_EQ(auth_.BcryptWork().checks, 3u);
}

TEST_F(BasicAuthenticatorTest, ClientsArrivingTogetherWithTheSameCredentialsPayBcryptOnce) {
  BasicAuthUsers users = MakeBasicAuthUsers({{"alice", MakeBcryptHash("right", 8)}});
  std::vector<std::thread> clients;
  std::atomic<int> allowed{0};
  for (int i = 0; i < 8; ++i)
    clients.emplace_back([&] { allowed += auth_.Allows(users, Header("alice:right")) ? 1 : 0; });
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(allowed, 8);
  EXPECT_EQ(auth_.BcryptWork().checks, 1u)
      << "the others waited for the first check and hit the cache";
}

TEST_F(BasicAuthenticatorTest, AChangedHashNoLongerAcceptsTheOldPassword) {
  BasicAuthUsers before = MakeBasicAuthUsers({{"alice", MakeBcryptHash("old", 4)}});
  ASSERT_TRUE(auth_.Allows(before, Header("alice:old")));
  BasicAuthUsers after = MakeBasicAuthUsers({{"alice", MakeBcryptHash("new", 4)}});
  EXPECT_FALSE(auth_.Allows(after, Header("alice:old")));
  EXPECT_TRUE(auth_.Allows(after, Header("alice:new")));
}

TEST_F(BasicAuthenticatorTest, AnUnknownUserCostsTheSameBcryptWorkAsAKnownOne) {
  BasicAuthUsers users =
      MakeBasicAuthUsers({{"alice", MakeBcryptHash("right", 6)}, {"bob", MakeBcryptHash("x", 4)}});
  EXPECT_FALSE(auth_.Allows(users, Header("alice:wrong")));
  BasicAuthenticator::Work known_wrong = auth_.BcryptWork();
  EXPECT_FALSE(auth_.Allows(users, Header("mallory:wrong")));
  BasicAuthenticator::Work after_unknown = auth_.BcryptWork();
  EXPECT_EQ(known_wrong.checks, 1u);
  EXPECT_EQ(known_wrong.rounds, 1u << 6);
  EXPECT_EQ(after_unknown.checks, 2u) << "an unknown user runs bcrypt too";
  EXPECT_EQ(after_unknown.rounds - known_wrong.rounds, 1u << 6) << "at the highest configured cost";
  EXPECT_FALSE(auth_.Allows(users, Header("mallory:right")));  // an unknown user never passes
}

}  // namespace
}  // namespace usdcop
