#include "common/listen_address.h"

#include <gtest/gtest.h>

namespace usdcop {
namespace {

TEST(ParseListenAddress, AcceptsPrometheusForms) {
  auto any = ParseListenAddress(":9812");
  ASSERT_TRUE(any);
  EXPECT_EQ(any->host, "0.0.0.0");
  EXPECT_EQ(any->port, 9812);
  auto loop = ParseListenAddress("127.0.0.1:0");
  ASSERT_TRUE(loop);
  EXPECT_EQ(loop->port, 0);
  auto v6 = ParseListenAddress("[::1]:9813");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
}

TEST(ParseListenAddress, RejectsMalformedAddresses) {
  for (const char* bad : {"9812", "host:", "host:port", "::1:9812", "[::1:9812", "h:70000", "h:-1"})
    EXPECT_EQ(ParseListenAddress(bad), std::nullopt) << bad;
}

}  // namespace
}  // namespace usdcop
