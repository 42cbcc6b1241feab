// The status page's summary: the parts only it has (market hours, runbook links).
#include "control/status_view.h"

#include <gtest/gtest.h>

#include "common/units.h"

namespace usdcop {
namespace {

std::shared_ptr<const TradingCalendar> DefaultCalendar() {
  auto calendar = TradingCalendar::Create(CalendarConfig{});
  EXPECT_TRUE(calendar.ok());
  return *calendar;
}

double Unix(const char* rfc3339) { return ToUnixSeconds(*ParseTimestamp(rfc3339)); }

TEST(StatusViewTest, WhileOpenTheNextCloseIsTheSessionsEnd) {
  // Wednesday 2026-11-25, 10:00 in Bogota (UTC-5): the session runs 08:00 to 13:00.
  nlohmann::json m = MarketView(*DefaultCalendar(), *ParseTimestamp("2026-11-25T15:00:00Z"));
  EXPECT_EQ(m["open"], true);
  EXPECT_EQ(m["next_close"].get<double>(), Unix("2026-11-25T18:00:00Z"));
  EXPECT_TRUE(m["next_open"].is_null());
  EXPECT_EQ(m["timezone"], "America/Bogota");
}

TEST(StatusViewTest, WhileClosedTheNextOpenSkipsTheWeekend) {
  // Friday 2026-11-27 after the close: the next open is Monday 08:00 in Bogota.
  nlohmann::json m = MarketView(*DefaultCalendar(), *ParseTimestamp("2026-11-27T19:00:00Z"));
  EXPECT_EQ(m["open"], false);
  EXPECT_EQ(m["next_open"].get<double>(), Unix("2026-11-30T13:00:00Z"));
  EXPECT_TRUE(m["next_close"].is_null());
  // Before the day's session: the same day's open.
  EXPECT_EQ(MarketView(*DefaultCalendar(), *ParseTimestamp("2026-11-25T12:00:00Z"))["next_open"]
                .get<double>(),
            Unix("2026-11-25T13:00:00Z"));
}

TEST(StatusViewTest, RelativeRunbooksAreJoinedToTheBaseUrl) {
  EXPECT_EQ(RunbookUrl("docs/runbooks/L0DataGap.md", ""), "docs/runbooks/L0DataGap.md");
  EXPECT_EQ(RunbookUrl("docs/runbooks/L0DataGap.md", "https://git.example.com/usdcop/blob/main/"),
            "https://git.example.com/usdcop/blob/main/docs/runbooks/L0DataGap.md");
  EXPECT_EQ(RunbookUrl("/docs/x.md", "https://h/base"), "https://h/base/docs/x.md");
  EXPECT_EQ(RunbookUrl("https://wiki/x", "https://h/base/"), "https://wiki/x");
}

}  // namespace
}  // namespace usdcop
