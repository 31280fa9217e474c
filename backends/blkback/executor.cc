#include "executor.hpp"

#include <boost/asio/post.hpp>

namespace tessera::blkback {

void PoolExecutor::submit(std::function<void()> work, std::function<void()> done) {
    boost::asio::post(pool_, [this, work = std::move(work), done = std::move(done)]() mutable {
        work();
        boost::asio::post(io_, std::move(done));
    });
}

}  // namespace tessera::blkback
