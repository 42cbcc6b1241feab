#include "probes/vendor_api/vendor_api_probe.h"

#include "common/small_file.h"

namespace usdcop {
namespace {

constexpr size_t kMaxActiveKeyFileBytes = 4096;

std::string Trim(const std::string& s) {
  const char* kSpace = " \t\r\n";
  size_t start = s.find_first_not_of(kSpace);
  if (start == std::string::npos) return "";
  return s.substr(start, s.find_last_not_of(kSpace) - start + 1);
}

}  // namespace

VendorApiProbe::VendorApiProbe(VendorApiProbeConfig config, HttpClient& http)
    : config_(std::move(config)), client_(config_.url, http) {}

std::string VendorApiProbe::ActiveKeyId(Status& status) const {
  if (config_.active_key_file.empty()) return config_.active_key;
  auto text = ReadSmallFile(config_.active_key_file, kMaxActiveKeyFileBytes);
  if (!text.ok()) {
    MergeInto(status, Status(text.status().reason(), "active key file " + text.status().message()));
    return "";
  }
  std::string id = Trim(*text);
  for (const VendorKeyConfig& k : config_.keys)
    if (k.id == id) return id;
  // Not quoted: a pipeline that wrote the key itself there must not have it echoed.
  MergeInto(status, Status(Reason::kParse,
                           "active key file " + config_.active_key_file +
                               ": does not hold the id of a key in probes.vendor_api.keys"));
  return "";
}

Status VendorApiProbe::QueryKey(const VendorKeyConfig& key, const ProbeContext& ctx,
                                VendorKeyResult& out) {
  const SysTime now = ctx.clock.Now();
  if (auto it = backoff_until_.find(key.id); it != backoff_until_.end()) {
    if (now < it->second)
      return Status(Reason::kRateLimited,
                    "rate-limited, backing off until " + FormatTimestamp(it->second));
    backoff_until_.erase(it);
  }
  auto usage = client_.Usage(key.key, ctx.deadline);
  if (!usage.ok()) {
    if (usage.status().reason() == Reason::kRateLimited) {
      backoff_until_[key.id] =
          now + std::chrono::duration_cast<std::chrono::microseconds>(config_.backoff);
      return Status(Reason::kRateLimited, usage.status().message() + " (not asked again for " +
                                              FormatDuration(config_.backoff) + ")");
    }
    return usage.status();
  }
  out.usage.push_back({"minute", usage->current_usage, usage->plan_limit});
  if (usage->daily_usage)
    out.usage.push_back({"day", *usage->daily_usage, *usage->plan_daily_limit});
  return Status::Ok();
}

std::string VendorApiProbe::Scrub(std::string message) const {
  for (const VendorKeyConfig& k : config_.keys) {
    const std::string& secret = k.key.reveal();
    if (secret.empty()) continue;
    for (size_t at = message.find(secret); at != std::string::npos; at = message.find(secret, at))
      message.replace(at, secret.size(), "<redacted>");
  }
  return message;
}

ProbeOutcome VendorApiProbe::Run(const ProbeContext& ctx) {
  VendorApiResult result;
  result.provider = config_.provider;
  Status status;
  const std::string active = ActiveKeyId(status);
  for (const VendorKeyConfig& key : config_.keys) {
    VendorKeyResult out;
    out.key_id = key.id;
    out.active = key.id == active;
    out.created = ToUnixSeconds(key.created);
    if (key.expires) out.expiry = ToUnixSeconds(*key.expires);
    Status s = QueryKey(key, ctx, out);
    if (!s.ok()) MergeInto(status, Status(s.reason(), "key " + key.id + ": " + s.message()));
    result.keys.push_back(std::move(out));
  }
  if (!status.ok()) status = Status(status.reason(), Scrub(status.message()));
  return ProbeOutcome{status, std::move(result)};
}

std::shared_ptr<Probe> VendorApiKind::Build(const Config& config, const ProbeConfigs& /*all*/,
                                            const ProbeDeps& deps) {
  return std::make_shared<VendorApiProbe>(config, deps.http);
}

}  // namespace usdcop
