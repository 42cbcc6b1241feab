// The status page's sessions: ids, absolute expiry, the cap, and revocation by a reload.
#include "control/session_table.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include "support/fake_clock.h"

namespace usdcop {
namespace {

using namespace std::chrono_literals;

std::string Digest(const std::string& text) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), d);
  return std::string(reinterpret_cast<const char*>(d), sizeof d);
}

class SessionTableTest : public ::testing::Test {
 protected:
  FakeClock clock_{*ParseTimestamp("2026-11-25T12:00:00Z")};
  const Caller ops_{"ops", ControlRole::kOperator};
  const Caller alice_{"alice", ControlRole::kViewer};
};

TEST_F(SessionTableTest, ASessionHasRandomIdAndCsrfTokenAndIsFoundByItsId) {
  SessionTable t(clock_);
  auto [id, s] = t.Create(ops_, Digest("tok"), 8h);
  EXPECT_EQ(id.size(), 64u);
  EXPECT_EQ(s.csrf_token.size(), 64u);
  EXPECT_NE(id, s.csrf_token);
  EXPECT_EQ(s.expires - s.created, 8h);
  auto found = t.Find(id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->caller.name, "ops");
  EXPECT_EQ(found->csrf_token, s.csrf_token);
  auto [other, s2] = t.Create(ops_, Digest("tok"), 8h);
  EXPECT_NE(other, id);
  EXPECT_NE(s2.csrf_token, s.csrf_token);
  EXPECT_FALSE(t.Find(id.substr(0, 63) + (id[63] == '0' ? "1" : "0")));
  EXPECT_FALSE(t.Find(""));
  EXPECT_FALSE(t.Find(s.csrf_token)) << "the CSRF token is no id";
}

TEST_F(SessionTableTest, ExpiryIsAbsolute) {
  SessionTable t(clock_);
  auto [id, s] = t.Create(alice_, Digest("a"), 10min);
  clock_.Advance(9min);
  EXPECT_TRUE(t.Find(id)) << "used, but not extended";
  clock_.Advance(59s);
  EXPECT_TRUE(t.Find(id));
  clock_.Advance(1s);
  EXPECT_FALSE(t.Find(id));
  EXPECT_EQ(t.size(), 0u) << "an expired session found is dropped";
}

TEST_F(SessionTableTest, BeyondTheCapTheOldestIsDropped) {
  SessionTable t(clock_, 3);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(t.Create(alice_, Digest("a"), 1h).first);
    clock_.Advance(1s);
  }
  EXPECT_EQ(t.size(), 3u);
  EXPECT_FALSE(t.Find(ids[0]));
  EXPECT_FALSE(t.Find(ids[1]));
  for (int i = 2; i < 5; ++i) EXPECT_TRUE(t.Find(ids[i])) << i;
  EXPECT_EQ(SessionTable::kMaxSessions, 1000u);
}

TEST_F(SessionTableTest, RemoveEndsASession) {
  SessionTable t(clock_);
  auto id = t.Create(alice_, Digest("a"), 1h).first;
  EXPECT_TRUE(t.Remove(id));
  EXPECT_FALSE(t.Find(id));
  EXPECT_FALSE(t.Remove(id));
}

TEST_F(SessionTableTest, AReloadRevokesSessionsWhoseTokenOrRoleChanged) {
  SessionTable t(clock_);
  auto kept = t.Create(ops_, Digest("ops-token"), 1h).first;
  auto rehashed = t.Create(alice_, Digest("old-alice-token"), 1h).first;
  auto demoted = t.Create(Caller{"bob", ControlRole::kOperator}, Digest("bob-token"), 1h).first;
  auto removed = t.Create(Caller{"carl", ControlRole::kViewer}, Digest("carl-token"), 1h).first;
  EXPECT_EQ(t.Revoke({{"ops", Digest("ops-token"), ControlRole::kOperator},
                      {"alice", Digest("new-alice-token"), ControlRole::kViewer},
                      {"bob", Digest("bob-token"), ControlRole::kViewer}}),
            3u);
  EXPECT_TRUE(t.Find(kept));
  EXPECT_FALSE(t.Find(rehashed));
  EXPECT_FALSE(t.Find(demoted));
  EXPECT_FALSE(t.Find(removed));
  EXPECT_EQ(t.Revoke({}), 1u) << "no tokens: no sessions";
}

}  // namespace
}  // namespace usdcop
