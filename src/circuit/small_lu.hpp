#pragma once
// Direct solution of the small linear systems of most circuits (a few dozen unknowns at most),
// assembled in a dense row-major array. The rows' pivot order is kept from one solve to the
// next, as Sparse 1.3 (SPICE) and KLU keep theirs: the elimination then runs over the
// structurally nonzero entries only, with no pivot search and no row swaps. A kept pivot that
// has become smaller than `threshold` times the largest entry below it in its column is not
// used: the system is solved with partial pivoting, and that solve's order is kept instead.
#include <vector>

namespace ionsim::circuit {

class small_lu {
 public:
  // The matrix's size and which entries can be nonzero (row-major n × n).
  void set_pattern(int n, std::vector<char> nonzero);
  enum class result { solved, singular, reorder };
  // Solves a x = b in the kept pivot order: a (row-major n × n) is overwritten, b becomes x.
  // `reorder`: a kept pivot has become too small; a and b are spoiled, and the caller
  // assembles them again for solve_reordered.
  result solve(double* a, double* b);
  // Chooses the order of partial pivoting on a and solves a x = b in it.
  result solve_reordered(double* a, double* b);
  // How many solves chose a new pivot order (the first included).
  int reorders() const { return reorders_; }

  static constexpr double threshold = 1e-3;  // as SPICE's default pivrel

 private:
  bool eliminate(double* a, double* b);  // with the kept order; false: a pivot is too small
  bool choose_order(const double* a);    // partial pivoting; false: singular
  void symbolic();

  int n_ = 0;
  std::vector<char> nonzero_;
  std::vector<int> row_;  // row_[k]: the row whose entry in column k is the k-th pivot
  // per pivot k, in flat arrays: the rows below it (their first entries in lrow_) and the
  // columns right of it (in ucol_) that may be nonzero after elimination
  std::vector<int> lstart_, lrow_, ustart_, ucol_;
  std::vector<double> x_;  // the solution
  bool ordered_ = false;
  int reorders_ = 0;
};

}  // namespace ionsim::circuit
