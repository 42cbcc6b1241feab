// The --backups.* flags, and the BackupWriter they describe. Backups are off unless
// --backups.dir is given; the other --backups.* flags need it.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "backups/writer.h"

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

// The writer the flags describe (not yet initialised), or null when backups are off. On bad
// flags: null with the reason in *error.
std::unique_ptr<BackupWriter> BuildBackupWriter(const BackupOptions& o, std::string* error);

}  // namespace usdcop::sim
