// sources/bar_source.cpp: the SQL identifiers a config may name, and their quoting.
#include "sources/bar_source.h"

#include <gtest/gtest.h>

namespace usdcop {
namespace {

TEST(IsSqlIdentifier, PlainNamesAndWhenAllowedOneSchema) {
  EXPECT_TRUE(IsSqlIdentifier("usdcop_m5_ohlcv", false));
  EXPECT_TRUE(IsSqlIdentifier("_t1", false));
  EXPECT_TRUE(IsSqlIdentifier(std::string(63, 'a'), false));
  EXPECT_FALSE(IsSqlIdentifier(std::string(64, 'a'), false));
  EXPECT_FALSE(IsSqlIdentifier("", false));
  EXPECT_FALSE(IsSqlIdentifier("1bars", false));
  EXPECT_FALSE(IsSqlIdentifier("bars; DROP TABLE x", false));
  EXPECT_FALSE(IsSqlIdentifier("\"bars\"", false));
  EXPECT_FALSE(IsSqlIdentifier("ops.l0_ready_signals", false));
  EXPECT_TRUE(IsSqlIdentifier("ops.l0_ready_signals", true));
  EXPECT_FALSE(IsSqlIdentifier("a.b.c", true));
  EXPECT_FALSE(IsSqlIdentifier("ops.", true));
}

TEST(QuoteIdentifier, QuotesEachPart) {
  EXPECT_EQ(QuoteIdentifier("bars"), "\"bars\"");
  EXPECT_EQ(QuoteIdentifier("ops.l0_ready_signals"), "\"ops\".\"l0_ready_signals\"");
}

}  // namespace
}  // namespace usdcop
