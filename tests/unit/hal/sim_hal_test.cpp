// The sim backend as the core sees it through the Hal interfaces, and make_hal's checks.
#include <gtest/gtest.h>
#include <poll.h>

#include <hearth/hal/ct_waveform.hpp>
#include <hearth/hal/hal.hpp>
#include <hearth/hal/sim.hpp>
#include <thread>

namespace hearth::hal {
namespace {

constexpr int64_t kMs = 1'000'000;

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

class SimHalTest : public ::testing::Test {
 protected:
  SimHalTest() : hal_(make_sim_hal(HalSettings{.clock = &clock_})) {}
  ManualClock clock_;
  std::unique_ptr<SimHal> hal_;
};

TEST_F(SimHalTest, HasThePortsOfTheReferenceProduct) {
  auto generic = make_hal(HalSettings{.clock = &clock_});
  EXPECT_EQ(generic->backend(), HalBackend::kSim);
  EXPECT_EQ(generic->led(LedId::kRun).name(), "run");
  EXPECT_EQ(generic->led(LedId::kAlarm).name(), "alarm");
  EXPECT_EQ(generic->led(LedId::kComm).name(), "comm");
  EXPECT_EQ(generic->button().name(), "RST");
  ASSERT_EQ(generic->digital_inputs().size(), 2u);
  ASSERT_EQ(generic->digital_outputs().size(), 2u);
  EXPECT_NE(generic->digital_input("DI2"), nullptr);
  EXPECT_EQ(generic->digital_input("DI3"), nullptr);
  EXPECT_NE(generic->digital_output("DO1"), nullptr);
  ASSERT_NE(generic->ct(), nullptr);
  EXPECT_EQ(generic->ct()->channel_count(), 3u);
  EXPECT_EQ(&generic->clock(), &clock_);
}

TEST_F(SimHalTest, InputEdgesWakeTheEventFdAndAreReadInOrder) {
  InputLine &di1 = *hal_->digital_input("DI1");
  EXPECT_FALSE(readable(di1.event_fd()));
  hal_->sim_input("DI1").set_level(true, 10 * kMs);
  hal_->sim_input("DI1").set_level(true, 11 * kMs);  // no change: no edge
  hal_->sim_input("DI1").set_level(false, 12 * kMs);
  EXPECT_TRUE(readable(di1.event_fd()));
  EXPECT_FALSE(di1.level());
  const auto edges = di1.read_edges();
  ASSERT_EQ(edges.size(), 2u);
  EXPECT_TRUE(edges[0].level);
  EXPECT_EQ(edges[0].mono_ns, 10 * kMs);
  EXPECT_FALSE(edges[1].level);
  EXPECT_EQ(edges[1].mono_ns, 12 * kMs);
  EXPECT_FALSE(readable(di1.event_fd()));
  EXPECT_TRUE(di1.read_edges().empty());
}

TEST_F(SimHalTest, AnEdgeBeforeThePreviousIsRefused) {
  auto &di2 = hal_->sim_input("DI2");
  di2.set_level(true, 50 * kMs);
  EXPECT_THROW(di2.set_level(false, 40 * kMs), std::invalid_argument);
  EXPECT_TRUE(di2.level());
}

TEST_F(SimHalTest, EdgesWithoutATimeTakeTheClock) {
  clock_.advance_ms(250);
  hal_->sim_button().set_level(true);
  EXPECT_EQ(hal_->button().read_edges().at(0).mono_ns, clock_.mono_ns());
}

TEST_F(SimHalTest, ScriptingFromAnotherThreadIsSeenByTheCore) {
  std::thread script([&] {
    for (int i = 1; i <= 100; ++i) hal_->sim_input("DI1").set_level(i % 2 == 1, i * kMs);
  });
  script.join();
  const auto edges = hal_->digital_input("DI1")->read_edges();
  ASSERT_EQ(edges.size(), 100u);
  EXPECT_EQ(edges.back().mono_ns, 100 * kMs);
}

TEST_F(SimHalTest, OutputsRecordTheirLevels) {
  OutputLine &do1 = *hal_->digital_output("DO1");
  clock_.advance_ms(7);
  do1.set(true);
  do1.set(true);
  EXPECT_TRUE(do1.level());
  EXPECT_TRUE(hal_->sim_output("DO1").level());
  EXPECT_EQ(hal_->sim_output("DO1").write_count(), 2u);
  ASSERT_EQ(hal_->sim_output("DO1").history().size(), 1u);
  EXPECT_EQ(hal_->sim_output("DO1").history()[0].mono_ns, clock_.mono_ns());
  EXPECT_FALSE(hal_->sim_output("DO2").level());
  EXPECT_THROW(hal_->sim_output("DO3"), std::invalid_argument);
}

TEST_F(SimHalTest, CtBlocksInjectedAreReadWithTheirAbiView) {
  CtWaveform waveform;
  hal_->sim_ct().inject(generate_ct_block(2, waveform, 1000, 4000.0, 80));
  EXPECT_TRUE(readable(hal_->ct()->event_fd()));
  auto blocks = hal_->ct()->read_blocks();
  ASSERT_EQ(blocks.size(), 1u);
  const hearth_ct_block view = blocks[0].abi_view();
  EXPECT_EQ(view.struct_size, sizeof(hearth_ct_block));
  EXPECT_EQ(view.channel, 2u);
  EXPECT_EQ(view.count, 80u);
  EXPECT_EQ(view.first_sample_mono_ns, 1000);
  EXPECT_EQ(view.sample_rate_hz, 4000.0);
  EXPECT_EQ(view.voltage_v, blocks[0].voltage_v.data());
  EXPECT_FALSE(readable(hal_->ct()->event_fd()));

  CtBlock phase_d;
  phase_d.channel = 3;
  EXPECT_THROW(hal_->sim_ct().inject(phase_d), std::invalid_argument);
  CtBlock uneven;
  uneven.voltage_v = {1.0f};
  EXPECT_THROW(hal_->sim_ct().inject(uneven), std::invalid_argument);
}

TEST_F(SimHalTest, SerialPortsAreLookedUpByName) {
  HalSettings settings{.clock = &clock_};
  settings.serial_ports = {{"rs485-1", "/dev/pts/7", {}}, {"rs485-2", "/dev/pts/9", {}}};
  auto hal = make_hal(settings);
  ASSERT_NE(hal->serial_port("rs485-2"), nullptr);
  EXPECT_EQ(hal->serial_port("rs485-2")->device_path, "/dev/pts/9");
  EXPECT_EQ(hal->serial_port("rs485-3"), nullptr);
  EXPECT_NO_THROW(hal->configure_rs485("rs485-1", -1));  // a pty has no RS485 mode
  EXPECT_THROW(hal->configure_rs485("rs485-3", -1), std::invalid_argument);
}

TEST(HalSettingsCheck, RefusesBoardsTheHalCannotModelWithEveryProblemNamed) {
  HalSettings settings;
  settings.digital_inputs = {{"DI1"}, {"DI2"}, {"DI3"}, {"DI4"}, {"DI1"}};
  settings.digital_outputs = {{"DO3"}};
  settings.leds = {{"run"}, {"alarm"}, {"power"}};
  settings.ct.channels.resize(4);
  settings.serial_ports = {{"rs485-1", ""}};
  try {
    make_hal(settings);
    FAIL() << "accepted";
  } catch (const std::invalid_argument &error) {
    const std::string text = error.what();
    for (const char *expected :
         {"digital inputs: 5 configured", "DI1 is listed twice", "'DO3' is not DO1..DO2",
          "unknown LED 'power'", "LED comm is missing", "ct: 4 channels",
          "port 'rs485-1' needs a name and a device path"}) {
      EXPECT_NE(text.find(expected), std::string::npos) << expected << " in:\n" << text;
    }
  }
}

TEST(HalSettingsCheck, BackendNames) {
  EXPECT_EQ(parse_hal_backend("sim"), HalBackend::kSim);
  EXPECT_EQ(parse_hal_backend("linux"), HalBackend::kLinux);
  EXPECT_THROW(parse_hal_backend("rpi"), std::invalid_argument);
  EXPECT_STREQ(to_string(HalBackend::kLinux), "linux");
}

}  // namespace
}  // namespace hearth::hal

namespace hearth::hal {
namespace {

TEST(CtChannelNames, MapCt1ToCt3ToPhaseIndices) {
  EXPECT_EQ(ct_channel_index("CT1"), 0u);
  EXPECT_EQ(ct_channel_index("CT3"), 2u);
  for (const char *bad : {"CT0", "CT4", "ct1", "CT", "CT12", "DI1"}) {
    EXPECT_EQ(ct_channel_index(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace hearth::hal
