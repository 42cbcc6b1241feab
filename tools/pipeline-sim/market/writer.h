// The simulated L0 acquisition: writes the trading calendar's 5-minute USD/COP bars to a
// MarketStore as they complete. A bar opening at t is due at t + bar interval + latency. A
// background thread wakes when the next bar is due (at least every second, and at once when a
// fault changes) and writes the due bars in order, each once, with created_at = the actual
// write time. Write errors (database down) are logged and the bar is retried on the next
// tick. Faults (MarketFaults) change what is written; the ready flag is rewritten after each
// successful write.
//
// It also stands in for the WebSocket service's view: the newest bar it has "published" follows
// the newest bar in the table at once, unless the handover_stall fault holds it back. A
// published bar carries its values as written (the price model's for a bar a backfill found in
// the table), and a listener, the WebSocket server, is told of each publication.
//
// Backfills write the calendar's bars of a past range that are not in the table yet, with the
// same prices as live writing would have given them. Thread-safe: the control endpoint calls
// in from server threads while the writer thread runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "calendar/trading_calendar.h"
#include "common/mutex.h"
#include "market/faults.h"
#include "market/price_model.h"
#include "market/ready_flag.h"
#include "market/store.h"
#include "shared/status.h"
#include "shared/worker_thread.h"

namespace usdcop::sim {

// The most days of bars a backfill may ask for (--market.backfill-days, /sim/market/backfill).
inline constexpr int kMaxBackfillDays = 36600;

struct MarketSettings {
  std::string symbol = "USD/COP";
  std::string table = "usdcop_m5_ohlcv";
  int backfill_days = 0;  // at start
  Micros latency{std::chrono::seconds(2)};
  uint64_t seed = 42;
};

// How a backfill stamps created_at: when live writing would have written the bar (bar close +
// latency), or now.
enum class BackfillStamp { kOnTime, kNow };

// A bar as the WebSocket service publishes it: its open time and its values (absent where the
// row has NULL).
struct PublishedBar {
  Time time;
  std::optional<double> open, high, low, close, volume;
};

// What the WebSocket stand-in has published: the newest bar, and how many times that moved
// forward (one publication each: a write of several bars at once publishes only the newest).
struct Published {
  std::optional<PublishedBar> bar;
  int64_t publications = 0;
};

// Told of each publication, on the thread that published it (the writer's or a server thread)
// while the writer's lock is held: it must not call back into the writer, only queue the bar.
using PublishListener = std::function<void(const PublishedBar&)>;

// What a backfill did.
struct BackfillDone {
  Time from, to;         // the range actually covered (to is capped at the live writer's next bar)
  int64_t expected = 0;  // calendar bars in the range
  int64_t present = 0;   // already in the table
  int64_t written = 0;
  double seconds = 0;
};

class MarketWriter {
 public:
  MarketWriter(std::unique_ptr<MarketStore> store, std::shared_ptr<const TradingCalendar> calendar,
               MarketSettings settings, std::unique_ptr<ReadyFlag> ready_flag);
  ~MarketWriter();
  MarketWriter(const MarketWriter&) = delete;
  MarketWriter& operator=(const MarketWriter&) = delete;

  // Opens the store and runs the startup backfill; when that fails the writer thread retries
  // it before writing live bars. Call once, before Start().
  void Init();
  void Start();
  // Stops the writer thread; false when it did not end within `budget` (stuck in a database
  // call): it is then detached and the caller should exit the process.
  bool Stop(std::chrono::milliseconds budget);

  void SetFault(const MarketFaultRequest& request);
  // A DatabaseError when the store fails (it is also counted and kept as last_error).
  Result<BackfillDone> Backfill(Time from, Time to, BackfillStamp stamp) EXCLUDES(store_mu_, mu_);
  // Inserts rows as given (POST /sim/market/bars); a DatabaseError when the store fails.
  Status InsertRows(const std::vector<BarRow>& rows);
  nlohmann::json Describe() const;
  nlohmann::json DescribeFaults() const;
  Published published() const;
  // Replaces the listener (none: an empty function). The WebSocket server sets it, and clears it
  // before it goes away.
  void SetPublishListener(PublishListener listener);

  const MarketSettings& settings() const { return settings_; }

 private:
  struct Counters {
    int64_t rows_written = 0;  // every row, whatever wrote it
    int64_t bars_written = 0;  // live bars (a duplicate counts once)
    int64_t bars_skipped = 0;  // gap
    int64_t duplicates = 0;    // extra rows
    int64_t outliers = 0;
    int64_t late_bars = 0;
    int64_t backfilled_rows = 0;
    int64_t inserted_rows = 0;  // POST /sim/market/bars
    int64_t write_errors = 0;
  };

  void Loop();
  void Tick() EXCLUDES(mu_);
  // Until the head bar is due, at most a second.
  Micros WaitTime() const REQUIRES(mu_);
  // Writes the head bar if it is due; false when nothing more can be written now.
  bool WriteNextDue() EXCLUDES(store_mu_, mu_);
  std::vector<BarRow> LiveRows(Time bar, const BarPlan& plan, Time now) const;
  BarRow MakeRow(Time bar, BarShape shape, Time created_at) const;
  // The rows of the bars not present yet.
  std::vector<BarRow> BackfillRows(const std::vector<SysTime>& bars, const std::set<Time>& present,
                                   BackfillStamp stamp) const;
  // newest_present: the newest bar the backfill found already in the table.
  void RecordBackfill(const std::vector<BarRow>& rows, std::optional<Time> newest_present)
      REQUIRES(mu_);
  // A bar now in the table: advances newest_bar_, then publishes it.
  void NoteBar(const PublishedBar& bar) REQUIRES(mu_);
  // What a bar found in the table but not written here is published with: the price model's
  // values.
  PublishedBar ModelBar(Time bar) const;
  // Publishes newest_bar_ unless the handover is stalled; calls the listener with mu_ held.
  void Publish() REQUIRES(mu_);
  Time NextBarAfter(Time t) const;
  void NoteWriteError(const std::string& error) REQUIRES(mu_);
  void NoteWriteSuccess() REQUIRES(mu_);
  void SignalReady(Time bar) EXCLUDES(mu_);
  bool stopping() const EXCLUDES(mu_);

  const std::unique_ptr<MarketStore> store_;
  const std::shared_ptr<const TradingCalendar> calendar_;
  const MarketSettings settings_;
  const std::unique_ptr<ReadyFlag> ready_flag_;
  const PriceModel prices_;

  // Serialises every store call (but Kind and Where, which are fixed); never taken while
  // holding mu_.
  Mutex store_mu_ ACQUIRED_BEFORE(mu_);

  mutable Mutex mu_;
  CondVar wake_;
  Time head_ GUARDED_BY(mu_);                                  // the next live bar
  std::optional<Time> pending_backfill_from_ GUARDED_BY(mu_);  // a startup backfill to retry
  // Newest bar of the symbol known to be in the table (written live, backfilled, inserted, or
  // found present by a backfill).
  std::optional<PublishedBar> newest_bar_ GUARDED_BY(mu_);
  Published published_ GUARDED_BY(mu_);
  PublishListener listener_ GUARDED_BY(mu_);
  MarketFaults faults_ GUARDED_BY(mu_);
  Counters counters_ GUARDED_BY(mu_);
  std::string last_error_ GUARDED_BY(mu_);
  std::optional<Time> last_error_at_ GUARDED_BY(mu_);
  int64_t failures_in_a_row_ GUARDED_BY(mu_) = 0;
  std::chrono::steady_clock::time_point last_error_logged_ GUARDED_BY(mu_);
  bool connected_ GUARDED_BY(mu_) = false;  // the store's, after its last call
  bool stop_ GUARDED_BY(mu_) = false;
  bool kicked_ GUARDED_BY(mu_) = false;
  WorkerThread thread_;
};

}  // namespace usdcop::sim
