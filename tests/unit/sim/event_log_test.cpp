// hearth-sim's record of what it saw (sim/README.md, "Events"), in process: physics steps, writes
// and meter reads with CLOCK_MONOTONIC stamps, control commands, the set_pv / set_load ramps and
// set_response_time through the control API, and the log's capacity and filters.
#include "hearth/sim/event_log.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "hearth/sim/simulator.hpp"

namespace hearth::sim {
namespace {

using nlohmann::json;

const char *kTwoInverters = R"(
time: {start: 2024-06-25T11:00:00Z, speed: 0, step_ms: 100}
inverters:
  - {name: inv1, unit: 1, rated_w: 10000, pv_kwp: 10, response_time_s: 1.0}
  - {name: inv2, unit: 2, rated_w: 5000, pv_kwp: 5, response_time_s: 1.0}
meter: {wiring: rtu, unit: 11}
)";

Scenario scenario() {
  return parse_scenario(kTwoInverters, "test.yaml", HEARTH_SOURCE_DIR);
}

json ok(Simulator &sim, const json &request) {
  auto reply = sim.command(request);
  EXPECT_TRUE(reply.value("ok", false)) << request << " -> " << reply;
  return reply;
}

json events(Simulator &sim, uint64_t since, std::vector<std::string> kinds = {}) {
  json request = {{"cmd", "events"}, {"since", since}};
  if (!kinds.empty()) request["kinds"] = kinds;
  return ok(sim, request);
}

// Modbus PDUs as a master sends them.
std::vector<uint8_t> write_multiple(uint16_t address, const std::vector<uint16_t> &values) {
  std::vector<uint8_t> pdu = {
      0x10, static_cast<uint8_t>(address >> 8),  static_cast<uint8_t>(address),
      0,    static_cast<uint8_t>(values.size()), static_cast<uint8_t>(2 * values.size())};
  for (uint16_t v : values) {
    pdu.push_back(static_cast<uint8_t>(v >> 8));
    pdu.push_back(static_cast<uint8_t>(v));
  }
  return pdu;
}
std::vector<uint8_t> read_holding(uint16_t address, uint16_t count) {
  return {0x03, static_cast<uint8_t>(address >> 8), static_cast<uint8_t>(address), 0,
          static_cast<uint8_t>(count)};
}

// Device indices: the inverters in scenario order, then the meter.
constexpr size_t kInv1 = 0, kMeter = 2;

TEST(SimEvents, EveryPhysicsStepIsLoggedWithGridLoadAndEachInverter) {
  Simulator sim(scenario());
  const uint64_t first = ok(sim, {{"cmd", "status"}}).at("events_next");
  const int64_t before_ns = monotonic_now_ns();
  ok(sim, {{"cmd", "step"}, {"seconds", 1}});
  const auto reply = events(sim, first, {"step"});
  const auto &steps = reply.at("events");
  ASSERT_EQ(steps.size(), 10u);
  const auto status = ok(sim, {{"cmd", "status"}});
  const auto &last = steps.back();
  EXPECT_EQ(last.at("sim_ms"), status.at("sim_ms"));
  EXPECT_DOUBLE_EQ(last.at("grid_w").get<double>(), status.at("grid_w").get<double>());
  EXPECT_DOUBLE_EQ(last.at("load_w").get<double>(), status.at("load_w").get<double>());
  ASSERT_EQ(last.at("ac_w").size(), 2u);
  EXPECT_DOUBLE_EQ(last.at("ac_w")[1].get<double>(),
                   status.at("inverters")[1].at("ac_power_w").get<double>());
  EXPECT_DOUBLE_EQ(last.at("limit_w")[0].get<double>(), 10000.0);
  for (const auto &step : steps) {
    EXPECT_GE(step.at("mono_ns").get<int64_t>(), before_ns);
    EXPECT_LE(step.at("mono_ns").get<int64_t>(), status.at("mono_ns").get<int64_t>());
  }
  // The step command itself is a control event, logged after the steps it made.
  const auto controls = events(sim, first, {"control"}).at("events");
  ASSERT_EQ(controls.size(), 1u);
  EXPECT_EQ(controls[0].at("cmd"), "step");
  EXPECT_GT(controls[0].at("seq"), last.at("seq"));
}

TEST(SimEvents, LimitWritesAndMeterReadsAreLoggedWithValuesAndSendTimes) {
  Simulator sim(scenario());
  ok(sim, {{"cmd", "set_load"}, {"w", 1234}});
  ok(sim, {{"cmd", "step"}, {"seconds", 1}});
  const uint64_t first = ok(sim, {{"cmd", "status"}}).at("events_next");

  // 40125..40127 = [100.0 %, 0x0000 0x0BB8 = 3000 W] in one write, as the Huawei driver sends it.
  const auto write = write_multiple(40125, {1000, 0, 3000});
  const auto written = sim.serve(kInv1, 1, write.data(), write.size(), Transport::kTcp);
  ASSERT_TRUE(written.answer);
  ASSERT_NE(written.event_seq, 0u);
  const auto read = read_holding(0x2012, 8);
  const auto served = sim.serve(kMeter, 11, read.data(), read.size(), Transport::kRtu);
  ASSERT_NE(served.event_seq, 0u);
  sim.reply_sent(served.event_seq);
  // A read that does not include the power register is not a meter sample.
  const auto voltages = read_holding(0x2006, 6);
  EXPECT_EQ(sim.serve(kMeter, 11, voltages.data(), voltages.size(), Transport::kRtu).event_seq, 0u);
  // A refused write (a percentage above 100) is logged with its exception.
  const auto bad = write_multiple(40125, {1500});
  sim.serve(kInv1, 1, bad.data(), bad.size(), Transport::kTcp);

  const auto logged = events(sim, first, {"write", "meter_read"}).at("events");
  ASSERT_EQ(logged.size(), 3u) << logged;
  EXPECT_EQ(logged[0].at("kind"), "write");
  EXPECT_EQ(logged[0].at("device"), "inv1");
  EXPECT_EQ(logged[0].at("address"), 40125);
  EXPECT_EQ(logged[0].at("values"), json::array({1000, 0, 3000}));
  EXPECT_EQ(logged[0].at("exception"), 0);
  EXPECT_DOUBLE_EQ(logged[0].at("limit_w").get<double>(), 3000.0);
  EXPECT_EQ(logged[0].at("transport"), "tcp");
  EXPECT_EQ(logged[1].at("kind"), "meter_read");
  EXPECT_EQ(logged[1].at("device"), "meter");
  EXPECT_EQ(logged[1].at("address"), 0x2012);
  const double grid_w = ok(sim, {{"cmd", "status"}}).at("grid_w");
  EXPECT_DOUBLE_EQ(logged[1].at("power_w").get<double>(), grid_w);
  ASSERT_TRUE(logged[1].contains("sent_ns"));
  EXPECT_GE(logged[1].at("sent_ns").get<int64_t>(), logged[1].at("mono_ns").get<int64_t>());
  EXPECT_GE(logged[1].at("mono_ns").get<int64_t>(), logged[0].at("mono_ns").get<int64_t>());
  EXPECT_EQ(logged[2].at("exception"), 3);  // illegal data value; the cap stays
  EXPECT_DOUBLE_EQ(logged[2].at("limit_w").get<double>(), 3000.0);
}

TEST(SimEvents, FrozenMeterReadsSayFrozenAndServeTheSnapshot) {
  Simulator sim(scenario());
  ok(sim, {{"cmd", "set_load"}, {"w", 2000}});
  ok(sim, {{"cmd", "step"}, {"seconds", 1}});
  ok(sim, {{"cmd", "freeze_meter"}});
  const double frozen_w = ok(sim, {{"cmd", "status"}}).at("grid_w");
  ok(sim, {{"cmd", "set_load"}, {"w", 7000}});
  ok(sim, {{"cmd", "step"}, {"seconds", 1}});
  const uint64_t first = ok(sim, {{"cmd", "status"}}).at("events_next");
  const auto read = read_holding(0x2000, 0x1A);
  sim.serve(kMeter, 11, read.data(), read.size(), Transport::kRtu);
  const auto logged = events(sim, first, {"meter_read"}).at("events");
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_TRUE(logged[0].at("frozen"));
  EXPECT_DOUBLE_EQ(logged[0].at("power_w").get<double>(), frozen_w);
}

TEST(SimEvents, SetPvRampsEachInverterBySharesOfItsKwp) {
  Simulator sim(scenario());
  ok(sim, {{"cmd", "set_pv"}, {"w", 3000}});
  ok(sim, {{"cmd", "step"}, {"seconds", 0.2}});
  auto inverters = ok(sim, {{"cmd", "status"}}).at("inverters");
  EXPECT_DOUBLE_EQ(inverters[0].at("pv_available_w").get<double>(), 2000.0);
  EXPECT_DOUBLE_EQ(inverters[1].at("pv_available_w").get<double>(), 1000.0);
  EXPECT_TRUE(inverters[0].at("pv_override"));
  ok(sim, {{"cmd", "set_pv"}, {"inverter", "inv2"}, {"w", 5000}, {"ramp_s", 4}});
  ok(sim, {{"cmd", "step"}, {"seconds", 2.1}});  // the last step computed 2 s into the ramp
  inverters = ok(sim, {{"cmd", "status"}}).at("inverters");
  EXPECT_NEAR(inverters[1].at("pv_available_w").get<double>(), 3000.0, 1e-6);
  EXPECT_DOUBLE_EQ(inverters[0].at("pv_available_w").get<double>(), 2000.0);
  ok(sim, {{"cmd", "set_pv"}, {"w", nullptr}});
  ok(sim, {{"cmd", "step"}, {"seconds", 0.2}});
  inverters = ok(sim, {{"cmd", "status"}}).at("inverters");
  EXPECT_FALSE(inverters[1].at("pv_override"));
  EXPECT_GT(inverters[0].at("pv_available_w").get<double>(), 5000.0);  // the midday profile
}

TEST(SimEvents, ResponseTimeCanBeChangedPerInverter) {
  Simulator sim(scenario());
  ok(sim, {{"cmd", "set_pv"}, {"w", 12000}});
  ok(sim, {{"cmd", "set_response_time"}, {"inverter", "inv1"}, {"s", 2.0}});
  ok(sim, {{"cmd", "step"}, {"seconds", 20}});
  const double start_w = ok(sim, {{"cmd", "status"}}).at("inverters")[0].at("ac_power_w");
  ASSERT_NEAR(start_w, 8000.0, 1.0);
  sim.with_house([](House &house) { house.inverters()[0].controls.derating_w = 0.0; });
  ok(sim, {{"cmd", "step"}, {"seconds", 2}});  // one time constant of 2 s
  const auto inv1 = ok(sim, {{"cmd", "status"}}).at("inverters")[0];
  EXPECT_DOUBLE_EQ(inv1.at("response_time_s").get<double>(), 2.0);
  EXPECT_NEAR(inv1.at("ac_power_w").get<double>(), start_w * std::exp(-1.0), 0.01 * start_w);
}

TEST(SimEvents, BadArgumentsAreRefusedAndCounted) {
  Simulator sim(scenario());
  const std::vector<json> bad = {
      {{"cmd", "set_pv"}, {"w", -1}},
      {{"cmd", "set_pv"}, {"w", 100}, {"ramp_s", -2}},
      {{"cmd", "set_pv"}, {"inverter", "nope"}, {"w", 100}},
      {{"cmd", "set_load"}, {"w", 100}, {"ramp_s", 1e9}},
      {{"cmd", "set_response_time"}, {"s", 0}},
      {{"cmd", "set_response_time"}, {"inverter", "nope"}, {"s", 1}},
      {{"cmd", "events"}, {"limit", 0}},
      {{"cmd", "events"}, {"kinds", "step"}},
  };
  for (const auto &request : bad) {
    const auto reply = sim.command(request);
    EXPECT_FALSE(reply.value("ok", true)) << request;
    EXPECT_FALSE(reply.value("error", "").empty()) << request;
  }
  EXPECT_EQ(ok(sim, {{"cmd", "status"}}).at("counters").at("control_errors"), bad.size());
  // Refused commands are not logged as control events.
  EXPECT_TRUE(events(sim, 1, {"control"}).at("events").empty());
}

TEST(SimEvents, TheLogKeepsTheNewestEventsAndSaysHowManyWereDropped) {
  EventLog log(3);
  for (int i = 0; i < 5; ++i) log.append("step", {{"i", i}});
  const auto all = log.since(1, {}, 100);
  EXPECT_EQ(all.at("first"), 3);
  EXPECT_EQ(all.at("dropped"), 2);
  EXPECT_EQ(all.at("next"), 6);
  ASSERT_EQ(all.at("events").size(), 3u);
  EXPECT_EQ(all.at("events")[0].at("i"), 2);
  log.stamp_sent(1, 42);  // dropped: nothing to stamp, no crash
  const auto page = log.since(4, {}, 1);
  ASSERT_EQ(page.at("events").size(), 1u);
  EXPECT_EQ(page.at("events")[0].at("seq"), 4);
  EXPECT_EQ(page.at("next"), 5);
}

}  // namespace
}  // namespace hearth::sim
