#include "fastcall.hpp"

#include <string>

namespace totp_native::bindings {

FastSignature::FastSignature(const char* function, std::initializer_list<const char*> params,
                             std::size_t max_positional, std::size_t required)
    : function_(function), names_(params), max_positional_(max_positional), required_(required) {
  for (const char* name : names_) {
    PyObject* interned = PyUnicode_InternFromString(name);
    if (interned == nullptr) throw py::error_already_set();
    interned_.push_back(interned);
  }
}

bool FastSignature::parse(PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
                          PyObject** out) const {
  for (std::size_t i = 0; i < names_.size(); ++i) out[i] = nullptr;
  const auto positional = static_cast<std::size_t>(nargs);
  if (positional > max_positional_) {
    PyErr_Format(PyExc_TypeError, "%s() takes at most %zu positional arguments (%zd given)",
                 function_, max_positional_, nargs);
    return false;
  }
  for (std::size_t i = 0; i < positional; ++i) out[i] = args[i];
  const Py_ssize_t nkw = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t k = 0; k < nkw; ++k) {
    PyObject* name = PyTuple_GET_ITEM(kwnames, k);
    std::size_t slot = names_.size();
    // Call sites pass interned names, so identity almost always decides; a name built
    // at run time (f(**kwargs) with computed keys) falls back to comparing text.
    for (std::size_t i = 0; i < interned_.size(); ++i) {
      if (name == interned_[i]) {
        slot = i;
        break;
      }
    }
    if (slot == names_.size()) {
      for (std::size_t i = 0; i < interned_.size(); ++i) {
        const int cmp = PyObject_RichCompareBool(name, interned_[i], Py_EQ);
        if (cmp < 0) return false;
        if (cmp == 1) {
          slot = i;
          break;
        }
      }
    }
    if (slot == names_.size()) {
      PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument %.64R", function_, name);
      return false;
    }
    if (out[slot] != nullptr) {
      PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", function_,
                   names_[slot]);
      return false;
    }
    out[slot] = args[nargs + k];
  }
  for (std::size_t i = 0; i < required_; ++i) {
    if (out[i] == nullptr) {
      PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", function_, names_[i]);
      return false;
    }
  }
  return true;
}

void add_fast_function(py::module_& m, PyMethodDef* def) {
  auto function = py::reinterpret_steal<py::object>(
      PyCFunction_NewEx(def, nullptr, m.attr("__name__").ptr()));
  if (!function) throw py::error_already_set();
  m.add_object(def->ml_name, function);
}

}  // namespace totp_native::bindings
