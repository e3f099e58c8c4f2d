#include <gtest/gtest.h>

#include <cmath>
#include <hearth/bus/command_bus.hpp>
#include <stdexcept>

#include "values.hpp"

namespace hearth::bus {
namespace {

using testing::arg;
using testing::double_value;
using testing::int_value;

constexpr int64_t kMs = 1'000'000;

struct Completion {
  uint64_t id = 0;
  std::string device;
  std::string capability;
  std::string name;
  int32_t priority = -1;
  int32_t status = 1;
  std::string message;
  int64_t latency_ns = -1;
};

class CommandBusTest : public ::testing::Test {
 protected:
  CompletionCallback record() {
    return [this](const CommandResult &result) {
      completions_.push_back({result.id, std::string(result.device), std::string(result.capability),
                              std::string(result.name), result.priority, result.status,
                              std::string(result.message), result.latency_ns});
    };
  }

  // A device that accepts every command and keeps it for the test to complete.
  void add_accepting_device(const std::string &device) {
    ASSERT_EQ(bus_.register_handler(device,
                                    [this](const hearth_command &command) {
                                      received_.push_back(command);
                                      return HEARTH_OK;
                                    }),
              HEARTH_OK);
  }

  uint64_t submit_limit(const std::string &device, int32_t priority = HEARTH_PRIO_CONTROL,
                        int64_t deadline_mono_ns = 0) {
    const hearth_arg limit = arg("limit_w", double_value(3000.0));
    return bus_.submit(device, "pv_inverter", "set_active_power_limit_w", {&limit, 1}, priority,
                       deadline_mono_ns, record());
  }

  ManualClock clock_;
  CommandBus bus_{clock_};
  std::vector<Completion> completions_;
  std::vector<hearth_command> received_;
};

TEST_F(CommandBusTest, HandlerGetsTheCommandAsTheAbiDescribesIt) {
  add_accepting_device("inverter-1");
  const int64_t deadline = clock_.mono_ns() + 500 * kMs;
  const hearth_arg args[] = {arg("limit_w", double_value(3000.0)), arg("hold_s", int_value(60))};
  const uint64_t id = bus_.submit("inverter-1", "pv_inverter", "set_active_power_limit_w", args,
                                  HEARTH_PRIO_SAFETY, deadline, record());
  ASSERT_EQ(received_.size(), 1u);
  const hearth_command &command = received_.front();
  EXPECT_EQ(command.struct_size, sizeof(hearth_command));
  EXPECT_EQ(command.id, id);
  EXPECT_EQ(command.priority, HEARTH_PRIO_SAFETY);
  EXPECT_EQ(command.deadline_mono_ns, deadline);
  EXPECT_STREQ(command.capability, "pv_inverter");
  EXPECT_STREQ(command.name, "set_active_power_limit_w");
  ASSERT_EQ(command.arg_count, 2u);
  EXPECT_STREQ(command.args[0].name, "limit_w");
  EXPECT_DOUBLE_EQ(command.args[0].value.as.d, 3000.0);
  EXPECT_EQ(command.args[1].value.as.i, 60);
  EXPECT_TRUE(completions_.empty());
  EXPECT_TRUE(bus_.is_open(id));
}

TEST_F(CommandBusTest, CompletionIsDeliveredExactlyOnceWithItsLatency) {
  add_accepting_device("inverter-1");
  const uint64_t id = submit_limit("inverter-1");
  clock_.advance_ms(42);
  EXPECT_EQ(bus_.complete("inverter-1", id, HEARTH_OK, ""), HEARTH_OK);
  EXPECT_EQ(bus_.complete("inverter-1", id, HEARTH_E_IO, "again"), HEARTH_E_NOT_FOUND);
  EXPECT_EQ(bus_.complete("inverter-1", 999, HEARTH_OK, ""), HEARTH_E_NOT_FOUND);
  ASSERT_EQ(completions_.size(), 1u);
  EXPECT_EQ(completions_[0].id, id);
  EXPECT_EQ(completions_[0].status, HEARTH_OK);
  EXPECT_EQ(completions_[0].device, "inverter-1");
  EXPECT_EQ(completions_[0].name, "set_active_power_limit_w");
  EXPECT_EQ(completions_[0].latency_ns, 42 * kMs);
  EXPECT_EQ(bus_.stats().succeeded, 1u);
  EXPECT_EQ(bus_.stats().ignored_completions, 2u);
  EXPECT_EQ(bus_.latency().count(), 1u);
  EXPECT_EQ(bus_.latency().p50_ns(), 42 * kMs);
  EXPECT_EQ(bus_.open_count(), 0u);
}

TEST_F(CommandBusTest, AnotherDeviceCannotCompleteTheCommandAndBadStatusIsIgnored) {
  add_accepting_device("inverter-1");
  add_accepting_device("inverter-2");
  const uint64_t id = submit_limit("inverter-1");
  EXPECT_EQ(bus_.complete("inverter-2", id, HEARTH_OK, ""), HEARTH_E_DENIED);
  EXPECT_EQ(bus_.complete("inverter-1", id, 5, ""), HEARTH_E_INVALID);
  EXPECT_TRUE(completions_.empty());
  EXPECT_EQ(bus_.stats().ignored_completions, 2u);
  EXPECT_EQ(bus_.complete("inverter-1", id, HEARTH_E_IO, "no answer"), HEARTH_OK);
  ASSERT_EQ(completions_.size(), 1u);
  EXPECT_EQ(completions_[0].status, HEARTH_E_IO);
  EXPECT_EQ(completions_[0].message, "no answer");
  EXPECT_EQ(bus_.stats().failed, 1u);
}

TEST_F(CommandBusTest, DeviceMayCompleteInsideItsHandler) {
  bus_.register_handler("switch-1", [this](const hearth_command &command) {
    EXPECT_EQ(bus_.complete("switch-1", command.id, HEARTH_OK, ""), HEARTH_OK);
    return HEARTH_OK;
  });
  const uint64_t id =
      bus_.submit("switch-1", "switchable_load", "set_on", {}, HEARTH_PRIO_CONTROL, 0, record());
  ASSERT_EQ(completions_.size(), 1u);
  EXPECT_EQ(completions_[0].id, id);
  EXPECT_EQ(completions_[0].status, HEARTH_OK);
  EXPECT_EQ(bus_.open_count(), 0u);
}

TEST_F(CommandBusTest, NegativeHandlerStatusCompletesAtOnceKeepingAnEarlierMessage) {
  bus_.register_handler("battery-1", [](const hearth_command &) { return HEARTH_E_NOT_SUPPORTED; });
  bus_.register_handler("battery-2", [this](const hearth_command &command) {
    bus_.complete("battery-2", command.id, HEARTH_E_STATE, "battery is in maintenance mode");
    return HEARTH_E_STATE;
  });
  bus_.submit("battery-1", "battery", "set_mode", {}, HEARTH_PRIO_CONTROL, 0, record());
  bus_.submit("battery-2", "battery", "set_mode", {}, HEARTH_PRIO_CONTROL, 0, record());
  ASSERT_EQ(completions_.size(), 2u);
  EXPECT_EQ(completions_[0].status, HEARTH_E_NOT_SUPPORTED);
  EXPECT_NE(completions_[0].message.find("refused"), std::string::npos) << completions_[0].message;
  EXPECT_EQ(completions_[1].status, HEARTH_E_STATE);
  EXPECT_EQ(completions_[1].message, "battery is in maintenance mode");
  EXPECT_EQ(bus_.stats().failed, 2u);
  EXPECT_EQ(bus_.stats().ignored_completions, 0u);
}

TEST_F(CommandBusTest, ThrowingHandlerCompletesWithInternalError) {
  bus_.register_handler(
      "bad-1", [](const hearth_command &) -> int32_t { throw std::runtime_error("boom"); });
  bus_.submit("bad-1", "battery", "set_mode", {}, HEARTH_PRIO_CONTROL, 0, record());
  ASSERT_EQ(completions_.size(), 1u);
  EXPECT_EQ(completions_[0].status, HEARTH_E_INTERNAL);
  EXPECT_NE(completions_[0].message.find("boom"), std::string::npos);
}

TEST_F(CommandBusTest, MalformedCommandsAndUnknownDevicesCompleteAtOnce) {
  int handler_calls = 0;
  bus_.register_handler("inverter-1", [&](const hearth_command &) {
    ++handler_calls;
    return HEARTH_OK;
  });
  std::vector<hearth_arg> nine(9, arg("x", int_value(1)));
  hearth_arg nan_arg = arg("limit_w", double_value(std::nan("")));
  bus_.submit("nobody", "pv_inverter", "set_active_power_limit_w", {}, HEARTH_PRIO_CONTROL, 0,
              record());
  bus_.submit("inverter-1", "pv_inverter", "x", nine, HEARTH_PRIO_CONTROL, 0, record());
  bus_.submit("inverter-1", "pv_inverter", std::string(32, 'n'), {}, HEARTH_PRIO_CONTROL, 0,
              record());
  bus_.submit("inverter-1", "pv_inverter", "x", {}, 7, 0, record());
  bus_.submit("inverter-1", "pv_inverter", "x", {&nan_arg, 1}, HEARTH_PRIO_CONTROL, 0, record());
  ASSERT_EQ(completions_.size(), 5u);
  EXPECT_EQ(completions_[0].status, HEARTH_E_NOT_FOUND);
  EXPECT_NE(completions_[0].message.find("nobody"), std::string::npos);
  for (size_t i = 1; i < 5; ++i) EXPECT_EQ(completions_[i].status, HEARTH_E_INVALID) << i;
  EXPECT_NE(completions_[4].message.find("limit_w"), std::string::npos);
  EXPECT_EQ(handler_calls, 0);
  EXPECT_EQ(bus_.stats().refused, 5u);
  EXPECT_EQ(bus_.latency().count(), 0u);  // they never reached a device
  EXPECT_EQ(bus_.open_count(), 0u);
}

TEST_F(CommandBusTest, OverdueCommandsTimeOutAndLateAnswersAreIgnored) {
  add_accepting_device("ev-1");
  const int64_t start = clock_.mono_ns();
  const uint64_t late = submit_limit("ev-1", HEARTH_PRIO_CONTROL, start + 300 * kMs);
  const uint64_t early = submit_limit("ev-1", HEARTH_PRIO_CONTROL, start + 100 * kMs);
  const uint64_t no_deadline = submit_limit("ev-1", HEARTH_PRIO_CONTROL, 0);
  EXPECT_EQ(bus_.next_deadline(), start + 100 * kMs);

  EXPECT_EQ(bus_.expire_due(start + 100 * kMs - 1), 0u);
  clock_.advance_ms(100);
  EXPECT_EQ(bus_.expire_due(clock_.mono_ns()), 1u);
  ASSERT_EQ(completions_.size(), 1u);
  EXPECT_EQ(completions_[0].id, early);
  EXPECT_EQ(completions_[0].status, HEARTH_E_TIMEOUT);
  EXPECT_EQ(completions_[0].latency_ns, 100 * kMs);
  EXPECT_EQ(bus_.next_deadline(), start + 300 * kMs);

  EXPECT_EQ(bus_.complete("ev-1", early, HEARTH_OK, ""), HEARTH_E_NOT_FOUND);
  EXPECT_EQ(bus_.complete("ev-1", late, HEARTH_OK, ""), HEARTH_OK);
  EXPECT_FALSE(bus_.next_deadline());  // a completed command's deadline is forgotten
  clock_.advance_ms(1000);
  EXPECT_EQ(bus_.expire_due(clock_.mono_ns()), 0u);
  EXPECT_TRUE(bus_.is_open(no_deadline));
  EXPECT_EQ(bus_.stats().timed_out, 1u);
  EXPECT_EQ(bus_.stats().succeeded, 1u);
  EXPECT_EQ(completions_.size(), 2u);
}

TEST_F(CommandBusTest, CommandWhoseDeadlineHasPassedNeverReachesTheDevice) {
  add_accepting_device("ev-1");
  submit_limit("ev-1", HEARTH_PRIO_CONTROL, clock_.mono_ns());
  EXPECT_TRUE(received_.empty());
  ASSERT_EQ(completions_.size(), 1u);
  EXPECT_EQ(completions_[0].status, HEARTH_E_TIMEOUT);
  EXPECT_EQ(bus_.stats().timed_out, 1u);
}

TEST_F(CommandBusTest, CancelDeviceCompletesOnlyThatDevicesCommandsInSubmitOrder) {
  add_accepting_device("inverter-1");
  add_accepting_device("inverter-2");
  const uint64_t a = submit_limit("inverter-1", HEARTH_PRIO_CONTROL, clock_.mono_ns() + kMs);
  const uint64_t other = submit_limit("inverter-2");
  const uint64_t b = submit_limit("inverter-1");
  EXPECT_EQ(bus_.cancel_device("inverter-1"), 2u);
  ASSERT_EQ(completions_.size(), 2u);
  EXPECT_EQ(completions_[0].id, a);
  EXPECT_EQ(completions_[1].id, b);
  EXPECT_EQ(completions_[0].status, HEARTH_E_CANCELLED);
  EXPECT_EQ(completions_[1].status, HEARTH_E_CANCELLED);
  EXPECT_TRUE(bus_.is_open(other));
  EXPECT_FALSE(bus_.next_deadline());
  EXPECT_EQ(bus_.stats().cancelled, 2u);

  bus_.unregister_handler("inverter-2");
  EXPECT_FALSE(bus_.is_open(other));
  ASSERT_EQ(completions_.size(), 3u);
  EXPECT_EQ(completions_[2].status, HEARTH_E_CANCELLED);
  submit_limit("inverter-2");
  EXPECT_EQ(completions_.back().status, HEARTH_E_NOT_FOUND);
}

TEST_F(CommandBusTest, PrioritiesAreRecordedPerCommand) {
  add_accepting_device("battery-1");
  const uint64_t safety = submit_limit("battery-1", HEARTH_PRIO_SAFETY);
  const uint64_t poll = submit_limit("battery-1", HEARTH_PRIO_POLL);
  submit_limit("battery-1", HEARTH_PRIO_SAFETY);
  bus_.complete("battery-1", poll, HEARTH_OK, "");
  bus_.complete("battery-1", safety, HEARTH_OK, "");
  ASSERT_EQ(completions_.size(), 2u);
  EXPECT_EQ(completions_[0].priority, HEARTH_PRIO_POLL);
  EXPECT_EQ(completions_[1].priority, HEARTH_PRIO_SAFETY);
  EXPECT_EQ(received_[0].priority, HEARTH_PRIO_SAFETY);
  EXPECT_EQ(bus_.stats().submitted_by_priority[HEARTH_PRIO_SAFETY], 2u);
  EXPECT_EQ(bus_.stats().submitted_by_priority[HEARTH_PRIO_POLL], 1u);
  EXPECT_EQ(bus_.stats().submitted_by_priority[HEARTH_PRIO_CONTROL], 0u);
}

TEST_F(CommandBusTest, LatencyPercentilesOverManyCommands) {
  add_accepting_device("battery-1");
  for (int latency_ms = 1; latency_ms <= 100; ++latency_ms) {
    const uint64_t id = submit_limit("battery-1");
    clock_.advance_ms(latency_ms);
    bus_.complete("battery-1", id, HEARTH_OK, "");
  }
  EXPECT_EQ(bus_.latency().count(), 100u);
  EXPECT_EQ(bus_.latency().p50_ns(), 50 * kMs);
  EXPECT_EQ(bus_.latency().p99_ns(), 99 * kMs);
  EXPECT_EQ(bus_.latency().max_ns(), 100 * kMs);
}

TEST_F(CommandBusTest, CompletionCallbackMaySubmitTheNextCommand) {
  add_accepting_device("ev-1");
  uint64_t follow_up = 0;
  const hearth_arg amps = arg("current_a", double_value(6.0));
  const uint64_t first =
      bus_.submit("ev-1", "ev_charger", "set_current_limit_a", {&amps, 1}, HEARTH_PRIO_CONTROL, 0,
                  [&](const CommandResult &result) {
                    EXPECT_EQ(bus_.complete("ev-1", result.id, HEARTH_OK, ""), HEARTH_E_NOT_FOUND);
                    follow_up = bus_.submit("ev-1", "ev_charger", "set_current_limit_a", {&amps, 1},
                                            HEARTH_PRIO_CONTROL, 0, record());
                  });
  bus_.complete("ev-1", first, HEARTH_OK, "");
  EXPECT_NE(follow_up, 0u);
  EXPECT_TRUE(bus_.is_open(follow_up));
  EXPECT_EQ(received_.size(), 2u);
}

TEST_F(CommandBusTest, HandlerMayUnregisterItsOwnDeviceDuringTheCall) {
  int calls = 0;
  bus_.register_handler("charger-1", [this, &calls](const hearth_command &) {
    ++calls;
    bus_.unregister_handler("charger-1");  // the device stops while handling the command
    return HEARTH_OK;
  });
  bus_.submit("charger-1", "ev_charger", "set_current_limit_a", {}, HEARTH_PRIO_CONTROL, 0,
              record());
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(completions_.size(), 1u);
  EXPECT_EQ(completions_[0].status, HEARTH_E_CANCELLED);
  bus_.submit("charger-1", "ev_charger", "set_current_limit_a", {}, HEARTH_PRIO_CONTROL, 0,
              record());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(completions_.back().status, HEARTH_E_NOT_FOUND);
}

TEST_F(CommandBusTest, RegisterRefusesDuplicatesAndEmptyHandlers) {
  add_accepting_device("inverter-1");
  EXPECT_EQ(bus_.register_handler("inverter-1", [](const hearth_command &) { return 0; }),
            HEARTH_E_STATE);
  EXPECT_EQ(bus_.register_handler("", [](const hearth_command &) { return 0; }), HEARTH_E_INVALID);
  EXPECT_EQ(bus_.register_handler("x", nullptr), HEARTH_E_INVALID);
}

}  // namespace
}  // namespace hearth::bus
