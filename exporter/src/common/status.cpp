#include "common/status.h"

namespace usdcop {

std::string_view ReasonName(Reason reason) {
  switch (reason) {
    case Reason::kTimeout:
      return "timeout";
    case Reason::kConnect:
      return "connect";
    case Reason::kTls:
      return "tls";
    case Reason::kHttpStatus:
      return "http_status";
    case Reason::kParse:
      return "parse";
    case Reason::kQuery:
      return "query";
    case Reason::kIo:
      return "io";
    case Reason::kOverlap:
      return "overlap";
    case Reason::kCancelled:
      return "cancelled";
    case Reason::kRateLimited:
      return "rate_limited";
    case Reason::kAuth:
      return "auth";
    case Reason::kHandshake:
      return "handshake";
    case Reason::kClosed:
      return "closed";
    case Reason::kInternal:
      return "internal";
  }
  return "internal";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(ReasonName(error_->reason)) + ": " + error_->message;
}

void MergeInto(Status& into, const Status& s) {
  if (s.ok()) return;
  if (into.ok())
    into = s;
  else
    into = Status(into.reason(), into.message() + "; " + s.message());
}

}  // namespace usdcop
