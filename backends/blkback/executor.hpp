// Where request I/O runs. The daemon uses a bounded pool of worker threads (blocking
// pread/pwrite/fdatasync on O_DIRECT descriptors), each completion handed back to the event
// loop's thread; tests and the fuzzer run the work inline or step it by hand.
#pragma once

// clang-format off
#include <utility>  // first: Boost.Asio's headers use std::exchange without it
// clang-format on
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <deque>
#include <functional>

namespace tessera::blkback {

class Executor {
public:
    virtual ~Executor() = default;
    /// Run `work` (possibly on another thread), then `done` on the event loop's thread.
    virtual void submit(std::function<void()> work, std::function<void()> done) = 0;
};

/// Runs both at once, on the caller's thread.
class InlineExecutor final : public Executor {
public:
    void submit(std::function<void()> work, std::function<void()> done) override {
        work();
        done();
    }
};

/// Keeps submissions until run_all() (tests: see what happens between submit and run).
class ManualExecutor final : public Executor {
public:
    void submit(std::function<void()> work, std::function<void()> done) override {
        queued_.emplace_back(std::move(work), std::move(done));
    }
    std::size_t queued() const { return queued_.size(); }
    void run_all() {
        while (!queued_.empty()) {
            auto [work, done] = std::move(queued_.front());
            queued_.pop_front();
            work();
            done();
        }
    }

private:
    std::deque<std::pair<std::function<void()>, std::function<void()>>> queued_;
};

/// `threads` workers; completions are posted to `io`.
class PoolExecutor final : public Executor {
public:
    PoolExecutor(boost::asio::io_context& io, unsigned threads) : io_(io), pool_(threads) {}
    ~PoolExecutor() override { pool_.join(); }
    void submit(std::function<void()> work, std::function<void()> done) override;

private:
    boost::asio::io_context& io_;
    boost::asio::thread_pool pool_;
};

}  // namespace tessera::blkback
