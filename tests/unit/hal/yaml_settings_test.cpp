// The `hal:` YAML section: every key read, every mistake reported with its position.
#include <gtest/gtest.h>

#include <hearth/hal/yaml_settings.hpp>

namespace hearth::hal {
namespace {

HalYamlResult parse(const char *text) {
  return hal_settings_from_yaml(YAML::Load(text)["hal"]);
}

std::string all(const std::vector<HalYamlProblem> &problems) {
  std::string text;
  for (const auto &p : problems) {
    text += std::to_string(p.line) + ":" + std::to_string(p.column) + " " + p.key + ": " +
            p.message + "\n";
  }
  return text;
}

TEST(HalYaml, AScalarNamesTheBackendWithTheReferenceBoard) {
  const auto result = parse("hal: linux");
  EXPECT_TRUE(result.problems.empty()) << all(result.problems);
  EXPECT_EQ(result.settings.backend, HalBackend::kLinux);
  EXPECT_EQ(result.settings.digital_inputs.size(), 2u);
  EXPECT_EQ(parse("other: 1").settings.backend, HalBackend::kSim);  // no hal: the sim
}

TEST(HalYaml, ReadsAFullLinuxBoard) {
  const auto result = parse(R"(
hal:
  backend: linux
  gpio_consumer: hearth-test
  leds: { alarm: { line: LED_R, active_low: true } }
  button: BTN
  di: { DI1: DI_A, DI2: { line: DI_B, active_low: false }, DI3: DI_C }
  do: { DO1: RELAY_1 }
  serial:
    rs485-1: { device: /dev/ttyS1, rs485: { rts_on_send: false, rts_after_send: true,
               delay_rts_before_send_ms: 2 } }
    rs485-2: { device: /dev/ttyS2 }
  ct:
    iio_device: ads131e08
    sample_rate_hz: 8000
    block_samples: 800
    current_skew_s: 0.0000125
    channels:
      - { voltage: in_voltage0, current: in_voltage1, current_gain: 0.05 }
      - { voltage: in_voltage2, current: in_voltage3 }
)");
  ASSERT_TRUE(result.problems.empty()) << all(result.problems);
  const auto &s = result.settings;
  EXPECT_EQ(s.backend, HalBackend::kLinux);
  EXPECT_EQ(s.gpio_consumer, "hearth-test");
  ASSERT_EQ(s.leds.size(), 3u);
  EXPECT_EQ(s.leds[0].gpio_line, "LED_RUN");  // kept
  EXPECT_EQ(s.leds[1].gpio_line, "LED_R");
  EXPECT_TRUE(s.leds[1].active_low);
  EXPECT_EQ(s.button.gpio_line, "BTN");
  EXPECT_TRUE(s.button.active_low);  // dry contacts and the button default to active low
  ASSERT_EQ(s.digital_inputs.size(), 3u);
  EXPECT_EQ(s.digital_inputs[0].gpio_line, "DI_A");
  EXPECT_TRUE(s.digital_inputs[0].active_low);
  EXPECT_FALSE(s.digital_inputs[1].active_low);
  EXPECT_EQ(s.digital_inputs[2].name, "DI3");
  ASSERT_EQ(s.digital_outputs.size(), 1u);
  EXPECT_EQ(s.digital_outputs[0].gpio_line, "RELAY_1");
  ASSERT_EQ(s.serial_ports.size(), 2u);
  EXPECT_EQ(s.serial_ports[0].device_path, "/dev/ttyS1");
  EXPECT_FALSE(s.serial_ports[0].rs485.rts_on_send);
  EXPECT_TRUE(s.serial_ports[0].rs485.rts_after_send);
  EXPECT_EQ(s.serial_ports[0].rs485.delay_rts_before_send_ms, 2u);
  EXPECT_TRUE(s.serial_ports[1].rs485.enabled);
  EXPECT_EQ(s.ct.iio_device_name, "ads131e08");
  EXPECT_EQ(s.ct.sample_rate_hz, 8000.0);
  EXPECT_EQ(s.ct.block_samples, 800u);
  EXPECT_DOUBLE_EQ(s.ct.current_skew_s, 12.5e-6);
  ASSERT_EQ(s.ct.channels.size(), 2u);
  EXPECT_EQ(s.ct.channels[0].current_gain, 0.05);
  EXPECT_EQ(s.ct.channels[1].voltage_element, "in_voltage2");
}

TEST(HalYaml, ReportsEveryMistakeWithItsPosition) {
  const auto result = parse(R"(
hal:
  backend: lnx
  leds: { run: { active_low: true } }
  di: { DI1: DI_1, DI5: DI_5 }
  do: { DO1: { line: X, active_low: maybe } }
  serial: { rs485-1: { device: /dev/ttyS1, baud: 9600 } }
  ct: { channels: [ { voltage: in_voltage0 } ], block_samples: -4 }
  colour: red
)");
  const std::string text = all(result.problems);
  for (const char *expected :
       {"3:12 hal.backend: expected sim or linux, got 'lnx'",
        "4:16 hal.leds.run: missing required key 'line'", "'DI5' is not DI1..DI4",
        "6:37 hal.do.DO1.active_low: expected true or false",
        "7:44 hal.serial.rs485-1.baud: unknown key",
        "8:21 hal.ct.channels[0]: missing required key 'current'",
        "8:64 hal.ct.block_samples: expected a sample count", "9:3 hal.colour: unknown key"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << " in:\n" << text;
  }
}

TEST(HalYaml, AMapNeedsItsBackend) {
  const auto result = parse("hal: { di: { DI1: X } }");
  ASSERT_FALSE(result.problems.empty());
  EXPECT_NE(all(result.problems).find("missing required key 'backend'"), std::string::npos);
}

}  // namespace
}  // namespace hearth::hal

namespace hearth::hal {
namespace {

TEST(HalYaml, AnEmptyLineEntryIsReportedAtItsPlace) {
  const auto result = parse("hal:\n  backend: linux\n  di:\n    DI1:\n");
  ASSERT_FALSE(result.problems.empty());
  EXPECT_EQ(result.problems[0].key, "hal.di.DI1");
  EXPECT_EQ(result.problems[0].line, 4);
}

}  // namespace
}  // namespace hearth::hal
