// The device registry and field device replacement, persisted through the HistoryWriter into a
// real SQLite file: a confirmed replacement keeps the slot's history together, a refused one
// keeps the two devices' histories apart.
#include <gtest/gtest.h>

#include <hearth/store/device_registry.hpp>
#include <hearth/store/history_query.hpp>
#include <hearth/store/history_writer.hpp>

#include "temp_dir.hpp"

namespace hearth::store {
namespace {

using testing::TempDir;

constexpr int64_t kT0 = 1'795'651'200'000;  // 2026-11-26T00:00:00Z
constexpr WallMinute kM0 = kT0 / kMsPerMinute;

IdentityReport inverter(std::string serial, std::string firmware = "V100R001") {
  return {"inverter-1", "huawei-sun2000", "SUN2000-10KTL-M1", std::move(serial),
          std::move(firmware)};
}

class DeviceRegistryTest : public ::testing::Test {
 protected:
  // Flushes what the registry changed plus one minute of power_w for the slot's current key.
  void flush_minute(DeviceRegistry &registry, WallMinute minute, double power_w) {
    HistoryBatch batch;
    MinuteStats stats;
    stats.count = 60;
    stats.min = stats.mean = stats.max = power_w;
    const int64_t key = registry.key_for_data("inverter-1", minute * kMsPerMinute);
    batch.minutes.push_back({minute, key, "power_w", "W", stats});
    registry.take_changes(batch);
    writer_.write(batch);
  }
  std::vector<double> power_history(std::string_view device) {
    std::vector<double> means;
    const auto point = resolve_point(db_, std::string(device) + "/power_w");
    if (!point) return means;
    for (const auto &minute : query_minutes(db_, *point, kT0, kT0 + 100 * kMsPerMinute)) {
      means.push_back(minute.stats.mean);
    }
    return means;
  }

  TempDir dir_;
  Database db_{dir_.file("hearth.db")};
  HistoryWriter writer_{db_};
};

TEST_F(DeviceRegistryTest, RegistersIdentityAndFollowsFirmwareAndLastSeen) {
  DeviceRegistry registry(db_);
  EXPECT_EQ(registry.report_identity(inverter("SN-A"), kT0), IdentityOutcome::new_device);
  EXPECT_EQ(registry.report_identity(inverter("SN-A"), kT0 + 1), IdentityOutcome::unchanged);
  EXPECT_EQ(registry.report_identity(inverter("SN-A", "V200"), kT0 + 2), IdentityOutcome::updated);
  flush_minute(registry, kM0 + 5, 1000);
  const auto stored = stored_devices(db_);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].device_id, "inverter-1");
  EXPECT_EQ(stored[0].driver, "huawei-sun2000");
  EXPECT_EQ(stored[0].model, "SUN2000-10KTL-M1");
  EXPECT_EQ(stored[0].serial, "SN-A");
  EXPECT_EQ(stored[0].firmware, "V200");
  EXPECT_EQ(stored[0].first_seen_wall_ms, kT0);
  EXPECT_EQ(stored[0].last_seen_wall_ms, (kM0 + 5) * kMsPerMinute);
  // Reopened, the registry knows the device and does not take it for new.
  DeviceRegistry reopened(db_);
  EXPECT_EQ(reopened.report_identity(inverter("SN-A", "V200"), kT0 + 3),
            IdentityOutcome::unchanged);
}

TEST_F(DeviceRegistryTest, ConfirmedReplacementTakesOverTheOldKeyAndItsHistory) {
  DeviceRegistry registry(db_);
  registry.report_identity(inverter("SN-A"), kT0);
  flush_minute(registry, kM0, 100);
  flush_minute(registry, kM0 + 1, 101);
  const int64_t old_key = registry.active("inverter-1")->key;

  EXPECT_EQ(registry.report_identity(inverter("SN-B", "V300"), kT0 + 2 * kMsPerMinute),
            IdentityOutcome::replacement_pending);
  ASSERT_EQ(registry.pending_replacements().size(), 1u);
  EXPECT_EQ(registry.pending_replacements()[0].old_serial, "SN-A");
  EXPECT_EQ(registry.pending_replacements()[0].new_serial, "SN-B");
  // Meanwhile the new hardware's data is kept apart, under its own key.
  flush_minute(registry, kM0 + 2, 200);
  flush_minute(registry, kM0 + 3, 201);
  EXPECT_EQ(power_history("inverter-1"), (std::vector<double>{100, 101}));

  // A restart before the decision: the pending replacement is still there.
  DeviceRegistry after_restart(db_);
  ASSERT_EQ(after_restart.pending_replacements().size(), 1u);
  EXPECT_FALSE(after_restart.confirm_replacement("inverter-1", "", kT0));  // needs an author
  EXPECT_FALSE(after_restart.confirm_replacement("meter-1", "installer", kT0));
  const auto decision =
      after_restart.confirm_replacement("inverter-1", "installer", kT0 + 4 * kMsPerMinute);
  ASSERT_TRUE(decision) << decision.message;
  flush_minute(after_restart, kM0 + 4, 202);

  // One device, the old key, the new serial, the whole history.
  EXPECT_EQ(after_restart.active("inverter-1")->key, old_key);
  EXPECT_EQ(after_restart.active("inverter-1")->serial, "SN-B");
  EXPECT_EQ(after_restart.pending("inverter-1"), nullptr);
  const auto stored = stored_devices(db_);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].key, old_key);
  EXPECT_EQ(stored[0].serial, "SN-B");
  EXPECT_EQ(stored[0].firmware, "V300");
  EXPECT_EQ(power_history("inverter-1"), (std::vector<double>{100, 101, 200, 201, 202}));
  const auto steps = stored_replacements(db_);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].decision, "confirmed");
  EXPECT_EQ(steps[0].decided_by, "installer");
  EXPECT_EQ(steps[0].decided_wall_ms, kT0 + 4 * kMsPerMinute);
}

TEST_F(DeviceRegistryTest, RefusedReplacementKeepsTheTwoHistoriesApart) {
  DeviceRegistry registry(db_);
  registry.report_identity(inverter("SN-A"), kT0);
  flush_minute(registry, kM0, 100);
  registry.report_identity(inverter("SN-B"), kT0 + kMsPerMinute);
  flush_minute(registry, kM0 + 1, 200);
  ASSERT_TRUE(registry.refuse_replacement("inverter-1", "installer", kT0 + 2 * kMsPerMinute));
  flush_minute(registry, kM0 + 2, 201);

  EXPECT_EQ(registry.active("inverter-1")->serial, "SN-B");
  EXPECT_EQ(power_history("inverter-1"), (std::vector<double>{200, 201}));
  EXPECT_EQ(power_history("inverter-1@SN-A"), (std::vector<double>{100}));
  const auto stored = stored_devices(db_);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].device_id, "inverter-1@SN-A");
  EXPECT_EQ(stored[0].state, "retired");
  EXPECT_EQ(stored[1].state, "active");
  EXPECT_EQ(stored_replacements(db_)[0].decision, "refused");
  // No second decision.
  EXPECT_FALSE(registry.confirm_replacement("inverter-1", "installer", kT0));
}

TEST_F(DeviceRegistryTest, TheOldSerialComingBackWithdrawsThePendingReplacement) {
  DeviceRegistry registry(db_);
  registry.report_identity(inverter("SN-A"), kT0);
  flush_minute(registry, kM0, 100);
  registry.report_identity(inverter("SN-B"), kT0 + kMsPerMinute);
  flush_minute(registry, kM0 + 1, 101);
  EXPECT_EQ(registry.report_identity(inverter("SN-A"), kT0 + 2 * kMsPerMinute),
            IdentityOutcome::replacement_withdrawn);
  flush_minute(registry, kM0 + 2, 102);
  EXPECT_TRUE(registry.pending_replacements().empty());
  EXPECT_EQ(registry.active("inverter-1")->serial, "SN-A");
  EXPECT_EQ(power_history("inverter-1"), (std::vector<double>{100, 101, 102}));
  EXPECT_EQ(stored_devices(db_).size(), 1u);
  EXPECT_EQ(stored_replacements(db_)[0].decision, "withdrawn");
}

}  // namespace
}  // namespace hearth::store
