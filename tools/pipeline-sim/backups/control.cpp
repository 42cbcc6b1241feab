#include "backups/control.h"

#include "shared/http_util.h"

namespace usdcop::sim {
namespace {

Result<BackupFaultRequest> ParseBackupFaultRequest(FieldReader& body) {
  body.RejectUnknown({"fault", "layer", "file"});
  BackupFaultRequest r;
  r.fault = body.OneOf("fault", kBackupFaultNames, true).value_or(BackupFault::kNone);
  r.layer = body.String("layer", false);
  auto file = body.String("file", false);
  if (file && !FaultTakesFile(r.fault)) {
    body.Fail("file", "file goes with flip_byte, truncate, delete_file, unlisted_file");
  }
  if (file && file->empty()) body.Fail("file", "file must not be empty");
  if (!body.ok()) return body.error();
  r.file = file.value_or("");
  return r;
}

}  // namespace

void BackupControl::Register(httplib::Server& server) {
  auto bind = [this](void (BackupControl::*fn)(const Request&, Response&)) {
    return OptionalBody([this, fn](const Request& req, Response& res) { (this->*fn)(req, res); });
  };
  server.Post("/sim/backups/fault", bind(&BackupControl::SetFault));
  server.Post("/sim/backups/create", bind(&BackupControl::Create));
  server.Get("/sim/backups/state", [this](const Request& req, Response& res) { State(req, res); });
}

bool BackupControl::Enabled(Response& res) const {
  if (writer_ != nullptr) return true;
  ReplyError(res, Conflict("backups", "backups are off: start pipeline-sim with --backups.dir"));
  return false;
}

void BackupControl::SetFault(const Request& req, Response& res) {
  if (!Enabled(res)) return;
  FieldReader body(req.body);
  auto request = ParseBackupFaultRequest(body);
  if (!request.ok()) return ReplyError(res, request.error());
  auto applied = writer_->ApplyFault(*request);
  if (!applied.ok()) return ReplyError(res, applied.error());
  ReplyJson(res, 200, DescribeFaultApplied(applied.value()));
}

void BackupControl::Create(const Request& req, Response& res) {
  if (!Enabled(res)) return;
  FieldReader body(req.body);
  body.RejectUnknown({"layer"});
  auto layer = body.String("layer", false);
  if (!body.ok()) return ReplyError(res, body.error());
  auto created = writer_->Create(layer);
  if (!created.ok()) return ReplyError(res, created.error());
  const BackupCreated& c = created.value();
  ReplyJson(res, 200, {{"layer", c.layer}, {"set", c.set}, {"dir", c.dir.string()}});
}

void BackupControl::State(const Request&, Response& res) {
  if (!Enabled(res)) return;
  ReplyJson(res, 200, writer_->Describe());
}

}  // namespace usdcop::sim
