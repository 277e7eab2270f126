#include "core/comm.hpp"

#include <fmt/format.h>

#include <climits>
#include <cstdlib>

#include "core/error.hpp"

#ifdef IONSIM_MPI
#include <mpi.h>
#endif

namespace ionsim {

namespace {

#ifdef IONSIM_MPI
bool mpi_started = false;
#endif

// The number of ranks an MPI launcher announced in the environment (Open MPI, MPICH/Hydra,
// Slurm's PMI), 0 when the process was not started by one; -1 when the launcher gives no
// count (PMIx alone).
long env_long(const char* name) {
  const char* s = std::getenv(name);
  return s ? std::strtol(s, nullptr, 10) : 0;
}

long launched_size() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"})
    if (std::getenv(v)) return env_long(v);
  return std::getenv("PMIX_RANK") ? -1 : 0;
}

#ifdef IONSIM_MPI
int as_int(std::size_t n) {
  if (n > static_cast<std::size_t>(INT_MAX))
    throw error(
        fmt::format("one rank's part of an MPI exchange is {} bytes, more than 2^31 - 1", n));
  return static_cast<int>(n);
}

// Each rank's byte count `sizes` [bytes]: the displacements of their parts (at[r], at[r + 1]),
// and each rank's number of elements of `unit` bytes into `counts` (when given).
std::vector<int> displacements(const std::vector<int>& sizes, std::size_t unit,
                               std::vector<std::size_t>* counts) {
  std::vector<int> at(sizes.size() + 1, 0);
  std::size_t total = 0;
  for (std::size_t r = 0; r < sizes.size(); ++r) {
    total += static_cast<std::size_t>(sizes[r]);
    at[r + 1] = as_int(total);
  }
  if (counts) {
    counts->clear();
    for (const int s : sizes) counts->push_back(static_cast<std::size_t>(s) / unit);
  }
  return at;
}
#endif

}  // namespace

int communicator::local_size() const {
  if (!distributed()) return 1;
  for (const char* v : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"})
    if (const long n = env_long(v); n > 0) return static_cast<int>(n);
  return 1;
}

const communicator& communicator::single() {
  static const communicator one(0, 1);
  return one;
}

const communicator& world() {
  static communicator w = [] {
    int rank = 0, size = 1;
#ifdef IONSIM_MPI
    if (mpi_started) {
      MPI_Comm_rank(MPI_COMM_WORLD, &rank);
      MPI_Comm_size(MPI_COMM_WORLD, &size);
    }
#endif
    return communicator(rank, size);
  }();
  return w;
}

bool mpi_built() {
#ifdef IONSIM_MPI
  return true;
#else
  return false;
#endif
}

void start_distributed(int& argc, char**& argv) {
  const long n = launched_size();
  if (n == 0) return;
#ifdef IONSIM_MPI
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  mpi_started = true;
  // The engine's OpenMP threads make no MPI call; the main thread makes all of them.
  if (provided < MPI_THREAD_FUNNELED) {
    MPI_Finalize();
    mpi_started = false;
    throw error("the MPI library does not support MPI_THREAD_FUNNELED");
  }
  (void)world();
#else
  (void)argc;
  (void)argv;
  if (n != 1)
    throw input_error(fmt::format(
        "started by an MPI launcher with {} ranks, but this ionsim was built without MPI "
        "(install Debian's libopenmpi-dev and rebuild; scripts/setup-deps.sh does)",
        n < 0 ? std::string("several") : std::to_string(n)));
#endif
}

void end_distributed() {
#ifdef IONSIM_MPI
  if (mpi_started) MPI_Finalize();
  mpi_started = false;
#endif
}

#ifdef IONSIM_MPI
namespace {
std::uint64_t all_reduce(std::uint64_t x, MPI_Op op) {
  std::uint64_t r = 0;
  MPI_Allreduce(&x, &r, 1, MPI_UINT64_T, op, MPI_COMM_WORLD);
  return r;
}
}  // namespace
#endif

std::uint64_t communicator::sum(std::uint64_t x) const {
#ifdef IONSIM_MPI
  if (distributed()) return all_reduce(x, MPI_SUM);
#endif
  return x;
}

std::uint64_t communicator::max(std::uint64_t x) const {
#ifdef IONSIM_MPI
  if (distributed()) return all_reduce(x, MPI_MAX);
#endif
  return x;
}

void communicator::abort(int code) const {
#ifdef IONSIM_MPI
  if (distributed()) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

std::vector<std::byte> communicator::allgather_bytes(std::span<const std::byte> mine,
                                                     std::size_t unit,
                                                     std::vector<std::size_t>* counts,
                                                     bool* flag) const {
  if (!distributed()) {
    if (counts) counts->assign(1, mine.size() / unit);
    return {mine.begin(), mine.end()};
  }
#ifdef IONSIM_MPI
  const int n = as_int(mine.size());
  const int head[2] = {n, flag && *flag ? 1 : 0};
  std::vector<int> heads(2 * static_cast<std::size_t>(size_));
  MPI_Allgather(head, 2, MPI_INT, heads.data(), 2, MPI_INT, MPI_COMM_WORLD);
  std::vector<int> sizes(static_cast<std::size_t>(size_));
  for (std::size_t r = 0; r < sizes.size(); ++r) {
    sizes[r] = heads[2 * r];
    if (flag && heads[2 * r + 1]) *flag = true;
  }
  const auto at = displacements(sizes, unit, counts);
  std::vector<std::byte> all(static_cast<std::size_t>(at.back()));
  MPI_Allgatherv(mine.data(), n, MPI_BYTE, all.data(), sizes.data(), at.data(), MPI_BYTE,
                 MPI_COMM_WORLD);
  return all;
#else
  IONSIM_ASSERT(false);
  return {};
#endif
}

std::vector<std::byte> communicator::gather_equal_bytes(std::span<const std::byte> mine) const {
  if (!distributed()) return {mine.begin(), mine.end()};
#ifdef IONSIM_MPI
  const int n = as_int(mine.size());
  std::vector<std::byte> all(rank_ == 0 ? mine.size() * static_cast<std::size_t>(size_) : 0);
  MPI_Gather(mine.data(), n, MPI_BYTE, all.data(), n, MPI_BYTE, 0, MPI_COMM_WORLD);
  return all;
#else
  IONSIM_ASSERT(false);
  return {};
#endif
}

std::vector<std::byte> communicator::gather_bytes(std::span<const std::byte> mine, std::size_t unit,
                                                  std::vector<std::size_t>* counts) const {
  if (!distributed()) {
    if (counts) counts->assign(1, mine.size() / unit);
    return {mine.begin(), mine.end()};
  }
#ifdef IONSIM_MPI
  const int n = as_int(mine.size());
  const bool root = rank_ == 0;
  std::vector<int> sizes(root ? static_cast<std::size_t>(size_) : 0);
  MPI_Gather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  const auto at = displacements(sizes, unit, counts);
  std::vector<std::byte> all(static_cast<std::size_t>(at.back()));
  MPI_Gatherv(mine.data(), n, MPI_BYTE, all.data(), sizes.data(), at.data(), MPI_BYTE, 0,
              MPI_COMM_WORLD);
  return all;
#else
  IONSIM_ASSERT(false);
  return {};
#endif
}

}  // namespace ionsim
