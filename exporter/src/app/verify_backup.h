// `usdcop_exporter verify-backup PATH`: the backup probe's check of one set, by hand, for an
// operator. PATH is a backup set directory (YYYYMMDD_HHMMSS/ with its manifest), or a layer's
// directory of sets, of which the newest is checked. Every listed file is hashed (no cache); a
// manifest path may not lead outside the set's parent directory. Prints a readable report to
// `out` and returns the exit code: 0 when the set is intact, 1 otherwise.
#pragma once

#include <ostream>
#include <string>

namespace usdcop {

int VerifyBackupCommand(const std::string& path, std::ostream& out);

}  // namespace usdcop
