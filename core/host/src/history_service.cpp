#include "hearth/host/history_service.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <cmath>
#include <hearth/store/history_query.hpp>

namespace hearth::host {

namespace {

constexpr const char *kHostSource = "hearthd";
constexpr std::chrono::seconds kMinFlushInterval{60};

std::optional<double> numeric_value(const hearth_value &value) {
  switch (value.type) {
    case HEARTH_VALUE_DOUBLE:
      return std::isfinite(value.as.d) ? std::optional<double>(value.as.d) : std::nullopt;
    case HEARTH_VALUE_INT:
      return static_cast<double>(value.as.i);
    case HEARTH_VALUE_BOOL:
      return value.as.b != 0 ? 1.0 : 0.0;
    default:
      return std::nullopt;
  }
}

store::AlarmEventKind event_kind(bus::AlarmChange change) {
  switch (change) {
    case bus::AlarmChange::raised:
      return store::AlarmEventKind::raised;
    case bus::AlarmChange::updated:
      return store::AlarmEventKind::updated;
    case bus::AlarmChange::cleared:
      return store::AlarmEventKind::cleared;
    case bus::AlarmChange::acknowledged:
      return store::AlarmEventKind::acknowledged;
  }
  return store::AlarmEventKind::updated;
}

bool same_identity(const store::IdentityReport &a, const store::IdentityReport &b) {
  return a.driver == b.driver && a.model == b.model && a.serial == b.serial &&
         a.firmware == b.firmware;
}

}  // namespace

HistoryService::HistoryService(bus::PointStore &points, bus::AlarmRegistry &alarms,
                               const Clock &clock, boost::asio::io_context &io,
                               boost::asio::thread_pool &workers, HistoryOptions options,
                               IdentitySource identities, store::KvStore *kv)
    : points_(points),
      alarms_(alarms),
      clock_(clock),
      io_(io),
      strand_(boost::asio::make_strand(workers.get_executor())),
      options_(std::move(options)),
      identities_(std::move(identities)),
      kv_(kv),
      writer_db_(std::make_unique<store::Database>(options_.database_path)),
      writer_(std::make_unique<store::HistoryWriter>(*writer_db_)),
      registry_(*writer_db_),
      flush_timer_(io),
      identity_timer_(io),
      alarm_timer_(io) {
  options_.flush_interval = std::max(options_.flush_interval, kMinFlushInterval);
  const int64_t closed = store::close_open_alarms(*writer_db_, clock_.wall_ms());
  if (closed > 0) spdlog::info("history: {} alarm(s) left open by the last run closed", closed);
  last_retention_wall_ms_ = clock_.wall_ms();
}

HistoryService::~HistoryService() {
  stop();
  alive_->store(false);
}

void HistoryService::start() {
  if (started_) return;
  started_ = true;
  subscription_ = points_.subscribe_prefix(
      "", [this](bus::PointId id, const bus::PointSample &sample) { on_sample(id, sample); });
  alarm_listener_ = alarms_.add_listener(
      [this](bus::AlarmChange change, const bus::Alarm &alarm) { on_alarm(change, alarm); });
  poll_identities();
  schedule_flush();
  schedule_identity_poll();
}

void HistoryService::stop() {
  if (stopped_) return;
  stopped_ = true;
  flush_timer_.cancel();
  identity_timer_.cancel();
  alarm_timer_.cancel();
  if (subscription_ != 0) points_.unsubscribe(subscription_);
  if (alarm_listener_ != 0) alarms_.remove_listener(alarm_listener_);
  poll_identities();
  flush(true);
  wait_idle();
}

// --- gathering (core thread) ------------------------------------------------------------------

HistoryService::Tracked &HistoryService::track(bus::PointId id) {
  if (static_cast<size_t>(id) >= tracked_.size()) tracked_.resize(static_cast<size_t>(id) + 1);
  Tracked &point = tracked_[static_cast<size_t>(id)];
  if (point.known) return point;
  point.known = true;
  const bus::PointInfo *info = points_.info(id);
  if (info == nullptr) return point;
  const size_t slash = info->name.find('/');
  point.device_id = info->name.substr(0, slash);
  point.name = slash == std::string::npos ? info->name : info->name.substr(slash + 1);
  point.unit = info->unit;
  point.numeric = info->value_type == HEARTH_VALUE_DOUBLE || info->value_type == HEARTH_VALUE_INT ||
                  info->value_type == HEARTH_VALUE_BOOL;
  point.minute = store::MinuteAccumulator(store::is_counter_unit(point.unit));
  if (point.numeric) point.ring = std::make_unique<store::RecentRing>(options_.recent);
  return point;
}

void HistoryService::on_sample(bus::PointId id, const bus::PointSample &sample) {
  Tracked &point = track(id);
  if (!point.numeric || !sample.has_value) return;
  const auto value = numeric_value(sample.value);
  const int64_t wall_ms = clock_.wall_ms() - sample.age_ms;
  point.last_wall_ms = std::max(point.last_wall_ms, wall_ms);
  if (!value || sample.quality != HEARTH_QUALITY_GOOD) {
    point.ring->push(wall_ms, std::nan(""));
    ++stats_.invalid_samples;
    return;
  }
  point.ring->push(wall_ms, *value);
  std::optional<std::pair<store::WallMinute, store::MinuteStats>> closed;
  switch (point.minute.add(wall_ms, *value, &closed)) {
    case store::MinuteAccumulator::Added::late:
      ++stats_.late_samples;
      return;
    case store::MinuteAccumulator::Added::closed_previous:
      keep_closed(id, *closed);
      break;
    case store::MinuteAccumulator::Added::same_minute:
      break;
  }
  ++stats_.samples;
}

void HistoryService::on_alarm(bus::AlarmChange change, const bus::Alarm &alarm) {
  store::AlarmHistoryEvent event;
  event.kind = event_kind(change);
  event.source = alarm.source;
  event.code = alarm.code;
  event.severity = alarm.severity;
  event.text = alarm.text;
  event.raised_wall_ms = alarm.first_raised_wall_ms;
  event.last_raised_wall_ms = alarm.last_raised_wall_ms;
  event.repeat_count = alarm.repeat_count;
  event.cleared_wall_ms = alarm.cleared_wall_ms;
  event.acknowledged_by = alarm.acknowledged_by;
  event.acknowledged_wall_ms = alarm.acknowledged_wall_ms;
  alarm_events_.push_back(std::move(event));
  ++stats_.alarm_events;
  schedule_alarm_flush();
}

std::vector<store::RecentSample> HistoryService::recent(std::string_view point,
                                                        int64_t since_wall_ms) const {
  const auto id = points_.find(point);
  if (!id || static_cast<size_t>(*id) >= tracked_.size()) return {};
  const Tracked &tracked = tracked_[static_cast<size_t>(*id)];
  return tracked.ring ? tracked.ring->since(since_wall_ms) : std::vector<store::RecentSample>{};
}

// --- the device registry ------------------------------------------------------------------------

store::IdentityOutcome HistoryService::report_identity(const store::IdentityReport &report) {
  const int64_t now_ms = clock_.wall_ms();
  const auto outcome = registry_.report_identity(report, now_ms);
  switch (outcome) {
    case store::IdentityOutcome::replacement_pending: {
      const store::DeviceRecord *known = registry_.active(report.device_id);
      const std::string text = "new hardware: serial number " + report.serial + " where " +
                               (known ? known->serial : std::string("?")) +
                               " was; the installer confirms or refuses the replacement";
      spdlog::warn("[{}] {}", report.device_id, text);
      alarms_.raise(report.device_id, kAlarmReplacementPending, HEARTH_SEVERITY_WARNING, text,
                    now_ms);
      break;
    }
    case store::IdentityOutcome::replacement_withdrawn:
      spdlog::info("[{}] the known hardware is back; the pending replacement is withdrawn",
                   report.device_id);
      alarms_.clear(report.device_id, kAlarmReplacementPending, now_ms);
      break;
    case store::IdentityOutcome::new_device:
      spdlog::info("[{}] registered: model '{}', serial '{}'", report.device_id, report.model,
                   report.serial);
      break;
    case store::IdentityOutcome::updated:
    case store::IdentityOutcome::unchanged:
      break;
  }
  if (registry_.has_changes()) schedule_alarm_flush();
  return outcome;
}

void HistoryService::poll_identities() {
  if (!identities_) return;
  for (const auto &report : identities_()) {
    if (report.model.empty() && report.serial.empty() && report.firmware.empty()) continue;
    auto known = last_identity_.find(report.device_id);
    if (known != last_identity_.end() && same_identity(known->second, report)) continue;
    last_identity_[report.device_id] = report;
    report_identity(report);
  }
}

void HistoryService::after_decision(const store::ReplacementDecision &decision,
                                    std::string_view device_id) {
  if (!decision) return;
  const auto &step = decision.replacement;
  spdlog::info("[{}] replacement {} by {}: serial {} -> {}", device_id, step.decision,
               step.decided_by, step.old_serial, step.new_serial);
  if (step.decision == "refused" && kv_ != nullptr) {
    // The old hardware's device state goes with it under its retired name; the new hardware
    // starts afresh.
    for (const auto &device : registry_.devices()) {
      if (device.key != step.old_key) continue;
      try {
        const size_t moved = kv_->move_device(device_id, device.device_id);
        spdlog::info("[{}] {} key-value entr(ies) kept apart as {}", device_id, moved,
                     device.device_id);
      } catch (const std::exception &error) {
        spdlog::error("[{}] key-value entries not set apart: {}", device_id, error.what());
      }
    }
  }
  alarms_.clear(device_id, kAlarmReplacementPending, clock_.wall_ms());
  schedule_alarm_flush();
}

store::ReplacementDecision HistoryService::confirm_replacement(std::string_view device_id,
                                                               std::string_view author) {
  auto decision = registry_.confirm_replacement(device_id, author, clock_.wall_ms());
  after_decision(decision, device_id);
  return decision;
}

store::ReplacementDecision HistoryService::refuse_replacement(std::string_view device_id,
                                                              std::string_view author) {
  auto decision = registry_.refuse_replacement(device_id, author, clock_.wall_ms());
  after_decision(decision, device_id);
  return decision;
}

// --- writing
// --------------------------------------------------------------------------------------

void HistoryService::close_minutes(std::optional<store::WallMinute> before) {
  for (size_t id = 0; id < tracked_.size(); ++id) {
    Tracked &point = tracked_[id];
    if (!point.numeric) continue;
    if (auto finished = point.minute.close_before(before)) {
      keep_closed(static_cast<bus::PointId>(id), *finished);
    }
  }
}

void HistoryService::keep_closed(bus::PointId id,
                                 const std::pair<store::WallMinute, store::MinuteStats> &minute) {
  const Tracked &point = tracked_[static_cast<size_t>(id)];
  // The minute belongs to the hardware in the slot now (a replacement seen later must not take
  // it along).
  const int64_t key = registry_.key_for_data(point.device_id, point.last_wall_ms);
  closed_.push_back({id, key, minute.first, minute.second});
}

store::HistoryBatch HistoryService::take_batch(bool with_minutes, bool include_running_minutes) {
  store::HistoryBatch batch;
  if (with_minutes) {
    // A minute is finished once the grace after its end has passed.
    const int64_t settled_ms = clock_.wall_ms() - options_.close_grace.count();
    close_minutes(include_running_minutes ? std::nullopt
                                          : std::optional(store::minute_of(settled_ms)));
    batch.minutes.reserve(closed_.size());
    for (const ClosedMinute &closed : closed_) {
      const Tracked &point = tracked_[static_cast<size_t>(closed.point)];
      // A key merged away since (replacement confirmed or withdrawn) hands its minutes on to the
      // slot's key: the merge is written before these minutes.
      const int64_t key = registry_.knows(closed.device_key)
                              ? closed.device_key
                              : registry_.key_for_data(point.device_id, point.last_wall_ms);
      batch.minutes.push_back({closed.minute, key, point.name, point.unit, closed.stats});
    }
    stats_.minute_records += closed_.size();
    closed_.clear();
    // The last write before a stop: last-seen times exact, not at their save resolution.
    if (include_running_minutes) registry_.save_all_last_seen();
  }
  registry_.take_changes(batch);
  batch.alarms = std::move(alarm_events_);
  alarm_events_.clear();
  return batch;
}

void HistoryService::flush(bool include_running_minutes) {
  poll_identities();
  store::HistoryBatch batch = take_batch(true, include_running_minutes);
  const int64_t now_ms = clock_.wall_ms();
  const bool retention_due =
      now_ms - last_retention_wall_ms_ >=
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.retention_interval).count();
  if (retention_due) last_retention_wall_ms_ = now_ms;
  submit(std::move(batch), retention_due);
}

void HistoryService::submit(store::HistoryBatch batch, bool with_retention) {
  // Batches a failed write gave back go first, so that the file sees changes in their order.
  std::vector<store::HistoryBatch> queue = std::move(retry_);
  retry_.clear();
  if (!batch.empty()) queue.push_back(std::move(batch));
  for (auto &each : queue) {
    {
      std::lock_guard lock(idle_mutex_);
      ++in_flight_;
    }
    boost::asio::post(strand_, [this, each = std::move(each), with_retention]() mutable {
      write_on_strand(std::move(each), with_retention);
    });
    with_retention = false;
  }
  if (queue.empty() && with_retention) {
    {
      std::lock_guard lock(idle_mutex_);
      ++in_flight_;
    }
    boost::asio::post(strand_, [this] { write_on_strand({}, true); });
  }
}

void HistoryService::write_on_strand(store::HistoryBatch batch, bool with_retention) {
  // Worker thread (the strand): only writer_db_, writer_ and the idle count are touched here.
  try {
    writer_->write(batch);
    if (with_retention) {
      const auto trimmed = writer_->apply_retention(options_.retention, clock_.wall_ms());
      if (trimmed.rows_deleted > 0) {
        spdlog::info("history: retention trimmed {} row(s); {} bytes in use", trimmed.rows_deleted,
                     trimmed.bytes_in_use);
      }
    }
    boost::asio::post(io_, [this, alive = alive_] {
      if (alive->load()) {
        ++stats_.batches_written;
        alarms_.clear(kHostSource, kAlarmHistoryWriteFailed, clock_.wall_ms());
      }
    });
  } catch (const std::exception &error) {
    boost::asio::post(io_, [this, alive = alive_, batch = std::move(batch),
                            message = std::string(error.what())]() mutable {
      if (alive->load()) batch_failed(std::move(batch), message);
    });
  }
  std::lock_guard lock(idle_mutex_);
  --in_flight_;
  idle_.notify_all();
}

void HistoryService::batch_failed(store::HistoryBatch batch, const std::string &error) {
  ++stats_.batches_failed;
  spdlog::error("history: a batch was not written and is kept for the next flush: {}", error);
  alarms_.raise(kHostSource, kAlarmHistoryWriteFailed, HEARTH_SEVERITY_MAJOR,
                "history not written: " + error, clock_.wall_ms());
  retry_.push_back(std::move(batch));
  while (retry_.size() > options_.max_retained_batches) {
    retry_.erase(retry_.begin());
    ++stats_.batches_dropped;
  }
}

void HistoryService::wait_idle() {
  std::unique_lock lock(idle_mutex_);
  idle_.wait(lock, [this] { return in_flight_ == 0; });
}

void HistoryService::read(std::function<void(store::Database &)> fn) {
  {
    std::lock_guard lock(idle_mutex_);
    ++in_flight_;
  }
  boost::asio::post(strand_, [this, fn = std::move(fn)] {
    try {
      fn(*writer_db_);
    } catch (const std::exception &error) {
      spdlog::error("history: a read failed: {}", error.what());
    }
    std::lock_guard lock(idle_mutex_);
    --in_flight_;
    idle_.notify_all();
  });
}

// --- timers
// ---------------------------------------------------------------------------------------

std::chrono::milliseconds HistoryService::until_next_flush() const {
  // Aligned to the wall minute, so each flush takes whole minutes just after they end.
  const int64_t now_ms = clock_.wall_ms();
  const int64_t interval_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.flush_interval).count();
  const int64_t next_ms = (now_ms / interval_ms + 1) * interval_ms + options_.close_grace.count();
  return std::chrono::milliseconds(next_ms - now_ms);
}

void HistoryService::schedule_flush() {
  flush_timer_.expires_after(until_next_flush());
  flush_timer_.async_wait([this](const boost::system::error_code &error) {
    if (error) return;
    flush();
    schedule_flush();
  });
}

void HistoryService::schedule_identity_poll() {
  identity_timer_.expires_after(options_.identity_poll_interval);
  identity_timer_.async_wait([this](const boost::system::error_code &error) {
    if (error) return;
    poll_identities();
    schedule_identity_poll();
  });
}

void HistoryService::schedule_alarm_flush() {
  if (alarm_flush_armed_ || stopped_ || !started_) return;
  alarm_flush_armed_ = true;
  alarm_timer_.expires_after(options_.alarm_flush_delay);
  alarm_timer_.async_wait([this](const boost::system::error_code &error) {
    alarm_flush_armed_ = false;
    if (error) return;
    submit(take_batch(false, false), false);
  });
}

}  // namespace hearth::host
