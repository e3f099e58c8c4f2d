// hostile-errors: create() or start() (as `fail_in` says) fails with HEARTH_E_IO and explains
// itself through set_error, the documented way to refuse. The host must report the message with
// the device id and leave the device out of service.
#include <hearth/plugin.hpp>

namespace hostile {

class Errors : public hearth::Device {
 public:
  Errors() : fail_in_(host().param_string("fail_in")) {
    if (fail_in_ == "create")
      throw hearth::Error(HEARTH_E_IO, "hostile-errors: create fails on purpose");
  }
  void start() override {
    if (fail_in_ == "start")
      throw hearth::Error(HEARTH_E_IO, "hostile-errors: start fails on purpose");
  }

 private:
  std::string fail_in_;
};

}  // namespace hostile

HEARTH_PLUGIN("hostile-errors", "0.0.1", "Hearth tests", "Apache-2.0",
              "Returns errors from create or start",
              hearth::driver<hostile::Errors>(
                  "hostile-errors", "test", "Fails create or start with HEARTH_E_IO",
                  hearth::param_enum("fail_in", "create|start|none").default_value("create")))
