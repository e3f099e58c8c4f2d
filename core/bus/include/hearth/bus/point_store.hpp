#pragma once
// Points: "<device>/<name>", a typed value with its unit, the time it was sampled and a quality
// (architecture.md, "The scheduler bus"). Plugins declare and publish them; the energy manager,
// the history and the northbound snapshot subscribe. A point turns STALE once its age passes the
// max age it was declared with; age is computed from the clock whenever a sample is read.
//
// Core thread only. The publish path does no allocation: points and their subscriber lists are
// flat vectors indexed by id, and callbacks are called in place. Callbacks may publish, declare,
// subscribe and unsubscribe (themselves included): a subscription removed during a delivery gets
// no further calls; one added during a delivery is first called on the next publish.
#include <hearth/plugin.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <hearth/bus/string_map.hpp>
#include <hearth/core/clock.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::bus {

using PointId = int32_t;
// 0 is never a valid subscription.
using SubscriptionId = uint64_t;

struct PointInfo {
  PointId id = -1;
  std::string name;  // "<device>/<name>"
  int32_t value_type = HEARTH_VALUE_NONE;
  std::string unit;
  uint32_t max_age_ms = 0;  // 0: never turns stale (a constant such as rated_w)
  uint64_t publish_count = 0;
};

struct PointSample {
  hearth_value value{};  // type NONE until the first publish
  int64_t sampled_mono_ns = 0;
  int64_t age_ms = 0;  // now - sampled, at the time of the read or delivery
  int32_t quality = HEARTH_QUALITY_STALE;
  bool has_value = false;
};

using PointCallback = std::function<void(PointId, const PointSample &)>;

struct PointStats {
  uint64_t publishes = 0;          // accepted
  uint64_t deliveries = 0;         // subscriber callbacks made
  uint64_t refused_publishes = 0;  // unknown id, wrong type, bad value or quality
  uint64_t refused_declares = 0;
};

class PointStore {
 public:
  explicit PointStore(const Clock &clock) : clock_(clock) {}
  PointStore(const PointStore &) = delete;
  PointStore &operator=(const PointStore &) = delete;

  // A point id (>= 0), or HEARTH_E_INVALID for a malformed name, an unknown value type, or a
  // name already declared with another type (last_error() says which). Declaring a name again
  // with the same type returns the same id and takes the new unit and max age.
  PointId declare(std::string full_name, int32_t value_type, std::string unit, uint32_t max_age_ms);

  // Stores the sample and calls the subscribers before returning. sampled_mono_ns <= 0 means
  // "now". quality is GOOD or INVALID (STALE is the store's to decide). Returns HEARTH_OK,
  // HEARTH_E_NOT_FOUND for an unknown id or HEARTH_E_INVALID (wrong type, malformed value).
  int32_t publish(PointId id, const hearth_value &value, int64_t sampled_mono_ns, int32_t quality);

  // The latest sample with its age now. An unknown id gives a sample without value.
  PointSample get(PointId id) const;
  std::optional<PointId> find(std::string_view full_name) const;
  const PointInfo *info(PointId id) const;
  std::vector<PointInfo> list() const;
  size_t size() const { return points_.size(); }

  // 0 for an unknown point.
  SubscriptionId subscribe(PointId id, PointCallback callback);
  // Every point whose name starts with prefix, now and declared later ("inverter-1/"; "" = all).
  SubscriptionId subscribe_prefix(std::string prefix, PointCallback callback);
  bool unsubscribe(SubscriptionId subscription);

  const PointStats &stats() const { return stats_; }
  const std::string &last_error() const { return last_error_; }

 private:
  struct Point {
    PointInfo info;
    int64_t max_age_ns = 0;
    hearth_value value{};
    int64_t sampled_mono_ns = 0;
    int32_t quality = HEARTH_QUALITY_STALE;
    bool has_value = false;
    std::vector<uint32_t> subscriber_slots;
  };
  struct Subscriber {
    PointCallback callback;
    std::string prefix;       // for prefix subscriptions
    PointId point = -1;       // for single-point subscriptions; -1 for prefix ones
    uint32_t generation = 0;  // bumped when the slot is freed, so stale ids do nothing
    bool active = false;
  };

  PointSample sample_of(const Point &point, int64_t now_mono_ns) const;
  int32_t refuse_publish(int32_t status, std::string message);
  SubscriptionId add_subscriber(Subscriber subscriber);
  void detach(uint32_t slot);
  void detach_pending();
  bool matches(const Subscriber &subscriber, const Point &point) const;

  const Clock &clock_;
  std::vector<Point> points_;
  StringMap<PointId> by_name_;
  std::deque<Subscriber> subscribers_;  // a deque: callbacks stay in place while others are added
  std::vector<uint32_t> free_slots_;
  std::vector<uint32_t> pending_detach_;
  int delivering_depth_ = 0;
  PointStats stats_;
  std::string last_error_;
};

}  // namespace hearth::bus
