// Time points in microseconds and the timestamp formats the simulated services write.
// Stateless and thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace usdcop::sim {

using Micros = std::chrono::microseconds;
using Time = std::chrono::time_point<std::chrono::system_clock, Micros>;

Time Now();

// Python's isoformat() as Airflow 2 writes it: "2026-11-24T13:05:01.123456+00:00"; like
// Python, the fraction is left out when it is zero.
std::string FormatAirflow2(Time t);
// Pydantic's form as Airflow 3 writes it: "2026-11-24T13:05:01.123456Z" (same fraction rule).
std::string FormatIsoZ(Time t);

// ISO 8601 with a date, "T", a time with an optional fraction and a zone ("Z" or "+HH:MM").
// nullopt for anything else, including trailing text.
std::optional<Time> ParseIsoTime(std::string_view text);

}  // namespace usdcop::sim
