#include <algorithm>
#include <hearth/bus/point_store.hpp>
#include <hearth/bus/value_check.hpp>

namespace hearth::bus {

namespace {

constexpr size_t kMaxPointNameBytes = 255;
constexpr int64_t kNsPerMs = 1'000'000;

SubscriptionId make_subscription_id(uint32_t slot, uint32_t generation) {
  return (static_cast<uint64_t>(generation) << 32) | slot;
}

std::optional<std::string> check_point_name(std::string_view name) {
  const size_t slash = name.find('/');
  if (name.size() > kMaxPointNameBytes) {
    return "point name '" + std::string(name.substr(0, 40)) + "...' is longer than " +
           std::to_string(kMaxPointNameBytes) + " bytes";
  }
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == name.size()) {
    return "point name '" + std::string(name) + "' is not '<device>/<name>'";
  }
  return std::nullopt;
}

}  // namespace

PointId PointStore::declare(std::string full_name, int32_t value_type, std::string unit,
                            uint32_t max_age_ms) {
  const auto refuse = [this](std::string message) {
    ++stats_.refused_declares;
    last_error_ = std::move(message);
    return HEARTH_E_INVALID;
  };
  if (auto problem = check_point_name(full_name)) return refuse(std::move(*problem));
  if (!is_value_type(value_type)) {
    return refuse("point '" + full_name + "': value type " + std::to_string(value_type) +
                  " is not double, int, bool or string");
  }
  if (const auto found = by_name_.find(full_name); found != by_name_.end()) {
    Point &existing = points_[static_cast<size_t>(found->second)];
    if (existing.info.value_type != value_type) {
      return refuse("point '" + full_name + "' is already declared as " +
                    std::string(value_type_name(existing.info.value_type)) + ", not " +
                    std::string(value_type_name(value_type)));
    }
    existing.info.unit = std::move(unit);
    existing.info.max_age_ms = max_age_ms;
    existing.max_age_ns = static_cast<int64_t>(max_age_ms) * kNsPerMs;
    return found->second;
  }
  const auto id = static_cast<PointId>(points_.size());
  Point point;
  point.info = PointInfo{id, full_name, value_type, std::move(unit), max_age_ms, 0};
  point.max_age_ns = static_cast<int64_t>(max_age_ms) * kNsPerMs;
  for (uint32_t slot = 0; slot < subscribers_.size(); ++slot) {
    if (subscribers_[slot].active && matches(subscribers_[slot], point)) {
      point.subscriber_slots.push_back(slot);
    }
  }
  points_.push_back(std::move(point));
  by_name_.emplace(std::move(full_name), id);
  return id;
}

int32_t PointStore::refuse_publish(int32_t status, std::string message) {
  ++stats_.refused_publishes;
  last_error_ = std::move(message);
  return status;
}

int32_t PointStore::publish(PointId id, const hearth_value &value, int64_t sampled_mono_ns,
                            int32_t quality) {
  if (id < 0 || static_cast<size_t>(id) >= points_.size()) {
    return refuse_publish(HEARTH_E_NOT_FOUND, "no point with id " + std::to_string(id));
  }
  const auto index = static_cast<size_t>(id);
  {
    Point &point = points_[index];
    if (value.type != point.info.value_type) {
      return refuse_publish(HEARTH_E_INVALID,
                            "point '" + point.info.name + "' holds " +
                                std::string(value_type_name(point.info.value_type)) + ", not " +
                                std::string(value_type_name(value.type)));
    }
    if (quality != HEARTH_QUALITY_GOOD && quality != HEARTH_QUALITY_INVALID) {
      return refuse_publish(HEARTH_E_INVALID, "point '" + point.info.name + "': quality " +
                                                  std::to_string(quality) +
                                                  " is not GOOD or INVALID");
    }
    if (auto problem = check_value(value)) {
      return refuse_publish(HEARTH_E_INVALID, "point '" + point.info.name + "': " + *problem);
    }
    const int64_t now_mono_ns = clock_.mono_ns();
    point.value = value;
    point.sampled_mono_ns = sampled_mono_ns > 0 ? sampled_mono_ns : now_mono_ns;
    point.quality = quality;
    point.has_value = true;
    ++point.info.publish_count;
    ++stats_.publishes;
    if (point.subscriber_slots.empty()) return HEARTH_OK;

    const PointSample sample = sample_of(point, now_mono_ns);
    // Callbacks may declare points (moving points_) or subscribe (growing this list), so both
    // are indexed afresh each time; removals wait until no delivery is running.
    const size_t count = point.subscriber_slots.size();
    ++delivering_depth_;
    for (size_t i = 0; i < count; ++i) {
      Subscriber &subscriber = subscribers_[points_[index].subscriber_slots[i]];
      if (!subscriber.active) continue;
      subscriber.callback(id, sample);
      ++stats_.deliveries;
    }
    --delivering_depth_;
  }
  if (delivering_depth_ == 0 && !pending_detach_.empty()) detach_pending();
  return HEARTH_OK;
}

PointSample PointStore::sample_of(const Point &point, int64_t now_mono_ns) const {
  PointSample sample;
  if (!point.has_value) return sample;
  sample.value = point.value;
  sample.sampled_mono_ns = point.sampled_mono_ns;
  sample.has_value = true;
  // A sample stamped in the future (a clock step in a plugin) counts as fresh, not negative.
  const int64_t age_ns = std::max<int64_t>(0, now_mono_ns - point.sampled_mono_ns);
  sample.age_ms = age_ns / kNsPerMs;
  const bool stale = point.max_age_ns > 0 && age_ns > point.max_age_ns;
  sample.quality = stale ? HEARTH_QUALITY_STALE : point.quality;
  return sample;
}

PointSample PointStore::get(PointId id) const {
  if (id < 0 || static_cast<size_t>(id) >= points_.size()) return {};
  return sample_of(points_[static_cast<size_t>(id)], clock_.mono_ns());
}

std::optional<PointId> PointStore::find(std::string_view full_name) const {
  const auto found = by_name_.find(full_name);
  if (found == by_name_.end()) return std::nullopt;
  return found->second;
}

const PointInfo *PointStore::info(PointId id) const {
  if (id < 0 || static_cast<size_t>(id) >= points_.size()) return nullptr;
  return &points_[static_cast<size_t>(id)].info;
}

std::vector<PointInfo> PointStore::list() const {
  std::vector<PointInfo> all;
  all.reserve(points_.size());
  for (const Point &point : points_) all.push_back(point.info);
  return all;
}

bool PointStore::matches(const Subscriber &subscriber, const Point &point) const {
  if (subscriber.point >= 0) return subscriber.point == point.info.id;
  return point.info.name.starts_with(subscriber.prefix);
}

SubscriptionId PointStore::add_subscriber(Subscriber subscriber) {
  uint32_t slot = 0;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
    subscriber.generation = subscribers_[slot].generation;
    subscribers_[slot] = std::move(subscriber);
  } else {
    slot = static_cast<uint32_t>(subscribers_.size());
    subscriber.generation = 1;
    subscribers_.push_back(std::move(subscriber));
  }
  Subscriber &added = subscribers_[slot];
  added.active = true;
  for (Point &point : points_) {
    if (matches(added, point)) point.subscriber_slots.push_back(slot);
  }
  return make_subscription_id(slot, added.generation);
}

SubscriptionId PointStore::subscribe(PointId id, PointCallback callback) {
  if (id < 0 || static_cast<size_t>(id) >= points_.size() || !callback) return 0;
  Subscriber subscriber;
  subscriber.callback = std::move(callback);
  subscriber.point = id;
  return add_subscriber(std::move(subscriber));
}

SubscriptionId PointStore::subscribe_prefix(std::string prefix, PointCallback callback) {
  if (!callback) return 0;
  Subscriber subscriber;
  subscriber.callback = std::move(callback);
  subscriber.prefix = std::move(prefix);
  return add_subscriber(std::move(subscriber));
}

bool PointStore::unsubscribe(SubscriptionId subscription) {
  const auto slot = static_cast<uint32_t>(subscription & 0xffffffffu);
  const auto generation = static_cast<uint32_t>(subscription >> 32);
  if (slot >= subscribers_.size()) return false;
  Subscriber &subscriber = subscribers_[slot];
  if (!subscriber.active || subscriber.generation != generation) return false;
  subscriber.active = false;
  pending_detach_.push_back(slot);
  if (delivering_depth_ == 0) detach_pending();
  return true;
}

void PointStore::detach(uint32_t slot) {
  Subscriber &subscriber = subscribers_[slot];
  if (subscriber.point >= 0) {
    std::erase(points_[static_cast<size_t>(subscriber.point)].subscriber_slots, slot);
  } else {
    for (Point &point : points_) {
      if (matches(subscriber, point)) std::erase(point.subscriber_slots, slot);
    }
  }
  subscriber.callback = nullptr;
  subscriber.prefix.clear();
  subscriber.point = -1;
  ++subscriber.generation;
  free_slots_.push_back(slot);
}

void PointStore::detach_pending() {
  // Moved out first: detach() may not add to it, but a callback run later might.
  std::vector<uint32_t> slots;
  slots.swap(pending_detach_);
  for (const uint32_t slot : slots) detach(slot);
}

}  // namespace hearth::bus
