#pragma once
// The processes of a distributed run. A program started by mpirun (or another MPI launcher) is
// one process per rank, and these wrap the few MPI collectives the network engine needs. Any
// other program is one process, rank 0 of 1, where every collective is a copy. The MPI library
// is initialized only in the first case (start_distributed), so that a plain run starts no MPI
// runtime; the MPI headers are seen by comm.cpp alone.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

namespace ionsim {

class communicator {
 public:
  // One process: rank 0 of 1.
  static const communicator& single();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool distributed() const { return size_ > 1; }
  // The ranks on this process's machine, as the launcher announced them (Open MPI's or MPICH's
  // local size; 1 for one process, or when the launcher does not say).
  int local_size() const;

  // Every rank's elements, concatenated in rank order, on every rank; counts (when given)
  // receives the number each rank contributed. One exchange of the counts, then one of the data.
  // A flag (when given) travels with the counts: true on return when it was true on any rank.
  template <class T>
  std::vector<T> allgather(std::span<const T> mine, std::vector<std::size_t>* counts = nullptr,
                           bool* flag = nullptr) const {
    return from_bytes<T>(allgather_bytes(as_bytes(mine), sizeof(T), counts, flag));
  }
  // Rank 0 receives every rank's elements, each rank giving as many (one exchange).
  template <class T>
  std::vector<T> gather_equal(std::span<const T> mine) const {
    return from_bytes<T>(gather_equal_bytes(as_bytes(mine)));
  }
  // The same, received by rank 0 only (the others get an empty vector and counts).
  template <class T>
  std::vector<T> gather(std::span<const T> mine, std::vector<std::size_t>* counts = nullptr) const {
    return from_bytes<T>(gather_bytes(as_bytes(mine), sizeof(T), counts));
  }
  // The sum over ranks, on every rank.
  std::uint64_t sum(std::uint64_t x) const;
  // The largest and the smallest over ranks, on every rank.
  std::uint64_t max(std::uint64_t x) const;
  std::uint64_t min(std::uint64_t x) const { return ~max(~x); }
  // Whether x is true on any rank, on every rank.
  bool any(bool x) const { return sum(x ? 1 : 0) > 0; }
  // Ends every rank of the run with this exit code (MPI_Abort), after the caller has said why.
  [[noreturn]] void abort(int code) const;

 private:
  communicator(int rank, int size) : rank_(rank), size_(size) {}
  friend const communicator& world();

  template <class T>
  static std::span<const std::byte> as_bytes(std::span<const T> s) {
    static_assert(std::is_trivially_copyable_v<T>);
    return {reinterpret_cast<const std::byte*>(s.data()), s.size_bytes()};
  }
  template <class T>
  static std::vector<T> from_bytes(const std::vector<std::byte>& b) {
    std::vector<T> out(b.size() / sizeof(T));
    if (!b.empty()) std::memcpy(out.data(), b.data(), b.size());
    return out;
  }
  std::vector<std::byte> allgather_bytes(std::span<const std::byte> mine, std::size_t unit,
                                         std::vector<std::size_t>* counts, bool* flag) const;
  std::vector<std::byte> gather_equal_bytes(std::span<const std::byte> mine) const;
  std::vector<std::byte> gather_bytes(std::span<const std::byte> mine, std::size_t unit,
                                      std::vector<std::size_t>* counts) const;

  int rank_ = 0, size_ = 1;
};

// The processes of this run: all of them under an MPI launcher once start_distributed has run,
// else the single process.
const communicator& world();

// Called first by main: initializes MPI (one thread calling it) when the process was started
// by an MPI launcher and ionsim was built with MPI. Started by a launcher with more than one
// rank but built without MPI, it throws input_error: each process would run the whole network.
void start_distributed(int& argc, char**& argv);
// Called last by main (MPI_Finalize where MPI was initialized).
void end_distributed();
// Whether this build has MPI.
bool mpi_built();

}  // namespace ionsim
