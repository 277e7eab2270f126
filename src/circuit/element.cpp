#include "circuit/element.hpp"

#include <algorithm>

namespace ionsim::circuit {

#define IONSIM_CIRCUIT_ELEMENT(name) const element_type& name##_element();
#include "circuit/elements.def"
#undef IONSIM_CIRCUIT_ELEMENT

const std::vector<const element_type*>& element_types() {
  static const std::vector<const element_type*> types = {
#define IONSIM_CIRCUIT_ELEMENT(name) &name##_element(),
#include "circuit/elements.def"
#undef IONSIM_CIRCUIT_ELEMENT
  };
  return types;
}

const element_type* element_type_for_letter(char letter) {
  for (const element_type* t : element_types())
    if (t->letter == letter) return t;
  return nullptr;
}

const element_type* element_type_for_model(const std::string& model_type) {
  for (const element_type* t : element_types())
    if (std::find(t->model_types.begin(), t->model_types.end(), model_type) != t->model_types.end())
      return t;
  return nullptr;
}

double element_model::power(const double* x, double t) const { return across(x) * current(x, t); }

}  // namespace ionsim::circuit
