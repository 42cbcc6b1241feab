// probes.market_data's settings: where the L0 bars are, which symbols and windows.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/secret.h"
#include "common/units.h"
#include "sources/bar_source.h"

namespace usdcop {

struct MarketDataProbeConfig {
  Duration interval = std::chrono::seconds(30);
  Duration timeout = std::chrono::seconds(20);
  std::string sqlite_path;        // the embedded default source, or
  std::string postgres_conninfo;  // a libpq connection string (without the password)
  Secret postgres_password;       // from password_file / password_env
  BarTableConfig table;
  std::vector<std::string> symbols = {"USD/COP"};
  struct Window {
    std::string name;  // "session", or the span as written ("7d")
    Duration span{0};  // 0 for "session"
  };
  std::vector<Window> windows = {{"session", Duration(0)},
                                 {"7d", std::chrono::hours(24 * 7)},
                                 {"30d", std::chrono::hours(24 * 30)}};
  Duration lookback = std::chrono::minutes(10);  // late-arrival lookback of incremental reads
  // How often the window is read whole again, replacing the bars in memory: rows deleted or
  // edited in place since they were read (which no incremental read sees) then show. 0: never.
  Duration full_reread = std::chrono::hours(1);
  Duration arrival_grace = std::chrono::seconds(30);  // a bar is expected once closed plus this
  double price_jump_k = 8;  // robust deviations beyond which a return is a price jump
};

}  // namespace usdcop
