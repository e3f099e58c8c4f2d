// hostile-blocking: stalls the core loop on purpose, for the fail-safe watchdog test. Every
// `period` its timer fires; the first `block_count` firings (0: all) block the core thread for
// `block_ms`. At start it registers one fail-safe write from its params (function 6, register
// `failsafe_register` := `failsafe_value` on unit `failsafe_unit` of its link), which the host's
// watchdog must execute by itself while the loop is stuck. Publishes `ticks` on every firing.
#include <hearth/plugin.hpp>
#include <thread>

namespace hostile {

class Blocking : public hearth::Device {
 public:
  Blocking()
      : block_(std::chrono::milliseconds(host().param_int("block_ms"))),
        period_(host().param_duration("period")),
        block_count_(host().param_int("block_count")),
        failsafe_(hearth::modbus_write_registers(
            static_cast<int32_t>(host().param_int("failsafe_unit")),
            static_cast<uint32_t>(host().param_int("failsafe_register")),
            {static_cast<uint16_t>(host().param_int("failsafe_value"))}, HEARTH_PRIO_SAFETY)) {}

  void start() override {
    ticks_ = host().declare_point<int64_t>("ticks", "", 60'000);
    host().register_failsafe({failsafe_});
    host().every(period_, [this] { tick(); });
  }

 private:
  void tick() {
    ++tick_count_;
    if (block_.count() > 0 && (block_count_ == 0 || tick_count_ <= block_count_)) {
      host().warn("hostile-blocking: blocking the core thread for ", block_.count(), " ms");
      std::this_thread::sleep_for(block_);  // the misbehaviour under test
    }
    ticks_.publish(tick_count_);
  }

  const std::chrono::milliseconds block_;
  const std::chrono::milliseconds period_;
  const int64_t block_count_;
  const hearth_modbus_request failsafe_;
  hearth::Point<int64_t> ticks_;
  int64_t tick_count_ = 0;
};

}  // namespace hostile

HEARTH_PLUGIN("hostile-blocking", "0.0.1", "Hearth tests", "Apache-2.0",
              "Stalls the core loop on purpose",
              hearth::driver<hostile::Blocking>(
                  "hostile-blocking", "test", "Blocks the core thread from a timer callback",
                  hearth::param_int("block_ms")
                      .min(0)
                      .max(600000)
                      .default_value("0")
                      .unit("ms")
                      .help("How long each blocking firing blocks the core thread."),
                  hearth::param_duration("period").min(1).default_value("100ms").help(
                      "Time between timer firings."),
                  hearth::param_int("block_count")
                      .min(0)
                      .default_value("1")
                      .help("How many firings block (0: every one)."),
                  hearth::param_int("failsafe_unit")
                      .min(0)
                      .max(247)
                      .default_value("1")
                      .help("Unit id of the fail-safe write."),
                  hearth::param_int("failsafe_register")
                      .min(0)
                      .max(65535)
                      .default_value("47415")
                      .help("Register of the fail-safe write."),
                  hearth::param_int("failsafe_value")
                      .min(0)
                      .max(65535)
                      .default_value("0")
                      .help("Value of the fail-safe write.")))
