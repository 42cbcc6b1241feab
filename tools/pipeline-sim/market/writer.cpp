#include "market/writer.h"

#include <algorithm>

#include "shared/log.h"

namespace usdcop::sim {
namespace {

constexpr auto kBarTick = std::chrono::seconds(1);
constexpr auto kErrorLogEvery = std::chrono::seconds(30);  // while writes keep failing
constexpr auto kLookAhead = std::chrono::days(10);
constexpr int kMaxLookAheads = 40;  // a calendar without a bar for 400 days writes nothing
constexpr const char* kSource = "pipeline-sim";

std::optional<Time> TimeOf(const std::optional<PublishedBar>& bar) {
  return bar ? std::optional<Time>(bar->time) : std::nullopt;
}

PublishedBar PublishedOf(const BarRow& row) {
  return {row.time, row.open, row.high, row.low, row.close, row.volume};
}

// Raises `newest` to `bar` when that is later (an empty one takes it).
void Raise(std::optional<PublishedBar>& newest, const PublishedBar& bar) {
  if (!newest || bar.time > newest->time) newest = bar;
}

std::string Seconds(double s) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.3f s", s);
  return buffer;
}

}  // namespace

MarketWriter::MarketWriter(std::unique_ptr<MarketStore> store,
                           std::shared_ptr<const TradingCalendar> calendar, MarketSettings settings,
                           std::unique_ptr<ReadyFlag> ready_flag)
    : store_(std::move(store)),
      calendar_(std::move(calendar)),
      settings_(std::move(settings)),
      ready_flag_(std::move(ready_flag)),
      prices_(calendar_, settings_.seed) {}

MarketWriter::~MarketWriter() { Stop(std::chrono::milliseconds(0)); }

Time MarketWriter::NextBarAfter(Time t) const {
  Time from = t + Micros(1);
  for (int i = 0; i < kMaxLookAheads; ++i, from += kLookAhead) {
    std::vector<SysTime> bars = calendar_->Bars(from, from + kLookAhead);
    if (!bars.empty()) return bars.front();
  }
  return from;
}

void MarketWriter::Init() {
  Time now = Now();
  Time head = NextBarAfter(now - calendar_->bar_interval() - settings_.latency);
  {
    MutexLock lock(mu_);
    head_ = head;
  }
  {
    MutexLock store_lock(store_mu_);
    Status opened = store_->Open();
    if (!opened.ok()) Log("market: " + opened.message() + " (retrying every second)");
  }
  Log("market: " + settings_.symbol + " bars to " + std::string(store_->Kind()) + " " +
      store_->Where() + " table " + settings_.table + "; next bar " + FormatIsoZ(head) +
      ", due at " + FormatIsoZ(head + calendar_->bar_interval() + settings_.latency));
  if (settings_.backfill_days <= 0) return;
  Time from = now - std::chrono::days(settings_.backfill_days);
  if (Backfill(from, head, BackfillStamp::kOnTime).ok()) return;
  MutexLock lock(mu_);
  pending_backfill_from_ = from;
}

void MarketWriter::Start() {
  thread_.Start([this] { Loop(); });
}

bool MarketWriter::Stop(std::chrono::milliseconds budget) {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  wake_.NotifyAll();
  return thread_.Join(budget);
}

bool MarketWriter::stopping() const {
  MutexLock lock(mu_);
  return stop_;
}

void MarketWriter::Loop() {
  MutexLock lock(mu_);
  while (!stop_) {
    lock.Unlock();
    Tick();
    lock.Lock();
    const auto until = std::chrono::steady_clock::now() + WaitTime();
    while (!stop_ && !kicked_ && wake_.WaitUntil(mu_, until) == std::cv_status::no_timeout) {
    }
    kicked_ = false;
  }
}

Micros MarketWriter::WaitTime() const {
  Micros tick = std::chrono::duration_cast<Micros>(kBarTick);
  if (faults_.stopped() || failures_in_a_row_ > 0) return tick;  // retry failures once a second
  Time due = head_ + calendar_->bar_interval() + settings_.latency + faults_.PlanNext().delay;
  return std::clamp<Micros>(due - Now(), std::chrono::milliseconds(1), tick);
}

void MarketWriter::Tick() {
  std::optional<Time> retry;
  {
    MutexLock lock(mu_);
    retry = pending_backfill_from_;
  }
  if (retry) {
    if (!Backfill(*retry, Time::max(), BackfillStamp::kOnTime).ok()) return;
    MutexLock lock(mu_);
    pending_backfill_from_.reset();
  }
  while (!stopping() && WriteNextDue()) {
  }
}

BarRow MarketWriter::MakeRow(Time bar, BarShape shape, Time created_at) const {
  BarPrices p = prices_.Prices(bar, shape);
  return BarRow{.time = bar,
                .symbol = settings_.symbol,
                .open = p.open,
                .high = p.high,
                .low = p.low,
                .close = p.close,
                .volume = p.volume,
                .source = kSource,
                .created_at = created_at,
                .updated_at = created_at};
}

std::vector<BarRow> MarketWriter::LiveRows(Time bar, const BarPlan& plan, Time now) const {
  std::vector<BarRow> rows(plan.duplicate ? 2 : 1, MakeRow(bar, plan.shape, now));
  return rows;
}

bool MarketWriter::WriteNextDue() {
  Time bar;
  BarPlan plan;
  {
    MutexLock lock(mu_);
    if (stop_ || faults_.stopped()) return false;
    plan = faults_.PlanNext();
    bar = head_;
    if (Now() < bar + calendar_->bar_interval() + settings_.latency + plan.delay) return false;
    if (plan.skip) {
      faults_.Consume(plan);
      ++counters_.bars_skipped;
      head_ = NextBarAfter(bar);
      Log("market: gap fault: bar " + FormatIsoZ(bar) + " not written");
      return true;
    }
  }
  std::vector<BarRow> rows = LiveRows(bar, plan, Now());
  {
    MutexLock store_lock(store_mu_);
    Status inserted = store_->Insert(rows);
    MutexLock lock(mu_);
    connected_ = store_->connected();
    if (!inserted.ok()) {
      NoteWriteError(inserted.message());
      return false;
    }
    NoteWriteSuccess();
    faults_.Consume(plan);
    counters_.rows_written += static_cast<int64_t>(rows.size());
    counters_.bars_written += 1;
    counters_.duplicates += static_cast<int64_t>(rows.size()) - 1;
    counters_.outliers += plan.shape != BarShape::kNormal ? 1 : 0;
    counters_.late_bars += plan.late ? 1 : 0;
    head_ = NextBarAfter(bar);
    NoteBar(PublishedOf(rows.front()));
  }
  SignalReady(bar);
  return true;
}

void MarketWriter::NoteWriteError(const std::string& error) {
  ++counters_.write_errors;
  ++failures_in_a_row_;
  auto now = std::chrono::steady_clock::now();
  if (failures_in_a_row_ == 1 || now - last_error_logged_ >= kErrorLogEvery) {
    Log("market: write failed (" + std::to_string(failures_in_a_row_) +
        " in a row, retrying every second): " + error);
    last_error_logged_ = now;
  }
  last_error_ = error;
  last_error_at_ = Now();
}

void MarketWriter::NoteWriteSuccess() {
  if (failures_in_a_row_ > 0) {
    Log("market: writing again after " + std::to_string(failures_in_a_row_) + " failed attempts");
  }
  failures_in_a_row_ = 0;
}

void MarketWriter::SignalReady(Time bar) {
  Time last = bar;
  {
    MutexLock lock(mu_);
    if (!ready_flag_ || faults_.stale_ready()) return;
    last = std::max(TimeOf(newest_bar_).value_or(bar), bar);
  }
  Status written = ready_flag_->Write(last);
  if (!written.ok()) Log("market: ready flag: " + written.message());
}

std::vector<BarRow> MarketWriter::BackfillRows(const std::vector<SysTime>& bars,
                                               const std::set<Time>& present,
                                               BackfillStamp stamp) const {
  std::vector<BarRow> rows;
  Time now = Now();
  for (Time bar : bars) {
    if (present.count(bar)) continue;
    Time on_time = bar + calendar_->bar_interval() + settings_.latency;
    Time created = stamp == BackfillStamp::kOnTime ? std::min(on_time, now) : now;
    rows.push_back(MakeRow(bar, BarShape::kNormal, created));
  }
  return rows;
}

Result<BackfillDone> MarketWriter::Backfill(Time from, Time to, BackfillStamp stamp) {
  auto started = std::chrono::steady_clock::now();
  BackfillDone r;
  {
    MutexLock lock(mu_);
    to = std::min(to, head_);  // the live writer's bars are its own
  }
  r.from = from;
  r.to = std::max(from, to);
  std::vector<SysTime> bars = calendar_->Bars(from, to);
  r.expected = static_cast<int64_t>(bars.size());
  std::vector<BarRow> rows;
  {
    MutexLock store_lock(store_mu_);  // TimesPresent to Insert: one step
    Result<std::set<Time>> present =
        bars.empty() ? std::set<Time>() : store_->TimesPresent(settings_.symbol, from, to);
    std::optional<Time> newest_present;
    if (present.ok() && !present->empty()) newest_present = *present->rbegin();
    if (present.ok()) rows = BackfillRows(bars, *present, stamp);
    Status done = present.status();
    if (done.ok() && !rows.empty()) done = store_->Insert(rows);
    MutexLock lock(mu_);
    connected_ = store_->connected();
    if (!done.ok()) {
      NoteWriteError("backfill: " + done.message());
      return done.error();
    }
    NoteWriteSuccess();
    RecordBackfill(rows, newest_present);
  }
  r.written = static_cast<int64_t>(rows.size());
  r.present = r.expected - r.written;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  Log("market: backfill " + FormatIsoZ(r.from) + " .. " + FormatIsoZ(r.to) + ": " +
      std::to_string(r.written) + " rows written, " + std::to_string(r.present) +
      " bars already present, in " + Seconds(r.seconds));
  if (!rows.empty()) SignalReady(rows.back().time);
  return r;
}

void MarketWriter::RecordBackfill(const std::vector<BarRow>& rows,
                                  std::optional<Time> newest_present) {
  counters_.rows_written += static_cast<int64_t>(rows.size());
  counters_.backfilled_rows += static_cast<int64_t>(rows.size());
  std::optional<PublishedBar> newest;
  if (newest_present) newest = ModelBar(*newest_present);
  if (!rows.empty()) Raise(newest, PublishedOf(rows.back()));  // BackfillRows keeps the order
  if (newest) NoteBar(*newest);
}

PublishedBar MarketWriter::ModelBar(Time bar) const {
  return PublishedOf(MakeRow(bar, BarShape::kNormal, bar));
}

void MarketWriter::NoteBar(const PublishedBar& bar) {
  Raise(newest_bar_, bar);
  Publish();
}

void MarketWriter::Publish() {
  if (faults_.handover_stalled() || !newest_bar_) return;
  if (TimeOf(published_.bar) == newest_bar_->time) return;
  published_.bar = newest_bar_;
  ++published_.publications;
  if (listener_) listener_(*newest_bar_);
}

void MarketWriter::SetPublishListener(PublishListener listener) {
  MutexLock lock(mu_);
  listener_ = std::move(listener);
}

Published MarketWriter::published() const {
  MutexLock lock(mu_);
  return published_;
}

Status MarketWriter::InsertRows(const std::vector<BarRow>& rows) {
  MutexLock store_lock(store_mu_);
  Status inserted = store_->Insert(rows);
  MutexLock lock(mu_);
  connected_ = store_->connected();
  if (!inserted.ok()) return inserted;
  counters_.rows_written += static_cast<int64_t>(rows.size());
  counters_.inserted_rows += static_cast<int64_t>(rows.size());
  std::optional<PublishedBar> newest;
  for (const BarRow& row : rows) {
    if (row.symbol == settings_.symbol) Raise(newest, PublishedOf(row));
  }
  if (newest) NoteBar(*newest);
  return Status::Ok();
}

void MarketWriter::SetFault(const MarketFaultRequest& request) {
  {
    MutexLock lock(mu_);
    faults_.Apply(request);
    Publish();       // `none` after handover_stall: catch up at once
    kicked_ = true;  // e.g. `none` after `stop`: catch up now, not on the next tick
  }
  wake_.NotifyAll();
}

nlohmann::json MarketWriter::DescribeFaults() const {
  MutexLock lock(mu_);
  nlohmann::json out = faults_.Describe();
  out["fault"] = faults_.Current();
  return out;
}

nlohmann::json MarketWriter::Describe() const {
  MutexLock lock(mu_);
  const Counters& c = counters_;
  Micros delay = faults_.PlanNext().delay;
  return {
      {"store", store_->Kind()},
      {"where", store_->Where()},
      {"table", settings_.table},
      {"symbol", settings_.symbol},
      {"connected", connected_},
      {"latency_seconds", std::chrono::duration<double>(settings_.latency).count()},
      {"seed", settings_.seed},
      {"rows_written", c.rows_written},
      {"bars_written", c.bars_written},
      {"bars_skipped", c.bars_skipped},
      {"duplicates", c.duplicates},
      {"outliers", c.outliers},
      {"late_bars", c.late_bars},
      {"backfilled_rows", c.backfilled_rows},
      {"inserted_rows", c.inserted_rows},
      {"write_errors", c.write_errors},
      {"last_bar_time", TimeOrNull(TimeOf(newest_bar_))},
      {"last_published_bar", TimeOrNull(TimeOf(published_.bar))},
      {"messages_sent", published_.publications},
      {"next_bar_time", FormatIsoZ(head_)},
      {"next_bar_due_at",
       FormatIsoZ(head_ + calendar_->bar_interval() + settings_.latency + delay)},
      {"startup_backfill_pending", pending_backfill_from_.has_value()},
      {"failing", failures_in_a_row_ > 0},
      {"last_error", last_error_.empty() ? nlohmann::json(nullptr) : nlohmann::json(last_error_)},
      {"last_error_at", TimeOrNull(last_error_at_)},
      {"fault", faults_.Current()},
      {"faults", faults_.Describe()},
      {"ready_flag", ready_flag_ ? ready_flag_->Describe() : nlohmann::json(nullptr)}};
}

}  // namespace usdcop::sim
