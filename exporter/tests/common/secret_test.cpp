// common/secret.cpp: a secret that never prints, compared in constant time.
#include "common/secret.h"

#include <gtest/gtest.h>

#include <sstream>

namespace usdcop {
namespace {

TEST(Secret, PrintsRedactedAndComparesByValue) {
  Secret s("hunter2");
  std::ostringstream out;
  out << s;
  EXPECT_EQ(out.str(), "<redacted>");
  EXPECT_TRUE(s == Secret("hunter2"));
  EXPECT_FALSE(s == Secret("hunter3"));
  EXPECT_FALSE(s == Secret("hunter"));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
}

}  // namespace
}  // namespace usdcop
