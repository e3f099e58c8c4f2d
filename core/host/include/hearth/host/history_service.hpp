#pragma once
// The history of the house (docs/history.md): every point's raw recent values in a RAM ring, its
// one-minute aggregates committed to SQLite at most once a minute on the worker pool, the alarm
// history, and the device registry fed by the devices' identities, with field device
// replacement. The core thread only gathers; SQLite is written on a strand of the worker pool
// with a connection of the service's own, so a slow flash never stalls the core loop.
//
// Core thread only, except where a comment says otherwise.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <hearth/bus/alarm_registry.hpp>
#include <hearth/bus/point_store.hpp>
#include <hearth/core/clock.hpp>
#include <hearth/store/database.hpp>
#include <hearth/store/device_registry.hpp>
#include <hearth/store/history_writer.hpp>
#include <hearth/store/kv_store.hpp>
#include <hearth/store/minute_accumulator.hpp>
#include <hearth/store/recent_ring.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace hearth::host {

// Alarm codes of the history (source: the device concerned, or "hearthd").
inline constexpr int32_t kAlarmReplacementPending = 1010;
inline constexpr int32_t kAlarmHistoryWriteFailed = 1011;

struct HistoryOptions {
  std::filesystem::path database_path;
  store::RecentWindow recent;  // 15 min, at most 4096 samples a point
  // Aggregates are committed this often (at most once a minute, however small this is set), a
  // little after the minute ends so that its last samples are in.
  std::chrono::seconds flush_interval{60};
  std::chrono::milliseconds close_grace{2000};
  // Alarm changes and replacement decisions are written this soon, without waiting for a flush.
  std::chrono::milliseconds alarm_flush_delay{1000};
  std::chrono::seconds identity_poll_interval{5};
  // 400 days, and at most 1 GB of pages in use (40 devices x 25 points: about 40 days).
  store::RetentionLimits retention{400, 1'000'000'000};
  std::chrono::minutes retention_interval{60};
  // Batches a failing disk may hold back before the oldest are dropped (and counted).
  size_t max_retained_batches = 60;
};

struct HistoryStats {
  uint64_t samples = 0;          // numeric samples aggregated
  uint64_t invalid_samples = 0;  // flagged INVALID by the device: ring only
  uint64_t late_samples = 0;     // older than their point's running minute: refused
  uint64_t minute_records = 0;   // point-minutes handed to the writer
  uint64_t batches_written = 0;  // also the count of writer transactions
  uint64_t batches_failed = 0;
  uint64_t batches_dropped = 0;
  uint64_t alarm_events = 0;
};

class HistoryService {
 public:
  // What the host knows of a device's identity (plugin.h identity_set), polled.
  using IdentitySource = std::function<std::vector<store::IdentityReport>()>;

  // Opens a connection of its own to options.database_path (migrating it), loads the device
  // registry and closes alarm occurrences a previous run left open. kv, when given, is where a
  // refused replacement's device state is set apart.
  HistoryService(bus::PointStore &points, bus::AlarmRegistry &alarms, const Clock &clock,
                 boost::asio::io_context &io, boost::asio::thread_pool &workers,
                 HistoryOptions options, IdentitySource identities = {},
                 store::KvStore *kv = nullptr);
  ~HistoryService();
  HistoryService(const HistoryService &) = delete;
  HistoryService &operator=(const HistoryService &) = delete;

  // Subscribes to every point and to the alarms, and starts the timers.
  void start();
  // Writes everything - running minutes too - and waits for the writer. Idempotent.
  void stop();

  // Hands the finished minutes (every running one when include_running_minutes), the registry's
  // changes and the alarm events to the writer now.
  void flush(bool include_running_minutes = false);
  // Any thread but the writer's: blocks until every batch handed over so far is written.
  void wait_idle();
  // Runs fn on the writer's strand with its connection, after every write queued before it. fn
  // runs on a worker thread: post results back to the core thread yourself.
  void read(std::function<void(store::Database &)> fn);

  // The point's raw samples since since_wall_ms from the RAM ring (empty for an unknown point or
  // a non-numeric one).
  std::vector<store::RecentSample> recent(std::string_view point, int64_t since_wall_ms) const;

  // A device told who it is. The hosts polls identities; call this to report one at once.
  store::IdentityOutcome report_identity(const store::IdentityReport &report);
  const store::DeviceRegistry &registry() const { return registry_; }
  // The installer's decision on a pending replacement (API; the author is the installer's name).
  store::ReplacementDecision confirm_replacement(std::string_view device_id,
                                                 std::string_view author);
  store::ReplacementDecision refuse_replacement(std::string_view device_id,
                                                std::string_view author);

  const HistoryStats &stats() const { return stats_; }
  // Writer statistics; read them after wait_idle().
  const store::HistoryWriterStats &writer_stats() const { return writer_->stats(); }

 private:
  struct Tracked {
    bool known = false;
    bool numeric = false;
    std::string device_id;
    std::string name;
    std::string unit;
    int64_t last_wall_ms = 0;
    store::MinuteAccumulator minute;
    std::unique_ptr<store::RecentRing> ring;
  };
  struct ClosedMinute {
    bus::PointId point;
    int64_t device_key;  // the hardware in the slot when the minute closed
    store::WallMinute minute;
    store::MinuteStats stats;
  };

  Tracked &track(bus::PointId id);
  void on_sample(bus::PointId id, const bus::PointSample &sample);
  void on_alarm(bus::AlarmChange change, const bus::Alarm &alarm);
  void close_minutes(std::optional<store::WallMinute> before);
  void keep_closed(bus::PointId id, const std::pair<store::WallMinute, store::MinuteStats> &minute);
  store::HistoryBatch take_batch(bool with_minutes, bool include_running_minutes);
  void submit(store::HistoryBatch batch, bool with_retention);
  void write_on_strand(store::HistoryBatch batch, bool with_retention);
  void batch_failed(store::HistoryBatch batch, const std::string &error);
  void poll_identities();
  void after_decision(const store::ReplacementDecision &decision, std::string_view device_id);
  void schedule_flush();
  void schedule_identity_poll();
  void schedule_alarm_flush();
  std::chrono::milliseconds until_next_flush() const;

  bus::PointStore &points_;
  bus::AlarmRegistry &alarms_;
  const Clock &clock_;
  boost::asio::io_context &io_;
  boost::asio::strand<boost::asio::thread_pool::executor_type> strand_;
  HistoryOptions options_;
  IdentitySource identities_;
  store::KvStore *kv_;

  std::unique_ptr<store::Database> writer_db_;  // the strand's
  std::unique_ptr<store::HistoryWriter> writer_;
  store::DeviceRegistry registry_;

  std::vector<Tracked> tracked_;  // by PointId
  std::vector<ClosedMinute> closed_;
  std::vector<store::AlarmHistoryEvent> alarm_events_;
  std::vector<store::HistoryBatch> retry_;
  std::map<std::string, store::IdentityReport, std::less<>> last_identity_;
  bus::SubscriptionId subscription_ = 0;
  bus::ListenerId alarm_listener_ = 0;
  int64_t last_retention_wall_ms_ = 0;
  bool started_ = false;
  bool stopped_ = false;

  boost::asio::steady_timer flush_timer_;
  boost::asio::steady_timer identity_timer_;
  boost::asio::steady_timer alarm_timer_;
  bool alarm_flush_armed_ = false;

  std::mutex idle_mutex_;
  std::condition_variable idle_;
  size_t in_flight_ = 0;  // guarded by idle_mutex_
  // Cleared by the destructor: a failed batch's report posted to the core thread after the
  // service is gone finds it false and does nothing.
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);

  HistoryStats stats_;
};

}  // namespace hearth::host
