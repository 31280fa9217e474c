// Unix socket transport for dom0 tools (/run/xenstored/socket by default). Clients of the main
// socket are privileged (domain 0), as with Xen's daemon; a socket made with another domid
// treats its clients as that (unprivileged) domain, so host tests can exercise permission
// denials with Xen's own command-line clients. Per client one reader and one writer coroutine;
// replies and watch events produced while a reader handles a batch go out when it ends.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <memory>
#include <string>

#include "daemon.hpp"

namespace tessera::xenstored {

class UnixServer {
public:
    /// Bind and listen on path (its directory is created, a stale socket replaced).
    /// Throws boost::system::system_error when the socket cannot be created.
    UnixServer(boost::asio::io_context& io, Daemon& daemon, const std::string& path,
               DomId domid = 0);
    /// Start accepting clients.
    void start();
    void stop();
    ~UnixServer();

    /// Sessions whose output is flushed when the running reader ends its batch (internal).
    struct Dispatch;

private:
    boost::asio::io_context& io_;
    Daemon& daemon_;
    boost::asio::local::stream_protocol::acceptor acceptor_;
    DomId domid_;
    std::unique_ptr<Dispatch> dispatch_;
};

}  // namespace tessera::xenstored
