// The smallest useful driver: publishes a constant power every second.
#include <hearth/plugin.hpp>

namespace {

class Probe : public hearth::Device {
 public:
  Probe() : power_w_value_(host().param_double("power_w")) {}

  void start() override {
    power_w_ = host().declare_point<double>("power_w", "W", 3000);
    host().start_timer(std::chrono::milliseconds(1000), std::chrono::milliseconds(1000),
                       [this] { power_w_.publish(power_w_value_, host().now_mono_ns()); });
  }

 private:
  const double power_w_value_;
  hearth::Point<double> power_w_;
};

}  // namespace

HEARTH_PLUGIN("sdk-probe", "0.0.1", "Hearth tests", "Apache-2.0", "SDK packaging probe",
              hearth::driver<Probe>("sdk-probe", "grid_meter", "publishes a constant power",
                                    hearth::param_double("power_w").default_value("42").help(
                                        "The power it publishes.")))
