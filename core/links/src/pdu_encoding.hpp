#pragma once
// The PDUs of the standard functions, as the Modbus Application Protocol V1.1b3 (section 6) lays
// them out. libmodbus builds and parses the frames itself; these exist for the frame trace.
#include <hearth/plugin.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hearth::links {

// The request PDU, function code first.
std::vector<uint8_t> encode_request_pdu(const hearth_modbus_request &request);
// The PDU of a valid answer to `request` that carried `values` (reads) or echoed it (writes).
std::vector<uint8_t> encode_answer_pdu(const hearth_modbus_request &request,
                                       const std::vector<uint16_t> &values);
std::vector<uint8_t> encode_exception_pdu(const hearth_modbus_request &request,
                                          int32_t exception_code);
// "01 03 00 00 00 02": unit id, then the PDU.
std::string frame_hex(int32_t unit, const std::vector<uint8_t> &pdu);

}  // namespace hearth::links
