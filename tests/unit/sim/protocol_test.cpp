// hearth-sim as a child process, read by real clients: mbpoll and pymodbus 3.0 over Modbus TCP
// and over the RTU ptys. Every fault injection is observed from the client side; register values
// are checked against what `status` reports. The sim runs paused (speed 0): only `step` moves
// simulated time, so values cannot change between a status and a read.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "child_process.hpp"

namespace hearth::sim::testing {
namespace {

using nlohmann::json;

const char *kHouse = R"(
time: {start: 2024-06-25T10:00:00Z, speed: 0, step_ms: 100}
inverters:
  - {name: inv1, unit: 1, rated_w: 10000, pv_kwp: 9, rtu_bus: rs485-1,
     battery: {capacity_wh: 10000, max_charge_w: 5000, max_discharge_w: 5000, initial_soc_pct: 50}}
  - {name: inv2, unit: 2, rated_w: 6000, pv_kwp: 5, rtu_bus: rs485-1}
meter: {wiring: rtu, unit: 11, rtu_bus: rs485-meter}
)";

const char *kMeterBehindInverter = R"(
time: {start: 2024-06-25T10:00:00Z, speed: 0}
inverters:
  - {name: inv1, unit: 1, rated_w: 10000, pv_kwp: 9}
meter: {wiring: behind_inverter, inverter: inv1}
)";

const char *kCommLoss = R"(
time: {start: 2024-06-25T10:00:00Z, speed: 0}
inverters:
  - {name: inv1, unit: 1, rated_w: 10000, pv_kwp: 9, comm_loss: {timeout_s: 5, derate_pct: 0}}
)";

// ---- clients ----

ProgramResult mbpoll(const std::vector<std::string> &target, int unit, int reg,
                     const std::string &type, int count, const std::string &timeout_s) {
  std::vector<std::string> argv{"mbpoll"};
  argv.insert(argv.end(), target.begin(), target.end() - 1);
  for (const auto &a : std::vector<std::string>{
           "-a", std::to_string(unit), "-r", std::to_string(reg), "-c", std::to_string(count), "-t",
           type, "-B", "-1", "-0", "-o", timeout_s, target.back()})
    argv.push_back(a);
  return run_program(argv);
}

ProgramResult mbpoll_tcp(const SimProcess &sim, const std::string &device, int reg,
                         const std::string &type = "4:int", int count = 1,
                         const std::string &timeout_s = "1") {
  return mbpoll({"-m", "tcp", "-p", sim.tcp_port(device), "127.0.0.1"}, sim.unit(device), reg, type,
                count, timeout_s);
}

ProgramResult mbpoll_rtu(const std::string &path, int unit, int reg,
                         const std::string &type = "4:int", int count = 1,
                         const std::string &timeout_s = "1") {
  return mbpoll({"-m", "rtu", "-b", "9600", "-P", "none", path}, unit, reg, type, count, timeout_s);
}

std::vector<double> mbpoll_values(const ProgramResult &result) {
  std::vector<double> values;
  static const std::regex line(R"(\[(\d+)\]:\s+(-?[0-9.]+))");
  for (std::sregex_iterator it(result.output.begin(), result.output.end(), line), end; it != end;
       ++it)
    values.push_back(std::stod((*it)[2]));
  return values;
}

// pymodbus: {"ok", "registers", "elapsed_s", "error"}.
json pymodbus(const std::string &transport, const std::string &target, int unit,
              const std::string &op, int address, const std::vector<int> &values,
              double timeout_s = 1.0) {
  std::vector<std::string> argv{"/usr/bin/python3",
                                SIM_CLIENT_PY,
                                "--" + transport,
                                target,
                                "--unit",
                                std::to_string(unit),
                                "--timeout",
                                std::to_string(timeout_s),
                                op,
                                std::to_string(address)};
  for (int v : values) argv.push_back(std::to_string(v));
  const auto result = run_program(argv);
  const auto last_line = result.output.substr(result.output.rfind('{'));
  return json::parse(last_line);
}

json read_rtu(const std::string &path, int unit, int address, int count, double timeout_s = 1.0) {
  return pymodbus("rtu", path, unit, "read", address, {count}, timeout_s);
}
json read_tcp(const SimProcess &sim, const std::string &device, int address, int count,
              double timeout_s = 1.0) {
  return pymodbus("tcp", sim.tcp_address(device), sim.unit(device), "read", address, {count},
                  timeout_s);
}

int32_t i32(const json &reply, size_t at = 0) {
  const auto r = reply.at("registers");
  return static_cast<int32_t>((r.at(at).get<uint32_t>() << 16) | r.at(at + 1).get<uint32_t>());
}

float f32(const json &reply, size_t at = 0) {
  const uint32_t bits = static_cast<uint32_t>(i32(reply, at));
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

const json &inverter(const json &status, const std::string &name) {
  for (const auto &inv : status.at("inverters"))
    if (inv.at("name") == name) return inv;
  throw std::runtime_error("no inverter " + name);
}

long rounded(const json &value) {
  return std::lround(value.get<double>());
}

// A raw TCP client that holds its connection: connects and reads 32080 (2 registers) once.
// Returns the socket, or -1 when the read was not answered.
int connect_and_read_32080(const SimProcess &sim, const std::string &device) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(sim.tcp_port(device))));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const uint8_t request[] = {0,    1,    0,    0,    0,   6, static_cast<uint8_t>(sim.unit(device)),
                             0x03, 0x7D, 0x50, 0x00, 0x02};
  uint8_t reply[64];
  if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 ||
      ::send(fd, request, sizeof request, 0) != static_cast<ssize_t>(sizeof request) ||
      ::recv(fd, reply, sizeof reply, 0) != 13) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// True when the peer closes fd within 5 s.
bool closed_by_peer(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 5000) <= 0) return false;
  uint8_t byte;
  return ::recv(fd, &byte, 1, 0) == 0;
}

// ---- register encoding against status ----

TEST(SimProtocol, TcpRegistersMatchStatus) {
  SimProcess sim(kHouse);
  sim.ctl({{"cmd", "step"}, {"seconds", 5}});
  const auto status = sim.status();
  const auto &inv1 = inverter(status, "inv1");
  auto r = mbpoll_tcp(sim, "inv1", 32080);  // I32 W
  ASSERT_EQ(r.exit_status, 0) << r.output;
  EXPECT_EQ(mbpoll_values(r),
            std::vector<double>{static_cast<double>(rounded(inv1.at("ac_power_w")))});
  r = mbpoll_tcp(sim, "inv1", 37760, "4");  // SOC U16 gain 10
  EXPECT_EQ(mbpoll_values(r).at(0),
            std::lround(inv1.at("battery").at("soc_pct").get<double>() * 10));
  r = mbpoll_tcp(sim, "inv1", 37765);  // battery I32 W, + charge
  EXPECT_EQ(mbpoll_values(r).at(0), rounded(inv1.at("battery").at("power_w")));
  EXPECT_GT(mbpoll_values(r).at(0), 1000);  // charging at noon
  r = mbpoll_tcp(sim, "inv1", 32114);       // daily yield U32 kWh gain 100
  EXPECT_EQ(mbpoll_values(r).at(0), std::lround(inv1.at("daily_yield_kwh").get<double>() * 100));
}

TEST(SimProtocol, NegativeBatteryPowerOverRtuIsI32HighWordFirst) {
  SimProcess sim(kHouse);
  const auto bus = sim.rtu_path("inv1");
  // Forcible discharge at 3000 W for 10 minutes, written in the documented order (protocols.md §2).
  ASSERT_TRUE(pymodbus("rtu", bus, 1, "write", 47249, {0, 3000}).at("ok"));
  ASSERT_TRUE(pymodbus("rtu", bus, 1, "write", 47246, {0}).at("ok"));
  ASSERT_TRUE(pymodbus("rtu", bus, 1, "write", 47083, {10}).at("ok"));
  ASSERT_TRUE(pymodbus("rtu", bus, 1, "write", 47100, {2}).at("ok"));
  sim.ctl({{"cmd", "step"}, {"seconds", 2}});
  const auto battery = inverter(sim.status(), "inv1").at("battery");
  ASSERT_EQ(rounded(battery.at("power_w")), -3000);
  const auto reply = read_rtu(bus, 1, 37765, 2);
  ASSERT_TRUE(reply.at("ok")) << reply;
  EXPECT_EQ(reply.at("registers"), json::array({0xFFFF, 0xF448}));  // -3000
  EXPECT_EQ(read_rtu(bus, 1, 37006, 1).at("registers").at(0), 1);   // mode B: forcible
  EXPECT_EQ(read_rtu(bus, 1, 47100, 1).at("registers").at(0), 2);
}

TEST(SimProtocol, RtuBusServesBothInvertersAndTheMeterItsOwnBus) {
  SimProcess sim(kHouse);
  EXPECT_EQ(sim.rtu_path("inv1"), sim.rtu_path("inv2"));
  EXPECT_NE(sim.rtu_path("inv1"), sim.rtu_path("meter"));
  const auto status = sim.status();
  for (const auto &[name, unit] : {std::pair{"inv1", 1}, std::pair{"inv2", 2}}) {
    const auto reply = read_rtu(sim.rtu_path(name), unit, 32080, 2);
    ASSERT_TRUE(reply.at("ok")) << reply;
    EXPECT_EQ(i32(reply), rounded(inverter(status, name).at("ac_power_w")));
  }
  const auto meter = read_rtu(sim.rtu_path("meter"), 11, 0x2012, 2);
  ASSERT_TRUE(meter.at("ok")) << meter;
  const double grid_w = status.at("meter").at("served").at("power_w").get<double>();
  EXPECT_EQ(f32(meter), static_cast<float>(grid_w));  // float32 ABCD, + import
  EXPECT_LT(grid_w, -500.0);                          // the house exports at noon
  EXPECT_NEAR(grid_w, status.at("grid_w").get<double>(), 1e-9);
  // mbpoll agrees on the float.
  const auto r = mbpoll_rtu(sim.rtu_path("meter"), 11, 0x2012, "4:float");
  ASSERT_EQ(r.exit_status, 0) << r.output;
  EXPECT_NEAR(mbpoll_values(r).at(0), grid_w, 0.01);
}

TEST(SimProtocol, SecondTcpClientIsClosed) {
  SimProcess sim(kHouse);
  const int fd = connect_and_read_32080(sim, "inv1");  // the first client, proven to be served
  ASSERT_GE(fd, 0);
  const auto second = mbpoll_tcp(sim, "inv1", 32080);
  EXPECT_NE(second.exit_status, 0) << second.output;
  EXPECT_GE(sim.status().at("counters").at("tcp_refused").get<int>(), 1);
  ::close(fd);
  // Once the first client is gone the next one is served (the sim sees the close asynchronously).
  ProgramResult third;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    third = mbpoll_tcp(sim, "inv1", 32080);
  } while (third.exit_status != 0 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(third.exit_status, 0) << third.output;
}

TEST(SimProtocol, SeveralTcpClientsWhenConfigured) {
  SimProcess sim(std::string(kHouse) + "endpoints: {single_tcp_client: false}\n");
  const int fd = connect_and_read_32080(sim, "inv1");
  ASSERT_GE(fd, 0);
  EXPECT_EQ(mbpoll_tcp(sim, "inv1", 32080).exit_status, 0);
  ::close(fd);
  EXPECT_EQ(sim.status().at("counters").at("tcp_refused"), 0);
}

TEST(SimProtocol, RtuBroadcastWritesReachEveryUnitWithoutAnswer) {
  SimProcess sim(kHouse);
  // Unit 0 (broadcast): 40125 = 50.0 % on both inverters of the bus; nobody answers.
  const auto reply = pymodbus("rtu", sim.rtu_path("inv1"), 0, "write", 40125, {500}, 0.3);
  EXPECT_FALSE(reply.at("ok"));
  const auto status = sim.status();
  EXPECT_EQ(inverter(status, "inv1").at("limit_w"), 5000.0);
  EXPECT_EQ(inverter(status, "inv2").at("limit_w"), 3000.0);
}

TEST(SimProtocol, RtuFramesWithABadCrcAreIgnored) {
  SimProcess sim(kHouse);
  {
    std::ofstream bus(sim.rtu_path("inv1"), std::ios::binary);
    const char bad[] = {0x01, 0x03, 0x7D, 0x50, 0x00, 0x02, 0x00, 0x00};  // CRC should be DC 76
    bus.write(bad, sizeof bad);
  }
  // The sim sees the frame before it answers the next client's request on the same bus.
  const auto reply = read_rtu(sim.rtu_path("inv1"), 1, 32080, 2);
  EXPECT_TRUE(reply.at("ok")) << reply;
  EXPECT_GE(sim.status().at("counters").at("rtu_bad_crc_frames").get<int>(), 1);
}

// ---- fault injection ----

TEST(SimFaults, LinkDownClosesTcpAndSilencesTheUnitOnRtu) {
  SimProcess sim(kHouse);
  const int held = connect_and_read_32080(sim, "inv1");
  ASSERT_GE(held, 0);
  sim.ctl({{"cmd", "link_down"}, {"device", "inv1"}});
  EXPECT_TRUE(closed_by_peer(held)) << "an open connection is closed on link down";
  ::close(held);
  EXPECT_FALSE(read_tcp(sim, "inv1", 32080, 2, 0.5).at("ok"));
  EXPECT_NE(mbpoll_tcp(sim, "inv1", 32080, "4:int", 1, "0.5").exit_status, 0);
  const auto silent = read_rtu(sim.rtu_path("inv1"), 1, 32080, 2, 0.3);
  EXPECT_FALSE(silent.at("ok")) << silent;
  EXPECT_TRUE(read_rtu(sim.rtu_path("inv2"), 2, 32080, 2).at("ok"));  // same bus, other unit
  sim.ctl({{"cmd", "link_down"}, {"device", "inv1"}, {"on", false}});
  EXPECT_TRUE(read_tcp(sim, "inv1", 32080, 2).at("ok"));
  EXPECT_TRUE(read_rtu(sim.rtu_path("inv1"), 1, 32080, 2).at("ok"));
}

TEST(SimProtocol, TcpAnswersUnitZeroAndRefusesOtherUnits) {
  SimProcess sim(kHouse);
  EXPECT_TRUE(pymodbus("tcp", sim.tcp_address("inv2"), 0, "read", 32080, {2}).at("ok"));
  const auto other =
      mbpoll({"-m", "tcp", "-p", sim.tcp_port("inv2"), "127.0.0.1"}, 7, 32080, "4:int", 1, "1");
  EXPECT_NE(other.exit_status, 0);
  EXPECT_NE(other.output.find("Target device failed to respond"), std::string::npos)
      << other.output;
}

TEST(SimFaults, NoAnswerForOneUnit) {
  SimProcess sim(kHouse);
  sim.ctl({{"cmd", "no_answer"}, {"device", "inv2"}});
  const auto silent = read_rtu(sim.rtu_path("inv2"), 2, 32080, 2, 0.3);
  EXPECT_FALSE(silent.at("ok")) << silent;
  EXPECT_GE(silent.at("elapsed_s").get<double>(), 0.3);
  const auto r = mbpoll_tcp(sim, "inv2", 32080, "4:int", 1, "0.3");
  EXPECT_NE(r.exit_status, 0);
  EXPECT_NE(r.output.find("timed out"), std::string::npos) << r.output;
  EXPECT_TRUE(read_rtu(sim.rtu_path("inv1"), 1, 32080, 2).at("ok"));
}

TEST(SimFaults, LateAnswer) {
  SimProcess sim(kHouse);
  sim.ctl({{"cmd", "delay"}, {"device", "inv1"}, {"ms", 600}});
  EXPECT_FALSE(read_tcp(sim, "inv1", 32080, 2, 0.2).at("ok"));
  const auto late = read_tcp(sim, "inv1", 32080, 2, 3.0);
  ASSERT_TRUE(late.at("ok")) << late;
  EXPECT_GE(late.at("elapsed_s").get<double>(), 0.6);
  const auto late_rtu = read_rtu(sim.rtu_path("inv1"), 1, 32080, 2, 3.0);
  ASSERT_TRUE(late_rtu.at("ok")) << late_rtu;
  EXPECT_GE(late_rtu.at("elapsed_s").get<double>(), 0.6);
  const auto prompt = read_rtu(sim.rtu_path("inv2"), 2, 32080, 2, 3.0);
  EXPECT_LT(prompt.at("elapsed_s").get<double>(), 0.6);
}

TEST(SimFaults, MalformedFrames) {
  SimProcess sim(kHouse);
  sim.ctl({{"cmd", "malformed"}, {"device", "inv1"}});
  EXPECT_NE(mbpoll_tcp(sim, "inv1", 32080, "4:int", 1, "0.5").exit_status, 0);
  EXPECT_FALSE(read_tcp(sim, "inv1", 32080, 2, 0.5).at("ok"));
  EXPECT_FALSE(read_rtu(sim.rtu_path("inv1"), 1, 32080, 2, 0.5).at("ok"));
  EXPECT_TRUE(read_rtu(sim.rtu_path("inv2"), 2, 32080, 2).at("ok"));
}

TEST(SimFaults, CrcBrokenOnRtuOnly) {
  SimProcess sim(kHouse);
  sim.ctl({{"cmd", "crc_broken"}, {"device", "inv1"}});
  const auto r = mbpoll_rtu(sim.rtu_path("inv1"), 1, 32080, "4:int", 1, "0.5");
  EXPECT_NE(r.exit_status, 0);
  EXPECT_NE(r.output.find("Invalid CRC"), std::string::npos) << r.output;
  EXPECT_TRUE(read_tcp(sim, "inv1", 32080, 2).at("ok"));  // TCP has no CRC to break
  sim.ctl({{"cmd", "crc_broken"}, {"device", "inv1"}, {"on", false}});
  EXPECT_EQ(mbpoll_rtu(sim.rtu_path("inv1"), 1, 32080).exit_status, 0);
}

TEST(SimFaults, FrozenMeterIsBitIdentical) {
  SimProcess sim(kHouse);
  const auto meter = sim.rtu_path("meter");
  constexpr int kBlock = 0x2000, kCount = 0x1A;  // voltages, currents, powers
  const auto before = read_rtu(meter, 11, kBlock, kCount);
  sim.ctl({{"cmd", "set_load"}, {"w", 6000}});
  sim.ctl({{"cmd", "step"}, {"seconds", 10}});
  const auto live = read_rtu(meter, 11, kBlock, kCount);
  ASSERT_TRUE(before.at("ok") && live.at("ok"));
  EXPECT_NE(before.at("registers"), live.at("registers"));
  sim.ctl({{"cmd", "freeze_meter"}});
  const auto frozen1 = read_rtu(meter, 11, kBlock, kCount);
  sim.ctl({{"cmd", "set_load"}, {"w", 300}});
  sim.ctl({{"cmd", "step"}, {"seconds", 10}});
  const auto frozen2 = read_rtu(meter, 11, kBlock, kCount);
  EXPECT_EQ(frozen1.at("registers"), frozen2.at("registers"));
  const auto status = sim.status();
  EXPECT_TRUE(status.at("meter").at("frozen"));
  EXPECT_NE(status.at("meter").at("live").at("power_w"),
            status.at("meter").at("served").at("power_w"));
  sim.ctl({{"cmd", "freeze_meter"}, {"on", false}});
  EXPECT_NE(read_rtu(meter, 11, kBlock, kCount).at("registers"), frozen2.at("registers"));
}

TEST(SimFaults, RebootResetsTheDeratingAndStopsAnswers) {
  SimProcess sim(kHouse);
  ASSERT_TRUE(pymodbus("tcp", sim.tcp_address("inv1"), 1, "write", 40126, {0, 3000}).at("ok"));
  EXPECT_EQ(inverter(sim.status(), "inv1").at("limit_w"), 3000.0);
  const int held = connect_and_read_32080(sim, "inv1");
  ASSERT_GE(held, 0);
  sim.ctl({{"cmd", "reboot"}, {"device", "inv1"}, {"seconds", 5}});
  EXPECT_TRUE(closed_by_peer(held));
  ::close(held);
  EXPECT_NE(mbpoll_tcp(sim, "inv1", 40126, "4:int", 1, "0.5").exit_status, 0);
  EXPECT_FALSE(read_rtu(sim.rtu_path("inv1"), 1, 40126, 2, 0.3).at("ok"));
  EXPECT_TRUE(inverter(sim.status(), "inv1").at("rebooting"));
  sim.ctl({{"cmd", "step"}, {"seconds", 6}});
  const auto after = read_tcp(sim, "inv1", 40126, 2);
  ASSERT_TRUE(after.at("ok")) << after;
  EXPECT_EQ(i32(after), 10000);  // back to Pmax
  EXPECT_EQ(inverter(sim.status(), "inv1").at("limit_w"), 10000.0);
}

// ---- control registers over the wire ----

TEST(SimProtocol, PercentDeratingRespondsWithTheTimeConstant) {
  SimProcess sim(kHouse);
  const double start_w = inverter(sim.status(), "inv2").at("ac_power_w");
  ASSERT_GT(start_w, 2000.0);
  ASSERT_TRUE(pymodbus("rtu", sim.rtu_path("inv2"), 2, "write", 40125, {100}).at("ok"));  // 10.0 %
  sim.ctl({{"cmd", "step"}, {"seconds", 1}});
  const auto status = inverter(sim.status(), "inv2");
  EXPECT_EQ(status.at("limit_w"), 600.0);
  EXPECT_NEAR(status.at("ac_power_w").get<double>(), 600.0 + (start_w - 600.0) * std::exp(-1.0),
              0.01 * start_w);
  const auto reply = read_rtu(sim.rtu_path("inv2"), 2, 32080, 2);
  EXPECT_EQ(i32(reply), rounded(status.at("ac_power_w")));
  EXPECT_EQ(read_rtu(sim.rtu_path("inv2"), 2, 32089, 1).at("registers").at(0), 0x0201);  // limited
}

TEST(SimProtocol, DeviceIdentificationOverTcpKeepsTheStreamInStep) {
  SimProcess sim(kHouse);
  const int fd = connect_and_read_32080(sim, "inv1");
  ASSERT_GE(fd, 0);
  // 0x2B/0x0E read code 4, object 0x01 (product code); libmodbus does not size this request.
  const uint8_t request[] = {0, 2, 0, 0, 0, 5, 1, 0x2B, 0x0E, 0x04, 0x01};
  ASSERT_EQ(::send(fd, request, sizeof request, 0), static_cast<ssize_t>(sizeof request));
  uint8_t reply[64];
  const ssize_t n = ::recv(fd, reply, sizeof reply, 0);
  ASSERT_GT(n, 16);
  EXPECT_EQ(std::string(reinterpret_cast<char *>(reply) + 16, static_cast<size_t>(n) - 16),
            "SUN2000-10KTL-M1");
  ::close(fd);
  EXPECT_TRUE(read_tcp(sim, "inv1", 32080, 2).at("ok"));
}

TEST(SimProtocol, ExceptionsForUnmappedAndReadOnlyRegisters) {
  SimProcess sim(kHouse);
  const auto unmapped = mbpoll_tcp(sim, "inv1", 35000, "4", 2);
  EXPECT_NE(unmapped.exit_status, 0);
  EXPECT_NE(unmapped.output.find("Illegal data address"), std::string::npos) << unmapped.output;
  const auto read_only = pymodbus("tcp", sim.tcp_address("inv1"), 1, "write", 32080, {0, 1});
  EXPECT_FALSE(read_only.at("ok"));
  EXPECT_NE(read_only.at("error").get<std::string>().find("Exception"), std::string::npos)
      << read_only;
}

TEST(SimProtocol, MeterBehindTheInverterAndZeroExport) {
  SimProcess sim(kMeterBehindInverter);
  auto status = sim.status();
  ASSERT_LT(status.at("grid_w").get<double>(), -1000.0);
  auto view = read_tcp(sim, "inv1", 37100, 39);
  ASSERT_TRUE(view.at("ok")) << view;
  EXPECT_EQ(view.at("registers").at(0), 1);                 // meter online
  EXPECT_EQ(i32(view, 13), -rounded(status.at("grid_w")));  // 37113: + export
  EXPECT_EQ(i32(view, 19),
            std::lround(status.at("meter").at("served").at("export_kwh").get<double>() * 100));
  // Zero-power grid connection (47415 = 5) with the meter present.
  ASSERT_TRUE(pymodbus("tcp", sim.tcp_address("inv1"), 1, "write", 47415, {5}).at("ok"));
  sim.ctl({{"cmd", "step"}, {"seconds", 10}});
  status = sim.status();
  EXPECT_NEAR(status.at("grid_w").get<double>(), 0.0, 5.0);
  // A meter link down shows as 37100 = 0.
  sim.ctl({{"cmd", "link_down"}, {"device", "meter"}});
  EXPECT_EQ(read_tcp(sim, "inv1", 37100, 1).at("registers").at(0), 0);
}

TEST(SimProtocol, CommLossDeratesWithoutMasterFrames) {
  SimProcess sim(kCommLoss);
  sim.ctl({{"cmd", "step"}, {"seconds", 6}});
  auto status = inverter(sim.status(), "inv1");
  EXPECT_TRUE(status.at("comm_loss"));
  EXPECT_EQ(status.at("limit_w"), 0.0);
  const auto device_status = read_tcp(sim, "inv1", 32089, 1);
  EXPECT_EQ(device_status.at("registers").at(0), 0x0303);  // shutdown: communication lost
  sim.ctl({{"cmd", "step"}, {"seconds", 1}});
  EXPECT_FALSE(inverter(sim.status(), "inv1").at("comm_loss"));  // the read was a master frame
}

TEST(SimControl, AcceleratedClockRuns) {
  SimProcess sim(kHouse);
  const int64_t start_ms = sim.status().at("sim_ms");
  sim.ctl({{"cmd", "set_speed"}, {"factor", 600}});
  // Ten simulated minutes take about a real second at x600; wait for them with a deadline.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int64_t now_ms = start_ms;
  while (now_ms < start_ms + 600'000 && std::chrono::steady_clock::now() < deadline) {
    pollfd none{-1, 0, 0};
    ::poll(&none, 0, 20);  // between looks at the condition, not instead of it
    now_ms = sim.status().at("sim_ms").get<int64_t>();
  }
  EXPECT_GE(now_ms, start_ms + 600'000);
  sim.ctl({{"cmd", "set_speed"}, {"factor", 0}});
  const int64_t paused_ms = sim.status().at("sim_ms");
  const auto read = read_rtu(sim.rtu_path("inv1"), 1, 32080, 2);  // some real time passes
  EXPECT_TRUE(read.at("ok"));
  EXPECT_EQ(sim.status().at("sim_ms").get<int64_t>(), paused_ms);
}

TEST(SimControl, DemoHouseProducesConsumesAndExportsAtStart) {
  std::ifstream in(std::string(HEARTH_SOURCE_DIR) + "/configs/sim/demo.yaml");
  std::stringstream demo;
  demo << in.rdbuf();
  SimProcess sim(demo.str());  // ports and ptys overridden to the test's own
  sim.ctl({{"cmd", "set_speed"}, {"factor", 0}});
  const auto status = sim.status();
  EXPECT_GT(status.at("pv_w").get<double>(), 3000.0);
  EXPECT_GT(status.at("load_w").get<double>(), 100.0);
  EXPECT_LT(status.at("grid_w").get<double>(), -500.0);  // exporting
  EXPECT_EQ(status.at("inverters").size(), 2u);
  const auto meter = read_rtu(sim.rtu_path("meter"), 11, 0x2012, 2);
  ASSERT_TRUE(meter.at("ok")) << meter;
  EXPECT_EQ(f32(meter),
            static_cast<float>(status.at("meter").at("served").at("power_w").get<double>()));
}

TEST(SimControl, BadCommandsAreRefusedAndCounted) {
  SimProcess sim(kHouse);
  EXPECT_THROW(sim.ctl({{"cmd", "explode"}}), std::runtime_error);
  EXPECT_THROW(sim.ctl({{"cmd", "link_down"}, {"device", "nobody"}}), std::runtime_error);
  EXPECT_THROW(sim.ctl({{"cmd", "step"}}), std::runtime_error);
  EXPECT_EQ(sim.status().at("counters").at("control_errors"), 3);
  // The command line client reaches the same socket.
  const auto r = run_program(
      {HEARTH_SIM_BINARY, "ctl", "--socket", sim.dir() + "/control.sock", "set_load", "w=1234"});
  EXPECT_EQ(r.exit_status, 0) << r.output;
  sim.ctl({{"cmd", "step"}, {"seconds", 0.1}});
  EXPECT_EQ(sim.status().at("load_w"), 1234.0);
}

// endpoints.rtu_wire_baud: an answer takes as long as request and answer would on a real line.
TEST(SimProtocol, RtuWireBaudHoldsAnswersForTheirLineTime) {
  SimProcess sim(std::string(kHouse) + "endpoints: {rtu_wire_baud: 1200}\n");
  // 10 registers: request 8 bytes, answer 25 bytes, plus 7 characters of gaps = 400 bits,
  // 333 ms at 1200 bit/s.
  const auto reply = read_rtu(sim.rtu_path("inv1"), 1, 32064, 10, 2.0);
  ASSERT_TRUE(reply.at("ok")) << reply;
  EXPECT_EQ(reply.at("registers").size(), 10u);
  EXPECT_GE(reply.at("elapsed_s").get<double>(), 0.330);
}

// The event record over the wire: a limit write by a real client and a meter read at the emulated
// line time are logged with CLOCK_MONOTONIC stamps inside the client's own bracket of the same
// clock, and the meter reply's send time includes the line time (sim/README.md, "Events").
TEST(SimEvents, RealClientsWritesAndMeterReadsAreLoggedOnTheSharedMonotonicClock) {
  SimProcess sim(std::string(kHouse) + "endpoints: {rtu_wire_baud: 1200}\n");
  const auto monotonic_ns = [] {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
  };
  const uint64_t first = sim.status().at("events_next");
  const int64_t before_ns = monotonic_ns();
  ASSERT_TRUE(
      pymodbus("tcp", sim.tcp_address("inv1"), 1, "write", 40125, {1000, 0, 2500}).at("ok"));
  ASSERT_TRUE(read_rtu(sim.rtu_path("meter"), 11, 0x2012, 8, 2.0).at("ok"));
  const int64_t after_ns = monotonic_ns();
  const auto reply =
      run_program({HEARTH_SIM_BINARY, "ctl", "--socket", sim.dir() + "/control.sock", "events",
                   "since=" + std::to_string(first), R"(kinds=["write","meter_read"])"});
  ASSERT_EQ(reply.exit_status, 0) << reply.output;
  const auto events = json::parse(reply.output.substr(reply.output.find('{'))).at("events");
  ASSERT_EQ(events.size(), 2u) << events;
  const auto &write = events[0];
  EXPECT_EQ(write.at("address"), 40125);
  EXPECT_EQ(write.at("values"), json::array({1000, 0, 2500}));
  EXPECT_DOUBLE_EQ(write.at("limit_w").get<double>(), 2500.0);
  const auto &read = events[1];
  EXPECT_EQ(read.at("kind"), "meter_read");
  for (const auto &event : events) {
    EXPECT_GT(event.at("mono_ns").get<int64_t>(), before_ns);
    EXPECT_LT(event.at("mono_ns").get<int64_t>(), after_ns);
  }
  // 8 registers: request 8 + answer 21 bytes + 7 gap characters = 360 bits, 300 ms at 1200 bit/s.
  const int64_t line_ns = read.at("sent_ns").get<int64_t>() - read.at("mono_ns").get<int64_t>();
  EXPECT_GE(line_ns, 295'000'000);
  EXPECT_LT(read.at("sent_ns").get<int64_t>(), after_ns);
}

}  // namespace
}  // namespace hearth::sim::testing
