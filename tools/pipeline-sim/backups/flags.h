// The --backups.* flags, and the BackupWriter they describe. Backups are off unless
// --backups.dir is given; the other --backups.* flags need it.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "backups/writer.h"
#include "shared/status.h"

namespace usdcop::sim {

struct BackupOptions {
  std::string dir;
  std::string layers = "L0";
  std::string cadence = "6h";
  std::string format = "json";
  int files = 3;
  std::string file_size = "64KiB";
  int backfill = 0;
  std::string retention = "30d";
};

void AddBackupFlags(CLI::App& app, BackupOptions& o);

// The writer the flags describe (not yet initialised), or null when backups are off; an error,
// its message naming the flag, on bad flags.
Result<std::unique_ptr<BackupWriter>> BuildBackupWriter(const BackupOptions& o);

}  // namespace usdcop::sim
