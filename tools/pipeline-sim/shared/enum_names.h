// The wire names of an enum whose values run 0..N-1 in declaration order (the faults of each
// simulated system): one table gives a value's name and, through FieldReader::OneOf, a
// control body's field read back as a value, with its "must be one of ..." error. Constant;
// thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

namespace usdcop::sim {

template <class Enum, size_t N>
class EnumNames {
 public:
  constexpr explicit EnumNames(std::array<std::string_view, N> names) : names_(names) {}

  constexpr std::string_view operator[](Enum value) const {
    return names_[static_cast<size_t>(value)];
  }
  constexpr std::span<const std::string_view> names() const { return names_; }

 private:
  std::array<std::string_view, N> names_;
};

}  // namespace usdcop::sim
