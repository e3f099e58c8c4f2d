// dtsu666: the CHINT DTSU666 / Huawei DTSU666-H three-phase meter on its own RS485 bus, as the
// site's grid meter (protocols.md §4). Values are float32, high word first; Hearth signs grid
// power + import / - export, which is the CHINT sign (Pt > 0 = forward/import).
#include <array>
#include <cmath>
#include <hearth/drivers/group_poller.hpp>
#include <hearth/plugin.hpp>

namespace dtsu666 {
namespace {

using hearth::drivers::RegisterImage;
using hearth::drivers::RegisterSpan;
using std::chrono::milliseconds;

// What a register measures decides its scale on the variants (protocols.md §4, "Scaling
// caution"): generic CHINT firmware sends V × 10, A × 1000, W and var × 10; the -H sends units.
enum class Quantity { kVoltage, kCurrent, kPower, kUnitless, kEnergy };
enum Group : size_t { kFast = 0, kNormal = 1, kEnergy = 2 };

struct MeterPoint {
  const char *name;
  uint32_t address;
  const char *unit;
  Quantity quantity;
  Group group;
  bool signed_power;  // follows the power sign parameter
};

// clang-format off
constexpr std::array<MeterPoint, 26> kPoints{{
    {"power_w",            0x2012, "W",   Quantity::kPower,    kFast,   true},
    {"power_l1_w",         0x2014, "W",   Quantity::kPower,    kFast,   true},
    {"power_l2_w",         0x2016, "W",   Quantity::kPower,    kFast,   true},
    {"power_l3_w",         0x2018, "W",   Quantity::kPower,    kFast,   true},
    {"voltage_l12_v",      0x2000, "V",   Quantity::kVoltage,  kNormal, false},
    {"voltage_l23_v",      0x2002, "V",   Quantity::kVoltage,  kNormal, false},
    {"voltage_l31_v",      0x2004, "V",   Quantity::kVoltage,  kNormal, false},
    {"voltage_l1_v",       0x2006, "V",   Quantity::kVoltage,  kNormal, false},
    {"voltage_l2_v",       0x2008, "V",   Quantity::kVoltage,  kNormal, false},
    {"voltage_l3_v",       0x200A, "V",   Quantity::kVoltage,  kNormal, false},
    {"current_l1_a",       0x200C, "A",   Quantity::kCurrent,  kNormal, false},
    {"current_l2_a",       0x200E, "A",   Quantity::kCurrent,  kNormal, false},
    {"current_l3_a",       0x2010, "A",   Quantity::kCurrent,  kNormal, false},
    {"reactive_power_var", 0x201A, "var", Quantity::kPower,    kNormal, true},
    {"reactive_power_l1_var", 0x201C, "var", Quantity::kPower, kNormal, true},
    {"reactive_power_l2_var", 0x201E, "var", Quantity::kPower, kNormal, true},
    {"reactive_power_l3_var", 0x2020, "var", Quantity::kPower, kNormal, true},
    {"power_factor",       0x202A, "",    Quantity::kUnitless, kNormal, false},
    {"power_factor_l1",    0x202C, "",    Quantity::kUnitless, kNormal, false},
    {"power_factor_l2",    0x202E, "",    Quantity::kUnitless, kNormal, false},
    {"power_factor_l3",    0x2030, "",    Quantity::kUnitless, kNormal, false},
    {"frequency_hz",       0x2044, "Hz",  Quantity::kUnitless, kNormal, false},
    {"demand_w",           0x2050, "W",   Quantity::kPower,    kNormal, true},
    // Energies in kWh on every variant; published in Wh. Import is forward, export reverse.
    {"import_wh",          0x401E, "Wh",  Quantity::kEnergy,   kEnergy, false},
    {"export_wh",          0x4028, "Wh",  Quantity::kEnergy,   kEnergy, false},
    {"reactive_energy_varh", 0x4032, "varh", Quantity::kEnergy, kEnergy, false},
}};
// clang-format on

constexpr RegisterSpan kPowerBlock{0x2012, 8};           // Pt, Pa, Pb, Pc
constexpr RegisterSpan kMeasurementBlock{0x2000, 0x52};  // Uab .. total demand
constexpr RegisterSpan kEnergyBlock{0x401E, 0x16};       // ImpEp .. quadrant I reactive energy
constexpr int32_t kAlarmNoAnswer = 1;
constexpr uint32_t kCyclesBeforeStale = 3;

class Dtsu666 : public hearth::Device {
 public:
  Dtsu666()
      : chint_scale_(host().param_string("scale") == "chint"),
        sign_(host().param_string("power_sign") == "export-positive" ? -1.0 : 1.0),
        intervals_{host().param_duration("fast_interval"), host().param_duration("poll_interval"),
                   host().param_duration("energy_interval")},
        poller_(host(), {static_cast<int32_t>(host().param_int("unit")),
                         static_cast<uint32_t>(host().param_int("max_block_registers")),
                         static_cast<int>(host().param_int("offline_after")),
                         host().param_duration("retry_min"), host().param_duration("retry_max"),
                         kAlarmNoAnswer}) {}

  void start() override {
    for (size_t i = 0; i < kPoints.size(); ++i) {
      const auto max_age =
          static_cast<uint32_t>(kCyclesBeforeStale * intervals_[kPoints[i].group].count());
      points_[i] = host().declare_point<double>(kPoints[i].name, kPoints[i].unit, max_age);
    }
    host().register_capability("grid_meter");
    const std::array<int32_t, 3> priority{HEARTH_PRIO_METER, HEARTH_PRIO_POLL, HEARTH_PRIO_POLL};
    const std::array<RegisterSpan, 3> blocks{kPowerBlock, kMeasurementBlock, kEnergyBlock};
    std::vector<hearth::drivers::PollGroup> groups;
    for (size_t g = 0; g < blocks.size(); ++g)
      groups.push_back({{blocks[g]}, intervals_[g], priority[g]});
    poller_.start(
        std::move(groups), {kPowerBlock},
        [this](const RegisterImage &image) { publish(kFast, image); },
        [this](size_t group, const RegisterImage &image) {
          publish(static_cast<Group>(group), image);
        });
  }

 private:
  double factor(const MeterPoint &p) const {
    double f = 1.0;
    switch (p.quantity) {
      case Quantity::kVoltage:
        f = chint_scale_ ? 0.1 : 1.0;
        break;
      case Quantity::kCurrent:
        f = chint_scale_ ? 0.001 : 1.0;
        break;
      case Quantity::kPower:
        f = chint_scale_ ? 0.1 : 1.0;
        break;
      case Quantity::kUnitless:
        break;
      case Quantity::kEnergy:
        f = 1000.0;  // kWh -> Wh
        break;
    }
    return p.signed_power ? f * sign_ : f;
  }

  void publish(Group group, const RegisterImage &image) {
    for (size_t i = 0; i < kPoints.size(); ++i) {
      const MeterPoint &p = kPoints[i];
      if (p.group != group || !image.has(p.address, 2)) continue;
      const float raw = image.f32(p.address);
      const bool valid = std::isfinite(raw);
      double value = valid ? raw * factor(p) : 0.0;
      if (value == 0.0) value = 0.0;  // no "-0" from the sign
      points_[i].publish(value, image.sampled_mono_ns(p.address, 2),
                         valid ? HEARTH_QUALITY_GOOD : HEARTH_QUALITY_INVALID);
    }
  }

  const bool chint_scale_;
  const double sign_;
  const std::array<milliseconds, 3> intervals_;
  hearth::drivers::GroupPoller poller_;
  std::array<hearth::Point<double>, kPoints.size()> points_{};
};

}  // namespace
}  // namespace dtsu666

HEARTH_PLUGIN(
    "dtsu666", "1.0.0", "Hearth project", "Apache-2.0",
    "CHINT DTSU666 / Huawei DTSU666-H three-phase grid meter over Modbus RTU",
    hearth::driver<dtsu666::Dtsu666>(
        "dtsu666", "grid_meter",
        "DTSU666 three-phase meter: per-phase voltage, current, powers, power factor, energies",
        hearth::param_int("unit").required().min(1).max(247).help(
            "Modbus address of the meter (11 on a DTSU666-H as delivered)."),
        hearth::param_enum("scale", "unscaled|chint")
            .default_value("unscaled")
            .help("unscaled: V, A, W as floats (DTSU666-H); chint: V x 10, A x 1000, W x 10."),
        hearth::param_enum("power_sign", "import-positive|export-positive")
            .default_value("import-positive")
            .help("How the meter signs power; Hearth publishes + import / - export."),
        hearth::param_duration("fast_interval")
            .min(100)
            .max(10000)
            .default_value("500ms")
            .unit("ms")
            .help("Interval of the power reads (total and per phase) at METER priority."),
        hearth::param_duration("poll_interval")
            .min(500)
            .max(600000)
            .default_value("5s")
            .unit("ms")
            .help("Interval of the full measurement block (voltages, currents, PF, frequency)."),
        hearth::param_duration("energy_interval")
            .min(1000)
            .max(3600000)
            .default_value("60s")
            .unit("ms")
            .help("Interval of the energy counter reads."),
        hearth::param_int("max_block_registers")
            .min(2)
            .max(125)
            .default_value("125")
            .help("Most registers per read (41 fit 100 ms at 9600 bit/s; halved automatically "
                  "when the link refuses a block)."),
        hearth::param_int("offline_after")
            .min(1)
            .max(100)
            .default_value("3")
            .help("Failed reads in a row after which the meter is reported offline."),
        hearth::param_duration("retry_min")
            .min(100)
            .max(600000)
            .default_value("1s")
            .unit("ms")
            .help("First delay before an offline meter is asked again; doubles each time."),
        hearth::param_duration("retry_max")
            .min(100)
            .max(3600000)
            .default_value("30s")
            .unit("ms")
            .help("Longest delay between two attempts to reach an offline meter.")))
