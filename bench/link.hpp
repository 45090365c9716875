// A transport for clipshare_bench's exchanges: one connected client, plain or TLS, that
// sends and receives whole buffers. The transfers (Send Files, Get Files) are written once
// against it and run over each client the bench has.
#pragma once

#include <cstddef>
#include <cstdint>

#include "support.hpp"

namespace bench {

class Link {
public:
    virtual ~Link() = default;
    virtual bool send(const Bytes& bytes) = 0;
    virtual bool recv(std::uint8_t* out, std::size_t n) = 0;
    virtual bool at_end() = 0;  // the server closed with no more bytes
};

}  // namespace bench
