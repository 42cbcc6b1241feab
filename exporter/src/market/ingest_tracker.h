// Which rows of an incremental read are new. A cycle reads the rows whose mark (the ingestion
// time column, or the bar time without one) is newer than the watermark minus a late-arrival
// lookback; rows inside the lookback may have been seen already, so the tracker remembers the
// fingerprints (mark, bar time) of the rows within it, as a multiset (two identical rows are
// two rows). Its state is small (the lookback's rows) and round-trips through JSON so that a
// restart neither loses nor recounts rows. Not thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "market/bar_book.h"

namespace usdcop {

class IngestTracker {
 public:
  explicit IngestTracker(double lookback_seconds) : lookback_(lookback_seconds) {}

  // Rows with mark > this are (re)read each cycle; nullopt before the first read.
  std::optional<double> ReadFrom() const;
  // Takes the rows of a read and returns the new ones. The first read ever sets the baseline:
  // its rows are the past, none is new.
  std::vector<BarRow> Observe(const std::vector<BarRow>& rows);
  std::optional<double> watermark() const { return watermark_; }

  std::string ToJson() const;
  // Restores a state from ToJson(); false (state unchanged) when the text is not one.
  bool FromJson(const std::string& text);

 private:
  using Fingerprint = std::pair<double, double>;  // mark, bar time
  void Forget();

  double lookback_;
  std::optional<double> watermark_;
  std::map<Fingerprint, int> recent_;  // rows seen with mark > watermark - lookback
};

}  // namespace usdcop
