// Ring transport: serves introduced domains (and dom0's own ring) over their shared pages and
// event channels, on the Asio event loop. Per domain one reader coroutine (woken by the event
// channel) and one writer coroutine (woken when output is queued or the guest made room).
#pragma once

#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <string>

#include "daemon.hpp"
#include "xen_devices.hpp"

namespace tessera::xenstored {

class DomainRings final : public DomainConnector {
public:
    DomainRings(boost::asio::io_context& io, XenDevices& devices);
    ~DomainRings() override;

    std::shared_ptr<Connection> connect(Daemon& daemon, const Domain& domain, int& err) override;
    void disconnect(ConnId conn) override;

    /// Serve dom0's own ring (xsd_kva/xsd_port). Returns 0 or an errno value.
    int attach_dom0(Daemon& daemon);

    /// Partially received request bytes of a ring connection (persistence).
    std::string partial_input(ConnId conn) const override;
    void restore_partial_input(ConnId conn, const std::string& bytes) override;
    /// Look at every ring once (after a restore the guests may have written meanwhile).
    void kick_all();

private:
    struct Served;
    std::shared_ptr<Connection> serve(Daemon& daemon, const Domain& domain,
                                      std::unique_ptr<RingMapping> map,
                                      std::unique_ptr<EventPort> port);

    boost::asio::io_context& io_;
    XenDevices& devices_;
    std::map<ConnId, std::shared_ptr<Served>> served_;
};

}  // namespace tessera::xenstored
