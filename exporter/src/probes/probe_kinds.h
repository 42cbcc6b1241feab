// The table of probe kinds: one row per probe, in the order the probes are built, scheduled,
// rendered and listed. Config parsing, the probe table, the renderer and the control API's
// views loop over it; adding a probe is its folder under probes/ and one row here. A row is a
// struct (probes/<name>/<name>_kind.h) with the probe's name, config and result types, and its
// Parse, Build, Render and View.
#pragma once

#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>
#include <variant>

#include "probes/alertmanager/alertmanager_kind.h"
#include "probes/backups/backups_kind.h"
#include "probes/market_data/market_data_kind.h"
#include "probes/pipeline/pipeline_kind.h"
#include "probes/ready_signal/ready_signal_kind.h"
#include "probes/vendor_api/vendor_api_kind.h"
#include "probes/websocket/websocket_kind.h"

namespace usdcop {

template <class... Kinds>
struct KindList {
  static constexpr std::size_t kSize = sizeof...(Kinds);
};

using ProbeKinds = KindList<PipelineKind, MarketDataKind, ReadySignalKind, BackupsKind,
                            WebSocketKind, VendorApiKind, AlertmanagerKind>;

// Calls f(std::type_identity<K>{}) for each kind K of the table, in its order.
template <class F>
void ForEachProbeKind(F&& f) {
  [&]<class... K>(KindList<K...>) { (f(std::type_identity<K>{}), ...); }(ProbeKinds{});
}

namespace probe_kinds_internal {
template <class L>
struct Sections;
template <class... K>
struct Sections<KindList<K...>> {
  using type = std::tuple<std::optional<typename K::Config>...>;
};
template <class L>
struct Results;
template <class... K>
struct Results<KindList<K...>> {
  using type = std::variant<std::monostate, typename K::Result...>;
};
template <class R, class L>
struct KindOf;
template <class R, class K, class... Rest>
struct KindOf<R, KindList<K, Rest...>>
    : std::conditional_t<std::is_same_v<typename K::Result, R>, std::type_identity<K>,
                         KindOf<R, KindList<Rest...>>> {};
}  // namespace probe_kinds_internal

// Each kind's config section, when the file has one. A value type.
struct ProbeConfigs {
  probe_kinds_internal::Sections<ProbeKinds>::type sections;

  template <class K>
  const std::optional<typename K::Config>& Get() const {
    return std::get<std::optional<typename K::Config>>(sections);
  }
  template <class K>
  std::optional<typename K::Config>& Get() {
    return std::get<std::optional<typename K::Config>>(sections);
  }
};

// Every kind's result type, as one variant (monostate: no result). Results are immutable once
// published and shared between threads through shared_ptr<const ...>.
using ProbeResult = probe_kinds_internal::Results<ProbeKinds>::type;

// The kind whose Result is R.
template <class R>
using KindOfResult = typename probe_kinds_internal::KindOf<R, ProbeKinds>::type;

}  // namespace usdcop
