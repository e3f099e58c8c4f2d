#pragma once
// Polling by freshness (architecture.md, "The scheduler bus"): a device's registers in groups,
// each read at its own interval and link priority, with at most one read of a group in flight.
// A device that fails `offline_after` reads in a row goes offline with the reason and an alarm;
// it is then only probed, with a backoff, until a probe answers and polling resumes.
#include <chrono>
#include <functional>
#include <hearth/drivers/modbus_reader.hpp>
#include <hearth/plugin.hpp>
#include <string>
#include <vector>

namespace hearth::drivers {

struct PollGroup {
  std::vector<RegisterSpan> spans;
  std::chrono::milliseconds interval;
  int32_t priority;
};

class GroupPoller {
 public:
  // A probe answered (the device is online again): decode what it read before polling resumes.
  using ProbeAnswered = std::function<void(const RegisterImage &image)>;
  // A group read answered completely.
  using GroupAnswered = std::function<void(size_t group, const RegisterImage &image)>;

  struct Settings {
    int32_t unit;
    uint32_t max_block_registers;
    int offline_after;
    std::chrono::milliseconds retry_min, retry_max;
    int32_t offline_alarm_code;
  };

  GroupPoller(Host &host, const Settings &settings)
      : host_(host),
        settings_(settings),
        reader_(host, settings.unit, settings.max_block_registers),
        health_(settings.offline_after, settings.retry_min, settings.retry_max) {}

  BlockReader &reader() { return reader_; }
  bool online() const { return health_.online(); }

  // Starts with a probe; polling begins once it answers.
  void start(std::vector<PollGroup> groups, std::vector<RegisterSpan> probe_spans,
             ProbeAnswered on_probe, GroupAnswered on_group) {
    groups_ = std::move(groups);
    probe_spans_ = std::move(probe_spans);
    on_probe_ = std::move(on_probe);
    on_group_ = std::move(on_group);
    timers_.assign(groups_.size(), 0);
    in_flight_.assign(groups_.size(), false);
    host_.set_offline(text("waiting for the first answer from unit ", settings_.unit));
    probe();
  }

 private:
  void probe() {
    probe_timer_ = 0;
    reader_.read(probe_spans_, HEARTH_PRIO_POLL, 0,
                 [this](const RegisterImage &image, const std::string &failure) {
                   if (!failure.empty()) return failed(failure);
                   health_.succeeded();
                   host_.set_online();
                   host_.clear_alarm(settings_.offline_alarm_code);
                   on_probe_(image);
                   start_groups();
                 });
  }

  void start_groups() {
    ++epoch_;
    for (size_t g = 0; g < groups_.size(); ++g) {
      in_flight_[g] = false;
      timers_[g] = host_.start_timer(std::chrono::milliseconds(0), groups_[g].interval,
                                     [this, g] { poll(g); });
    }
  }

  void stop_groups() {
    ++epoch_;
    for (int32_t &timer : timers_) {
      host_.cancel_timer(timer);
      timer = 0;
    }
  }

  void poll(size_t g) {
    if (in_flight_[g]) {
      // The link is slower than the interval: skip rather than queue up reads of old data.
      host_.debug("unit ", settings_.unit, ": read of group ", g, " still pending; skipped");
      return;
    }
    in_flight_[g] = true;
    const uint64_t epoch = epoch_;
    reader_.read(groups_[g].spans, groups_[g].priority,
                 static_cast<uint32_t>(groups_[g].interval.count()),
                 [this, g, epoch](const RegisterImage &image, const std::string &failure) {
                   if (epoch != epoch_) return;  // polling stopped or restarted meanwhile
                   in_flight_[g] = false;
                   if (!failure.empty()) return failed(failure);
                   health_.succeeded();
                   on_group_(g, image);
                 });
  }

  void failed(const std::string &why) {
    const bool was_online = health_.online();
    health_.failed();
    if (health_.online()) {
      host_.debug("unit ", settings_.unit, ": ", why, " (", health_.failures_in_a_row(),
                  " failed reads in a row)");
      return;
    }
    if (was_online) stop_groups();
    const std::string reason = text("no valid answer from unit ", settings_.unit, ": ", why, " (",
                                    health_.failures_in_a_row(), " failed reads in a row)");
    host_.set_offline(reason);
    host_.raise_alarm(settings_.offline_alarm_code, HEARTH_SEVERITY_MAJOR, reason);
    if (was_online) host_.warn(reason);
    if (probe_timer_ == 0) probe_timer_ = host_.after(health_.next_retry(), [this] { probe(); });
  }

  Host &host_;
  const Settings settings_;
  BlockReader reader_;
  LinkHealth health_;
  std::vector<PollGroup> groups_;
  std::vector<RegisterSpan> probe_spans_;
  ProbeAnswered on_probe_;
  GroupAnswered on_group_;
  std::vector<int32_t> timers_;
  std::vector<bool> in_flight_;
  uint64_t epoch_ = 0;
  int32_t probe_timer_ = 0;
};

}  // namespace hearth::drivers
