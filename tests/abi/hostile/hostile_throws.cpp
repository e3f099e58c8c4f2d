// hostile-throws: a C++ driver that throws a std::runtime_error from its constructor (create),
// start or command, as `throw_in` says. Through plugin.hpp each must reach the host as
// HEARTH_E_INTERNAL with the exception's message in set_error, never as an exception.
#include <hearth/plugin.hpp>

namespace hostile {

class Throws : public hearth::Device {
 public:
  Throws() : where_(host().param_string("throw_in")) { maybe_throw("create"); }
  void start() override { maybe_throw("start"); }
  void command(const hearth::Command &command) override {
    maybe_throw("command");
    host().complete(command);
  }

 private:
  void maybe_throw(const std::string &here) const {
    if (where_ == here) throw std::runtime_error("hostile-throws: " + here + " throws on purpose");
  }
  std::string where_;
};

}  // namespace hostile

HEARTH_PLUGIN("hostile-throws", "0.0.1", "Hearth tests", "Apache-2.0",
              "Throws C++ exceptions from driver code",
              hearth::driver<hostile::Throws>(
                  "hostile-throws", "test", "Throws from create, start or command",
                  hearth::param_enum("throw_in", "create|start|command").default_value("create")))
