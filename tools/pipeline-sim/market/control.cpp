#include "market/control.h"

#include "market/json.h"
#include "shared/http_util.h"
#include "shared/log.h"

namespace usdcop::sim {
namespace {

constexpr int64_t kMaxFaultBars = 1'000'000;
constexpr double kMaxLateSeconds = 7 * 86400;

// Fields that belong to some faults only.
bool TakesBars(MarketFault f) {
  return f == MarketFault::kGap || f == MarketFault::kDuplicate || f == MarketFault::kOutlier ||
         f == MarketFault::kLate;
}

Result<MarketFaultRequest> ParseMarketFaultRequest(FieldReader& body) {
  body.RejectUnknown({"fault", "bars", "kind", "seconds"});
  MarketFaultRequest r;
  r.fault = body.OneOf("fault", kMarketFaultNames, true).value_or(MarketFault::kNone);
  auto bars = body.Int("bars", 1, kMaxFaultBars, false);
  auto kind = body.String("kind", false);
  auto seconds = body.Number("seconds", 0, kMaxLateSeconds, false);
  auto shape = kind ? ParseOutlierKind(*kind) : BarShape::kPriceJump;
  if (!shape) body.Fail("kind", "kind must be one of price_jump, ohlc_inconsistent, non_positive");
  if (bars && !TakesBars(r.fault))
    body.Fail("bars", "bars goes with gap, duplicate, outlier, late");
  if (kind && r.fault != MarketFault::kOutlier) body.Fail("kind", "kind goes with outlier only");
  if (seconds && r.fault != MarketFault::kLate) body.Fail("seconds", "seconds goes with late only");
  if (!body.ok()) return body.error();
  r.bars = bars.value_or(1);
  r.kind = *shape;
  if (seconds)
    r.delay = std::chrono::duration_cast<Micros>(std::chrono::duration<double>(*seconds));
  return r;
}

struct BackfillRequest {
  Time from, to;
  BackfillStamp stamp = BackfillStamp::kOnTime;
};

// An optional ISO time field: false when absent or invalid (the error kept in `body`).
bool TimeField(FieldReader& body, const char* key, Time* out) {
  auto text = body.String(key, false);
  if (!text) return false;
  auto parsed = ParseIsoTime(*text);
  if (!parsed) {
    body.Fail(key, std::string(key) + " must be an ISO 8601 time with a zone");
    return false;
  }
  *out = *parsed;
  return true;
}

// {"days": N} (from N days ago up to the live writer) or {"from", "to"}.
void ParseRange(FieldReader& body, BackfillRequest& r) {
  auto days = body.Int("days", 1, kMaxBackfillDays, false);
  bool has_from = TimeField(body, "from", &r.from);
  bool has_to = TimeField(body, "to", &r.to);
  if (days && (body.Has("from") || body.Has("to"))) {
    body.Fail("days", "give either days or from and to");
  } else if (!days && !body.Has("from")) {
    body.Fail("days", "days (or from and to) is required");
  } else if (!days && !body.Has("to")) {
    body.Fail("to", "to is required with from");
  } else if (has_from && has_to && r.to <= r.from) {
    body.Fail("to", "to must be after from");
  } else if (has_from && has_to && r.to - r.from > std::chrono::days(kMaxBackfillDays)) {
    body.Fail("to", "at most 36600 days");
  }
  if (days) {
    r.from = Now() - std::chrono::days(*days);
    r.to = Time::max();
  }
}

Result<BackfillRequest> ParseBackfillRequest(FieldReader& body) {
  body.RejectUnknown({"days", "from", "to", "created_at"});
  BackfillRequest r;
  ParseRange(body, r);
  auto stamp = body.String("created_at", false);
  if (stamp && *stamp != "on_time" && *stamp != "now") {
    body.Fail("created_at", "created_at must be on_time or now");
  }
  if (stamp && *stamp == "now") r.stamp = BackfillStamp::kNow;
  if (!body.ok()) return body.error();
  return r;
}

// " bars=2 kind=price_jump", for the log.
std::string FaultDetails(const MarketFaultRequest& r) {
  std::string out;
  if (TakesBars(r.fault)) out += " bars=" + std::to_string(r.bars);
  if (r.fault == MarketFault::kOutlier) out += " kind=" + std::string(OutlierKindName(r.kind));
  if (r.fault == MarketFault::kLate) {
    out += " seconds=" + json(std::chrono::duration<double>(r.delay).count()).dump();
  }
  return out;
}

}  // namespace

bool MarketEnabled(const MarketWriter* writer, httplib::Response& res) {
  if (writer != nullptr) return true;
  ReplyError(res, Conflict("market",
                           "market data is off: start pipeline-sim with --market.sqlite or "
                           "--market.postgres"));
  return false;
}

void MarketControl::Register(httplib::Server& server) {
  auto bind = [this](void (MarketControl::*fn)(const Request&, Response&)) {
    return OptionalBody([this, fn](const Request& req, Response& res) { (this->*fn)(req, res); });
  };
  server.Post("/sim/market/fault", bind(&MarketControl::SetFault));
  server.Post("/sim/market/bars", bind(&MarketControl::InsertBars));
  server.Post("/sim/market/backfill", bind(&MarketControl::Backfill));
  server.Get("/sim/market/state", [this](const Request& req, Response& res) { State(req, res); });
}

void MarketControl::SetFault(const Request& req, Response& res) {
  if (!MarketEnabled(writer_, res)) return;
  FieldReader body(req.body);
  auto request = ParseMarketFaultRequest(body);
  if (!request.ok()) return ReplyError(res, request.error());
  writer_->SetFault(*request);
  std::string name(kMarketFaultNames[request->fault]);
  Log("market fault set: " + name + FaultDetails(*request));
  json out = writer_->DescribeFaults();
  out["set"] = name;
  ReplyJson(res, 200, out);
}

void MarketControl::InsertBars(const Request& req, Response& res) {
  if (!MarketEnabled(writer_, res)) return;
  auto rows = ParseBarsBody(req.body, writer_->settings().symbol);
  if (!rows.ok()) return ReplyError(res, rows.error());
  Status inserted = writer_->InsertRows(*rows);
  if (!inserted.ok()) return ReplyError(res, inserted.error());
  ReplyJson(res, 200, {{"inserted", rows->size()}});
}

void MarketControl::Backfill(const Request& req, Response& res) {
  if (!MarketEnabled(writer_, res)) return;
  FieldReader body(req.body);
  auto request = ParseBackfillRequest(body);
  if (!request.ok()) return ReplyError(res, request.error());
  auto done = writer_->Backfill(request->from, request->to, request->stamp);
  if (!done.ok()) return ReplyError(res, done.error());
  const BackfillDone& r = *done;
  ReplyJson(res, 200,
            {{"from", FormatIsoZ(r.from)},
             {"to", FormatIsoZ(r.to)},
             {"expected", r.expected},
             {"present", r.present},
             {"written", r.written},
             {"seconds", r.seconds}});
}

void MarketControl::State(const Request&, Response& res) {
  if (!MarketEnabled(writer_, res)) return;
  ReplyJson(res, 200, writer_->Describe());
}

}  // namespace usdcop::sim
